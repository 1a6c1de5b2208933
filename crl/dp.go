package crl

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxDistributionPoints bounds the distribution points read from one
// certificate.
const maxDistributionPoints = 64

var oidCRLDistributionPoints = asn1.ObjectIdentifier{2, 5, 29, 31}

// CertificateDistributionPoints returns the distribution points of the
// certificate's CRL distribution points extension (RFC 5280,
// Section 4.2.1.13), or nil when it has none. crypto/x509 keeps only the
// URIs of the extension; this keeps every field.
func CertificateDistributionPoints(cert *x509.Certificate) ([]DistributionPoint, error) {
	if cert == nil {
		return nil, nil
	}
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidCRLDistributionPoints) {
			return ParseDistributionPoints(ext.Value)
		}
	}
	return nil, nil
}

// ParseDistributionPoints parses the value (the contents of the
// extnValue OCTET STRING) of a CRL distribution points extension:
//
//	CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint
//	DistributionPoint ::= SEQUENCE {
//	     distributionPoint       [0]     DistributionPointName OPTIONAL,
//	     reasons                 [1]     ReasonFlags OPTIONAL,
//	     cRLIssuer               [2]     GeneralNames OPTIONAL }
//
// The input must be exactly one such SEQUENCE in DER. An empty SEQUENCE is
// accepted and gives no distribution points. At most 64 distribution
// points and 1024 names in each GeneralNames are read; more is an error.
// In the result a reasons field maps to ReasonFlags as its documentation
// describes (bit n set means CRLReason n); a reasons field present with no
// bit set reads as zero, that is all reasons. cRLIssuer keeps only its
// directoryName entries.
func ParseDistributionPoints(der []byte) ([]DistributionPoint, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errors.New("crl: malformed CRL distribution points")
	}
	var dps []DistributionPoint
	for !seq.Empty() {
		if len(dps) == maxDistributionPoints {
			return nil, errors.New("crl: too many CRL distribution points")
		}
		var dpSeq cryptobyte.String
		if !seq.ReadASN1(&dpSeq, cbasn1.SEQUENCE) {
			return nil, errors.New("crl: malformed distribution point")
		}
		dp, err := parseDistributionPoint(dpSeq)
		if err != nil {
			return nil, err
		}
		dps = append(dps, dp)
	}
	return dps, nil
}

func parseDistributionPoint(s cryptobyte.String) (DistributionPoint, error) {
	var dp DistributionPoint
	var name, reasons, issuer cryptobyte.String
	var hasName, hasReasons, hasIssuer bool
	if !s.ReadOptionalASN1(&name, &hasName, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!s.ReadOptionalASN1(&reasons, &hasReasons, cbasn1.Tag(1).ContextSpecific()) ||
		!s.ReadOptionalASN1(&issuer, &hasIssuer, cbasn1.Tag(2).ContextSpecific().Constructed()) ||
		!s.Empty() {
		return dp, errors.New("crl: malformed distribution point")
	}
	if hasName {
		dpn, err := parseDistributionPointName(name)
		if err != nil {
			return dp, err
		}
		dp.URIs = dpn.full.uris
		dp.DirNames = dpn.full.dirNames
		dp.OtherNames = dpn.full.others
		dp.RelativeName = dpn.relative
	}
	if hasReasons {
		f, err := parseReasonFlags(reasons)
		if err != nil {
			return dp, err
		}
		dp.Reasons = f
	}
	if hasIssuer {
		g, err := parseGeneralNames(issuer)
		if err != nil {
			return dp, err
		}
		dp.CRLIssuer = g.dirNames
	}
	return dp, nil
}

// hasName reports whether the distribution point names a distribution
// point (fullName or nameRelativeToCRLIssuer).
func (dp DistributionPoint) hasName() bool {
	return len(dp.URIs) > 0 || len(dp.DirNames) > 0 || len(dp.OtherNames) > 0 || dp.RelativeName != nil
}
