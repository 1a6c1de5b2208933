package pem

import (
	"crypto"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidRSA     = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidDSA     = encasn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidECDSA   = encasn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidEd25519 = encasn1.ObjectIdentifier{1, 3, 101, 112}
)

// keyAlgorithmNames names the key algorithms of PrivateKeyInfo this
// package refuses, for the error.
var keyAlgorithmNames = map[string]string{
	"1.2.840.113549.1.1.10": "RSASSA-PSS",
	"1.3.101.110":           "X25519",
	"1.3.101.111":           "X448",
	"1.3.101.113":           "Ed448",
	"1.2.840.113549.1.3.1":  "dhKeyAgreement",
	"1.2.840.10046.2.1":     "X9.42 DH",
	"1.2.156.10197.1.301":   "SM2",
}

// ParsePrivateKey parses the DER of a private key of the given kind, as
// Erlang's {key, {Kind, DER}} option carries it:
//
//   - RSAPrivateKey: PKCS#1 (RFC 8017, appendix A.1.2), an *rsa.PrivateKey;
//   - DSAPrivateKey: OpenSSL's traditional DSA key, a *DSASigner;
//   - ECPrivateKey: SEC 1 (RFC 5915) with a named curve (P-224, P-256,
//     P-384, P-521), an *ecdsa.PrivateKey;
//   - PrivateKeyInfo: PKCS#8 (RFC 5208, and version 2 of RFC 5958) holding
//     an RSA, ECDSA, Ed25519 or DSA key; an Ed25519 key is an
//     ed25519.PrivateKey.
//
// An encrypted PKCS#8 key must first go through DecryptPKCS8. Key
// algorithms that cannot sign (X25519, DH) and those Go has no signer for
// (Ed448, RSASSA-PSS-only keys) give an *UnsupportedError.
func ParsePrivateKey(kind KeyKind, der []byte) (crypto.Signer, error) {
	switch kind {
	case RSAPrivateKey:
		k, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, errorf("RSAPrivateKey: %v", err)
		}
		return k, nil
	case DSAPrivateKey:
		return ParseDSAPrivateKey(der)
	case ECPrivateKey:
		k, err := x509.ParseECPrivateKey(der)
		if err != nil {
			return nil, errorf("ECPrivateKey: %v", err)
		}
		return k, nil
	case PrivateKeyInfo:
		return parsePKCS8(der)
	}
	return nil, errorf("%v is not a private key kind", kind)
}

// ParseAnyPrivateKey parses a DER private key of any kind ParsePrivateKey
// takes, telling the kind from the structure, and returns the kind with
// the key. An EncryptedPrivateKeyInfo is recognised and refused with a
// hint to decrypt it first.
func ParseAnyPrivateKey(der []byte) (crypto.Signer, Kind, error) {
	kind, err := detectKeyKind(der)
	if err != nil {
		return nil, Unknown, err
	}
	k, err := ParsePrivateKey(kind, der)
	if err != nil {
		return nil, kind, err
	}
	return k, kind, nil
}

// detectKeyKind looks at the first elements of a key:
//
//	PrivateKeyInfo          SEQUENCE { INTEGER, SEQUENCE, OCTET STRING, ... }
//	EncryptedPrivateKeyInfo SEQUENCE { SEQUENCE, OCTET STRING }
//	ECPrivateKey            SEQUENCE { INTEGER, OCTET STRING, ... }
//	DSAPrivateKey           SEQUENCE { INTEGER x 6 }
//	RSAPrivateKey           SEQUENCE { INTEGER x 9, [SEQUENCE] }
func detectKeyKind(der []byte) (Kind, error) {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() {
		return Unknown, errorf("not a DER private key: not one SEQUENCE")
	}
	if seq.PeekASN1Tag(asn1.SEQUENCE) {
		return Unknown, errorf("the key is an EncryptedPrivateKeyInfo: decrypt it with DecryptPKCS8 first")
	}
	if !seq.SkipASN1(asn1.INTEGER) {
		return Unknown, errorf("not a DER private key: no version")
	}
	switch {
	case seq.PeekASN1Tag(asn1.SEQUENCE):
		return PrivateKeyInfo, nil
	case seq.PeekASN1Tag(asn1.OCTET_STRING):
		return ECPrivateKey, nil
	}
	ints := 1
	for seq.PeekASN1Tag(asn1.INTEGER) {
		if !seq.SkipASN1(asn1.INTEGER) {
			break
		}
		ints++
	}
	switch {
	case ints == 6 && seq.Empty():
		return DSAPrivateKey, nil
	case ints == 9:
		return RSAPrivateKey, nil
	}
	return Unknown, errorf("not a DER private key of a known kind")
}

// parsePKCS8 reads
//
//	PrivateKeyInfo ::= SEQUENCE {
//	    version             INTEGER (0 or 1),
//	    privateKeyAlgorithm AlgorithmIdentifier,
//	    privateKey          OCTET STRING,
//	    attributes          [0] IMPLICIT Attributes OPTIONAL,
//	    publicKey           [1] IMPLICIT BIT STRING OPTIONAL } -- version 1 only
//
// DSA keys are built here; RSA, ECDSA and Ed25519 keys by crypto/x509 once
// the structure has been checked.
func parsePKCS8(der []byte) (crypto.Signer, error) {
	input := cryptobyte.String(der)
	var seq, algID, privateKey cryptobyte.String
	var version int64
	var oid encasn1.ObjectIdentifier
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(&version) ||
		!seq.ReadASN1(&algID, asn1.SEQUENCE) ||
		!algID.ReadASN1ObjectIdentifier(&oid) ||
		!seq.ReadASN1(&privateKey, asn1.OCTET_STRING) {
		return nil, errorf("malformed PrivateKeyInfo")
	}
	if version != 0 && version != 1 {
		return nil, errorf("PrivateKeyInfo version %d, want 0 or 1", version)
	}
	if !seq.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errorf("malformed PrivateKeyInfo attributes")
	}
	if version == 1 && !seq.SkipOptionalASN1(asn1.Tag(1).ContextSpecific()) {
		return nil, errorf("malformed PrivateKeyInfo public key")
	}
	if !seq.Empty() {
		return nil, errorf("malformed PrivateKeyInfo: unexpected data after the key")
	}
	switch {
	case oid.Equal(oidDSA):
		return parsePKCS8DSA(algID, privateKey)
	case oid.Equal(oidRSA), oid.Equal(oidECDSA), oid.Equal(oidEd25519):
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, errorf("PrivateKeyInfo: %v", err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, errorf("PrivateKeyInfo: %T is not a signing key", k)
		}
		return s, nil
	}
	s := oid.String()
	return nil, &UnsupportedError{What: "key algorithm", OID: s, Name: keyAlgorithmNames[s]}
}

// PrivateKey returns the key of a private key entry, decrypting it with
// password first when it is encrypted (the password is ignored otherwise),
// as Erlang's public_key:pem_entry_decode/2.
func (e *Entry) PrivateKey(password []byte) (crypto.Signer, error) {
	if !e.Kind.IsPrivateKey() {
		return nil, errorf("a %s entry is not a private key", e.Type)
	}
	d, err := e.Decrypt(password)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(d.Kind, d.Bytes)
	var unsup *UnsupportedError
	if err != nil && e.Encrypted() && !errors.As(err, &unsup) {
		return nil, fmt.Errorf("pem: the %s decrypted, but does not parse (a damaged key, or by rare chance a wrong password): %w", e.Type, err)
	}
	return k, err
}

// ErrNoPrivateKey is returned by PrivateKey for entries without a private
// key.
var ErrNoPrivateKey = errors.New("pem: no private key found")

// PrivateKey returns the first private key among entries (RSAPrivateKey,
// DSAPrivateKey, ECPrivateKey or PrivateKeyInfo, encrypted or not), as
// Erlang's ssl reads a keyfile: other entries, such as the certificates
// of a combined file or the "EC PARAMETERS" OpenSSL writes before an EC
// key, are skipped. It returns ErrNoPrivateKey when there is none.
func PrivateKey(entries []Entry, password []byte) (crypto.Signer, error) {
	for i := range entries {
		if entries[i].Kind.IsPrivateKey() {
			return entries[i].PrivateKey(password)
		}
	}
	return nil, ErrNoPrivateKey
}

// ParsePublicKey parses a DER public key: a SubjectPublicKeyInfo
// ("PUBLIC KEY", by crypto/x509: *rsa.PublicKey, *ecdsa.PublicKey,
// ed25519.PublicKey, *ecdh.PublicKey or *dsa.PublicKey) or a PKCS#1
// RSAPublicKey ("RSA PUBLIC KEY", an *rsa.PublicKey).
func ParsePublicKey(kind Kind, der []byte) (crypto.PublicKey, error) {
	switch kind {
	case SubjectPublicKeyInfo:
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, errorf("SubjectPublicKeyInfo: %v", err)
		}
		return k, nil
	case RSAPublicKey:
		k, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return nil, errorf("RSAPublicKey: %v", err)
		}
		return k, nil
	}
	return nil, errorf("%v is not a public key kind", kind)
}

// PublicKey returns the key of a public key entry (see ParsePublicKey).
func (e *Entry) PublicKey() (crypto.PublicKey, error) {
	return ParsePublicKey(e.Kind, e.Bytes)
}
