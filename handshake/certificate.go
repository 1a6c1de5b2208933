package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// Certificate carries a certificate chain, the sender's certificate first
// (RFC 5246, Section 7.4.2; RFC 8446, Section 4.4.2).
//
// Before TLS 1.3 it is a list of DER certificates, which may be empty (a
// client without a suitable certificate). In TLS 1.3 it starts with the
// certificate_request_context and each entry has extensions: an OCSP
// response (status_request) and SCTs (signed_certificate_timestamp); other
// recognised extensions are an illegal_parameter (RFC 8446, Section 4.2),
// unrecognised ones are kept in the entry's Unknown.
type Certificate struct {
	raw []byte

	// Version is the protocol version whose encoding the message has.
	Version cipher.Version
	// RequestContext is the TLS 1.3 certificate_request_context: empty in
	// a server's Certificate, the CertificateRequest's context in a
	// client's.
	RequestContext []byte
	// Entries are the certificates, the sender's first.
	Entries []CertificateEntry
}

// CertificateEntry is one certificate of a Certificate message; the
// extension fields are TLS 1.3 only.
type CertificateEntry struct {
	// Data is the DER certificate.
	Data []byte
	// OCSPResponse is the DER OCSP response of status_request.
	OCSPResponse []byte
	// SCTs are the serialized SCTs of signed_certificate_timestamp.
	SCTs [][]byte
	// Unknown holds the extensions not decoded above, in order.
	Unknown []Extension
	// ExtensionOrder is the order of all the entry's extensions (default:
	// status_request, signed_certificate_timestamp, then Unknown).
	ExtensionOrder []ExtensionType
}

// NewCertificate returns the Certificate message of version v for the DER
// chain (sender's certificate first), without TLS 1.3 extensions.
func NewCertificate(v cipher.Version, chain [][]byte) *Certificate {
	m := &Certificate{Version: v}
	for _, c := range chain {
		m.Entries = append(m.Entries, CertificateEntry{Data: c})
	}
	return m
}

// Chain returns the DER certificates of the message, in order.
func (m *Certificate) Chain() [][]byte {
	if len(m.Entries) == 0 {
		return nil
	}
	out := make([][]byte, len(m.Entries))
	for i, e := range m.Entries {
		out[i] = e.Data
	}
	return out
}

// Type returns TypeCertificate.
func (m *Certificate) Type() MessageType { return TypeCertificate }

// Raw returns the bytes the message was parsed from, or nil.
func (m *Certificate) Raw() []byte { return m.raw }

// UnmarshalCertificate parses a whole Certificate message of version v,
// header included. The number of certificates is bounded by the size of
// the message (which the record layer bounds); an empty certificate is a
// decode_error. Errors are record.Alert values.
func UnmarshalCertificate(data []byte, v cipher.Version) (*Certificate, error) {
	const msg = "Certificate"
	body, err := readMessageHeader(data, TypeCertificate, msg)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(v, msg); err != nil {
		return nil, err
	}
	m := &Certificate{raw: data, Version: v}
	s := cryptobyte.String(body)
	tls13 := v >= cipher.VersionTLS13
	if tls13 {
		var ctx cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&ctx) {
			return nil, wireDecodeError(msg, "certificate_request_context", "truncated")
		}
		m.RequestContext = emptyToNil(ctx)
	}
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, "certificate_list", "malformed")
	}
	for !list.Empty() {
		var e CertificateEntry
		var cert cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&cert) {
			return nil, wireDecodeError(msg, "certificate_list", "truncated certificate")
		}
		if len(cert) == 0 {
			return nil, wireDecodeError(msg, "certificate_list", "empty certificate")
		}
		e.Data = cert
		if tls13 {
			exts, err := readExtensions(&list, false, ctxCertificateEntry13, msg)
			if err != nil {
				return nil, err
			}
			for _, x := range exts {
				switch x.Type {
				case ExtStatusRequest:
					st := cryptobyte.String(x.Data)
					if e.OCSPResponse, err = readCertificateStatus(&st, msg); err != nil {
						return nil, err
					}
					if !st.Empty() {
						return nil, wireDecodeError(msg, "status_request", "trailing bytes")
					}
				case ExtSCT:
					if e.SCTs, err = parseSCTList(x.Data, msg); err != nil {
						return nil, err
					}
				default:
					e.Unknown = append(e.Unknown, x)
				}
			}
			e.ExtensionOrder = extensionOrder(exts)
		}
		m.Entries = append(m.Entries, e)
	}
	return m, nil
}

// checkVersion refuses a version outside SSL 3.0 to TLS 1.3 for the
// messages whose encoding depends on it.
func checkVersion(v cipher.Version, msg string) error {
	if v < cipher.VersionSSL30 || v > cipher.VersionTLS13 {
		return wireAlertInternal(fmt.Sprintf("handshake: %s: no encoding for version 0x%04x", msg, uint16(v)))
	}
	return nil
}

// writers returns the writers of the entry's extensions in the default
// order.
func (e *CertificateEntry) writers() ([]extWriter, error) {
	var ws []extWriter
	if len(e.OCSPResponse) > 0 {
		resp := e.OCSPResponse
		ws = append(ws, extWriter{ExtStatusRequest, func(b *cryptobyte.Builder) { addCertificateStatus(b, resp) }})
	}
	if len(e.SCTs) > 0 {
		scts := e.SCTs
		ws = append(ws, extWriter{ExtSCT, func(b *cryptobyte.Builder) { addSCTList(b, scts) }})
	}
	if err := checkUnknown(e.Unknown, ctxCertificateEntry13, "Certificate"); err != nil {
		return nil, err
	}
	return unknownWriters(ws, e.Unknown), nil
}

// hasExtensions reports whether the entry has any TLS 1.3 extension
// field set.
func (e *CertificateEntry) hasExtensions() bool {
	return len(e.OCSPResponse) > 0 || len(e.SCTs) > 0 || len(e.Unknown) > 0 || e.ExtensionOrder != nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding built from its fields. Before TLS 1.3 the request context and
// the entries' extensions must be empty.
func (m *Certificate) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	if m.Version < cipher.VersionSSL30 || m.Version > cipher.VersionTLS13 {
		return nil, &marshalError{fmt.Sprintf("Certificate: version 0x%04x", uint16(m.Version))}
	}
	tls13 := m.Version == cipher.VersionTLS13
	entryWriters := make([][]extWriter, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		if len(e.Data) == 0 {
			return nil, &marshalError{"Certificate: empty certificate"}
		}
		if !tls13 {
			if e.hasExtensions() {
				return nil, &marshalError{"Certificate: certificate extensions before TLS 1.3"}
			}
			continue
		}
		ws, err := e.writers()
		if err != nil {
			return nil, err
		}
		entryWriters[i] = ws
	}
	if !tls13 && len(m.RequestContext) > 0 {
		return nil, &marshalError{"Certificate: request context before TLS 1.3"}
	}
	return marshalMessage(TypeCertificate, func(b *cryptobyte.Builder) {
		if tls13 {
			addOpaque8(b, m.RequestContext, "certificate_request_context")
		}
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			for i, e := range m.Entries {
				b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
				if tls13 {
					addExtensions(b, entryWriters[i], e.ExtensionOrder, "Certificate", false)
				}
			}
		})
	})
}
