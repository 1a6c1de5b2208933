package handshake

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"io"
	"math/rand"
	"net"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/record"
)

func TestClientHelloRFC8448(t *testing.T) {
	b := unhex(t, rfc8448ClientHello)
	m, err := UnmarshalClientHello(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &ClientHello{
		Version:            cipher.VersionTLS12,
		Random:             [32]byte(unhex(t, "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7")),
		CipherSuites:       []uint16{0x1301, 0x1303, 0x1302},
		CompressionMethods: []uint8{0},
		ServerName:         "server",

		SecureRenegotiationSupported: true,
		SupportedGroups:              []NamedGroup{0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104},
		TicketSupported:              true,
		HasKeyShare:                  true,
		KeyShares: []KeyShareEntry{{Group: 0x1d,
			Data: unhex(t, "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")}},
		SupportedVersions: []cipher.Version{cipher.VersionTLS13},
		SignatureAlgorithms: []SignatureScheme{0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806,
			0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202},
		PSKModes:        []uint8{PSKModeDHEKE},
		RecordSizeLimit: 0x4001,
		ExtensionOrder: []ExtensionType{ExtServerName, ExtRenegotiationInfo, ExtSupportedGroups, ExtSessionTicket,
			ExtKeyShare, ExtSupportedVersions, ExtSignatureAlgorithms, ExtPSKKeyExchangeModes, ExtRecordSizeLimit},
	}
	if got := withoutRaw(t, m); !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", got, want)
	}
	if m.HasRenegotiationSCSV() || m.HasFallbackSCSV() || !m.OnlyNullCompression() || !m.HasNullCompression() {
		t.Fatal("helpers disagree with the hello")
	}
	if _, err := m.BindersOffset(); err == nil {
		t.Fatal("BindersOffset of a hello without pre_shared_key")
	}
	// The same fields in the default order give another valid encoding of
	// the same length.
	d := withoutRaw(t, m).(*ClientHello)
	d.ExtensionOrder = nil
	out, err := d.Marshal()
	if err != nil || len(out) != len(b) || bytes.Equal(out, b) {
		t.Fatalf("default order: %x, %v", out, err)
	}
	checkRoundTrip(t, d, cipher.VersionTLS13)
}

func TestClientHelloRFC8448Resumption(t *testing.T) {
	b := unhex(t, rfc8448ResumedClientHello)
	m, err := UnmarshalClientHello(b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.EarlyData || !m.HasPadding || m.PaddingLen != 0x57 || len(m.PSKIdentities) != 1 || len(m.PSKBinders) != 1 {
		t.Fatalf("early_data %v, padding %v/%d, %d identities, %d binders",
			m.EarlyData, m.HasPadding, m.PaddingLen, len(m.PSKIdentities), len(m.PSKBinders))
	}
	id := m.PSKIdentities[0]
	if len(id.Identity) != 0xb2 || !bytes.HasPrefix(id.Identity, unhex(t, "2c035d829359ee5ff7af4ec9")) || id.ObfuscatedTicketAge != 0xfad6aacb {
		t.Fatalf("identity %x, age %#x", id.Identity, id.ObfuscatedTicketAge)
	}
	order := m.ExtensionOrder
	if order[len(order)-1] != ExtPreSharedKey || order[len(order)-2] != ExtPadding {
		t.Fatalf("order %v", order)
	}
	// RFC 8448 computes the binder over the first 477 bytes.
	n, err := m.BindersOffset()
	if err != nil || n != 477 {
		t.Fatalf("BindersOffset = %d, %v", n, err)
	}
	truncated, err := m.TruncatedForBinders()
	if err != nil || !bytes.Equal(truncated, b[:477]) {
		t.Fatalf("TruncatedForBinders: %v", err)
	}
	// The binder the trace carries is the one computed over that prefix
	// with the resumption PSK of Section 3.
	s := cipher.SuiteByID(0x1301)
	early, err := cipher.NewEarlySchedule(s, unhex(t, "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(truncated)
	binder, err := early.Binder(false, h[:])
	if err != nil || !bytes.Equal(binder, m.PSKBinders[0]) {
		t.Fatalf("binder %x, want %x (%v)", binder, m.PSKBinders[0], err)
	}
	// A client builds the same hello: placeholder binders, truncate,
	// compute, marshal.
	c := withoutRaw(t, m).(*ClientHello)
	c.PSKBinders = [][]byte{make([]byte, 32)}
	tr, err := c.TruncatedForBinders()
	if err != nil || !bytes.Equal(tr, truncated) {
		t.Fatalf("built hello truncates differently: %v", err)
	}
	h = sha256.Sum256(tr)
	c.PSKBinders[0], _ = early.Binder(false, h[:])
	out, err := c.Marshal()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("built hello\n%x\nwant\n%x\n%v", out, b, err)
	}
}

func randClientHello(r *rand.Rand) *ClientHello {
	m := &ClientHello{
		Version:            cipher.Version(0x0300 + r.Intn(4)),
		SessionID:          randBytes(r, 0, 32),
		CipherSuites:       randUint16s[uint16](r, 40),
		CompressionMethods: append([]uint8{0}, randBytes(r, 0, 3)...),
	}
	r.Read(m.Random[:])
	if r.Intn(4) == 0 { // an SSL 3.0 style hello without extensions
		return m
	}
	maybe := func() bool { return r.Intn(2) == 0 }
	if maybe() {
		m.ServerName = randName(r, 1, 30) + "x"
	}
	if maybe() {
		m.MaxFragmentLength = uint8(1 + r.Intn(4))
	}
	if maybe() {
		m.StatusRequest = &StatusRequest{Type: StatusTypeOCSP, ResponderIDs: randList(r, 0, 3, 20), Extensions: randBytes(r, 0, 10)}
	}
	if maybe() {
		m.SupportedGroups = randUint16s[NamedGroup](r, 10)
	}
	if maybe() {
		m.ECPointFormats = randBytes(r, 1, 3)
	}
	if maybe() {
		m.SRPIdentity = randBytes(r, 1, 20)
	}
	if maybe() {
		m.SignatureAlgorithms = randUint16s[SignatureScheme](r, 20)
	}
	if maybe() {
		m.SignatureAlgorithmsCert = randUint16s[SignatureScheme](r, 20)
	}
	if maybe() {
		for i := r.Intn(4); i >= 0; i-- {
			m.ALPNProtocols = append(m.ALPNProtocols, randName(r, 1, 20))
		}
	}
	m.SCTRequested = maybe()
	if maybe() {
		m.HasPadding, m.PaddingLen = true, r.Intn(300)
	}
	m.EncryptThenMAC = maybe()
	m.ExtendedMasterSecret = maybe()
	if maybe() {
		m.RecordSizeLimit = uint16(64 + r.Intn(0x10000-64))
	}
	if maybe() {
		m.TicketSupported, m.SessionTicket = true, randBytes(r, 0, 100)
	}
	m.EarlyData = maybe()
	if maybe() {
		for i := r.Intn(4); i >= 0; i-- {
			m.SupportedVersions = append(m.SupportedVersions, cipher.Version(0x0300+r.Intn(5)))
		}
	}
	if maybe() {
		m.Cookie = randBytes(r, 1, 50)
	}
	if maybe() {
		m.PSKModes = randBytes(r, 1, 2)
	}
	if maybe() {
		m.CertificateAuthorities = randList(r, 1, 4, 40)
	}
	m.PostHandshakeAuth = maybe()
	if maybe() {
		m.HasKeyShare = true
		for i, g := range r.Perm(4)[:r.Intn(4)] {
			_ = i
			m.KeyShares = append(m.KeyShares, KeyShareEntry{Group: NamedGroup(0x17 + g), Data: randBytes(r, 1, 97)})
		}
	}
	m.NextProtoNeg = maybe()
	if maybe() {
		m.SecureRenegotiationSupported, m.SecureRenegotiation = true, randBytes(r, 0, 24)
	}
	m.Unknown = randUnknown(r, 3)
	if maybe() {
		for i := r.Intn(3); i >= 0; i-- {
			m.PSKIdentities = append(m.PSKIdentities, OfferedPSK{Identity: randBytes(r, 1, 100), ObfuscatedTicketAge: r.Uint32()})
			m.PSKBinders = append(m.PSKBinders, randBytes(r, 32, 48))
		}
	}
	if order, err := m.Extensions(); err == nil {
		m.ExtensionOrder = shuffleOrder(r, order, ExtPreSharedKey, len(m.PSKIdentities) > 0)
	}
	return m
}

func TestClientHelloRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		m := randClientHello(r)
		checkRoundTrip(t, m, cipher.VersionTLS12)
		b, _ := m.Marshal()
		if p, err := UnmarshalClientHello(b); err != nil || !bytes.Equal(p.Raw(), b) {
			t.Fatalf("UnmarshalClientHello: %v", err)
		}
	}
}

// rawExt encodes one extension.
func rawExt(t ExtensionType, data []byte) []byte {
	return append([]byte{byte(t >> 8), byte(t), byte(len(data) >> 8), byte(len(data))}, data...)
}

// helloWith returns a ClientHello with the given encoded extensions.
func helloWith(exts ...[]byte) []byte {
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0, 0, 2, 0x13, 0x01, 1, 0)
	var block []byte
	for _, e := range exts {
		block = append(block, e...)
	}
	body = append(body, byte(len(block)>>8), byte(len(block)))
	body = append(body, block...)
	return frame(TypeClientHello, body)
}

// vec8 and vec16 prefix data with its length.
func vec8(data ...byte) []byte { return append([]byte{byte(len(data))}, data...) }
func vec16(data ...byte) []byte {
	return append([]byte{byte(len(data) >> 8), byte(len(data))}, data...)
}

// sni encodes a server_name_list of one name of type typ.
func sni(typ byte, name string) []byte {
	return append([]byte{typ}, vec16([]byte(name)...)...)
}

func TestClientHelloErrors(t *testing.T) {
	base := unhex(t, rfc8448ClientHello)
	_, body, _ := ParseHeader(base)
	mutate := func(f func(b []byte) []byte) []byte {
		return frame(TypeClientHello, f(append([]byte(nil), body...)))
	}
	psk := rawExt(ExtPreSharedKey, append(vec16(append(vec16(1, 2, 3), 0, 0, 0, 0)...), vec16(vec8(make([]byte, 32)...)...)...))
	tooManyExts := make([][]byte, maxExtensions+1)
	for i := range tooManyExts {
		tooManyExts[i] = rawExt(ExtensionType(0x1000+i), nil)
	}
	var manyNames []byte
	for i := 0; i <= maxListEntries; i++ {
		manyNames = append(manyNames, vec8('a')...)
	}
	for _, c := range []struct {
		name string
		msg  []byte
		want record.Description
	}{
		{"session id of 33 bytes", mutate(func(b []byte) []byte {
			return append(append(b[:34:34], 33), append(make([]byte, 33), b[35:]...)...)
		}), record.DecodeError},
		{"odd cipher suites", mutate(func(b []byte) []byte { b[36] = 5; return b }), record.DecodeError},
		{"no cipher suites", frame(TypeClientHello, append(append([]byte{3, 3}, make([]byte, 32)...), 0, 0, 0, 1, 0)), record.DecodeError},
		{"no compression", frame(TypeClientHello, append(append([]byte{3, 3}, make([]byte, 32)...), 0, 0, 2, 0x13, 1, 0)), record.DecodeError},
		{"duplicate extension", helloWith(rawExt(ExtExtendedMasterSecret, nil), rawExt(ExtEncryptThenMAC, nil), rawExt(ExtExtendedMasterSecret, nil)), record.IllegalParameter},
		{"duplicate unknown extension", helloWith(rawExt(0x1234, nil), rawExt(0x1234, []byte{1})), record.IllegalParameter},
		{"too many extensions", helloWith(tooManyExts...), record.IllegalParameter},
		{"SNI trailing dot", helloWith(rawExt(ExtServerName, vec16(sni(0, "example.com.")...))), record.IllegalParameter},
		{"SNI not ASCII", helloWith(rawExt(ExtServerName, vec16(sni(0, "ex\xc3\xa4mple.com")...))), record.IllegalParameter},
		{"SNI with a NUL", helloWith(rawExt(ExtServerName, vec16(sni(0, "a\x00b")...))), record.IllegalParameter},
		{"SNI two host names", helloWith(rawExt(ExtServerName, vec16(append(sni(0, "a.example"), sni(0, "b.example")...)...))), record.IllegalParameter},
		{"SNI empty name", helloWith(rawExt(ExtServerName, vec16(sni(0, "")...))), record.DecodeError},
		{"SNI empty list", helloWith(rawExt(ExtServerName, vec16())), record.DecodeError},
		{"SNI truncated", helloWith(rawExt(ExtServerName, vec16(0, 0, 5, 'a'))), record.DecodeError},
		{"ALPN empty name", helloWith(rawExt(ExtALPN, vec16(append(vec8('h', '2'), vec8()...)...))), record.DecodeError},
		{"ALPN empty list", helloWith(rawExt(ExtALPN, vec16())), record.DecodeError},
		{"ALPN too many names", helloWith(rawExt(ExtALPN, vec16(manyNames...))), record.IllegalParameter},
		{"pre_shared_key not last", helloWith(psk, rawExt(ExtExtendedMasterSecret, nil)), record.IllegalParameter},
		{"pre_shared_key short binder", helloWith(rawExt(ExtPreSharedKey, append(vec16(append(vec16(1), 0, 0, 0, 0)...), vec16(vec8(make([]byte, 31)...)...)...))), record.DecodeError},
		{"pre_shared_key no binder", helloWith(rawExt(ExtPreSharedKey, append(vec16(append(vec16(1), 0, 0, 0, 0)...), vec16()...))), record.IllegalParameter},
		{"pre_shared_key two binders", helloWith(rawExt(ExtPreSharedKey, append(vec16(append(vec16(1), 0, 0, 0, 0)...), vec16(append(vec8(make([]byte, 32)...), vec8(make([]byte, 32)...)...)...)...))), record.IllegalParameter},
		{"pre_shared_key no identity", helloWith(rawExt(ExtPreSharedKey, append(vec16(), vec16(vec8(make([]byte, 32)...)...)...))), record.DecodeError},
		{"key_share duplicate group", helloWith(rawExt(ExtKeyShare, vec16(append(append([]byte{0, 0x1d}, vec16(1)...), append([]byte{0, 0x1d}, vec16(2)...)...)...))), record.IllegalParameter},
		{"key_share empty key", helloWith(rawExt(ExtKeyShare, vec16(append([]byte{0, 0x1d}, vec16()...)...))), record.DecodeError},
		{"record_size_limit 63", helloWith(rawExt(ExtRecordSizeLimit, []byte{0, 63})), record.IllegalParameter},
		{"record_size_limit 3 bytes", helloWith(rawExt(ExtRecordSizeLimit, []byte{0, 64, 0})), record.DecodeError},
		{"max_fragment_length 5", helloWith(rawExt(ExtMaxFragmentLength, []byte{5})), record.IllegalParameter},
		{"supported_versions odd", helloWith(rawExt(ExtSupportedVersions, vec8(3, 4, 3))), record.DecodeError},
		{"supported_groups empty", helloWith(rawExt(ExtSupportedGroups, vec16())), record.DecodeError},
		{"signature_algorithms odd", helloWith(rawExt(ExtSignatureAlgorithms, vec16(4, 3, 5))), record.DecodeError},
		{"ec_point_formats empty", helloWith(rawExt(ExtECPointFormats, vec8())), record.DecodeError},
		{"extended_master_secret with data", helloWith(rawExt(ExtExtendedMasterSecret, []byte{0})), record.DecodeError},
		{"early_data with data", helloWith(rawExt(ExtEarlyData, []byte{0, 0, 0, 0})), record.DecodeError},
		{"cookie empty", helloWith(rawExt(ExtCookie, vec16())), record.DecodeError},
		{"psk modes empty", helloWith(rawExt(ExtPSKKeyExchangeModes, vec8())), record.DecodeError},
		{"certificate_authorities empty", helloWith(rawExt(ExtCertificateAuthorities, vec16())), record.DecodeError},
		{"srp empty", helloWith(rawExt(ExtSRP, vec8())), record.DecodeError},
		{"renegotiation_info trailing", helloWith(rawExt(ExtRenegotiationInfo, []byte{0, 0})), record.DecodeError},
		{"status_request truncated", helloWith(rawExt(ExtStatusRequest, []byte{1, 0})), record.DecodeError},
		{"oid_filters in a ClientHello", helloWith(rawExt(ExtOIDFilters, vec16())), record.IllegalParameter},
		{"extension truncated", helloWith([]byte{0, 23, 0}), record.DecodeError},
		{"extension data overruns", helloWith([]byte{0, 23, 0, 1}), record.DecodeError},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalClientHello(c.msg)
			wantAlert(t, err, c.want)
			_, err = ParseMessage(c.msg, 0)
			wantAlert(t, err, c.want)
		})
	}
	// The same hello without the fault parses.
	if _, err := UnmarshalClientHello(helloWith(rawExt(ExtServerName, vec16(append(sni(1, "other"), sni(0, "a.example")...)...)), psk)); err != nil {
		t.Fatal(err)
	}
}

func TestClientHelloTruncations(t *testing.T) {
	b := unhex(t, rfc8448ClientHello)
	// Without its extension block the hello is a valid SSL 3.0 style one.
	checkTruncations(t, b, 0, 2+32+1+2+6+2)
	checkTruncations(t, unhex(t, rfc8448ResumedClientHello), 0, 2+32+1+2+6+2)
}

func TestClientHelloHelpers(t *testing.T) {
	m := &ClientHello{CipherSuites: []uint16{0x1301, FallbackSCSV, EmptyRenegotiationInfoSCSV}, CompressionMethods: []uint8{1, 0}}
	if !m.HasFallbackSCSV() || !m.HasRenegotiationSCSV() || !m.HasCipherSuite(0x1301) || m.HasCipherSuite(0x1302) {
		t.Fatal("cipher suite helpers")
	}
	if !m.HasNullCompression() || m.OnlyNullCompression() {
		t.Fatal("compression helpers")
	}
	m = &ClientHello{CipherSuites: []uint16{0x2f}, CompressionMethods: []uint8{1}}
	if m.HasFallbackSCSV() || m.HasRenegotiationSCSV() || m.HasNullCompression() || m.OnlyNullCompression() {
		t.Fatal("helpers on a hello without them")
	}
}

func TestClientHelloMarshalErrors(t *testing.T) {
	ok := func() *ClientHello {
		return &ClientHello{Version: cipher.VersionTLS12, CipherSuites: []uint16{0x1301}, CompressionMethods: []uint8{0}}
	}
	if _, err := ok().Marshal(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(m *ClientHello){
		"session id of 33 bytes":     func(m *ClientHello) { m.SessionID = make([]byte, 33) },
		"no suites":                  func(m *ClientHello) { m.CipherSuites = nil },
		"no compression":             func(m *ClientHello) { m.CompressionMethods = nil },
		"SNI trailing dot":           func(m *ClientHello) { m.ServerName = "example.com." },
		"empty ALPN name":            func(m *ClientHello) { m.ALPNProtocols = []string{"h2", ""} },
		"long ALPN name":             func(m *ClientHello) { m.ALPNProtocols = []string{string(make([]byte, 256))} },
		"key shares without flag":    func(m *ClientHello) { m.KeyShares = []KeyShareEntry{{Group: 29, Data: []byte{1}}} },
		"empty key share":            func(m *ClientHello) { m.HasKeyShare, m.KeyShares = true, []KeyShareEntry{{Group: 29}} },
		"padding without flag":       func(m *ClientHello) { m.PaddingLen = 3 },
		"ticket without flag":        func(m *ClientHello) { m.SessionTicket = []byte{1} },
		"renegotiation without flag": func(m *ClientHello) { m.SecureRenegotiation = []byte{1} },
		"binders without identities": func(m *ClientHello) { m.PSKBinders = [][]byte{make([]byte, 32)} },
		"binder count":               func(m *ClientHello) { m.PSKIdentities = []OfferedPSK{{Identity: []byte{1}}} },
		"short binder": func(m *ClientHello) {
			m.PSKIdentities, m.PSKBinders = []OfferedPSK{{Identity: []byte{1}}}, [][]byte{{1}}
		},
		"record size limit 10":      func(m *ClientHello) { m.RecordSizeLimit = 10 },
		"max fragment length 9":     func(m *ClientHello) { m.MaxFragmentLength = 9 },
		"order misses an extension": func(m *ClientHello) { m.EarlyData, m.ExtensionOrder = true, []ExtensionType{} },
		"order names an absent one": func(m *ClientHello) { m.ExtensionOrder = []ExtensionType{ExtEarlyData} },
		"order names one twice": func(m *ClientHello) {
			m.EarlyData, m.ExtensionOrder = true, []ExtensionType{ExtEarlyData, ExtEarlyData}
		},
		"unknown holds a decoded type": func(m *ClientHello) { m.Unknown = []Extension{{Type: ExtCookie, Data: []byte{0, 1, 1}}} },
		"unknown holds a type twice":   func(m *ClientHello) { m.Unknown = []Extension{{Type: 0x3a3a}, {Type: 0x3a3a}} },
		"unknown holds oid_filters":    func(m *ClientHello) { m.Unknown = []Extension{{Type: ExtOIDFilters}} },
		"unknown duplicates a field":   func(m *ClientHello) { m.EarlyData, m.Unknown = true, []Extension{{Type: ExtEarlyData}} },
		"huge padding":                 func(m *ClientHello) { m.HasPadding, m.PaddingLen = true, 70000 },
		"SRP identity of 256 bytes":    func(m *ClientHello) { m.SRPIdentity = make([]byte, 256) },
		"pre_shared_key not last": func(m *ClientHello) {
			m.EarlyData = true
			m.PSKIdentities, m.PSKBinders = []OfferedPSK{{Identity: []byte{1}}}, [][]byte{make([]byte, 32)}
			m.ExtensionOrder = []ExtensionType{ExtPreSharedKey, ExtEarlyData}
		},
	} {
		m := ok()
		f(m)
		if b, err := m.Marshal(); err == nil {
			t.Errorf("%s: marshalled to %x", name, b)
		}
	}
	// use_srtp is recognised but not decoded: it stays in Unknown.
	m := ok()
	m.Unknown = []Extension{{Type: ExtUseSRTP, Data: []byte{0, 2, 0, 1, 0}}}
	checkRoundTrip(t, m, cipher.VersionTLS12)
}

func TestClientHelloDefaultOrder(t *testing.T) {
	m := &ClientHello{
		Version: cipher.VersionTLS12, CipherSuites: []uint16{0x1301}, CompressionMethods: []uint8{0},
		PSKIdentities: []OfferedPSK{{Identity: []byte{1}}}, PSKBinders: [][]byte{make([]byte, 32)},
		HasPadding: true, Unknown: []Extension{{Type: 0xfafa}}, EarlyData: true, ServerName: "a",
		SecureRenegotiationSupported: true, ExtendedMasterSecret: true,
	}
	got, err := m.Extensions()
	want := []ExtensionType{ExtServerName, ExtExtendedMasterSecret, ExtEarlyData, ExtRenegotiationInfo, 0xfafa, ExtPadding, ExtPreSharedKey}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("default order %v, want %v (%v)", got, want, err)
	}
	m.ExtensionOrder = []ExtensionType{0xfafa, ExtPadding, ExtEarlyData, ExtRenegotiationInfo, ExtExtendedMasterSecret, ExtServerName, ExtPreSharedKey}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := UnmarshalClientHello(b)
	if err != nil || !slices.Equal(p.ExtensionOrder, m.ExtensionOrder) {
		t.Fatalf("order after parse %v (%v)", p.ExtensionOrder, err)
	}
}

// readFirstHandshakeMessage reads records from c until it holds the first
// handshake message and returns it.
func readFirstHandshakeMessage(tb testing.TB, c net.Conn) []byte {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var msg []byte
	for {
		hdr := make([]byte, record.HeaderLen)
		if _, err := io.ReadFull(c, hdr); err != nil {
			tb.Fatalf("reading a record header: %v", err)
		}
		h, err := record.ParseHeader(hdr)
		if err != nil || h.Type != record.TypeHandshake {
			tb.Fatalf("record %+v, %v: not a handshake record", h, err)
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(c, payload); err != nil {
			tb.Fatalf("reading a record: %v", err)
		}
		msg = append(msg, payload...)
		if len(msg) >= HeaderLen {
			n := HeaderLen + (int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3]))
			if len(msg) >= n {
				return msg[:n]
			}
		}
	}
}

// captureHello listens on a local port, lets start connect a client to it,
// and returns the client's first handshake message.
func captureHello(tb testing.TB, start func(port int)) []byte {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	start(l.Addr().(*net.TCPAddr).Port)
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			tb.Fatal(r.err)
		}
		defer r.c.Close()
		return readFirstHandshakeMessage(tb, r.c)
	case <-time.After(20 * time.Second):
		tb.Fatal("no client connected")
	}
	return nil
}

// checkCaptured parses a captured ClientHello and checks that the listed
// extensions are present.
func checkCaptured(t *testing.T, b []byte, want ...ExtensionType) *ClientHello {
	t.Helper()
	m, err := UnmarshalClientHello(b)
	if err != nil {
		t.Fatalf("captured hello does not parse: %v\n%x", err, b)
	}
	if _, err := ParseMessage(b, 0); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !slices.Contains(m.ExtensionOrder, w) {
			t.Errorf("captured hello lacks %s (has %v)", w, m.ExtensionOrder)
		}
	}
	checkParsed(t, m, b, 0)
	if *updateSeeds {
		seedFile(t, "FuzzClientHello", "captured-"+t.Name()[len("TestCapturedClientHello"):], b)
		seedFile(t, "FuzzParseMessage", "captured-"+t.Name()[len("TestCapturedClientHello"):], b, uint16(0))
	}
	return m
}

func TestCapturedClientHelloGoTLS13(t *testing.T) {
	b := captureHello(t, func(port int) {
		go func() {
			c, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{
				ServerName: "example.com", NextProtos: []string{"h2", "http/1.1"},
				MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13,
				ClientSessionCache: tls.NewLRUClientSessionCache(1),
			})
			if err == nil {
				c.Close()
			}
		}()
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtSignatureAlgorithms, ExtALPN,
		ExtSupportedVersions, ExtKeyShare, ExtPSKKeyExchangeModes, ExtRenegotiationInfo, ExtExtendedMasterSecret)
	if m.ServerName != "example.com" || !slices.Equal(m.ALPNProtocols, []string{"h2", "http/1.1"}) ||
		!slices.Contains(m.SupportedVersions, cipher.VersionTLS13) || len(m.KeyShares) == 0 || !m.OnlyNullCompression() {
		t.Fatalf("captured hello: %+v", m)
	}
}

func TestCapturedClientHelloGoTLS12(t *testing.T) {
	b := captureHello(t, func(port int) {
		go func() {
			c, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{
				ServerName: "example.com", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
				ClientSessionCache: tls.NewLRUClientSessionCache(1),
			})
			if err == nil {
				c.Close()
			}
		}()
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtECPointFormats, ExtSignatureAlgorithms,
		ExtRenegotiationInfo, ExtExtendedMasterSecret, ExtSessionTicket, ExtStatusRequest, ExtSCT)
	if m.Version != cipher.VersionTLS12 || slices.Contains(m.SupportedVersions, cipher.VersionTLS13) || m.HasKeyShare {
		t.Fatalf("a TLS 1.2 client offered TLS 1.3: %+v", m)
	}
}

func TestCapturedClientHelloOpenSSL(t *testing.T) {
	b := captureHello(t, func(port int) {
		peertest.Start(t, "openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
			"-servername", "example.com", "-alpn", "h2,http/1.1", "-status")
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtECPointFormats, ExtSignatureAlgorithms, ExtALPN,
		ExtSupportedVersions, ExtKeyShare, ExtPSKKeyExchangeModes, ExtExtendedMasterSecret, ExtSessionTicket,
		ExtStatusRequest, ExtEncryptThenMAC)
	if m.ServerName != "example.com" || !slices.Equal(m.ALPNProtocols, []string{"h2", "http/1.1"}) ||
		m.StatusRequest == nil || m.StatusRequest.Type != StatusTypeOCSP {
		t.Fatalf("captured hello: %+v", m)
	}
}

func TestCapturedClientHelloOpenSSLTLS12(t *testing.T) {
	b := captureHello(t, func(port int) {
		peertest.Start(t, "openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
			"-servername", "example.org", "-tls1_2", "-nextprotoneg", "http/1.1")
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtSignatureAlgorithms, ExtExtendedMasterSecret,
		ExtNextProtocolNegotiation)
	if m.ServerName != "example.org" || m.SupportedVersions != nil || !m.NextProtoNeg {
		t.Fatalf("captured hello: %+v", m)
	}
}

func TestCapturedClientHelloGnuTLS(t *testing.T) {
	b := captureHello(t, func(port int) {
		peertest.Start(t, "gnutls-cli", "--port", strconv.Itoa(port), "--alpn", "h2",
			"--sni-hostname", "example.net", "--insecure", "127.0.0.1")
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtSignatureAlgorithms, ExtALPN,
		ExtSupportedVersions, ExtKeyShare, ExtPSKKeyExchangeModes, ExtExtendedMasterSecret, ExtRenegotiationInfo)
	if m.ServerName != "example.net" || !slices.Equal(m.ALPNProtocols, []string{"h2"}) {
		t.Fatalf("captured hello: %+v", m)
	}
}

// erlConnect returns the arguments that run an Erlang ssl client
// connecting to port with the options opts (an Erlang list).
func erlConnect(port int, opts string) []string {
	return []string{"-noshell", "-eval", "ok = ssl:start(), " +
		"R = ssl:connect(\"127.0.0.1\", " + strconv.Itoa(port) + ", " + opts + ", 10000), " +
		"io:format(\"~p~n\", [R]), halt()."}
}

func TestCapturedClientHelloErlang(t *testing.T) {
	b := captureHello(t, func(port int) {
		peertest.Start(t, "erl", erlConnect(port, "[{verify, verify_none}, {server_name_indication, \"example.com\"}, "+
			"{alpn_advertised_protocols, [<<\"h2\">>]}, {versions, ['tlsv1.3', 'tlsv1.2']}]")...)
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtSignatureAlgorithms, ExtALPN,
		ExtSupportedVersions, ExtKeyShare)
	if m.ServerName != "example.com" || !slices.Equal(m.ALPNProtocols, []string{"h2"}) ||
		!slices.Contains(m.SupportedVersions, cipher.VersionTLS13) {
		t.Fatalf("captured hello: %+v", m)
	}
}

func TestCapturedClientHelloErlangTLS12(t *testing.T) {
	b := captureHello(t, func(port int) {
		peertest.Start(t, "erl", erlConnect(port, "[{verify, verify_none}, {server_name_indication, \"example.org\"}, "+
			"{client_preferred_next_protocols, {client, [<<\"http/1.1\">>]}}, {versions, ['tlsv1.2']}]")...)
	})
	m := checkCaptured(t, b, ExtServerName, ExtSupportedGroups, ExtSignatureAlgorithms, ExtNextProtocolNegotiation)
	// Erlang signals secure renegotiation with the SCSV on an initial
	// handshake (RFC 5746, Section 3.3).
	if m.ServerName != "example.org" || !m.NextProtoNeg || m.Version != cipher.VersionTLS12 || m.HasKeyShare ||
		!m.HasRenegotiationSCSV() {
		t.Fatalf("captured hello: %+v", m)
	}
}

// FuzzClientHello feeds any bytes to UnmarshalClientHello: it must not
// panic, must fail with a fatal alert or succeed, and what it accepts must
// keep its bytes and re-encode to the same fields.
func FuzzClientHello(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalClientHello(data)
		if err != nil {
			var a record.Alert
			if !asAlert(err, &a) || a.Level != record.Fatal {
				t.Fatalf("error %v is not a fatal alert", err)
			}
			return
		}
		checkParsed(t, m, data, 0)
		if len(m.PSKIdentities) > 0 {
			n, err := m.BindersOffset()
			if err != nil || n < HeaderLen || n > len(data) {
				t.Fatalf("BindersOffset = %d, %v", n, err)
			}
		}
	})
}

func BenchmarkUnmarshalClientHello(b *testing.B) {
	msg := unhex(b, rfc8448ClientHello)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := UnmarshalClientHello(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalClientHello(b *testing.B) {
	p, err := UnmarshalClientHello(unhex(b, rfc8448ClientHello))
	if err != nil {
		b.Fatal(err)
	}
	m := withoutRaw(b, p)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := m.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
