package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extension identifiers used by the CRL helpers.
var (
	OIDCRLDistributionPoints    = asn1.ObjectIdentifier{2, 5, 29, 31}
	OIDIssuingDistributionPoint = asn1.ObjectIdentifier{2, 5, 29, 28}
	OIDDeltaCRLIndicator        = asn1.ObjectIdentifier{2, 5, 29, 27}
	OIDReasonCode               = asn1.ObjectIdentifier{2, 5, 29, 21}
	OIDInvalidityDate           = asn1.ObjectIdentifier{2, 5, 29, 24}
	OIDCertificateIssuer        = asn1.ObjectIdentifier{2, 5, 29, 29}
)

// DPSpec describes one DistributionPoint of a CRL distribution points
// extension (RFC 5280, Section 4.2.1.13).
type DPSpec struct {
	URIs []string
	// DirNames are directoryName entries of the fullName, as DER Names.
	DirNames [][]byte
	// RelativeName is a DER RelativeDistinguishedName (a SET) used as
	// nameRelativeToCRLIssuer instead of a fullName.
	RelativeName []byte
	// Reasons are CRLReason codes (1-6, 9, 10; 0 sets the "unused" bit);
	// nil leaves the reasons field out.
	Reasons []int
	// CRLIssuer are directoryName entries of the cRLIssuer field, as DER
	// Names.
	CRLIssuer [][]byte
}

// IDPSpec describes an issuing distribution point CRL extension
// (RFC 5280, Section 5.2.5).
type IDPSpec struct {
	URIs         []string
	DirNames     [][]byte
	RelativeName []byte
	OnlyUser     bool
	OnlyCA       bool
	// OnlySomeReasons are CRLReason codes; nil leaves the field out.
	OnlySomeReasons []int
	Indirect        bool
	OnlyAttr        bool
}

// reasonBit maps a CRLReason code to its position in a ReasonFlags BIT
// STRING.
func reasonBit(code int) int {
	switch code {
	case 9:
		return 7
	case 10:
		return 8
	}
	return code
}

// ReasonFlagsBitString returns the contents of a DER ReasonFlags BIT
// STRING with the given CRLReason codes set.
func ReasonFlagsBitString(codes []int) []byte {
	var bits [2]byte
	top := -1
	for _, c := range codes {
		p := reasonBit(c)
		if p < 0 || p > 15 {
			continue
		}
		bits[p/8] |= 0x80 >> (p % 8)
		if p > top {
			top = p
		}
	}
	if top < 0 {
		return []byte{0}
	}
	n := top/8 + 1
	return append([]byte{byte(7 - top%8)}, bits[:n]...)
}

func addGeneralNames(b *cryptobyte.Builder, uris []string, dirNames [][]byte) {
	for _, d := range dirNames {
		b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(d) })
	}
	for _, u := range uris {
		b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u)) })
	}
}

// addDPName adds a [0] DistributionPointName when there is a name.
func addDPName(b *cryptobyte.Builder, uris []string, dirNames [][]byte, relative []byte) {
	if len(uris) == 0 && len(dirNames) == 0 && relative == nil {
		return
	}
	b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
		if relative != nil {
			// [1] IMPLICIT RelativeDistinguishedName: the SET's contents.
			s := cryptobyte.String(relative)
			var body cryptobyte.String
			if !s.ReadASN1(&body, cbasn1.SET) {
				body = cryptobyte.String(relative)
			}
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(body) })
			return
		}
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			addGeneralNames(b, uris, dirNames)
		})
	})
}

// EncodeDistributionPoints returns the value of a CRL distribution points
// extension.
func EncodeDistributionPoints(dps ...DPSpec) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, dp := range dps {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addDPName(b, dp.URIs, dp.DirNames, dp.RelativeName)
				if dp.Reasons != nil {
					b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddBytes(ReasonFlagsBitString(dp.Reasons))
					})
				}
				if len(dp.CRLIssuer) > 0 {
					b.AddASN1(cbasn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						addGeneralNames(b, nil, dp.CRLIssuer)
					})
				}
			})
		}
	})
	return b.BytesOrPanic()
}

// EncodeIDP returns the value of an issuing distribution point extension.
func EncodeIDP(spec IDPSpec) []byte {
	var b cryptobyte.Builder
	ctx := func(n int) cbasn1.Tag { return cbasn1.Tag(n).ContextSpecific() }
	boolean := func(b *cryptobyte.Builder, n int, v bool) {
		if v {
			b.AddASN1(ctx(n), func(b *cryptobyte.Builder) { b.AddUint8(0xff) })
		}
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addDPName(b, spec.URIs, spec.DirNames, spec.RelativeName)
		boolean(b, 1, spec.OnlyUser)
		boolean(b, 2, spec.OnlyCA)
		if spec.OnlySomeReasons != nil {
			b.AddASN1(ctx(3), func(b *cryptobyte.Builder) { b.AddBytes(ReasonFlagsBitString(spec.OnlySomeReasons)) })
		}
		boolean(b, 4, spec.Indirect)
		boolean(b, 5, spec.OnlyAttr)
	})
	return b.BytesOrPanic()
}

// EncodeGeneralNames returns a DER GeneralNames SEQUENCE of directory
// names (for the certificateIssuer entry extension).
func EncodeGeneralNames(dirNames ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { addGeneralNames(b, nil, dirNames) })
	return b.BytesOrPanic()
}

// DistributionPoints sets a CRL distribution points extension with every
// field under the test's control (it overrides CRLDistributionPoints).
func DistributionPoints(dps ...DPSpec) Option {
	return Extension(OIDCRLDistributionPoints, false, EncodeDistributionPoints(dps...))
}

// IDP adds a critical issuing distribution point extension to a CRL.
func IDP(spec IDPSpec) CRLOption {
	return CRLExtension(OIDIssuingDistributionPoint, true, EncodeIDP(spec))
}

// DeltaIndicator makes the CRL a delta CRL of the given base CRL number.
func DeltaIndicator(base int64) CRLOption {
	v, _ := asn1.Marshal(big.NewInt(base))
	return CRLExtension(OIDDeltaCRLIndicator, true, v)
}

// CRLEntry is a CRL entry whose extensions the test controls fully.
type CRLEntry struct {
	Serial *big.Int
	Time   time.Time
	// Reason is the CRLReason code; negative leaves the extension out (0
	// is encoded).
	Reason int
	// CertificateIssuer, when not nil, adds a certificateIssuer extension
	// naming these DER Names.
	CertificateIssuer [][]byte
	// InvalidityDate, when not zero, adds an invalidityDate extension.
	InvalidityDate time.Time
	// Extra are further entry extensions.
	Extra []pkix.Extension
}

// Entry returns a CRLEntry revoking c with the given reason code.
func (c *Cert) Entry(reason int) CRLEntry {
	return CRLEntry{Serial: c.Cert.SerialNumber, Time: c.pki.Now.Add(-30 * time.Minute), Reason: reason}
}

// RawCRL returns a DER CRL signed by c with entries built exactly as
// given (unlike CRL, a reason code of 0 is encoded, and entry extensions
// may be anything). It is valid from an hour before the PKI's Now to a
// day after, unless an option says otherwise.
func (c *Cert) RawCRL(entries []CRLEntry, opts ...CRLOption) []byte {
	c.pki.tb.Helper()
	return c.CRLSignedBy(c.Key, entries, opts...)
}

// CRLSignedBy is RawCRL with the signature made by key instead of c's key:
// the CRL names c as its issuer but does not verify under c's key.
func (c *Cert) CRLSignedBy(key crypto.Signer, entries []CRLEntry, opts ...CRLOption) []byte {
	c.pki.tb.Helper()
	return c.buildCRL(nil, key, entries, opts)
}

// CRLNamed is RawCRL with rawIssuer (a DER Name) as the CRL's issuer field
// instead of c's subject, signed with c's key.
func (c *Cert) CRLNamed(rawIssuer []byte, entries []CRLEntry, opts ...CRLOption) []byte {
	c.pki.tb.Helper()
	return c.buildCRL(rawIssuer, c.Key, entries, opts)
}

func (c *Cert) buildCRL(rawIssuer []byte, key crypto.Signer, entries []CRLEntry, opts []CRLOption) []byte {
	c.pki.tb.Helper()
	rl := &x509.RevocationList{
		Number:     big.NewInt(c.pki.serial.Add(1)),
		ThisUpdate: c.pki.Now.Add(-time.Hour),
		NextUpdate: c.pki.Now.Add(24 * time.Hour),
	}
	for _, e := range entries {
		var exts []pkix.Extension
		if e.Reason >= 0 {
			v, _ := asn1.Marshal(asn1.Enumerated(e.Reason))
			exts = append(exts, pkix.Extension{Id: OIDReasonCode, Value: v})
		}
		if !e.InvalidityDate.IsZero() {
			v, _ := asn1.MarshalWithParams(e.InvalidityDate.UTC(), "generalized")
			exts = append(exts, pkix.Extension{Id: OIDInvalidityDate, Value: v})
		}
		if e.CertificateIssuer != nil {
			exts = append(exts, pkix.Extension{Id: OIDCertificateIssuer, Critical: true,
				Value: EncodeGeneralNames(e.CertificateIssuer...)})
		}
		exts = append(exts, e.Extra...)
		rl.RevokedCertificates = append(rl.RevokedCertificates, pkix.RevokedCertificate{
			SerialNumber: e.Serial, RevocationTime: e.Time.UTC(), Extensions: exts,
		})
	}
	for _, o := range opts {
		o(rl)
	}
	issuer := c.Cert
	if issuer.KeyUsage&x509.KeyUsageCRLSign == 0 || len(issuer.SubjectKeyId) == 0 {
		// crypto/x509 insists on both; the test may want a CRL from a
		// certificate without them.
		cp := *issuer
		cp.KeyUsage |= x509.KeyUsageCRLSign
		if len(cp.SubjectKeyId) == 0 {
			cp.SubjectKeyId = []byte{1}
		}
		issuer = &cp
	}
	if rawIssuer != nil {
		cp := *issuer
		cp.RawSubject = rawIssuer
		issuer = &cp
	}
	der, err := x509.CreateRevocationList(rand.Reader, rl, issuer, key)
	if err != nil {
		c.pki.tb.Fatalf("testpki: creating CRL of %q: %v", c.Cert.Subject.CommonName, err)
	}
	return der
}
