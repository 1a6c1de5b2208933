package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// CertificateVerify proves possession of the private key of the
// certificate sent (RFC 5246, Section 7.4.8; RFC 8446, Section 4.4.3).
// Before TLS 1.2 it holds only the signature, whose algorithm the key type
// fixes; from TLS 1.2 on it names the signature scheme first.
type CertificateVerify struct {
	raw []byte

	// Version is the protocol version whose encoding the message has.
	Version cipher.Version
	// SignatureScheme is the algorithm of the signature (TLS 1.2, 1.3).
	SignatureScheme SignatureScheme
	// Signature is the signature.
	Signature []byte
}

// Type returns TypeCertificateVerify.
func (m *CertificateVerify) Type() MessageType { return TypeCertificateVerify }

// Raw returns the bytes the message was parsed from, or nil.
func (m *CertificateVerify) Raw() []byte { return m.raw }

// UnmarshalCertificateVerify parses a whole CertificateVerify of version
// v, header included. Errors are record.Alert values.
func UnmarshalCertificateVerify(data []byte, v cipher.Version) (*CertificateVerify, error) {
	const msg = "CertificateVerify"
	body, err := readMessageHeader(data, TypeCertificateVerify, msg)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(v, msg); err != nil {
		return nil, err
	}
	m := &CertificateVerify{raw: data, Version: v}
	s := cryptobyte.String(body)
	var scheme uint16
	if v >= cipher.VersionTLS12 && !s.ReadUint16(&scheme) {
		return nil, wireDecodeError(msg, "algorithm", "truncated")
	}
	m.SignatureScheme = SignatureScheme(scheme)
	var sig cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&sig) || !s.Empty() {
		return nil, wireDecodeError(msg, "signature", "malformed")
	}
	m.Signature = emptyToNil(sig)
	return m, nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding for Version built from its fields.
func (m *CertificateVerify) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	if m.Version < cipher.VersionSSL30 || m.Version > cipher.VersionTLS13 {
		return nil, &marshalError{fmt.Sprintf("CertificateVerify: version 0x%04x", uint16(m.Version))}
	}
	if m.Version < cipher.VersionTLS12 && m.SignatureScheme != 0 {
		return nil, &marshalError{"CertificateVerify: signature scheme before TLS 1.2"}
	}
	if len(m.Signature) > 0xffff {
		return nil, &marshalError{fmt.Sprintf("CertificateVerify: signature of %d bytes", len(m.Signature))}
	}
	return marshalMessage(TypeCertificateVerify, func(b *cryptobyte.Builder) {
		if m.Version >= cipher.VersionTLS12 {
			b.AddUint16(uint16(m.SignatureScheme))
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(m.Signature) })
	})
}
