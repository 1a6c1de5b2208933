package x509path

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"strconv"
	"strings"

	"github.com/otpssl/ssl/crl"
)

// Reason is why a certificate is bad, in the form Erlang's ssl and
// public_key report it: String returns the Erlang term that follows
// bad_cert, for example "unknown_ca" or "{revoked,keyCompromise}".
//
// The reasons this package produces are the Atom constants and the
// Revoked, RevocationStatusUndetermined, InvalidExtKeyUsage,
// KeyUsageMismatch, ProfileViolation and DecodeFailure types. A VerifyFun
// may fail with any Reason of its own, for example an Atom.
type Reason interface {
	String() string
}

// Atom is a reason that is a single Erlang atom. A VerifyFun may fail with
// any Atom of its own; its text is used as given.
type Atom string

// String returns the atom.
func (a Atom) String() string { return string(a) }

// The atom reasons of Erlang's ssl and public_key, and the few this
// package adds (marked below).
const (
	// UnknownCA: no trusted root anchors the chain (Erlang unknown_ca).
	UnknownCA Atom = "unknown_ca"
	// SelfSignedPeer: the chain is one self-signed certificate that is not
	// trusted (Erlang selfsigned_peer).
	SelfSignedPeer Atom = "selfsigned_peer"
	// CertExpired: the validation time is outside the certificate's
	// validity period, before notBefore or after notAfter (Erlang
	// cert_expired, used for both).
	CertExpired Atom = "cert_expired"
	// InvalidIssuer: the certificate's issuer name does not name the
	// certificate above it in the path (Erlang invalid_issuer).
	InvalidIssuer Atom = "invalid_issuer"
	// InvalidSignature: the signature does not verify with the issuer's
	// key (Erlang invalid_signature).
	InvalidSignature Atom = "invalid_signature"
	// UnsupportedSignature: the signature algorithm is unknown or too weak
	// to be trusted (MD2, MD5, SHA-1, DSA) (Erlang unsupported_signature).
	UnsupportedSignature Atom = "unsupported_signature"
	// NameNotPermitted: a name of the certificate violates the name
	// constraints of a CA above it (Erlang name_not_permitted).
	NameNotPermitted Atom = "name_not_permitted"
	// MissingBasicConstraint: a certificate used as a CA has no basic
	// constraints extension or does not assert cA (Erlang
	// missing_basic_constraint).
	MissingBasicConstraint Atom = "missing_basic_constraint"
	// InvalidKeyUsage: a CA's key usage lacks keyCertSign, or the peer's
	// key usage lacks a bit Options.KeyUsage requires (Erlang
	// invalid_key_usage).
	InvalidKeyUsage Atom = "invalid_key_usage"
	// HostnameCheckFailed: the peer certificate does not name the host
	// (Erlang hostname_check_failed).
	HostnameCheckFailed Atom = "hostname_check_failed"
	// UnknownCriticalExtension: a critical extension was answered Unknown
	// (Erlang unknown_critical_extension).
	UnknownCriticalExtension Atom = "unknown_critical_extension"
	// MaxPathLengthReached: the path has more non-self-issued
	// intermediates than the depth or a pathLenConstraint allows (Erlang
	// max_path_length_reached).
	MaxPathLengthReached Atom = "max_path_length_reached"
	// RevocationStatusUndeterminedAtom is the bare atom form of
	// RevocationStatusUndetermined, used when there is no detail.
	RevocationStatusUndeterminedAtom Atom = "revocation_status_undetermined"
	// PathSearchLimitReached: path building gave up because the offered
	// certificates allow more candidate paths than it will explore, and
	// none of those it explored is valid. Added by this package.
	PathSearchLimitReached Atom = "path_search_limit_reached"
	// ChainTooLong: the peer sent more certificates than MaxChainCerts.
	// Added by this package.
	ChainTooLong Atom = "certificate_chain_too_long"
)

// Revoked is Erlang's {revoked, Reason}: a CRL lists the certificate.
type Revoked struct {
	// Reason is the CRL entry's reason code (unspecified when it has none).
	Reason crl.Reason
}

// String returns "{revoked,Reason}", for example "{revoked,keyCompromise}".
func (r Revoked) String() string { return "{revoked," + r.Reason.String() + "}" }

// RevocationStatusUndetermined is Erlang's {revocation_status_undetermined,
// Detail}: no usable CRL decides whether the certificate is revoked.
type RevocationStatusUndetermined struct {
	// Detail is the Erlang term explaining why, as crl.Check reports it,
	// for example "{bad_crls,no_relevant_crls}".
	Detail string
}

// String returns "{revocation_status_undetermined,Detail}", or the bare
// atom when Detail is empty.
func (r RevocationStatusUndetermined) String() string {
	if r.Detail == "" {
		return string(RevocationStatusUndeterminedAtom)
	}
	return "{revocation_status_undetermined," + r.Detail + "}"
}

// InvalidExtKeyUsage is current Erlang's {invalid_ext_keyusage, Purposes}
// (the peer) or {ca_invalid_ext_keyusage, Purposes} (a CA): the extended
// key usage extension does not allow the purpose the path is validated
// for.
type InvalidExtKeyUsage struct {
	// CA is true when the certificate is a CA of the path, not the peer.
	CA bool
	// Purposes lists the certificate's extended key usages as an Erlang
	// list of OID tuples, for example "[{1,3,6,1,5,5,7,3,2}]".
	Purposes string
}

// String returns "{invalid_ext_keyusage,Purposes}" or
// "{ca_invalid_ext_keyusage,Purposes}".
func (r InvalidExtKeyUsage) String() string {
	if r.CA {
		return "{ca_invalid_ext_keyusage," + r.Purposes + "}"
	}
	return "{invalid_ext_keyusage," + r.Purposes + "}"
}

// KeyUsageMismatch is current Erlang's {key_usage_mismatch, {KeyUsage,
// ExtKeyUsage}}: the peer's key usage bits cannot serve the purposes of
// its extended key usage (for example serverAuth without
// digitalSignature, keyEncipherment or keyAgreement).
type KeyUsageMismatch struct {
	// KeyUsage lists the key usage bits as an Erlang list of atoms, for
	// example "[keyCertSign]".
	KeyUsage string
	// ExtKeyUsage lists the extended key usages as an Erlang list of OID
	// tuples.
	ExtKeyUsage string
}

// String returns "{key_usage_mismatch,{KeyUsage,ExtKeyUsage}}". Erlang
// prints the two extension records in full; this form keeps only their
// values.
func (r KeyUsageMismatch) String() string {
	return "{key_usage_mismatch,{" + r.KeyUsage + "," + r.ExtKeyUsage + "}}"
}

// ProfileViolation is a reason of this package, produced only with
// ProfileStrict: the certificate breaks a rule of the RFC 5280 or CA/Browser
// Forum certificate profile that Erlang does not check.
type ProfileViolation struct {
	// Rule names the rule, for example "missing_authority_key_identifier".
	Rule string
}

// String returns "{profile_violation,Rule}".
func (r ProfileViolation) String() string { return "{profile_violation," + r.Rule + "}" }

// DecodeFailure is a reason of this package: certificate number Index of
// the chain (0 is the peer) does not parse. Erlang fails such a handshake
// with {failed_to_decode_certificate, Detail} before path validation; so
// does Validate, and the VerifyFun is not called.
type DecodeFailure struct {
	// Index is the certificate's position in the chain.
	Index int
	// Detail is the parser's message.
	Detail string
}

// String returns "{failed_to_decode_certificate,Index}".
func (r DecodeFailure) String() string {
	return "{failed_to_decode_certificate," + strconv.Itoa(r.Index) + "}"
}

// BadCertError is the error of a failed validation: Erlang's {bad_cert,
// Reason}. Validate returns it as a value, so
//
//	var bad x509path.BadCertError
//	if errors.As(err, &bad) { ... bad.Reason ... }
//
// finds it, and errors.Is(err, x509path.BadCertError{Reason:
// x509path.UnknownCA}) tests for one reason.
type BadCertError struct {
	// Reason is the Erlang reason.
	Reason Reason
	// Cert is the certificate the reason is about, when known.
	Cert *x509.Certificate
}

// Error returns a sentence naming the reason.
func (e BadCertError) Error() string {
	return "x509path: bad certificate: " + reasonString(e.Reason)
}

// Term returns the Erlang term {bad_cert,Reason}.
func (e BadCertError) Term() string { return "{bad_cert," + reasonString(e.Reason) + "}" }

// Is reports whether target is a BadCertError with the same reason (the
// same Erlang term); a target with a nil Reason matches any BadCertError.
func (e BadCertError) Is(target error) bool {
	var t BadCertError
	switch tt := target.(type) {
	case BadCertError:
		t = tt
	case *BadCertError:
		if tt == nil {
			return false
		}
		t = *tt
	default:
		return false
	}
	return t.Reason == nil || reasonString(t.Reason) == reasonString(e.Reason)
}

func reasonString(r Reason) string {
	if r == nil {
		return "undefined"
	}
	return r.String()
}

// ErrEmptyChain is returned by Validate for a chain without certificates.
// Whether an empty certificate message is acceptable (fail_if_no_peer_cert)
// is for the handshake to decide before calling Validate.
var ErrEmptyChain = errors.New("x509path: no peer certificate")

// oidListTerm renders OIDs as an Erlang list of tuples: [{1,2,3},{4,5}].
func oidListTerm(oids []asn1.ObjectIdentifier) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, o := range oids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, n := range o {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// keyUsageTerm renders key usage bits as an Erlang list of the atoms
// public_key uses.
func keyUsageTerm(ku x509.KeyUsage) string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment",
		"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
		"encipherOnly", "decipherOnly"}
	var parts []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}
