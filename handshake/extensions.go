package handshake

import (
	"fmt"
	"slices"
	"strconv"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
)

// ExtensionType is the type of a hello extension (RFC 8446, Section 4.2;
// the IANA TLS ExtensionType Values registry).
type ExtensionType uint16

// The extension types this package recognises. Those it decodes into
// typed fields are listed with the messages that carry them; the others
// (use_srtp, heartbeat, certificate types, compress_certificate) are kept
// as Extension values where they may appear, and refused where RFC 8446,
// Section 4.2 does not allow them in a TLS 1.3 message.
const (
	ExtServerName              ExtensionType = 0      // RFC 6066
	ExtMaxFragmentLength       ExtensionType = 1      // RFC 6066
	ExtStatusRequest           ExtensionType = 5      // RFC 6066, RFC 8446
	ExtSupportedGroups         ExtensionType = 10     // RFC 8422, RFC 7919, RFC 8446
	ExtECPointFormats          ExtensionType = 11     // RFC 8422
	ExtSRP                     ExtensionType = 12     // RFC 5054
	ExtSignatureAlgorithms     ExtensionType = 13     // RFC 5246, RFC 8446
	ExtUseSRTP                 ExtensionType = 14     // RFC 5764
	ExtHeartbeat               ExtensionType = 15     // RFC 6520
	ExtALPN                    ExtensionType = 16     // RFC 7301
	ExtSCT                     ExtensionType = 18     // RFC 6962
	ExtClientCertificateType   ExtensionType = 19     // RFC 7250
	ExtServerCertificateType   ExtensionType = 20     // RFC 7250
	ExtPadding                 ExtensionType = 21     // RFC 7685
	ExtEncryptThenMAC          ExtensionType = 22     // RFC 7366
	ExtExtendedMasterSecret    ExtensionType = 23     // RFC 7627
	ExtCompressCertificate     ExtensionType = 27     // RFC 8879
	ExtRecordSizeLimit         ExtensionType = 28     // RFC 8449
	ExtSessionTicket           ExtensionType = 35     // RFC 5077
	ExtPreSharedKey            ExtensionType = 41     // RFC 8446
	ExtEarlyData               ExtensionType = 42     // RFC 8446
	ExtSupportedVersions       ExtensionType = 43     // RFC 8446
	ExtCookie                  ExtensionType = 44     // RFC 8446
	ExtPSKKeyExchangeModes     ExtensionType = 45     // RFC 8446
	ExtCertificateAuthorities  ExtensionType = 47     // RFC 8446
	ExtOIDFilters              ExtensionType = 48     // RFC 8446
	ExtPostHandshakeAuth       ExtensionType = 49     // RFC 8446
	ExtSignatureAlgorithmsCert ExtensionType = 50     // RFC 8446
	ExtKeyShare                ExtensionType = 51     // RFC 8446
	ExtNextProtocolNegotiation ExtensionType = 13172  // draft-agl-tls-nextprotoneg
	ExtRenegotiationInfo       ExtensionType = 0xff01 // RFC 5746
)

var extensionNames = map[ExtensionType]string{
	ExtServerName:              "server_name",
	ExtMaxFragmentLength:       "max_fragment_length",
	ExtStatusRequest:           "status_request",
	ExtSupportedGroups:         "supported_groups",
	ExtECPointFormats:          "ec_point_formats",
	ExtSRP:                     "srp",
	ExtSignatureAlgorithms:     "signature_algorithms",
	ExtUseSRTP:                 "use_srtp",
	ExtHeartbeat:               "heartbeat",
	ExtALPN:                    "application_layer_protocol_negotiation",
	ExtSCT:                     "signed_certificate_timestamp",
	ExtClientCertificateType:   "client_certificate_type",
	ExtServerCertificateType:   "server_certificate_type",
	ExtPadding:                 "padding",
	ExtEncryptThenMAC:          "encrypt_then_mac",
	ExtExtendedMasterSecret:    "extended_master_secret",
	ExtCompressCertificate:     "compress_certificate",
	ExtRecordSizeLimit:         "record_size_limit",
	ExtSessionTicket:           "session_ticket",
	ExtPreSharedKey:            "pre_shared_key",
	ExtEarlyData:               "early_data",
	ExtSupportedVersions:       "supported_versions",
	ExtCookie:                  "cookie",
	ExtPSKKeyExchangeModes:     "psk_key_exchange_modes",
	ExtCertificateAuthorities:  "certificate_authorities",
	ExtOIDFilters:              "oid_filters",
	ExtPostHandshakeAuth:       "post_handshake_auth",
	ExtSignatureAlgorithmsCert: "signature_algorithms_cert",
	ExtKeyShare:                "key_share",
	ExtNextProtocolNegotiation: "next_protocol_negotiation",
	ExtRenegotiationInfo:       "renegotiation_info",
}

// String returns the registry name of the extension type
// ("server_name"), or "unknown(N)".
func (t ExtensionType) String() string {
	if n, ok := extensionNames[t]; ok {
		return n
	}
	return "unknown(" + strconv.Itoa(int(t)) + ")"
}

// Recognised reports whether t is one of the extension types this package
// knows (the Ext constants).
func (t ExtensionType) Recognised() bool {
	_, ok := extensionNames[t]
	return ok
}

// Extension is one extension as it appears on the wire: its type and its
// extension_data. Messages keep the extensions they do not decode into
// typed fields as Extension values, in the order received.
type Extension struct {
	Type ExtensionType
	Data []byte
}

// Values used in extensions.
const (
	// EmptyRenegotiationInfoSCSV is TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
	// the cipher suite value a client sends in place of an empty
	// renegotiation_info extension (RFC 5746, Section 3.3).
	EmptyRenegotiationInfoSCSV uint16 = 0x00ff
	// FallbackSCSV is TLS_FALLBACK_SCSV, the cipher suite value of a
	// client retrying with a lower version (RFC 7507).
	FallbackSCSV uint16 = 0x5600

	// CompressionNull is the null compression method, the only one this
	// library implements.
	CompressionNull uint8 = 0

	// PointFormatUncompressed is the uncompressed EC point format
	// (RFC 8422, Section 5.1.2).
	PointFormatUncompressed uint8 = 0

	// PSKModeKE is psk_ke, PSK-only key establishment (RFC 8446,
	// Section 4.2.9).
	PSKModeKE uint8 = 0
	// PSKModeDHEKE is psk_dhe_ke, PSK with (EC)DHE key establishment.
	PSKModeDHEKE uint8 = 1

	// StatusTypeOCSP is the ocsp CertificateStatusType (RFC 6066,
	// Section 8).
	StatusTypeOCSP uint8 = 1

	// MinRecordSizeLimit is the smallest value of record_size_limit
	// (RFC 8449, Section 4).
	MinRecordSizeLimit = 64
)

// KeyShareEntry is one key share of a key_share extension (RFC 8446,
// Section 4.2.8): a named group and the public value for it.
type KeyShareEntry struct {
	Group NamedGroup
	Data  []byte // key_exchange
}

// OfferedPSK is one identity of a ClientHello's pre_shared_key extension
// (RFC 8446, Section 4.2.11): a ticket or external PSK identity and, for a
// ticket, its obfuscated age.
type OfferedPSK struct {
	Identity            []byte
	ObfuscatedTicketAge uint32
}

// StatusRequest is the body of a client's status_request extension
// (RFC 6066, Section 8): the status type (StatusTypeOCSP) with the OCSP
// responder IDs the client trusts and the DER of the OCSP request
// extensions, each possibly empty.
type StatusRequest struct {
	Type         uint8
	ResponderIDs [][]byte
	Extensions   []byte
}

// OIDFilter is one filter of a TLS 1.3 CertificateRequest's oid_filters
// extension (RFC 8446, Section 4.2.5): a certificate extension OID (DER
// content octets) and the DER of the values the certificate must match.
type OIDFilter struct {
	OID    []byte
	Values []byte
}

// extContext is a message an extension block belongs to.
type extContext uint16

const (
	ctxClientHello extContext = 1 << iota
	ctxServerHello12
	ctxServerHello13
	ctxHelloRetryRequest
	ctxEncryptedExtensions
	ctxCertificateRequest13
	ctxNewSessionTicket13
	ctxCertificateEntry13
)

// allowedIn lists where each recognised extension may appear: for TLS 1.3
// messages the table of RFC 8446, Section 4.2 (with RFC 8449 and RFC 8879
// for the later ones); the extensions of TLS 1.2 and before appear in
// ClientHello and the TLS 1.2 ServerHello only.
var allowedIn = map[ExtensionType]extContext{
	ExtServerName:              ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtMaxFragmentLength:       ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtStatusRequest:           ctxClientHello | ctxServerHello12 | ctxCertificateRequest13 | ctxCertificateEntry13,
	ExtSupportedGroups:         ctxClientHello | ctxEncryptedExtensions,
	ExtECPointFormats:          ctxClientHello | ctxServerHello12,
	ExtSRP:                     ctxClientHello,
	ExtSignatureAlgorithms:     ctxClientHello | ctxCertificateRequest13,
	ExtUseSRTP:                 ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtHeartbeat:               ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtALPN:                    ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtSCT:                     ctxClientHello | ctxServerHello12 | ctxCertificateRequest13 | ctxCertificateEntry13,
	ExtClientCertificateType:   ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtServerCertificateType:   ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtPadding:                 ctxClientHello,
	ExtEncryptThenMAC:          ctxClientHello | ctxServerHello12,
	ExtExtendedMasterSecret:    ctxClientHello | ctxServerHello12,
	ExtCompressCertificate:     ctxClientHello | ctxCertificateRequest13,
	ExtRecordSizeLimit:         ctxClientHello | ctxServerHello12 | ctxEncryptedExtensions,
	ExtSessionTicket:           ctxClientHello | ctxServerHello12,
	ExtPreSharedKey:            ctxClientHello | ctxServerHello13,
	ExtEarlyData:               ctxClientHello | ctxEncryptedExtensions | ctxNewSessionTicket13,
	ExtSupportedVersions:       ctxClientHello | ctxServerHello13 | ctxHelloRetryRequest,
	ExtCookie:                  ctxClientHello | ctxHelloRetryRequest,
	ExtPSKKeyExchangeModes:     ctxClientHello,
	ExtCertificateAuthorities:  ctxClientHello | ctxCertificateRequest13,
	ExtOIDFilters:              ctxCertificateRequest13,
	ExtPostHandshakeAuth:       ctxClientHello,
	ExtSignatureAlgorithmsCert: ctxClientHello | ctxCertificateRequest13,
	ExtKeyShare:                ctxClientHello | ctxServerHello13 | ctxHelloRetryRequest,
	ExtNextProtocolNegotiation: ctxClientHello | ctxServerHello12,
	ExtRenegotiationInfo:       ctxClientHello | ctxServerHello12,
}

// allowed reports whether an extension of type t may appear in ctx, and
// whether t is recognised at all.
func allowed(t ExtensionType, ctx extContext) (ok, recognised bool) {
	m, recognised := allowedIn[t]
	return m&ctx != 0, recognised
}

// maxExtensions bounds the number of extensions in one block: with
// distinct types required, a block cannot usefully hold more; real hellos
// carry a few dozen.
const maxExtensions = 256

// readExtensions reads an extension block, the extensions<0..2^16-1>
// vector, from s. When optional is set an absent block (s empty) is no
// extensions, as in SSL 3.0 and TLS 1.0-1.2 hellos. Each extension must be
// well formed and its type appear once (RFC 8446, Section 4.2; RFC 5246,
// Section 7.4.1.4), and a recognised type must be one the message may
// carry in TLS 1.3 (RFC 8446, Section 4.2: illegal_parameter) except in
// the TLS 1.2 ServerHello (ctx includes ctxServerHello12), where the state
// machine checks each extension against what the client offered (RFC 5246:
// unsupported_extension). msg names the message in errors.
// Unrecognised types are returned as they are.
func readExtensions(s *cryptobyte.String, optional bool, ctx extContext, msg string) ([]Extension, error) {
	if optional && s.Empty() {
		return nil, nil
	}
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) {
		return nil, wireDecodeError(msg, "extensions", "truncated block")
	}
	var exts []Extension
	for !block.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !block.ReadUint16(&typ) || !block.ReadUint16LengthPrefixed(&data) {
			return nil, wireDecodeError(msg, "extensions", "truncated extension")
		}
		if len(exts) == maxExtensions {
			return nil, wireIllegal(msg, "extensions", fmt.Sprintf("more than %d extensions", maxExtensions))
		}
		t := ExtensionType(typ)
		if ok, recognised := allowed(t, ctx); recognised && !ok && ctx&ctxServerHello12 == 0 {
			return nil, wireIllegal(msg, t.String(), "extension not allowed in this message")
		}
		exts = append(exts, Extension{Type: t, Data: emptyToNil(data)})
	}
	if err := checkDuplicates(exts, msg); err != nil {
		return nil, err
	}
	return exts, nil
}

// checkDuplicates refuses a block holding two extensions of one type.
func checkDuplicates(exts []Extension, msg string) error {
	if len(exts) < 2 {
		return nil
	}
	if len(exts) <= 32 {
		// Few enough to compare pairwise without allocating.
		for i := 1; i < len(exts); i++ {
			for j := 0; j < i; j++ {
				if exts[i].Type == exts[j].Type {
					return wireIllegal(msg, exts[i].Type.String(), "duplicate extension")
				}
			}
		}
		return nil
	}
	types := make([]ExtensionType, len(exts))
	for i, e := range exts {
		types[i] = e.Type
	}
	slices.Sort(types)
	for i := 1; i < len(types); i++ {
		if types[i] == types[i-1] {
			return wireIllegal(msg, types[i].String(), "duplicate extension")
		}
	}
	return nil
}

// extensionOrder returns the types of exts in order.
func extensionOrder(exts []Extension) []ExtensionType {
	if len(exts) == 0 {
		return nil
	}
	order := make([]ExtensionType, len(exts))
	for i, e := range exts {
		order[i] = e.Type
	}
	return order
}

// extWriter writes the extension_data of one extension of a message built
// in memory.
type extWriter struct {
	typ   ExtensionType
	write func(b *cryptobyte.Builder)
}

// unknownWriters adds writers for the kept extensions of a message.
func unknownWriters(ws []extWriter, unknown []Extension) []extWriter {
	for _, e := range unknown {
		data := e.Data
		ws = append(ws, extWriter{e.Type, func(b *cryptobyte.Builder) { b.AddBytes(data) }})
	}
	return ws
}

// orderWriters puts ws in the order given, or keeps the default order of
// ws when order is nil. order must name every extension of ws exactly
// once.
func orderWriters(ws []extWriter, order []ExtensionType, msg string) ([]extWriter, error) {
	if order == nil {
		for i := range ws {
			for j := i + 1; j < len(ws); j++ {
				if ws[i].typ == ws[j].typ {
					return nil, &marshalError{fmt.Sprintf("%s: extension %s twice", msg, ws[i].typ)}
				}
			}
		}
		return ws, nil
	}
	if len(order) != len(ws) {
		return nil, &marshalError{fmt.Sprintf("%s: ExtensionOrder names %d extensions, the message has %d", msg, len(order), len(ws))}
	}
	out := make([]extWriter, 0, len(ws))
	used := make([]bool, len(ws))
	for _, t := range order {
		found := false
		for i, w := range ws {
			if w.typ == t && !used[i] {
				used[i] = true
				out = append(out, w)
				found = true
				break
			}
		}
		if !found {
			return nil, &marshalError{fmt.Sprintf("%s: ExtensionOrder names %s, which the message does not carry (or names it twice)", msg, t)}
		}
	}
	return orderWriters(out, nil, msg)
}

// addExtensions writes an extension block with ws, in the order given.
// With omitEmpty, no block at all is written when ws is empty (hellos).
func addExtensions(b *cryptobyte.Builder, ws []extWriter, order []ExtensionType, msg string, omitEmpty bool) {
	ws, err := orderWriters(ws, order, msg)
	if err != nil {
		b.SetError(err)
		return
	}
	if omitEmpty && len(ws) == 0 {
		return
	}
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, w := range ws {
			b.AddUint16(uint16(w.typ))
			b.AddUint16LengthPrefixed(w.write)
		}
	})
}

// effectiveOrder returns the order in which a message built in memory
// writes its extensions.
func effectiveOrder(ws []extWriter, order []ExtensionType) []ExtensionType {
	if order != nil {
		return order
	}
	if len(ws) == 0 {
		return nil
	}
	out := make([]ExtensionType, len(ws))
	for i, w := range ws {
		out[i] = w.typ
	}
	return out
}

// The extension body codecs. Each parse function takes the
// extension_data and returns an alert naming the message (msg) and the
// extension; each add function writes the extension_data of a message
// built in memory, recording a marshal error in b for values the encoding
// cannot carry.

// parseEmpty checks an extension whose data must be empty.
func parseEmpty(data []byte, msg string, t ExtensionType) error {
	if len(data) != 0 {
		return wireDecodeError(msg, t.String(), "extension data must be empty")
	}
	return nil
}

// parseServerNameList decodes a ClientHello server_name extension
// (RFC 6066, Section 3) and returns its host_name. Names of other types are
// skipped; a second host_name, an empty or non-ASCII name, and a name with
// a trailing dot are refused.
func parseServerNameList(data []byte, msg string) (string, error) {
	const field = "server_name"
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return "", wireDecodeError(msg, field, "malformed server_name_list")
	}
	if list.Empty() {
		return "", wireDecodeError(msg, field, "empty server_name_list")
	}
	var host string
	seen := false
	for !list.Empty() {
		var nameType uint8
		var name cryptobyte.String
		if !list.ReadUint8(&nameType) || !list.ReadUint16LengthPrefixed(&name) {
			return "", wireDecodeError(msg, field, "truncated ServerName")
		}
		if len(name) == 0 {
			return "", wireDecodeError(msg, field, "empty name")
		}
		if nameType != 0 {
			continue
		}
		if seen {
			return "", wireIllegal(msg, field, "more than one host_name")
		}
		seen = true
		if err := checkHostName(name); err != nil {
			return "", wireIllegal(msg, field, err.Error())
		}
		host = string(name)
	}
	return host, nil
}

// checkHostName applies RFC 6066's rules for a HostName: ASCII, no
// trailing dot. IP address literals are the caller's business.
func checkHostName(name []byte) error {
	for _, c := range name {
		if c <= 0x20 || c >= 0x7f {
			return fmt.Errorf("host_name has a byte 0x%02x that is not printable ASCII", c)
		}
	}
	if name[len(name)-1] == '.' {
		return fmt.Errorf("host_name %q ends with a dot", name)
	}
	return nil
}

func addServerNameList(b *cryptobyte.Builder, host string) {
	if host == "" || len(host) > 0xffff {
		wireFail(b, "server_name: host name of %d bytes", len(host))
		return
	}
	if err := checkHostName([]byte(host)); err != nil {
		wireFail(b, "server_name: %v", err)
		return
	}
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(0) // host_name
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(host)) })
	})
}

// parseUint16List decodes a vector of 16-bit values with a 16-bit length,
// which must be non-empty (supported_groups, signature_algorithms,
// signature_algorithms_cert: <2..2^16-2>).
func parseUint16List[T ~uint16](s *cryptobyte.String, msg string, field string) ([]T, error) {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) {
		return nil, wireDecodeError(msg, field, "truncated list")
	}
	if len(list) == 0 || len(list)%2 != 0 {
		return nil, wireDecodeError(msg, field, fmt.Sprintf("list of %d bytes", len(list)))
	}
	out := make([]T, len(list)/2)
	for i := range out {
		out[i] = T(uint16(list[2*i])<<8 | uint16(list[2*i+1]))
	}
	return out, nil
}

// parseUint16ListExt decodes an extension whose whole data is such a
// vector.
func parseUint16ListExt[T ~uint16](data []byte, msg string, t ExtensionType) ([]T, error) {
	s := cryptobyte.String(data)
	list, err := parseUint16List[T](&s, msg, t.String())
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, t.String(), "trailing bytes")
	}
	return list, nil
}

func addUint16List[T ~uint16](b *cryptobyte.Builder, list []T, field string) {
	if len(list) == 0 || len(list) > 0x7fff {
		wireFail(b, "%s: list of %d values", field, len(list))
		return
	}
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, v := range list {
			b.AddUint16(uint16(v))
		}
	})
}

// parseUint8List decodes a non-empty vector of bytes with an 8-bit length
// (ec_point_formats, psk_key_exchange_modes: <1..2^8-1>).
func parseUint8List(data []byte, msg string, t ExtensionType) ([]uint8, error) {
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, t.String(), "malformed list")
	}
	if len(list) == 0 {
		return nil, wireDecodeError(msg, t.String(), "empty list")
	}
	return list, nil
}

func addUint8List(b *cryptobyte.Builder, list []uint8, field string) {
	if len(list) == 0 || len(list) > 0xff {
		wireFail(b, "%s: list of %d values", field, len(list))
		return
	}
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(list) })
}

// parseProtocolNames decodes a ProtocolNameList (RFC 7301, Section 3.1):
// non-empty, each name non-empty.
func parseProtocolNames(data []byte, msg string) ([]string, error) {
	const field = "application_layer_protocol_negotiation"
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, field, "malformed protocol_name_list")
	}
	if list.Empty() {
		return nil, wireDecodeError(msg, field, "empty protocol_name_list")
	}
	var names []string
	for !list.Empty() {
		var name cryptobyte.String
		if !list.ReadUint8LengthPrefixed(&name) {
			return nil, wireDecodeError(msg, field, "truncated ProtocolName")
		}
		if len(name) == 0 {
			return nil, wireDecodeError(msg, field, "empty ProtocolName")
		}
		if len(names) == maxListEntries {
			return nil, wireIllegal(msg, field, "too many protocol names")
		}
		names = append(names, string(name))
	}
	return names, nil
}

// parseSelectedProtocol decodes a server's ALPN extension: a
// ProtocolNameList of exactly one name (RFC 7301, Section 3.1).
func parseSelectedProtocol(data []byte, msg string) (string, error) {
	names, err := parseProtocolNames(data, msg)
	if err != nil {
		return "", err
	}
	if len(names) != 1 {
		return "", wireIllegal(msg, "application_layer_protocol_negotiation", fmt.Sprintf("%d protocols selected", len(names)))
	}
	return names[0], nil
}

func addProtocolNames(b *cryptobyte.Builder, names []string) {
	if len(names) == 0 {
		wireFail(b, "application_layer_protocol_negotiation: no protocols")
		return
	}
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, n := range names {
			if len(n) == 0 || len(n) > 0xff {
				wireFail(b, "application_layer_protocol_negotiation: protocol name of %d bytes", len(n))
				return
			}
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(n)) })
		}
	})
}

// parseOpaque8 decodes an extension whose data is one opaque<0..2^8-1>
// (renegotiation_info); nonEmpty makes it <1..2^8-1> (srp).
func parseOpaque8(data []byte, msg string, t ExtensionType, nonEmpty bool) ([]byte, error) {
	s := cryptobyte.String(data)
	var v cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&v) || !s.Empty() {
		return nil, wireDecodeError(msg, t.String(), "malformed")
	}
	if nonEmpty && len(v) == 0 {
		return nil, wireDecodeError(msg, t.String(), "empty")
	}
	return emptyToNil(v), nil
}

func addOpaque8(b *cryptobyte.Builder, v []byte, field string) {
	if len(v) > 0xff {
		wireFail(b, "%s: %d bytes", field, len(v))
		return
	}
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
}

// parseOpaque16 decodes an extension whose data is one non-empty
// opaque<1..2^16-1> (cookie).
func parseOpaque16(data []byte, msg string, t ExtensionType) ([]byte, error) {
	s := cryptobyte.String(data)
	var v cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&v) || !s.Empty() {
		return nil, wireDecodeError(msg, t.String(), "malformed")
	}
	if len(v) == 0 {
		return nil, wireDecodeError(msg, t.String(), "empty")
	}
	return v, nil
}

func addOpaque16(b *cryptobyte.Builder, v []byte, field string) {
	if len(v) == 0 || len(v) > 0xffff {
		wireFail(b, "%s: %d bytes", field, len(v))
		return
	}
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
}

// parseClientVersions decodes a ClientHello supported_versions extension:
// ProtocolVersion versions<2..254>.
func parseClientVersions(data []byte, msg string) ([]cipher.Version, error) {
	const field = "supported_versions"
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, field, "malformed list")
	}
	if len(list) == 0 || len(list)%2 != 0 {
		return nil, wireDecodeError(msg, field, fmt.Sprintf("list of %d bytes", len(list)))
	}
	out := make([]cipher.Version, len(list)/2)
	for i := range out {
		out[i] = cipher.Version(uint16(list[2*i])<<8 | uint16(list[2*i+1]))
	}
	return out, nil
}

func addClientVersions(b *cryptobyte.Builder, vs []cipher.Version) {
	if len(vs) == 0 || len(vs) > 127 {
		wireFail(b, "supported_versions: list of %d versions", len(vs))
		return
	}
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, v := range vs {
			b.AddUint16(uint16(v))
		}
	})
}

// parseUint16Value decodes an extension whose data is exactly one 16-bit
// value.
func parseUint16Value(data []byte, msg string, t ExtensionType) (uint16, error) {
	if len(data) != 2 {
		return 0, wireDecodeError(msg, t.String(), fmt.Sprintf("%d bytes, want 2", len(data)))
	}
	return uint16(data[0])<<8 | uint16(data[1]), nil
}

// parseServerVersion decodes a ServerHello or HelloRetryRequest
// supported_versions extension: the selected version, which must be TLS
// 1.3 or later (RFC 8446, Section 4.2.1: illegal_parameter).
func parseServerVersion(data []byte, msg string) (cipher.Version, error) {
	v, err := parseUint16Value(data, msg, ExtSupportedVersions)
	if err != nil {
		return 0, err
	}
	if cipher.Version(v) < cipher.VersionTLS13 {
		return 0, wireIllegal(msg, "supported_versions", fmt.Sprintf("selected version 0x%04x is before TLS 1.3", v))
	}
	return cipher.Version(v), nil
}

// readKeyShareEntry reads one KeyShareEntry.
func readKeyShareEntry(s *cryptobyte.String, msg string) (KeyShareEntry, error) {
	var e KeyShareEntry
	var key cryptobyte.String
	var group uint16
	if !s.ReadUint16(&group) || !s.ReadUint16LengthPrefixed(&key) {
		return e, wireDecodeError(msg, "key_share", "truncated KeyShareEntry")
	}
	if len(key) == 0 {
		return e, wireDecodeError(msg, "key_share", "empty key_exchange")
	}
	e.Group, e.Data = NamedGroup(group), key
	return e, nil
}

func addKeyShareEntry(b *cryptobyte.Builder, e KeyShareEntry) {
	if len(e.Data) == 0 || len(e.Data) > 0xffff {
		wireFail(b, "key_share: key_exchange of %d bytes", len(e.Data))
		return
	}
	b.AddUint16(uint16(e.Group))
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
}

// parseClientKeyShares decodes a ClientHello key_share extension
// (RFC 8446, Section 4.2.8): client_shares<0..2^16-1>, each group once.
func parseClientKeyShares(data []byte, msg string) ([]KeyShareEntry, error) {
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, "key_share", "malformed client_shares")
	}
	var out []KeyShareEntry
	for !list.Empty() {
		e, err := readKeyShareEntry(&list, msg)
		if err != nil {
			return nil, err
		}
		if len(out) == maxListEntries {
			return nil, wireIllegal(msg, "key_share", "too many key shares")
		}
		for _, o := range out {
			if o.Group == e.Group {
				return nil, wireIllegal(msg, "key_share", fmt.Sprintf("two key shares for group 0x%04x", e.Group))
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// parseServerKeyShare decodes a ServerHello key_share extension: one
// KeyShareEntry.
func parseServerKeyShare(data []byte, msg string) (*KeyShareEntry, error) {
	s := cryptobyte.String(data)
	e, err := readKeyShareEntry(&s, msg)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "key_share", "trailing bytes")
	}
	return &e, nil
}

// parseOfferedPSKs decodes a ClientHello pre_shared_key extension
// (RFC 8446, Section 4.2.11): identities<7..2^16-1> then
// binders<33..2^16-1>, one binder per identity.
func parseOfferedPSKs(data []byte, msg string) ([]OfferedPSK, [][]byte, error) {
	const field = "pre_shared_key"
	s := cryptobyte.String(data)
	var ids, binders cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&ids) || !s.ReadUint16LengthPrefixed(&binders) || !s.Empty() {
		return nil, nil, wireDecodeError(msg, field, "malformed OfferedPsks")
	}
	if ids.Empty() {
		return nil, nil, wireDecodeError(msg, field, "no identities")
	}
	var out []OfferedPSK
	for !ids.Empty() {
		var p OfferedPSK
		var id cryptobyte.String
		if !ids.ReadUint16LengthPrefixed(&id) || !ids.ReadUint32(&p.ObfuscatedTicketAge) {
			return nil, nil, wireDecodeError(msg, field, "truncated PskIdentity")
		}
		if len(id) == 0 {
			return nil, nil, wireDecodeError(msg, field, "empty identity")
		}
		if len(out) == maxListEntries {
			return nil, nil, wireIllegal(msg, field, "too many identities")
		}
		p.Identity = id
		out = append(out, p)
	}
	var bs [][]byte
	for !binders.Empty() {
		var b cryptobyte.String
		if !binders.ReadUint8LengthPrefixed(&b) {
			return nil, nil, wireDecodeError(msg, field, "truncated PskBinderEntry")
		}
		if len(b) < 32 {
			return nil, nil, wireDecodeError(msg, field, fmt.Sprintf("binder of %d bytes", len(b)))
		}
		if len(bs) == len(out) {
			return nil, nil, wireIllegal(msg, field, "more binders than identities")
		}
		bs = append(bs, b)
	}
	if len(bs) != len(out) {
		return nil, nil, wireIllegal(msg, field, fmt.Sprintf("%d identities but %d binders", len(out), len(bs)))
	}
	return out, bs, nil
}

func addOfferedPSKs(b *cryptobyte.Builder, ids []OfferedPSK, binders [][]byte) {
	if len(ids) != len(binders) {
		wireFail(b, "pre_shared_key: %d identities but %d binders", len(ids), len(binders))
		return
	}
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, p := range ids {
			if len(p.Identity) == 0 || len(p.Identity) > 0xffff {
				wireFail(b, "pre_shared_key: identity of %d bytes", len(p.Identity))
				return
			}
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(p.Identity) })
			b.AddUint32(p.ObfuscatedTicketAge)
		}
	})
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, bi := range binders {
			if len(bi) < 32 || len(bi) > 0xff {
				wireFail(b, "pre_shared_key: binder of %d bytes", len(bi))
				return
			}
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(bi) })
		}
	})
}

// bindersLen is the length of the binders vector of a pre_shared_key
// extension, its 2-byte length included.
func bindersLen(binders [][]byte) int {
	n := 2
	for _, b := range binders {
		n += 1 + len(b)
	}
	return n
}

// parseStatusRequest decodes a ClientHello status_request extension
// (RFC 6066, Section 8). The two vectors are read whatever the status type,
// as every deployed status type shares the OCSP layout.
func parseStatusRequest(data []byte, msg string) (*StatusRequest, error) {
	const field = "status_request"
	s := cryptobyte.String(data)
	r := &StatusRequest{}
	var ids, exts cryptobyte.String
	if !s.ReadUint8(&r.Type) || !s.ReadUint16LengthPrefixed(&ids) || !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, wireDecodeError(msg, field, "malformed CertificateStatusRequest")
	}
	for !ids.Empty() {
		var id cryptobyte.String
		if !ids.ReadUint16LengthPrefixed(&id) {
			return nil, wireDecodeError(msg, field, "truncated ResponderID")
		}
		if len(id) == 0 {
			return nil, wireDecodeError(msg, field, "empty ResponderID")
		}
		if len(r.ResponderIDs) == maxListEntries {
			return nil, wireIllegal(msg, field, "too many responder IDs")
		}
		r.ResponderIDs = append(r.ResponderIDs, id)
	}
	r.Extensions = emptyToNil(exts)
	return r, nil
}

func addStatusRequest(b *cryptobyte.Builder, r *StatusRequest) {
	b.AddUint8(r.Type)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, id := range r.ResponderIDs {
			if len(id) == 0 {
				wireFail(b, "status_request: empty ResponderID")
				return
			}
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(id) })
		}
	})
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(r.Extensions) })
}

// readDistinguishedNames reads a list of DistinguishedName<1..2^16-1>
// with a 16-bit length; nonEmpty requires at least one
// (certificate_authorities: <3..2^16-1>).
func readDistinguishedNames(s *cryptobyte.String, msg, field string, nonEmpty bool) ([][]byte, error) {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) {
		return nil, wireDecodeError(msg, field, "truncated list")
	}
	if nonEmpty && list.Empty() {
		return nil, wireDecodeError(msg, field, "empty list")
	}
	var out [][]byte
	for !list.Empty() {
		var dn cryptobyte.String
		if !list.ReadUint16LengthPrefixed(&dn) {
			return nil, wireDecodeError(msg, field, "truncated DistinguishedName")
		}
		if len(dn) == 0 {
			return nil, wireDecodeError(msg, field, "empty DistinguishedName")
		}
		if len(out) == maxListEntries {
			return nil, wireIllegal(msg, field, "too many names")
		}
		out = append(out, dn)
	}
	return out, nil
}

func parseCertificateAuthorities(data []byte, msg string) ([][]byte, error) {
	s := cryptobyte.String(data)
	names, err := readDistinguishedNames(&s, msg, "certificate_authorities", true)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, wireDecodeError(msg, "certificate_authorities", "trailing bytes")
	}
	return names, nil
}

func addDistinguishedNames(b *cryptobyte.Builder, names [][]byte, field string) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, n := range names {
			if len(n) == 0 || len(n) > 0xffff {
				wireFail(b, "%s: DistinguishedName of %d bytes", field, len(n))
				return
			}
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(n) })
		}
	})
}

// parseRecordSizeLimit decodes record_size_limit (RFC 8449, Section 4): a
// value below 64 is an illegal_parameter.
func parseRecordSizeLimit(data []byte, msg string) (uint16, error) {
	v, err := parseUint16Value(data, msg, ExtRecordSizeLimit)
	if err != nil {
		return 0, err
	}
	if v < MinRecordSizeLimit {
		return 0, wireIllegal(msg, "record_size_limit", fmt.Sprintf("limit %d is below 64", v))
	}
	return v, nil
}

func addRecordSizeLimit(b *cryptobyte.Builder, v uint16) {
	if v < MinRecordSizeLimit {
		wireFail(b, "record_size_limit: %d is below 64", v)
		return
	}
	b.AddUint16(v)
}

// parseMaxFragmentLength decodes max_fragment_length (RFC 6066, Section 4):
// one byte from 1 (2^9) to 4 (2^12); other values are an
// illegal_parameter.
func parseMaxFragmentLength(data []byte, msg string) (uint8, error) {
	if len(data) != 1 {
		return 0, wireDecodeError(msg, "max_fragment_length", fmt.Sprintf("%d bytes, want 1", len(data)))
	}
	if data[0] < 1 || data[0] > 4 {
		return 0, wireIllegal(msg, "max_fragment_length", fmt.Sprintf("value %d", data[0]))
	}
	return data[0], nil
}

func addMaxFragmentLength(b *cryptobyte.Builder, v uint8) {
	if v < 1 || v > 4 {
		wireFail(b, "max_fragment_length: value %d", v)
		return
	}
	b.AddUint8(v)
}

// parseSCTList decodes a SignedCertificateTimestampList (RFC 6962,
// Section 3.3): sct_list<1..2^16-1> of SerializedSCT<1..2^16-1>.
func parseSCTList(data []byte, msg string) ([][]byte, error) {
	const field = "signed_certificate_timestamp"
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, field, "malformed sct_list")
	}
	if list.Empty() {
		return nil, wireDecodeError(msg, field, "empty sct_list")
	}
	var out [][]byte
	for !list.Empty() {
		var sct cryptobyte.String
		if !list.ReadUint16LengthPrefixed(&sct) {
			return nil, wireDecodeError(msg, field, "truncated SerializedSCT")
		}
		if len(sct) == 0 {
			return nil, wireDecodeError(msg, field, "empty SerializedSCT")
		}
		if len(out) == maxListEntries {
			return nil, wireIllegal(msg, field, "too many SCTs")
		}
		out = append(out, sct)
	}
	return out, nil
}

func addSCTList(b *cryptobyte.Builder, scts [][]byte) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, sct := range scts {
			if len(sct) == 0 || len(sct) > 0xffff {
				wireFail(b, "signed_certificate_timestamp: SCT of %d bytes", len(sct))
				return
			}
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sct) })
		}
	})
}

// parseNextProtos decodes a ServerHello next_protocol_negotiation
// extension: protocol names, each with an 8-bit length, filling the data;
// the list may be empty, the names may not.
func parseNextProtos(data []byte, msg string) ([]string, error) {
	s := cryptobyte.String(data)
	var out []string
	for !s.Empty() {
		var name cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&name) {
			return nil, wireDecodeError(msg, "next_protocol_negotiation", "truncated protocol name")
		}
		if len(name) == 0 {
			return nil, wireDecodeError(msg, "next_protocol_negotiation", "empty protocol name")
		}
		if len(out) == maxListEntries {
			return nil, wireIllegal(msg, "next_protocol_negotiation", "too many protocol names")
		}
		out = append(out, string(name))
	}
	return out, nil
}

func addNextProtos(b *cryptobyte.Builder, names []string) {
	for _, n := range names {
		if len(n) == 0 || len(n) > 0xff {
			wireFail(b, "next_protocol_negotiation: protocol name of %d bytes", len(n))
			return
		}
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(n)) })
	}
}

// parseOIDFilters decodes oid_filters (RFC 8446, Section 4.2.5):
// filters<0..2^16-1> of {certificate_extension_oid<1..2^8-1>,
// certificate_extension_values<0..2^16-1>}.
func parseOIDFilters(data []byte, msg string) ([]OIDFilter, error) {
	const field = "oid_filters"
	s := cryptobyte.String(data)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return nil, wireDecodeError(msg, field, "malformed filters")
	}
	out := []OIDFilter{}
	for !list.Empty() {
		var oid, values cryptobyte.String
		if !list.ReadUint8LengthPrefixed(&oid) || !list.ReadUint16LengthPrefixed(&values) {
			return nil, wireDecodeError(msg, field, "truncated OIDFilter")
		}
		if len(oid) == 0 {
			return nil, wireDecodeError(msg, field, "empty OID")
		}
		if len(out) == maxListEntries {
			return nil, wireIllegal(msg, field, "too many filters")
		}
		out = append(out, OIDFilter{OID: oid, Values: emptyToNil(values)})
	}
	return out, nil
}

func addOIDFilters(b *cryptobyte.Builder, fs []OIDFilter) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, f := range fs {
			if len(f.OID) == 0 || len(f.OID) > 0xff {
				wireFail(b, "oid_filters: OID of %d bytes", len(f.OID))
				return
			}
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(f.OID) })
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(f.Values) })
		}
	})
}

// readCertificateStatus reads a CertificateStatus body (RFC 6066,
// Section 8; RFC 8446, Section 4.4.2.1): status_type ocsp and an
// OCSPResponse<1..2^24-1>.
func readCertificateStatus(s *cryptobyte.String, msg string) ([]byte, error) {
	var typ uint8
	var resp cryptobyte.String
	if !s.ReadUint8(&typ) || !s.ReadUint24LengthPrefixed(&resp) {
		return nil, wireDecodeError(msg, "status", "truncated CertificateStatus")
	}
	if typ != StatusTypeOCSP {
		return nil, wireIllegal(msg, "status", fmt.Sprintf("status_type %d", typ))
	}
	if len(resp) == 0 {
		return nil, wireDecodeError(msg, "status", "empty OCSPResponse")
	}
	return resp, nil
}

func addCertificateStatus(b *cryptobyte.Builder, resp []byte) {
	if len(resp) == 0 {
		wireFail(b, "CertificateStatus: empty OCSP response")
		return
	}
	b.AddUint8(StatusTypeOCSP)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(resp) })
}
