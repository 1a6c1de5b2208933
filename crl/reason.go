package crl

// Reason is a CRLReason (RFC 5280, Section 5.3.1).
type Reason int

// The CRL reason codes; 7 is not used.
const (
	Unspecified          Reason = 0
	KeyCompromise        Reason = 1
	CACompromise         Reason = 2
	AffiliationChanged   Reason = 3
	Superseded           Reason = 4
	CessationOfOperation Reason = 5
	CertificateHold      Reason = 6
	RemoveFromCRL        Reason = 8
	PrivilegeWithdrawn   Reason = 9
	AACompromise         Reason = 10
)

// String returns the ASN.1 name that Erlang's public_key uses for the
// reason, for example "keyCompromise", and "unknown" for a value RFC 5280
// does not define (Check still reports a certificate listed with such a
// code as revoked, with that Reason).
func (r Reason) String() string {
	switch r {
	case Unspecified:
		return "unspecified"
	case KeyCompromise:
		return "keyCompromise"
	case CACompromise:
		return "cACompromise"
	case AffiliationChanged:
		return "affiliationChanged"
	case Superseded:
		return "superseded"
	case CessationOfOperation:
		return "cessationOfOperation"
	case CertificateHold:
		return "certificateHold"
	case RemoveFromCRL:
		return "removeFromCRL"
	case PrivilegeWithdrawn:
		return "privilegeWithdrawn"
	case AACompromise:
		return "aACompromise"
	}
	return "unknown"
}

// ReasonFlags is the ReasonFlags bit string of a distribution point or an
// issuing distribution point: bit n set means Reason n is covered.
//
// The ASN.1 BIT STRING numbers the reasons differently from CRLReason: its
// bit 0 is "unused" (here bit 0, Unspecified), bits 1 to 6 are the reasons
// of the same number, bit 7 is privilegeWithdrawn (here bit 9) and bit 8
// aACompromise (here bit 10). The parsers translate; bits above 8 of the
// BIT STRING are ignored.
type ReasonFlags uint16

// Has reports whether r is among the flags.
func (f ReasonFlags) Has(r Reason) bool {
	return r >= 0 && r < 16 && f&(1<<r) != 0
}

// AllReasons is every reason (a distribution point without a reasons field).
const AllReasons ReasonFlags = 1<<KeyCompromise | 1<<CACompromise |
	1<<AffiliationChanged | 1<<Superseded | 1<<CessationOfOperation |
	1<<CertificateHold | 1<<PrivilegeWithdrawn | 1<<AACompromise
