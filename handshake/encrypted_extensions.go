package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// EncryptedExtensions is the TLS 1.3 server's answer to the ClientHello
// extensions that do not shape the keys (RFC 8446, Section 4.3.1).
//
// Extensions follow the rules of ClientHello (present when set, Unknown,
// ExtensionOrder; default order: ascending type, then Unknown). A
// recognised extension RFC 8446, Section 4.2 does not allow here is an
// illegal_parameter; allowed ones not decoded (use_srtp, heartbeat,
// certificate types) and unrecognised ones are in Unknown.
type EncryptedExtensions struct {
	raw []byte

	// ServerNameAck is an empty server_name: the server used the name.
	ServerNameAck bool
	// MaxFragmentLength is max_fragment_length echoed (RFC 6066).
	MaxFragmentLength uint8
	// SupportedGroups is the server's supported_groups, for the client's
	// next connections.
	SupportedGroups []NamedGroup
	// ALPNProtocol is the protocol selected by ALPN.
	ALPNProtocol string
	// EarlyData is an empty early_data: the server accepted 0-RTT data.
	EarlyData bool
	// RecordSizeLimit is record_size_limit (RFC 8449).
	RecordSizeLimit uint16

	// Unknown holds the extensions not decoded above, in order.
	Unknown []Extension
	// ExtensionOrder is the order of all extensions.
	ExtensionOrder []ExtensionType
}

// Type returns TypeEncryptedExtensions.
func (m *EncryptedExtensions) Type() MessageType { return TypeEncryptedExtensions }

// Raw returns the bytes the message was parsed from, or nil.
func (m *EncryptedExtensions) Raw() []byte { return m.raw }

// UnmarshalEncryptedExtensions parses a whole EncryptedExtensions message,
// header included. Errors are record.Alert values.
func UnmarshalEncryptedExtensions(data []byte) (*EncryptedExtensions, error) {
	const msg = "EncryptedExtensions"
	body, err := readMessageHeader(data, TypeEncryptedExtensions, msg)
	if err != nil {
		return nil, err
	}
	m := &EncryptedExtensions{raw: data}
	s := cryptobyte.String(body)
	exts, err := readExtensions(&s, false, ctxEncryptedExtensions, msg)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "extensions", "trailing bytes")
	}
	for _, e := range exts {
		switch e.Type {
		case ExtServerName:
			err = parseEmpty(e.Data, msg, e.Type)
			m.ServerNameAck = true
		case ExtMaxFragmentLength:
			m.MaxFragmentLength, err = parseMaxFragmentLength(e.Data, msg)
		case ExtSupportedGroups:
			m.SupportedGroups, err = parseUint16ListExt[NamedGroup](e.Data, msg, e.Type)
		case ExtALPN:
			m.ALPNProtocol, err = parseSelectedProtocol(e.Data, msg)
		case ExtEarlyData:
			err = parseEmpty(e.Data, msg, e.Type)
			m.EarlyData = true
		case ExtRecordSizeLimit:
			m.RecordSizeLimit, err = parseRecordSizeLimit(e.Data, msg)
		default:
			m.Unknown = append(m.Unknown, e)
		}
		if err != nil {
			return nil, err
		}
	}
	m.ExtensionOrder = extensionOrder(exts)
	return m, nil
}

// writers returns the writers of the present extensions in the default
// order.
func (m *EncryptedExtensions) writers() ([]extWriter, error) {
	ws := make([]extWriter, 0, 8) // room for the usual extensions: one allocation
	add := func(t ExtensionType, f func(b *cryptobyte.Builder)) { ws = append(ws, extWriter{t, f}) }
	empty := func(*cryptobyte.Builder) {}
	if m.ServerNameAck {
		add(ExtServerName, empty)
	}
	if m.MaxFragmentLength != 0 {
		add(ExtMaxFragmentLength, func(b *cryptobyte.Builder) { addMaxFragmentLength(b, m.MaxFragmentLength) })
	}
	if len(m.SupportedGroups) > 0 {
		add(ExtSupportedGroups, func(b *cryptobyte.Builder) { addUint16List(b, m.SupportedGroups, "supported_groups") })
	}
	if m.ALPNProtocol != "" {
		add(ExtALPN, func(b *cryptobyte.Builder) { addProtocolNames(b, []string{m.ALPNProtocol}) })
	}
	if m.RecordSizeLimit != 0 {
		add(ExtRecordSizeLimit, func(b *cryptobyte.Builder) { addRecordSizeLimit(b, m.RecordSizeLimit) })
	}
	if m.EarlyData {
		add(ExtEarlyData, empty)
	}
	if err := checkUnknown(m.Unknown, ctxEncryptedExtensions, "EncryptedExtensions"); err != nil {
		return nil, err
	}
	return unknownWriters(ws, m.Unknown), nil
}

// checkUnknown refuses, in a message built in memory, kept extensions of
// recognised types that have a field of their own or are not allowed in
// the message.
func checkUnknown(unknown []Extension, ctx extContext, msg string) error {
	for _, e := range unknown {
		ok, recognised := allowed(e.Type, ctx)
		if !recognised {
			continue
		}
		if !ok {
			return &marshalError{fmt.Sprintf("%s: %s not allowed in this message", msg, e.Type)}
		}
		if decodedIn(e.Type) {
			return &marshalError{fmt.Sprintf("%s: Unknown holds %s, which has a field of its own", msg, e.Type)}
		}
	}
	return nil
}

// decodedIn reports whether the messages that allow extensions of the
// recognised type t decode them into fields (the allowed ones that stay Extension values are use_srtp,
// heartbeat, the certificate types and compress_certificate).
func decodedIn(t ExtensionType) bool {
	switch t {
	case ExtUseSRTP, ExtHeartbeat, ExtClientCertificateType, ExtServerCertificateType, ExtCompressCertificate:
		return false
	}
	return true
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding built from its fields.
func (m *EncryptedExtensions) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	ws, err := m.writers()
	if err != nil {
		return nil, err
	}
	return marshalMessage(TypeEncryptedExtensions, func(b *cryptobyte.Builder) {
		addExtensions(b, ws, m.ExtensionOrder, "EncryptedExtensions", false)
	})
}

// Extensions returns the types of the extensions in the order Marshal
// writes them (for a parsed message, the order received).
func (m *EncryptedExtensions) Extensions() ([]ExtensionType, error) {
	if m.raw != nil {
		return m.ExtensionOrder, nil
	}
	ws, err := m.writers()
	if err != nil {
		return nil, err
	}
	return effectiveOrder(ws, m.ExtensionOrder), nil
}
