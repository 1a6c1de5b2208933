package x509path

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The certificate profile rules of ProfileStrict (RFC 5280, Section 4; CA/
// Browser Forum Baseline Requirements, Section 7.1). Each violation is a
// BadCert event, in the order below, before the certificate's other
// checks.

// strictChecks delivers the profile violations of ci in role r.
func (a *attempt) strictChecks(ci *certInfo, r role) bool {
	c := ci.c
	ca := r == roleAnchor || r == roleCA
	viol := func(rule string) bool { return a.bad(ci, ProfileViolation{Rule: rule}) }

	// Version 3 (RFC 5280 4.1.2.1 for certificates with extensions; BR
	// 7.1.1 for all).
	if c.Version != 3 && !viol("certificate_version") {
		return false
	}
	// Serial number: positive, at most 20 octets (RFC 5280 4.1.2.2).
	if c.SerialNumber == nil || c.SerialNumber.Sign() <= 0 {
		if !viol("serial_number_not_positive") {
			return false
		}
	} else if n := len(c.SerialNumber.Bytes()); n > 20 || n == 20 && c.SerialNumber.Bytes()[0]&0x80 != 0 {
		if !viol("serial_number_too_long") {
			return false
		}
	}
	// Issuer and CA subject not empty (RFC 5280 4.1.2.4, 4.1.2.6).
	if ci.issuer.empty() && !viol("empty_issuer") {
		return false
	}
	if ci.subject.empty() {
		if ca && !viol("empty_subject") {
			return false
		}
		if !(ci.hasSAN && ci.sanCrit) && !viol("empty_subject_without_critical_subject_alt_name") {
			return false
		}
	} else if ci.hasSAN && ci.sanCrit && !viol("critical_subject_alt_name") {
		// BR 7.1.2.7.12: not critical when the subject is not empty.
		return false
	}
	// Authority key identifier: present with a key identifier, except in
	// self-signed certificates, and without issuer and serial (RFC 5280
	// 4.2.1.1; BR 7.1.2.11.1).
	// Self-signed: self-issued and verifiable with its own key; a weak
	// algorithm does not matter here (a self-signature protects nothing).
	selfSigned := false
	if ci.selfIssued {
		err := a.v.signatureError(ci, ci)
		selfSigned = err == nil || err == errWeakSignature
	}
	switch {
	case ci.akiErr != nil:
		if !viol("malformed_authority_key_identifier") {
			return false
		}
	case ci.aki == nil:
		if !selfSigned && !viol("missing_authority_key_identifier") {
			return false
		}
	default:
		if !ci.aki.hasKeyID && !viol("authority_key_identifier_without_key_identifier") {
			return false
		}
		if (ci.aki.hasIssuer || ci.aki.hasSerial) && !viol("authority_key_identifier_issuer_and_serial") {
			return false
		}
		if selfSigned && ci.aki.hasKeyID && !bytes.Equal(ci.aki.keyID, ci.ski) && !viol("authority_key_identifier_mismatch") {
			return false
		}
	}
	// Subject key identifier in CA certificates (RFC 5280 4.2.1.2).
	if ca && len(ci.ski) == 0 && !viol("missing_subject_key_identifier") {
		return false
	}
	// Basic constraints critical in CA certificates (RFC 5280 4.2.1.9).
	if ext, ok := extension(c, oidExtBasicConstraints); ok {
		if ca && c.IsCA && !ext.Critical && !viol("basic_constraints_not_critical") {
			return false
		}
	}
	// keyCertSign exactly with cA (RFC 5280 4.2.1.3, 4.2.1.9): a peer that
	// is a CA must be able to sign certificates, as the last certificate of
	// a path may be a CA; an end entity with cA set and a key usage without
	// keyCertSign is refused (BR 7.1.2.7.8). CAs of the path get
	// invalid_key_usage for this instead.
	isCA := c.BasicConstraintsValid && c.IsCA
	if c.KeyUsage&x509.KeyUsageCertSign != 0 && !isCA && !viol("key_cert_sign_without_ca") {
		return false
	}
	if r.peer() && isCA && hasExtension(c, oidExtKeyUsage) && c.KeyUsage&x509.KeyUsageCertSign == 0 &&
		!viol("ca_without_key_cert_sign") {
		return false
	}
	// Authority information access syntax (RFC 5280 4.2.2.1).
	if ext, ok := extension(c, oidExtAuthorityInfo); ok {
		if parseAuthorityInfoAccess(ext.Value) != nil && !viol("malformed_authority_info_access") {
			return false
		}
	}
	// Subject alternative names in the peer (BR 7.1.2.7.12).
	if r.peer() && !sanHasEntries(c) && !viol("missing_subject_alt_name") {
		return false
	}
	// Key algorithms (BR 6.1.5, plus Ed25519 as rustls-webpki).
	if rule := keyProblem(c); rule != "" && !viol(rule) {
		return false
	}
	return true
}

func keyProblem(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "rsa_key_too_small"
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return "public_key_algorithm"
		}
	case ed25519.PublicKey:
	default:
		return "public_key_algorithm"
	}
	return ""
}

// extension returns c's extension with the given OID.
func extension(c *x509.Certificate, oid asn1.ObjectIdentifier) (extValue, bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return extValue{Critical: e.Critical, Value: e.Value}, true
		}
	}
	return extValue{}, false
}

type extValue struct {
	Critical bool
	Value    []byte
}

// hasExtension reports whether c has an extension with the given OID.
func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	_, ok := extension(c, oid)
	return ok
}

// extKeyUsageOIDs returns the OIDs of c's extended key usage extension in
// certificate order.
func extKeyUsageOIDs(c *x509.Certificate) []asn1.ObjectIdentifier {
	ext, ok := extension(c, oidExtExtKeyUsage)
	if !ok {
		return nil
	}
	s := cryptobyte.String(ext.Value)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil
	}
	var out []asn1.ObjectIdentifier
	for !seq.Empty() && len(out) < maxGeneralNames {
		var o asn1.ObjectIdentifier
		if !seq.ReadASN1ObjectIdentifier(&o) {
			break
		}
		out = append(out, o)
	}
	return out
}
