package handshake

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// ClientHello is the client's first message (RFC 5246, Section 7.4.1.2;
// RFC 8446, Section 4.1.2), with its extensions decoded into typed fields.
//
// An extension is present when its field is set: a non-empty list or
// string, a non-zero value, a true flag, a non-nil pointer. The few whose
// data may be present but empty have a flag that alone says whether they
// are present (HasKeyShare, HasPadding, SecureRenegotiationSupported,
// TicketSupported); setting their data without the flag is a marshal error.
// Extensions of types this package does not decode are in Unknown.
//
// Marshal writes the extensions in ExtensionOrder, which must name each
// present extension once; when it is nil, in a fixed order: the typed ones
// by ascending type, then Unknown as given, then padding, then
// pre_shared_key, which must be last (RFC 8446, Section 4.2.11). A parsed
// ClientHello has ExtensionOrder set to the order received.
type ClientHello struct {
	raw []byte

	// Version is legacy_version: the highest version offered before TLS
	// 1.3, 0x0303 in a TLS 1.3 ClientHello.
	Version cipher.Version
	// Random is the client's random.
	Random [32]byte
	// SessionID is legacy_session_id: at most 32 bytes.
	SessionID []byte
	// CipherSuites lists the offered suites, signalling values
	// (EmptyRenegotiationInfoSCSV, FallbackSCSV) and GREASE included.
	CipherSuites []uint16
	// CompressionMethods must hold CompressionNull; TLS 1.3 requires
	// exactly [CompressionNull]. The state machine enforces both
	// (HasNullCompression, OnlyNullCompression).
	CompressionMethods []uint8

	// ServerName is the host_name of server_name (RFC 6066, Section 3).
	ServerName string
	// MaxFragmentLength is max_fragment_length, 1 to 4 (RFC 6066).
	MaxFragmentLength uint8
	// StatusRequest is status_request (RFC 6066, Section 8).
	StatusRequest *StatusRequest
	// SupportedGroups is supported_groups (elliptic_curves before RFC 7919).
	SupportedGroups []NamedGroup
	// ECPointFormats is ec_point_formats (RFC 8422).
	ECPointFormats []uint8
	// SRPIdentity is the srp extension's srp_I (RFC 5054).
	SRPIdentity []byte
	// SignatureAlgorithms is signature_algorithms.
	SignatureAlgorithms []SignatureScheme
	// ALPNProtocols is application_layer_protocol_negotiation (RFC 7301).
	ALPNProtocols []string
	// SCTRequested is an (empty) signed_certificate_timestamp (RFC 6962).
	SCTRequested bool
	// HasPadding says padding (RFC 7685) is present, with PaddingLen zero
	// bytes.
	HasPadding bool
	PaddingLen int
	// EncryptThenMAC is encrypt_then_mac (RFC 7366).
	EncryptThenMAC bool
	// ExtendedMasterSecret is extended_master_secret (RFC 7627).
	ExtendedMasterSecret bool
	// RecordSizeLimit is record_size_limit (RFC 8449), at least 64.
	RecordSizeLimit uint16
	// TicketSupported says session_ticket (RFC 5077) is present;
	// SessionTicket is its data, the ticket offered for resumption.
	TicketSupported bool
	SessionTicket   []byte
	// PSKIdentities and PSKBinders are pre_shared_key (RFC 8446,
	// Section 4.2.11), one binder per identity.
	PSKIdentities []OfferedPSK
	PSKBinders    [][]byte
	// EarlyData is an (empty) early_data extension.
	EarlyData bool
	// SupportedVersions is supported_versions (RFC 8446, Section 4.2.1).
	SupportedVersions []cipher.Version
	// Cookie is cookie, echoed from a HelloRetryRequest.
	Cookie []byte
	// PSKModes is psk_key_exchange_modes (PSKModeKE, PSKModeDHEKE).
	PSKModes []uint8
	// CertificateAuthorities is certificate_authorities: DER names.
	CertificateAuthorities [][]byte
	// PostHandshakeAuth is an (empty) post_handshake_auth extension.
	PostHandshakeAuth bool
	// SignatureAlgorithmsCert is signature_algorithms_cert.
	SignatureAlgorithmsCert []SignatureScheme
	// HasKeyShare says key_share is present; KeyShares are its entries,
	// which may be none (a client asking for a HelloRetryRequest).
	HasKeyShare bool
	KeyShares   []KeyShareEntry
	// NextProtoNeg is an (empty) next_protocol_negotiation extension.
	NextProtoNeg bool
	// SecureRenegotiationSupported says renegotiation_info (RFC 5746) is
	// present; SecureRenegotiation is its renegotiated_connection, empty
	// on an initial handshake.
	SecureRenegotiationSupported bool
	SecureRenegotiation          []byte

	// Unknown holds the extensions of types not decoded above, in order.
	Unknown []Extension
	// ExtensionOrder is the order of all extensions (see ClientHello).
	ExtensionOrder []ExtensionType
}

// Type returns TypeClientHello.
func (m *ClientHello) Type() MessageType { return TypeClientHello }

// Raw returns the bytes the message was parsed from, or nil.
func (m *ClientHello) Raw() []byte { return m.raw }

// UnmarshalClientHello parses a whole ClientHello message, header
// included. Errors are record.Alert values: decode_error for what does not
// parse, illegal_parameter for forbidden values (a duplicate extension, a
// bad host name, pre_shared_key not last, an extension TLS 1.3 does not
// allow in a ClientHello).
func UnmarshalClientHello(data []byte) (*ClientHello, error) {
	const msg = "ClientHello"
	body, err := readMessageHeader(data, TypeClientHello, msg)
	if err != nil {
		return nil, err
	}
	m := &ClientHello{raw: data}
	s := cryptobyte.String(body)
	var version uint16
	if !s.ReadUint16(&version) {
		return nil, wireDecodeError(msg, "legacy_version", "truncated")
	}
	m.Version = cipher.Version(version)
	if !s.CopyBytes(m.Random[:]) {
		return nil, wireDecodeError(msg, "random", "truncated")
	}
	var sid, suites, comp cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&sid) {
		return nil, wireDecodeError(msg, "legacy_session_id", "truncated")
	}
	if len(sid) > 32 {
		return nil, wireDecodeError(msg, "legacy_session_id", fmt.Sprintf("%d bytes", len(sid)))
	}
	m.SessionID = emptyToNil(sid)
	if !s.ReadUint16LengthPrefixed(&suites) {
		return nil, wireDecodeError(msg, "cipher_suites", "truncated")
	}
	if len(suites) == 0 || len(suites)%2 != 0 {
		return nil, wireDecodeError(msg, "cipher_suites", fmt.Sprintf("list of %d bytes", len(suites)))
	}
	m.CipherSuites = make([]uint16, len(suites)/2)
	for i := range m.CipherSuites {
		m.CipherSuites[i] = uint16(suites[2*i])<<8 | uint16(suites[2*i+1])
	}
	if !s.ReadUint8LengthPrefixed(&comp) {
		return nil, wireDecodeError(msg, "legacy_compression_methods", "truncated")
	}
	if len(comp) == 0 {
		return nil, wireDecodeError(msg, "legacy_compression_methods", "empty list")
	}
	m.CompressionMethods = comp
	exts, err := readExtensions(&s, true, ctxClientHello, msg)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "extensions", "trailing bytes after the extensions")
	}
	for i, e := range exts {
		if e.Type == ExtPreSharedKey && i != len(exts)-1 {
			// RFC 8446, Section 4.2.11.
			return nil, wireIllegal(msg, "pre_shared_key", "not the last extension")
		}
		if err := m.decodeExtension(e); err != nil {
			return nil, err
		}
	}
	m.ExtensionOrder = extensionOrder(exts)
	return m, nil
}

// decodeExtension fills the field of one extension.
func (m *ClientHello) decodeExtension(e Extension) error {
	const msg = "ClientHello"
	var err error
	switch e.Type {
	case ExtServerName:
		m.ServerName, err = parseServerNameList(e.Data, msg)
	case ExtMaxFragmentLength:
		m.MaxFragmentLength, err = parseMaxFragmentLength(e.Data, msg)
	case ExtStatusRequest:
		m.StatusRequest, err = parseStatusRequest(e.Data, msg)
	case ExtSupportedGroups:
		m.SupportedGroups, err = parseUint16ListExt[NamedGroup](e.Data, msg, e.Type)
	case ExtECPointFormats:
		m.ECPointFormats, err = parseUint8List(e.Data, msg, e.Type)
	case ExtSRP:
		m.SRPIdentity, err = parseOpaque8(e.Data, msg, e.Type, true)
	case ExtSignatureAlgorithms:
		m.SignatureAlgorithms, err = parseUint16ListExt[SignatureScheme](e.Data, msg, e.Type)
	case ExtALPN:
		m.ALPNProtocols, err = parseProtocolNames(e.Data, msg)
	case ExtSCT:
		err = parseEmpty(e.Data, msg, e.Type)
		m.SCTRequested = true
	case ExtPadding:
		m.HasPadding, m.PaddingLen = true, len(e.Data)
	case ExtEncryptThenMAC:
		err = parseEmpty(e.Data, msg, e.Type)
		m.EncryptThenMAC = true
	case ExtExtendedMasterSecret:
		err = parseEmpty(e.Data, msg, e.Type)
		m.ExtendedMasterSecret = true
	case ExtRecordSizeLimit:
		m.RecordSizeLimit, err = parseRecordSizeLimit(e.Data, msg)
	case ExtSessionTicket:
		m.TicketSupported, m.SessionTicket = true, e.Data
	case ExtPreSharedKey:
		m.PSKIdentities, m.PSKBinders, err = parseOfferedPSKs(e.Data, msg)
	case ExtEarlyData:
		err = parseEmpty(e.Data, msg, e.Type)
		m.EarlyData = true
	case ExtSupportedVersions:
		m.SupportedVersions, err = parseClientVersions(e.Data, msg)
	case ExtCookie:
		m.Cookie, err = parseOpaque16(e.Data, msg, e.Type)
	case ExtPSKKeyExchangeModes:
		m.PSKModes, err = parseUint8List(e.Data, msg, e.Type)
	case ExtCertificateAuthorities:
		m.CertificateAuthorities, err = parseCertificateAuthorities(e.Data, msg)
	case ExtPostHandshakeAuth:
		err = parseEmpty(e.Data, msg, e.Type)
		m.PostHandshakeAuth = true
	case ExtSignatureAlgorithmsCert:
		m.SignatureAlgorithmsCert, err = parseUint16ListExt[SignatureScheme](e.Data, msg, e.Type)
	case ExtKeyShare:
		m.HasKeyShare = true
		m.KeyShares, err = parseClientKeyShares(e.Data, msg)
	case ExtNextProtocolNegotiation:
		err = parseEmpty(e.Data, msg, e.Type)
		m.NextProtoNeg = true
	case ExtRenegotiationInfo:
		m.SecureRenegotiationSupported = true
		m.SecureRenegotiation, err = parseOpaque8(e.Data, msg, e.Type, false)
	default:
		m.Unknown = append(m.Unknown, e)
	}
	return err
}

// writers returns the writers of the present extensions in the default
// order, or an error for data set without its presence flag.
func (m *ClientHello) writers() ([]extWriter, error) {
	if !m.HasKeyShare && len(m.KeyShares) > 0 {
		return nil, &marshalError{"ClientHello: KeyShares set without HasKeyShare"}
	}
	if !m.HasPadding && m.PaddingLen != 0 {
		return nil, &marshalError{"ClientHello: PaddingLen set without HasPadding"}
	}
	if !m.TicketSupported && len(m.SessionTicket) > 0 {
		return nil, &marshalError{"ClientHello: SessionTicket set without TicketSupported"}
	}
	if !m.SecureRenegotiationSupported && len(m.SecureRenegotiation) > 0 {
		return nil, &marshalError{"ClientHello: SecureRenegotiation set without SecureRenegotiationSupported"}
	}
	if len(m.PSKIdentities) == 0 && len(m.PSKBinders) > 0 {
		return nil, &marshalError{"ClientHello: PSKBinders set without PSKIdentities"}
	}
	ws := make([]extWriter, 0, 24) // room for the usual extensions: one allocation
	add := func(t ExtensionType, f func(b *cryptobyte.Builder)) { ws = append(ws, extWriter{t, f}) }
	empty := func(*cryptobyte.Builder) {}
	if m.ServerName != "" {
		add(ExtServerName, func(b *cryptobyte.Builder) { addServerNameList(b, m.ServerName) })
	}
	if m.MaxFragmentLength != 0 {
		add(ExtMaxFragmentLength, func(b *cryptobyte.Builder) { addMaxFragmentLength(b, m.MaxFragmentLength) })
	}
	if m.StatusRequest != nil {
		add(ExtStatusRequest, func(b *cryptobyte.Builder) { addStatusRequest(b, m.StatusRequest) })
	}
	if len(m.SupportedGroups) > 0 {
		add(ExtSupportedGroups, func(b *cryptobyte.Builder) { addUint16List(b, m.SupportedGroups, "supported_groups") })
	}
	if len(m.ECPointFormats) > 0 {
		add(ExtECPointFormats, func(b *cryptobyte.Builder) { addUint8List(b, m.ECPointFormats, "ec_point_formats") })
	}
	if len(m.SRPIdentity) > 0 {
		add(ExtSRP, func(b *cryptobyte.Builder) { addOpaque8(b, m.SRPIdentity, "srp") })
	}
	if len(m.SignatureAlgorithms) > 0 {
		add(ExtSignatureAlgorithms, func(b *cryptobyte.Builder) {
			addUint16List(b, m.SignatureAlgorithms, "signature_algorithms")
		})
	}
	if len(m.ALPNProtocols) > 0 {
		add(ExtALPN, func(b *cryptobyte.Builder) { addProtocolNames(b, m.ALPNProtocols) })
	}
	if m.SCTRequested {
		add(ExtSCT, empty)
	}
	if m.EncryptThenMAC {
		add(ExtEncryptThenMAC, empty)
	}
	if m.ExtendedMasterSecret {
		add(ExtExtendedMasterSecret, empty)
	}
	if m.RecordSizeLimit != 0 {
		add(ExtRecordSizeLimit, func(b *cryptobyte.Builder) { addRecordSizeLimit(b, m.RecordSizeLimit) })
	}
	if m.TicketSupported {
		add(ExtSessionTicket, func(b *cryptobyte.Builder) { b.AddBytes(m.SessionTicket) })
	}
	if m.EarlyData {
		add(ExtEarlyData, empty)
	}
	if len(m.SupportedVersions) > 0 {
		add(ExtSupportedVersions, func(b *cryptobyte.Builder) { addClientVersions(b, m.SupportedVersions) })
	}
	if len(m.Cookie) > 0 {
		add(ExtCookie, func(b *cryptobyte.Builder) { addOpaque16(b, m.Cookie, "cookie") })
	}
	if len(m.PSKModes) > 0 {
		add(ExtPSKKeyExchangeModes, func(b *cryptobyte.Builder) { addUint8List(b, m.PSKModes, "psk_key_exchange_modes") })
	}
	if len(m.CertificateAuthorities) > 0 {
		add(ExtCertificateAuthorities, func(b *cryptobyte.Builder) {
			addDistinguishedNames(b, m.CertificateAuthorities, "certificate_authorities")
		})
	}
	if m.PostHandshakeAuth {
		add(ExtPostHandshakeAuth, empty)
	}
	if len(m.SignatureAlgorithmsCert) > 0 {
		add(ExtSignatureAlgorithmsCert, func(b *cryptobyte.Builder) {
			addUint16List(b, m.SignatureAlgorithmsCert, "signature_algorithms_cert")
		})
	}
	if m.HasKeyShare {
		add(ExtKeyShare, func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, e := range m.KeyShares {
					addKeyShareEntry(b, e)
				}
			})
		})
	}
	if m.NextProtoNeg {
		add(ExtNextProtocolNegotiation, empty)
	}
	if m.SecureRenegotiationSupported {
		add(ExtRenegotiationInfo, func(b *cryptobyte.Builder) {
			addOpaque8(b, m.SecureRenegotiation, "renegotiation_info")
		})
	}
	if err := checkUnknown(m.Unknown, ctxClientHello, "ClientHello"); err != nil {
		return nil, err
	}
	ws = unknownWriters(ws, m.Unknown)
	if m.HasPadding {
		add(ExtPadding, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, m.PaddingLen)) })
	}
	if len(m.PSKIdentities) > 0 {
		add(ExtPreSharedKey, func(b *cryptobyte.Builder) { addOfferedPSKs(b, m.PSKIdentities, m.PSKBinders) })
	}
	return ws, nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding built from its fields.
func (m *ClientHello) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	const msg = "ClientHello"
	ws, err := m.writers()
	if err != nil {
		return nil, err
	}
	if n := len(m.ExtensionOrder); n > 0 && len(m.PSKIdentities) > 0 && m.ExtensionOrder[n-1] != ExtPreSharedKey {
		return nil, &marshalError{"ClientHello: pre_shared_key must be the last extension"}
	}
	if len(m.SessionID) > 32 {
		return nil, &marshalError{fmt.Sprintf("ClientHello: session ID of %d bytes", len(m.SessionID))}
	}
	if len(m.CipherSuites) == 0 || len(m.CipherSuites) > 0x7fff {
		return nil, &marshalError{fmt.Sprintf("ClientHello: %d cipher suites", len(m.CipherSuites))}
	}
	if len(m.CompressionMethods) == 0 || len(m.CompressionMethods) > 0xff {
		return nil, &marshalError{fmt.Sprintf("ClientHello: %d compression methods", len(m.CompressionMethods))}
	}
	if m.PaddingLen < 0 || m.PaddingLen > 0xffff {
		return nil, &marshalError{fmt.Sprintf("ClientHello: padding of %d bytes", m.PaddingLen)}
	}
	return marshalMessage(TypeClientHello, func(b *cryptobyte.Builder) {
		b.AddUint16(uint16(m.Version))
		b.AddBytes(m.Random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(m.SessionID) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range m.CipherSuites {
				b.AddUint16(s)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(m.CompressionMethods) })
		addExtensions(b, ws, m.ExtensionOrder, msg, true)
	})
}

// Extensions returns the types of the extensions in the order Marshal
// writes them (for a parsed message, the order received).
func (m *ClientHello) Extensions() ([]ExtensionType, error) {
	if m.raw != nil {
		return m.ExtensionOrder, nil
	}
	ws, err := m.writers()
	if err != nil {
		return nil, err
	}
	return effectiveOrder(ws, m.ExtensionOrder), nil
}

// HasCipherSuite reports whether the client offered the suite (or
// signalling value) id.
func (m *ClientHello) HasCipherSuite(id uint16) bool {
	for _, s := range m.CipherSuites {
		if s == id {
			return true
		}
	}
	return false
}

// HasRenegotiationSCSV reports whether the client sent
// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746, Section 3.3).
func (m *ClientHello) HasRenegotiationSCSV() bool {
	return m.HasCipherSuite(EmptyRenegotiationInfoSCSV)
}

// HasFallbackSCSV reports whether the client sent TLS_FALLBACK_SCSV
// (RFC 7507).
func (m *ClientHello) HasFallbackSCSV() bool { return m.HasCipherSuite(FallbackSCSV) }

// HasNullCompression reports whether the compression methods include null,
// as every version requires (RFC 5246, Section 7.4.1.2).
func (m *ClientHello) HasNullCompression() bool {
	for _, c := range m.CompressionMethods {
		if c == CompressionNull {
			return true
		}
	}
	return false
}

// OnlyNullCompression reports whether the compression methods are exactly
// [null], as TLS 1.3 requires (RFC 8446, Section 4.1.2: illegal_parameter
// otherwise).
func (m *ClientHello) OnlyNullCompression() bool {
	return len(m.CompressionMethods) == 1 && m.CompressionMethods[0] == CompressionNull
}

// BindersOffset returns the length of the prefix of the message (its
// Marshal output) that PSK binders are computed over: everything up to and
// excluding the binders vector of the pre_shared_key extension, the
// Truncate(ClientHello1) of RFC 8446, Section 4.2.11.2. The header in that
// prefix still states the length of the whole message. It fails when the
// message has no pre_shared_key.
func (m *ClientHello) BindersOffset() (int, error) {
	if len(m.PSKIdentities) == 0 {
		return 0, &marshalError{"ClientHello: no pre_shared_key extension"}
	}
	out, err := m.Marshal()
	if err != nil {
		return 0, err
	}
	// pre_shared_key is the last extension and the binders vector its
	// last field, so the binders end the message.
	n := len(out) - bindersLen(m.PSKBinders)
	if n < HeaderLen {
		return 0, &marshalError{"ClientHello: binders do not fit in the message"}
	}
	return n, nil
}

// TruncatedForBinders returns the prefix of the message that PSK binders
// are computed over (see BindersOffset). For a hello being built, set
// PSKBinders to placeholders of the final lengths first, then replace them
// with the computed binders and marshal again.
func (m *ClientHello) TruncatedForBinders() ([]byte, error) {
	n, err := m.BindersOffset()
	if err != nil {
		return nil, err
	}
	out, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
