package crl

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxCRLSize is the largest DER CRL the package reads (64 MiB): from a
// file, a hash directory or, unless HTTPMaxSize says otherwise, over HTTP.
const MaxCRLSize = 64 << 20

// CRL and CRL entry extensions (RFC 5280, Sections 5.2 and 5.3).
var (
	oidAuthorityKeyIdentifier   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidIssuerAltName            = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidCRLNumber                = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidDeltaCRLIndicator        = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistributionPoint = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidFreshestCRL              = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidReasonCode               = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidInvalidityDate           = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidCertificateIssuer        = asn1.ObjectIdentifier{2, 5, 29, 29}
)

// CRL is a parsed certificate revocation list: what
// x509.ParseRevocationList gives, plus the extensions it leaves encoded.
type CRL struct {
	// RevocationList is the list as crypto/x509 parses it; its Raw field
	// holds the DER the CRL was parsed from.
	*x509.RevocationList
	// IssuingDistributionPoint is the issuing distribution point
	// extension, or nil when the CRL has none.
	IssuingDistributionPoint *IssuingDistributionPoint
	// DeltaCRLIndicator is the BaseCRLNumber of a delta CRL, or nil for a
	// complete CRL.
	DeltaCRLIndicator *big.Int
	// Entries are the revoked certificates, in the CRL's order.
	Entries []Entry
	// UnknownCritical is the first critical CRL or CRL entry extension
	// the package does not process, or nil. RFC 5280 forbids using such a
	// CRL to decide the status of any certificate.
	UnknownCritical asn1.ObjectIdentifier
}

// Entry is one revokedCertificates entry of a CRL.
type Entry struct {
	// SerialNumber is the serial number of the revoked certificate.
	SerialNumber *big.Int
	// RevocationTime is the entry's revocationDate.
	RevocationTime time.Time
	// Reason is the reasonCode extension, Unspecified when it is absent
	// (HasReason false).
	Reason    Reason
	HasReason bool
	// InvalidityDate is the invalidityDate extension, or the zero time.
	InvalidityDate time.Time
	// CertificateIssuer holds the directoryName entries of the issuer of
	// the revoked certificate as DER Names. It follows RFC 5280,
	// Section 5.3.3, whether or not the CRL is indirect: the names of the
	// entry's certificateIssuer extension, else those of the previous
	// entry, else (first entries) the CRL issuer. Check only consults it
	// for indirect CRLs.
	CertificateIssuer [][]byte
}

// IssuingDistributionPoint is a CRL's issuing distribution point
// extension (RFC 5280, Section 5.2.5):
//
//	IssuingDistributionPoint ::= SEQUENCE {
//	     distributionPoint          [0] DistributionPointName OPTIONAL,
//	     onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
//	     onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
//	     onlySomeReasons            [3] ReasonFlags OPTIONAL,
//	     indirectCRL                [4] BOOLEAN DEFAULT FALSE,
//	     onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
type IssuingDistributionPoint struct {
	// URIs, DirNames and OtherNames are the fullName of the
	// distributionPoint, as in DistributionPoint.
	URIs       []string
	DirNames   [][]byte
	OtherNames [][]byte
	// RelativeName is the nameRelativeToCRLIssuer, as a DER
	// RelativeDistinguishedName, or nil.
	RelativeName []byte

	// OnlyContainsUserCerts, OnlyContainsCACerts, IndirectCRL and
	// OnlyContainsAttributeCerts are the booleans of the same names
	// (absent means false).
	OnlyContainsUserCerts bool
	OnlyContainsCACerts   bool
	// OnlySomeReasons is the onlySomeReasons field when HasOnlySomeReasons
	// is set; an absent field means all reasons.
	OnlySomeReasons            ReasonFlags
	HasOnlySomeReasons         bool
	IndirectCRL                bool
	OnlyContainsAttributeCerts bool
}

// hasName reports whether the issuing distribution point names a
// distribution point.
func (idp *IssuingDistributionPoint) hasName() bool {
	return len(idp.URIs) > 0 || len(idp.DirNames) > 0 || len(idp.OtherNames) > 0 || idp.RelativeName != nil
}

// ParseIssuingDistributionPoint parses the value (the contents of the
// extnValue OCTET STRING) of an issuing distribution point extension. The
// input must be exactly one DER SEQUENCE; booleans must be DER (0x00 or
// 0xff).
func ParseIssuingDistributionPoint(der []byte) (*IssuingDistributionPoint, error) {
	in := cryptobyte.String(der)
	var s cryptobyte.String
	if !in.ReadASN1(&s, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errors.New("crl: malformed issuing distribution point")
	}
	idp := &IssuingDistributionPoint{}
	var name, reasons cryptobyte.String
	var hasName, hasReasons bool
	ctx := func(n int) cbasn1.Tag { return cbasn1.Tag(n).ContextSpecific() }
	if !s.ReadOptionalASN1(&name, &hasName, ctx(0).Constructed()) ||
		!readOptionalImplicitBool(&s, ctx(1), &idp.OnlyContainsUserCerts) ||
		!readOptionalImplicitBool(&s, ctx(2), &idp.OnlyContainsCACerts) ||
		!s.ReadOptionalASN1(&reasons, &hasReasons, ctx(3)) ||
		!readOptionalImplicitBool(&s, ctx(4), &idp.IndirectCRL) ||
		!readOptionalImplicitBool(&s, ctx(5), &idp.OnlyContainsAttributeCerts) ||
		!s.Empty() {
		return nil, errors.New("crl: malformed issuing distribution point")
	}
	if hasName {
		dpn, err := parseDistributionPointName(name)
		if err != nil {
			return nil, err
		}
		idp.URIs = dpn.full.uris
		idp.DirNames = dpn.full.dirNames
		idp.OtherNames = dpn.full.others
		idp.RelativeName = dpn.relative
	}
	if hasReasons {
		f, err := parseReasonFlags(reasons)
		if err != nil {
			return nil, err
		}
		idp.OnlySomeReasons, idp.HasOnlySomeReasons = f, true
	}
	return idp, nil
}

// ParseCRL parses one DER CRL with x509.ParseRevocationList and decodes
// the extensions it leaves encoded: issuing distribution point, delta CRL
// indicator, and the entries' reason code, invalidity date and
// certificate issuer. The input must be exactly one CRL and at most
// MaxCRLSize bytes. A CRL or entry extension that appears twice, or a
// known extension that does not parse, is an error. Only version 2 CRLs
// are accepted (crypto/x509 refuses version 1).
func ParseCRL(der []byte) (*CRL, error) {
	if len(der) > MaxCRLSize {
		return nil, errors.New("crl: CRL larger than the size limit")
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, err
	}
	if len(rl.Raw) != len(der) {
		return nil, errors.New("crl: trailing data after CRL")
	}
	c := &CRL{RevocationList: rl}
	seen := map[string]bool{}
	for _, ext := range rl.Extensions {
		key := ext.Id.String()
		if seen[key] {
			return nil, fmt.Errorf("crl: duplicate CRL extension %s", key)
		}
		seen[key] = true
		switch {
		case ext.Id.Equal(oidIssuingDistributionPoint):
			idp, err := ParseIssuingDistributionPoint(ext.Value)
			if err != nil {
				return nil, err
			}
			c.IssuingDistributionPoint = idp
		case ext.Id.Equal(oidDeltaCRLIndicator):
			base := new(big.Int)
			v := cryptobyte.String(ext.Value)
			if !v.ReadASN1Integer(base) || !v.Empty() || base.Sign() < 0 {
				return nil, errors.New("crl: malformed delta CRL indicator")
			}
			c.DeltaCRLIndicator = base
		case ext.Id.Equal(oidAuthorityKeyIdentifier), ext.Id.Equal(oidIssuerAltName),
			ext.Id.Equal(oidCRLNumber), ext.Id.Equal(oidFreshestCRL):
			// Known; crypto/x509 decodes the ones Check needs.
		default:
			if ext.Critical && c.UnknownCritical == nil {
				c.UnknownCritical = ext.Id
			}
		}
	}
	c.Entries = make([]Entry, 0, len(rl.RevokedCertificateEntries))
	issuer := [][]byte{rl.RawIssuer}
	for i := range rl.RevokedCertificateEntries {
		e, err := c.parseEntry(&rl.RevokedCertificateEntries[i], issuer)
		if err != nil {
			return nil, err
		}
		issuer = e.CertificateIssuer
		c.Entries = append(c.Entries, e)
	}
	return c, nil
}

func (c *CRL) parseEntry(rce *x509.RevocationListEntry, issuer [][]byte) (Entry, error) {
	e := Entry{
		SerialNumber:      rce.SerialNumber,
		RevocationTime:    rce.RevocationTime,
		CertificateIssuer: issuer,
	}
	var seenReason, seenDate, seenIssuer bool
	for _, ext := range rce.Extensions {
		switch {
		case ext.Id.Equal(oidReasonCode):
			v := cryptobyte.String(ext.Value)
			var code int
			if seenReason || !v.ReadASN1Enum(&code) || !v.Empty() || code < 0 || code > 0xffff {
				return e, errors.New("crl: malformed or repeated reasonCode")
			}
			seenReason = true
			e.Reason, e.HasReason = Reason(code), true
		case ext.Id.Equal(oidInvalidityDate):
			v := cryptobyte.String(ext.Value)
			var t time.Time
			if seenDate || !v.ReadASN1GeneralizedTime(&t) || !v.Empty() {
				return e, errors.New("crl: malformed or repeated invalidityDate")
			}
			seenDate = true
			e.InvalidityDate = t
		case ext.Id.Equal(oidCertificateIssuer):
			v := cryptobyte.String(ext.Value)
			var names cryptobyte.String
			if seenIssuer || !v.ReadASN1(&names, cbasn1.SEQUENCE) || !v.Empty() {
				return e, errors.New("crl: malformed or repeated certificateIssuer")
			}
			seenIssuer = true
			g, err := parseGeneralNames(names)
			if err != nil {
				return e, err
			}
			e.CertificateIssuer = g.dirNames
			if e.CertificateIssuer == nil {
				e.CertificateIssuer = [][]byte{}
			}
		default:
			if ext.Critical && c.UnknownCritical == nil {
				c.UnknownCritical = ext.Id
			}
		}
	}
	return e, nil
}
