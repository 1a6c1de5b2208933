package handshake

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// HelloRetryRequestRandom is the random of a ServerHello that is a
// HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446,
// Section 4.1.3).
var HelloRetryRequestRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// The downgrade sentinels a TLS 1.3 server writes in the last 8 bytes of
// its random when it negotiates TLS 1.2 or below (RFC 8446, Section 4.1.3).
var (
	downgradeTLS12 = []byte("DOWNGRD\x01")
	downgradeTLS11 = []byte("DOWNGRD\x00")
)

// DowngradeSentinel reports whether a ServerHello random ends with a
// downgrade sentinel, and which: cipher.VersionTLS12 for the one a TLS 1.3
// server writes when it negotiates TLS 1.2, cipher.VersionTLS11 for the one
// it writes when it negotiates TLS 1.1 or below. A TLS 1.3 client that
// negotiated a lower version must refuse either with illegal_parameter,
// and a TLS 1.2 client the second (RFC 8446, Section 4.1.3).
func DowngradeSentinel(random [32]byte) (cipher.Version, bool) {
	tail := random[24:]
	switch {
	case bytes.Equal(tail, downgradeTLS12):
		return cipher.VersionTLS12, true
	case bytes.Equal(tail, downgradeTLS11):
		return cipher.VersionTLS11, true
	}
	return 0, false
}

// SetDowngradeSentinel writes into random the sentinel a server that
// supports TLS 1.3 (maxSupported) writes when it negotiates the lower
// version negotiated; it leaves random alone otherwise. A server whose
// highest version is TLS 1.2 and negotiates TLS 1.1 or below writes the
// TLS 1.1 sentinel too, as RFC 8446 recommends.
func SetDowngradeSentinel(random *[32]byte, maxSupported, negotiated cipher.Version) {
	switch {
	case maxSupported >= cipher.VersionTLS13 && negotiated == cipher.VersionTLS12:
		copy(random[24:], downgradeTLS12)
	case maxSupported >= cipher.VersionTLS12 && negotiated <= cipher.VersionTLS11:
		copy(random[24:], downgradeTLS11)
	}
}

// ServerHello is the server's hello (RFC 5246, Section 7.4.1.3; RFC 8446,
// Section 4.1.3), which in TLS 1.3 may be a HelloRetryRequest (a
// ServerHello whose random is HelloRetryRequestRandom).
//
// Extensions follow the rules of ClientHello: present when set, flags for
// those with possibly empty data, Unknown for the others, ExtensionOrder
// for the order (default: ascending type, then Unknown). Which extensions
// are allowed depends on the form: a HelloRetryRequest carries
// supported_versions, key_share (SelectedGroup) and cookie; a TLS 1.3
// ServerHello (one with supported_versions) supported_versions, key_share
// (KeyShare) and pre_shared_key; a ServerHello of TLS 1.2 and before the
// others. A recognised extension outside its form is an illegal_parameter
// in the TLS 1.3 forms; in the TLS 1.2 form it is kept in Unknown for the
// state machine, which refuses what the client did not offer
// (unsupported_extension, RFC 5246, Section 7.4.1.4).
type ServerHello struct {
	raw []byte

	// Version is legacy_version: the negotiated version before TLS 1.3,
	// 0x0303 in TLS 1.3 (see NegotiatedVersion).
	Version cipher.Version
	// Random is the server's random: HelloRetryRequestRandom in a
	// HelloRetryRequest, possibly with a downgrade sentinel (see
	// DowngradeSentinel).
	Random [32]byte
	// SessionID is the session ID (legacy_session_id_echo in TLS 1.3).
	SessionID []byte
	// CipherSuite is the selected suite.
	CipherSuite uint16
	// CompressionMethod is the selected compression method, null in
	// every connection this library makes.
	CompressionMethod uint8

	// SupportedVersion is supported_versions: the selected version, TLS
	// 1.3 or later (RFC 8446, Section 4.2.1); 0 when absent.
	SupportedVersion cipher.Version
	// KeyShare is the server's key_share entry in a TLS 1.3 ServerHello.
	KeyShare *KeyShareEntry
	// SelectedGroup is the key_share of a HelloRetryRequest: the group the
	// client must send a share for; 0 when absent.
	SelectedGroup NamedGroup
	// HasSelectedIdentity says pre_shared_key is present, with
	// SelectedIdentity the index of the accepted identity.
	HasSelectedIdentity bool
	SelectedIdentity    uint16
	// Cookie is a HelloRetryRequest's cookie.
	Cookie []byte

	// ServerNameAck is an empty server_name: the server used the name.
	ServerNameAck bool
	// MaxFragmentLength is max_fragment_length echoed (RFC 6066).
	MaxFragmentLength uint8
	// OCSPStapling is an empty status_request: a CertificateStatus will
	// follow.
	OCSPStapling bool
	// ECPointFormats is ec_point_formats.
	ECPointFormats []uint8
	// ALPNProtocol is the protocol selected by ALPN.
	ALPNProtocol string
	// SCTs is signed_certificate_timestamp: serialized SCTs (RFC 6962).
	SCTs [][]byte
	// EncryptThenMAC is encrypt_then_mac (RFC 7366).
	EncryptThenMAC bool
	// ExtendedMasterSecret is extended_master_secret (RFC 7627).
	ExtendedMasterSecret bool
	// RecordSizeLimit is record_size_limit (RFC 8449).
	RecordSizeLimit uint16
	// TicketSupported is an empty session_ticket: a NewSessionTicket
	// will follow (RFC 5077).
	TicketSupported bool
	// NextProtoNeg says next_protocol_negotiation is present, with
	// NextProtos the protocols the server advertises (possibly none).
	NextProtoNeg bool
	NextProtos   []string
	// SecureRenegotiationSupported says renegotiation_info is present,
	// with SecureRenegotiation its renegotiated_connection (client and
	// server verify_data on a renegotiation, empty on an initial
	// handshake).
	SecureRenegotiationSupported bool
	SecureRenegotiation          []byte

	// Unknown holds the extensions not decoded above, in order.
	Unknown []Extension
	// ExtensionOrder is the order of all extensions.
	ExtensionOrder []ExtensionType
}

// NewHelloRetryRequest returns a HelloRetryRequest (RFC 8446, Section
// 4.1.4) echoing the client's session ID, with the selected suite and, when
// non-zero or non-empty, the group the client must send a key share for and
// a cookie.
func NewHelloRetryRequest(sessionID []byte, suite uint16, group NamedGroup, cookie []byte) *ServerHello {
	return &ServerHello{
		Version:          cipher.VersionTLS12,
		Random:           HelloRetryRequestRandom,
		SessionID:        sessionID,
		CipherSuite:      suite,
		SupportedVersion: cipher.VersionTLS13,
		SelectedGroup:    group,
		Cookie:           cookie,
	}
}

// Type returns TypeServerHello (a HelloRetryRequest has the same type).
func (m *ServerHello) Type() MessageType { return TypeServerHello }

// Raw returns the bytes the message was parsed from, or nil.
func (m *ServerHello) Raw() []byte { return m.raw }

// IsHelloRetryRequest reports whether the message is a HelloRetryRequest.
func (m *ServerHello) IsHelloRetryRequest() bool { return m.Random == HelloRetryRequestRandom }

// NegotiatedVersion returns the version the server selected: the
// supported_versions extension when present, legacy_version otherwise.
func (m *ServerHello) NegotiatedVersion() cipher.Version {
	if m.SupportedVersion != 0 {
		return m.SupportedVersion
	}
	return m.Version
}

// context returns the form of the message.
func (m *ServerHello) context() extContext {
	switch {
	case m.IsHelloRetryRequest():
		return ctxHelloRetryRequest
	case m.SupportedVersion != 0:
		return ctxServerHello13
	}
	return ctxServerHello12
}

// UnmarshalServerHello parses a whole ServerHello or HelloRetryRequest
// message, header included. The message states its own version (in
// supported_versions from TLS 1.3 on), so no version is passed; the form
// the extensions must have follows from it (see ServerHello). Errors are
// record.Alert values.
func UnmarshalServerHello(data []byte) (*ServerHello, error) {
	body, err := readMessageHeader(data, TypeServerHello, "ServerHello")
	if err != nil {
		return nil, err
	}
	m := &ServerHello{raw: data}
	msg := "ServerHello"
	s := cryptobyte.String(body)
	var version uint16
	if !s.ReadUint16(&version) {
		return nil, wireDecodeError(msg, "legacy_version", "truncated")
	}
	m.Version = cipher.Version(version)
	if !s.CopyBytes(m.Random[:]) {
		return nil, wireDecodeError(msg, "random", "truncated")
	}
	if m.IsHelloRetryRequest() {
		msg = "HelloRetryRequest"
	}
	var sid cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&sid) {
		return nil, wireDecodeError(msg, "legacy_session_id", "truncated")
	}
	if len(sid) > 32 {
		return nil, wireDecodeError(msg, "legacy_session_id", fmt.Sprintf("%d bytes", len(sid)))
	}
	m.SessionID = emptyToNil(sid)
	if !s.ReadUint16(&m.CipherSuite) {
		return nil, wireDecodeError(msg, "cipher_suite", "truncated")
	}
	if !s.ReadUint8(&m.CompressionMethod) {
		return nil, wireDecodeError(msg, "legacy_compression_method", "truncated")
	}
	// The form decides which extensions are allowed, and supported_versions
	// decides the form, wherever it is in the block: read the block with
	// the loosest rules first, then check against the form.
	exts, err := readExtensions(&s, true, ctxServerHello12|ctxServerHello13|ctxHelloRetryRequest, msg)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "extensions", "trailing bytes after the extensions")
	}
	hrr := m.IsHelloRetryRequest()
	for _, e := range exts {
		if e.Type == ExtSupportedVersions {
			if m.SupportedVersion, err = parseServerVersion(e.Data, msg); err != nil {
				return nil, err
			}
		}
	}
	if hrr && m.SupportedVersion == 0 {
		// RFC 8446, Section 4.1.4: a HelloRetryRequest must carry it; one
		// without it cannot be told from a ServerHello of an older version
		// that happens to share the random, which is refused as well.
		return nil, wireIllegal(msg, "supported_versions", "missing from a HelloRetryRequest")
	}
	ctx := m.context()
	for _, e := range exts {
		ok, recognised := allowed(e.Type, ctx)
		switch {
		case !recognised:
			m.Unknown = append(m.Unknown, e)
			continue
		case !ok && ctx == ctxServerHello12:
			m.Unknown = append(m.Unknown, e)
			continue
		case !ok:
			return nil, wireIllegal(msg, e.Type.String(), "extension not allowed in this message")
		}
		if err := m.decodeExtension(e, ctx, msg); err != nil {
			return nil, err
		}
	}
	m.ExtensionOrder = extensionOrder(exts)
	return m, nil
}

// decodeExtension fills the field of one extension allowed in ctx.
func (m *ServerHello) decodeExtension(e Extension, ctx extContext, msg string) error {
	var err error
	switch e.Type {
	case ExtSupportedVersions:
		// Decoded already.
	case ExtKeyShare:
		if ctx == ctxHelloRetryRequest {
			var g uint16
			g, err = parseUint16Value(e.Data, msg, e.Type)
			m.SelectedGroup = NamedGroup(g)
			if err == nil && m.SelectedGroup == 0 {
				err = wireIllegal(msg, "key_share", "group 0")
			}
		} else {
			m.KeyShare, err = parseServerKeyShare(e.Data, msg)
		}
	case ExtPreSharedKey:
		m.HasSelectedIdentity = true
		m.SelectedIdentity, err = parseUint16Value(e.Data, msg, e.Type)
	case ExtCookie:
		m.Cookie, err = parseOpaque16(e.Data, msg, e.Type)
	case ExtServerName:
		err = parseEmpty(e.Data, msg, e.Type)
		m.ServerNameAck = true
	case ExtMaxFragmentLength:
		m.MaxFragmentLength, err = parseMaxFragmentLength(e.Data, msg)
	case ExtStatusRequest:
		err = parseEmpty(e.Data, msg, e.Type)
		m.OCSPStapling = true
	case ExtECPointFormats:
		m.ECPointFormats, err = parseUint8List(e.Data, msg, e.Type)
	case ExtALPN:
		m.ALPNProtocol, err = parseSelectedProtocol(e.Data, msg)
	case ExtSCT:
		m.SCTs, err = parseSCTList(e.Data, msg)
	case ExtEncryptThenMAC:
		err = parseEmpty(e.Data, msg, e.Type)
		m.EncryptThenMAC = true
	case ExtExtendedMasterSecret:
		err = parseEmpty(e.Data, msg, e.Type)
		m.ExtendedMasterSecret = true
	case ExtRecordSizeLimit:
		m.RecordSizeLimit, err = parseRecordSizeLimit(e.Data, msg)
	case ExtSessionTicket:
		err = parseEmpty(e.Data, msg, e.Type)
		m.TicketSupported = true
	case ExtNextProtocolNegotiation:
		m.NextProtoNeg = true
		m.NextProtos, err = parseNextProtos(e.Data, msg)
	case ExtRenegotiationInfo:
		m.SecureRenegotiationSupported = true
		m.SecureRenegotiation, err = parseOpaque8(e.Data, msg, e.Type, false)
	default:
		// Allowed but not decoded (use_srtp, heartbeat, certificate types).
		m.Unknown = append(m.Unknown, e)
	}
	return err
}

// writers returns the writers of the present extensions in the default
// order.
func (m *ServerHello) writers() ([]extWriter, error) {
	if !m.HasSelectedIdentity && m.SelectedIdentity != 0 {
		return nil, &marshalError{"ServerHello: SelectedIdentity set without HasSelectedIdentity"}
	}
	if !m.NextProtoNeg && len(m.NextProtos) > 0 {
		return nil, &marshalError{"ServerHello: NextProtos set without NextProtoNeg"}
	}
	if !m.SecureRenegotiationSupported && len(m.SecureRenegotiation) > 0 {
		return nil, &marshalError{"ServerHello: SecureRenegotiation set without SecureRenegotiationSupported"}
	}
	ws := make([]extWriter, 0, 12) // room for the usual extensions: one allocation
	add := func(t ExtensionType, f func(b *cryptobyte.Builder)) { ws = append(ws, extWriter{t, f}) }
	empty := func(*cryptobyte.Builder) {}
	if m.ServerNameAck {
		add(ExtServerName, empty)
	}
	if m.MaxFragmentLength != 0 {
		add(ExtMaxFragmentLength, func(b *cryptobyte.Builder) { addMaxFragmentLength(b, m.MaxFragmentLength) })
	}
	if m.OCSPStapling {
		add(ExtStatusRequest, empty)
	}
	if len(m.ECPointFormats) > 0 {
		add(ExtECPointFormats, func(b *cryptobyte.Builder) { addUint8List(b, m.ECPointFormats, "ec_point_formats") })
	}
	if m.ALPNProtocol != "" {
		add(ExtALPN, func(b *cryptobyte.Builder) { addProtocolNames(b, []string{m.ALPNProtocol}) })
	}
	if len(m.SCTs) > 0 {
		add(ExtSCT, func(b *cryptobyte.Builder) { addSCTList(b, m.SCTs) })
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
		add(ExtSessionTicket, empty)
	}
	if m.HasSelectedIdentity {
		add(ExtPreSharedKey, func(b *cryptobyte.Builder) { b.AddUint16(m.SelectedIdentity) })
	}
	if m.SupportedVersion != 0 {
		add(ExtSupportedVersions, func(b *cryptobyte.Builder) { b.AddUint16(uint16(m.SupportedVersion)) })
	}
	if len(m.Cookie) > 0 {
		add(ExtCookie, func(b *cryptobyte.Builder) { addOpaque16(b, m.Cookie, "cookie") })
	}
	if m.KeyShare != nil && m.SelectedGroup != 0 {
		return nil, &marshalError{"ServerHello: both KeyShare and SelectedGroup set"}
	}
	if m.KeyShare != nil {
		add(ExtKeyShare, func(b *cryptobyte.Builder) { addKeyShareEntry(b, *m.KeyShare) })
	}
	if m.SelectedGroup != 0 {
		add(ExtKeyShare, func(b *cryptobyte.Builder) { b.AddUint16(uint16(m.SelectedGroup)) })
	}
	if m.NextProtoNeg {
		add(ExtNextProtocolNegotiation, func(b *cryptobyte.Builder) { addNextProtos(b, m.NextProtos) })
	}
	if m.SecureRenegotiationSupported {
		add(ExtRenegotiationInfo, func(b *cryptobyte.Builder) {
			addOpaque8(b, m.SecureRenegotiation, "renegotiation_info")
		})
	}
	ctx := m.context()
	if ctx == ctxHelloRetryRequest && m.KeyShare != nil {
		return nil, &marshalError{"HelloRetryRequest: KeyShare set (the retry names a group: SelectedGroup)"}
	}
	if ctx == ctxServerHello13 && m.SelectedGroup != 0 {
		return nil, &marshalError{"ServerHello: SelectedGroup set outside a HelloRetryRequest"}
	}
	for _, w := range ws {
		if ok, _ := allowed(w.typ, ctx); !ok {
			return nil, &marshalError{fmt.Sprintf("ServerHello: %s not allowed in this form of ServerHello", w.typ)}
		}
	}
	if ctx == ctxHelloRetryRequest && m.SupportedVersion == 0 {
		return nil, &marshalError{"HelloRetryRequest: SupportedVersion not set"}
	}
	for _, e := range m.Unknown {
		ok, recognised := allowed(e.Type, ctx)
		if recognised && ((ok && decodedIn(e.Type)) || (!ok && ctx != ctxServerHello12)) {
			return nil, &marshalError{fmt.Sprintf("ServerHello: Unknown holds %s, which has a field of its own or is not allowed", e.Type)}
		}
	}
	return unknownWriters(ws, m.Unknown), nil
}

// Marshal returns the message: the bytes it was parsed from, or its
// encoding built from its fields. A message without extensions has no
// extension block, as SSL 3.0 servers send it.
func (m *ServerHello) Marshal() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	ws, err := m.writers()
	if err != nil {
		return nil, err
	}
	if len(m.SessionID) > 32 {
		return nil, &marshalError{fmt.Sprintf("ServerHello: session ID of %d bytes", len(m.SessionID))}
	}
	return marshalMessage(TypeServerHello, func(b *cryptobyte.Builder) {
		b.AddUint16(uint16(m.Version))
		b.AddBytes(m.Random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(m.SessionID) })
		b.AddUint16(m.CipherSuite)
		b.AddUint8(m.CompressionMethod)
		addExtensions(b, ws, m.ExtensionOrder, "ServerHello", true)
	})
}

// Extensions returns the types of the extensions in the order Marshal
// writes them (for a parsed message, the order received).
func (m *ServerHello) Extensions() ([]ExtensionType, error) {
	if m.raw != nil {
		return m.ExtensionOrder, nil
	}
	ws, err := m.writers()
	if err != nil {
		return nil, err
	}
	return effectiveOrder(ws, m.ExtensionOrder), nil
}
