package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// Client certificate types of a CertificateRequest before TLS 1.3
// (RFC 5246, Section 7.4.4; RFC 8422, Section 5.5).
const (
	CertTypeRSASign   uint8 = 1
	CertTypeDSSSign   uint8 = 2
	CertTypeECDSASign uint8 = 64
)

// CertificateRequest asks the client for a certificate (RFC 5246,
// Section 7.4.4; RFC 4346 and RFC 2246, Section 7.4.4; RFC 8446,
// Section 4.3.2). Its encoding depends on the version:
//
//   - SSL 3.0, TLS 1.0, 1.1: CertificateTypes and CertificateAuthorities;
//   - TLS 1.2: the same with SignatureAlgorithms between them;
//   - TLS 1.3: RequestContext and extensions: signature_algorithms
//     (required: missing_extension without it), certificate_authorities,
//     oid_filters, signature_algorithms_cert, status_request and
//     signed_certificate_timestamp (both empty); other recognised
//     extensions are an illegal_parameter, unrecognised ones are in Unknown.
type CertificateRequest struct {
	raw []byte

	// Version is the protocol version whose encoding the message has.
	Version cipher.Version

	// CertificateTypes are the certificate types accepted (before TLS 1.3).
	CertificateTypes []uint8
	// SignatureAlgorithms are the signature schemes accepted (TLS 1.2:
	// supported_signature_algorithms; TLS 1.3: signature_algorithms).
	SignatureAlgorithms []SignatureScheme
	// CertificateAuthorities are the DER names of the CAs accepted,
	// possibly none (TLS 1.3: certificate_authorities).
	CertificateAuthorities [][]byte

	// RequestContext is the TLS 1.3 certificate_request_context.
	RequestContext []byte
	// SignatureAlgorithmsCert is signature_algorithms_cert (TLS 1.3).
	SignatureAlgorithmsCert []SignatureScheme
	// OIDFilters is oid_filters (TLS 1.3).
	OIDFilters []OIDFilter
	// OCSPStapling is an empty status_request (TLS 1.3).
	OCSPStapling bool
	// SCTRequested is an empty signed_certificate_timestamp (TLS 1.3).
	SCTRequested bool
	// Unknown holds the TLS 1.3 extensions not decoded above, in order.
	Unknown []Extension
	// ExtensionOrder is the order of the TLS 1.3 extensions (default:
	// ascending type, then Unknown).
	ExtensionOrder []ExtensionType
}

// Type returns TypeCertificateRequest.
func (m *CertificateRequest) Type() MessageType { return TypeCertificateRequest }

// Raw returns the bytes the message was parsed from, or nil.
func (m *CertificateRequest) Raw() []byte { return m.raw }

// UnmarshalCertificateRequest parses a whole CertificateRequest of version
// v, header included. Errors are record.Alert values.
func UnmarshalCertificateRequest(data []byte, v cipher.Version) (*CertificateRequest, error) {
	const msg = "CertificateRequest"
	body, err := readMessageHeader(data, TypeCertificateRequest, msg)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(v, msg); err != nil {
		return nil, err
	}
	m := &CertificateRequest{raw: data, Version: v}
	s := cryptobyte.String(body)
	if v >= cipher.VersionTLS13 {
		if err := m.unmarshal13(&s); err != nil {
			return nil, err
		}
		return m, nil
	}
	var types cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&types) {
		return nil, wireDecodeError(msg, "certificate_types", "truncated")
	}
	if len(types) == 0 {
		return nil, wireDecodeError(msg, "certificate_types", "empty list")
	}
	m.CertificateTypes = types
	if v == cipher.VersionTLS12 {
		if m.SignatureAlgorithms, err = parseUint16List[SignatureScheme](&s, msg, "supported_signature_algorithms"); err != nil {
			return nil, err
		}
	}
	// RFC 2246 says <3..2^16-1>, but servers of every version send an
	// empty list to accept any CA, and RFC 4346 on allow it.
	if m.CertificateAuthorities, err = readDistinguishedNames(&s, msg, "certificate_authorities", false); err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "certificate_authorities", "trailing bytes")
	}
	return m, nil
}

// unmarshal13 parses the TLS 1.3 body.
func (m *CertificateRequest) unmarshal13(s *cryptobyte.String) error {
	const msg = "CertificateRequest"
	var ctx cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&ctx) {
		return wireDecodeError(msg, "certificate_request_context", "truncated")
	}
	m.RequestContext = emptyToNil(ctx)
	exts, err := readExtensions(s, false, ctxCertificateRequest13, msg)
	if err != nil {
		return err
	}
	if !s.Empty() {
		return wireDecodeError(msg, "extensions", "trailing bytes")
	}
	for _, e := range exts {
		switch e.Type {
		case ExtSignatureAlgorithms:
			m.SignatureAlgorithms, err = parseUint16ListExt[SignatureScheme](e.Data, msg, e.Type)
		case ExtSignatureAlgorithmsCert:
			m.SignatureAlgorithmsCert, err = parseUint16ListExt[SignatureScheme](e.Data, msg, e.Type)
		case ExtCertificateAuthorities:
			m.CertificateAuthorities, err = parseCertificateAuthorities(e.Data, msg)
		case ExtOIDFilters:
			m.OIDFilters, err = parseOIDFilters(e.Data, msg)
		case ExtStatusRequest:
			err = parseEmpty(e.Data, msg, e.Type)
			m.OCSPStapling = true
		case ExtSCT:
			err = parseEmpty(e.Data, msg, e.Type)
			m.SCTRequested = true
		default:
			m.Unknown = append(m.Unknown, e)
		}
		if err != nil {
			return err
		}
	}
	if m.SignatureAlgorithms == nil {
		// RFC 8446, Section 4.3.2.
		return wireAlert(record.MissingExtension, "handshake: CertificateRequest signature_algorithms: missing")
	}
	m.ExtensionOrder = extensionOrder(exts)
	return nil
}

// writers returns the writers of the TLS 1.3 extensions in the default
// order.
func (m *CertificateRequest) writers() ([]extWriter, error) {
	var ws []extWriter
	add := func(t ExtensionType, f func(b *cryptobyte.Builder)) { ws = append(ws, extWriter{t, f}) }
	empty := func(*cryptobyte.Builder) {}
	if m.OCSPStapling {
		add(ExtStatusRequest, empty)
	}
	if len(m.SignatureAlgorithms) == 0 {
		return nil, &marshalError{"CertificateRequest: no signature algorithms"}
	}
	add(ExtSignatureAlgorithms, func(b *cryptobyte.Builder) {
		addUint16List(b, m.SignatureAlgorithms, "signature_algorithms")
	})
	if m.SCTRequested {
		add(ExtSCT, empty)
	}
	if len(m.CertificateAuthorities) > 0 {
		add(ExtCertificateAuthorities, func(b *cryptobyte.Builder) {
			addDistinguishedNames(b, m.CertificateAuthorities, "certificate_authorities")
		})
	}
	if m.OIDFilters != nil {
		add(ExtOIDFilters, func(b *cryptobyte.Builder) { addOIDFilters(b, m.OIDFilters) })
	}
	if len(m.SignatureAlgorithmsCert) > 0 {
		add(ExtSignatureAlgorithmsCert, func(b *cryptobyte.Builder) {
			addUint16List(b, m.SignatureAlgorithmsCert, "signature_algorithms_cert")
		})
	}
	if err := checkUnknown(m.Unknown, ctxCertificateRequest13, "CertificateRequest"); err != nil {
		return nil, err
	}
	return unknownWriters(ws, m.Unknown), nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding for Version built from its fields. OIDFilters is written when
// non-nil, so an empty filter list can be sent.
func (m *CertificateRequest) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	const msg = "CertificateRequest"
	v := m.Version
	if v < cipher.VersionSSL30 || v > cipher.VersionTLS13 {
		return nil, &marshalError{fmt.Sprintf("%s: version 0x%04x", msg, uint16(v))}
	}
	if v == cipher.VersionTLS13 {
		if len(m.CertificateTypes) > 0 {
			return nil, &marshalError{msg + ": certificate types in TLS 1.3"}
		}
		ws, err := m.writers()
		if err != nil {
			return nil, err
		}
		return marshalMessage(TypeCertificateRequest, func(b *cryptobyte.Builder) {
			addOpaque8(b, m.RequestContext, "certificate_request_context")
			addExtensions(b, ws, m.ExtensionOrder, msg, false)
		})
	}
	if len(m.RequestContext) > 0 || len(m.SignatureAlgorithmsCert) > 0 || m.OIDFilters != nil ||
		m.OCSPStapling || m.SCTRequested || len(m.Unknown) > 0 || m.ExtensionOrder != nil {
		return nil, &marshalError{msg + ": TLS 1.3 fields before TLS 1.3"}
	}
	if (v == cipher.VersionTLS12) != (len(m.SignatureAlgorithms) > 0) {
		return nil, &marshalError{msg + ": signature algorithms are required in TLS 1.2 and absent before"}
	}
	return marshalMessage(TypeCertificateRequest, func(b *cryptobyte.Builder) {
		addUint8List(b, m.CertificateTypes, "certificate_types")
		if v == cipher.VersionTLS12 {
			addUint16List(b, m.SignatureAlgorithms, "supported_signature_algorithms")
		}
		addDistinguishedNames(b, m.CertificateAuthorities, "certificate_authorities")
	})
}
