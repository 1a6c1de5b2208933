package handshake

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"math/rand"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func TestServerHelloRFC8448(t *testing.T) {
	b := unhex(t, rfc8448ServerHello)
	m, err := UnmarshalServerHello(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &ServerHello{
		Version:          cipher.VersionTLS12,
		Random:           [32]byte(unhex(t, "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928")),
		CipherSuite:      0x1301,
		SupportedVersion: cipher.VersionTLS13,
		KeyShare: &KeyShareEntry{Group: 0x1d,
			Data: unhex(t, "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")},
		ExtensionOrder: []ExtensionType{ExtKeyShare, ExtSupportedVersions},
	}
	if got := withoutRaw(t, m); !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", got, want)
	}
	if m.IsHelloRetryRequest() || m.NegotiatedVersion() != cipher.VersionTLS13 {
		t.Fatal("IsHelloRetryRequest or NegotiatedVersion wrong")
	}
	if _, ok := DowngradeSentinel(m.Random); ok {
		t.Fatal("sentinel found in the trace's random")
	}
	checkTruncations(t, b, 0, 2+32+1+2+1)
}

func TestHelloRetryRequestRandom(t *testing.T) {
	if h := sha256.Sum256([]byte("HelloRetryRequest")); h != HelloRetryRequestRandom {
		t.Fatalf("HelloRetryRequestRandom is not SHA-256(\"HelloRetryRequest\")")
	}
}

func TestHelloRetryRequest(t *testing.T) {
	m := NewHelloRetryRequest([]byte{1, 2, 3}, 0x1302, 0x17, []byte("cookie"))
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The encoding by hand: RFC 8446, Section 4.1.4.
	want := append([]byte{2, 0, 0, 0}, 3, 3)
	want = append(want, HelloRetryRequestRandom[:]...)
	want = append(want, 3, 1, 2, 3, 0x13, 0x02, 0)
	exts := append(rawExt(ExtSupportedVersions, []byte{3, 4}), rawExt(ExtCookie, vec16([]byte("cookie")...))...)
	exts = append(exts, rawExt(ExtKeyShare, []byte{0, 0x17})...)
	want = append(want, vec16(exts...)...)
	want[3] = byte(len(want) - 4)
	if !bytes.Equal(b, want) {
		t.Fatalf("HelloRetryRequest\n%x\nwant\n%x", b, want)
	}
	p, err := UnmarshalServerHello(b)
	if err != nil || !p.IsHelloRetryRequest() || p.SelectedGroup != 0x17 || string(p.Cookie) != "cookie" || p.KeyShare != nil {
		t.Fatalf("parsed %+v, %v", p, err)
	}
	checkRoundTrip(t, m, cipher.VersionTLS13)
	// Without extensions it is a HelloRetryRequest without
	// supported_versions: an illegal_parameter.
	checkTruncations(t, b, 0, 2+32+1+3+2+1)
}

func TestDowngradeSentinel(t *testing.T) {
	for _, c := range []struct {
		max, neg cipher.Version
		want     cipher.Version
	}{
		{cipher.VersionTLS13, cipher.VersionTLS13, 0},
		{cipher.VersionTLS13, cipher.VersionTLS12, cipher.VersionTLS12},
		{cipher.VersionTLS13, cipher.VersionTLS11, cipher.VersionTLS11},
		{cipher.VersionTLS13, cipher.VersionSSL30, cipher.VersionTLS11},
		{cipher.VersionTLS12, cipher.VersionTLS12, 0},
		{cipher.VersionTLS12, cipher.VersionTLS10, cipher.VersionTLS11},
		{cipher.VersionTLS11, cipher.VersionTLS10, 0},
	} {
		var r [32]byte
		for i := range r {
			r[i] = byte(i)
		}
		SetDowngradeSentinel(&r, c.max, c.neg)
		got, ok := DowngradeSentinel(r)
		if got != c.want || ok != (c.want != 0) {
			t.Errorf("max %v, negotiated %v: sentinel %v, %v; want %v", c.max, c.neg, got, ok, c.want)
		}
		if c.want != 0 {
			wantTail := "DOWNGRD\x01"
			if c.want == cipher.VersionTLS11 {
				wantTail = "DOWNGRD\x00"
			}
			if string(r[24:]) != wantTail || r[23] != 23 {
				t.Errorf("random %x", r)
			}
		}
	}
}

func randServerHello(r *rand.Rand, v cipher.Version) *ServerHello {
	maybe := func() bool { return r.Intn(2) == 0 }
	m := &ServerHello{
		Version:     v,
		SessionID:   randBytes(r, 0, 32),
		CipherSuite: uint16(r.Intn(0x10000)),
	}
	r.Read(m.Random[:])
	if v == cipher.VersionTLS13 {
		m.Version = cipher.VersionTLS12
		m.SupportedVersion = cipher.VersionTLS13
		if maybe() {
			m.Random = HelloRetryRequestRandom
			if maybe() {
				m.SelectedGroup = NamedGroup(1 + r.Intn(0xffff))
			}
			if maybe() {
				m.Cookie = randBytes(r, 1, 100)
			}
		} else {
			if maybe() {
				m.KeyShare = &KeyShareEntry{Group: NamedGroup(r.Intn(0x10000)), Data: randBytes(r, 1, 133)}
			}
			if maybe() {
				m.HasSelectedIdentity, m.SelectedIdentity = true, uint16(r.Intn(3))
			}
		}
	} else {
		m.CompressionMethod = uint8(r.Intn(2))
		if r.Intn(4) == 0 {
			return m // no extensions
		}
		m.ServerNameAck = maybe()
		if maybe() {
			m.MaxFragmentLength = uint8(1 + r.Intn(4))
		}
		m.OCSPStapling = maybe()
		if maybe() {
			m.ECPointFormats = randBytes(r, 1, 3)
		}
		if maybe() {
			m.ALPNProtocol = randName(r, 1, 20)
		}
		if maybe() {
			m.SCTs = randList(r, 1, 3, 40)
		}
		m.EncryptThenMAC = maybe()
		m.ExtendedMasterSecret = maybe()
		if maybe() {
			m.RecordSizeLimit = uint16(64 + r.Intn(0x4000))
		}
		m.TicketSupported = maybe()
		if maybe() {
			m.NextProtoNeg = true
			for i := r.Intn(3); i > 0; i-- {
				m.NextProtos = append(m.NextProtos, randName(r, 1, 10))
			}
		}
		if maybe() {
			m.SecureRenegotiationSupported, m.SecureRenegotiation = true, randBytes(r, 0, 24)
		}
		if maybe() {
			m.Unknown = []Extension{{Type: ExtSupportedGroups, Data: []byte{0, 2, 0, 29}}}
		}
	}
	m.Unknown = append(m.Unknown, randUnknown(r, 2)...)
	if order, err := m.Extensions(); err == nil {
		m.ExtensionOrder = shuffleOrder(r, order, 0, false)
	}
	return m
}

func TestServerHelloRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 2000; i++ {
		v := allVersions[r.Intn(len(allVersions))]
		checkRoundTrip(t, randServerHello(r, v), v)
	}
}

// shWith returns a ServerHello with the given random and encoded
// extensions.
func shWith(random []byte, exts ...[]byte) []byte {
	body := append(append([]byte{3, 3}, random...), 0, 0x13, 0x01, 0)
	var block []byte
	for _, e := range exts {
		block = append(block, e...)
	}
	return frame(TypeServerHello, append(body, vec16(block...)...))
}

func TestServerHelloErrors(t *testing.T) {
	plain := make([]byte, 32)
	hrr := HelloRetryRequestRandom[:]
	sv13 := rawExt(ExtSupportedVersions, []byte{3, 4})
	for _, c := range []struct {
		name string
		msg  []byte
		want record.Description
	}{
		{"session id of 33 bytes", frame(TypeServerHello, append(append(append([]byte{3, 3}, plain...), 33), make([]byte, 36)...)), record.DecodeError},
		{"no cipher suite", frame(TypeServerHello, append(append([]byte{3, 3}, plain...), 0, 0x13)), record.DecodeError},
		{"no compression", frame(TypeServerHello, append(append([]byte{3, 3}, plain...), 0, 0x13, 1)), record.DecodeError},
		{"supported_versions 1.2", shWith(plain, rawExt(ExtSupportedVersions, []byte{3, 3})), record.IllegalParameter},
		{"supported_versions 3 bytes", shWith(plain, rawExt(ExtSupportedVersions, []byte{3, 4, 0})), record.DecodeError},
		{"HelloRetryRequest without supported_versions", shWith(hrr, rawExt(ExtKeyShare, []byte{0, 0x1d})), record.IllegalParameter},
		{"HelloRetryRequest group 0", shWith(hrr, sv13, rawExt(ExtKeyShare, []byte{0, 0})), record.IllegalParameter},
		{"HelloRetryRequest key_share entry", shWith(hrr, sv13, rawExt(ExtKeyShare, append([]byte{0, 0x1d}, vec16(1)...))), record.DecodeError},
		{"HelloRetryRequest empty cookie", shWith(hrr, sv13, rawExt(ExtCookie, vec16())), record.DecodeError},
		{"key_share trailing bytes", shWith(plain, sv13, rawExt(ExtKeyShare, append(append([]byte{0, 0x1d}, vec16(1)...), 0))), record.DecodeError},
		{"key_share empty key", shWith(plain, sv13, rawExt(ExtKeyShare, append([]byte{0, 0x1d}, vec16()...))), record.DecodeError},
		{"pre_shared_key 3 bytes", shWith(plain, sv13, rawExt(ExtPreSharedKey, []byte{0, 0, 0})), record.DecodeError},
		{"ALPN two protocols", shWith(plain, rawExt(ExtALPN, vec16(append(vec8('a'), vec8('b')...)...))), record.IllegalParameter},
		{"ALPN empty name", shWith(plain, rawExt(ExtALPN, vec16(vec8()...))), record.DecodeError},
		{"server_name with data", shWith(plain, rawExt(ExtServerName, []byte{0})), record.DecodeError},
		{"session_ticket with data", shWith(plain, rawExt(ExtSessionTicket, []byte{1})), record.DecodeError},
		{"NPN empty name", shWith(plain, rawExt(ExtNextProtocolNegotiation, vec8())), record.DecodeError},
		{"SCT empty list", shWith(plain, rawExt(ExtSCT, vec16())), record.DecodeError},
		{"SCT empty SCT", shWith(plain, rawExt(ExtSCT, vec16(vec16()...))), record.DecodeError},
		{"duplicate extension", shWith(plain, rawExt(ExtExtendedMasterSecret, nil), rawExt(ExtExtendedMasterSecret, nil)), record.IllegalParameter},
		{"duplicate supported_versions", shWith(plain, sv13, sv13), record.IllegalParameter},
		{"renegotiation_info malformed", shWith(plain, rawExt(ExtRenegotiationInfo, []byte{2, 0})), record.DecodeError},
		{"record_size_limit 0", shWith(plain, rawExt(ExtRecordSizeLimit, []byte{0, 0})), record.IllegalParameter},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalServerHello(c.msg)
			wantAlert(t, err, c.want)
		})
	}
}

func TestServerHelloMarshalErrors(t *testing.T) {
	for name, m := range map[string]*ServerHello{
		"key share in TLS 1.2":             {KeyShare: &KeyShareEntry{Group: 29, Data: []byte{1}}},
		"selected identity in TLS 1.2":     {HasSelectedIdentity: true},
		"ALPN in TLS 1.3":                  {SupportedVersion: cipher.VersionTLS13, ALPNProtocol: "h2"},
		"cookie in a ServerHello":          {SupportedVersion: cipher.VersionTLS13, Cookie: []byte{1}},
		"key share and group":              {SupportedVersion: cipher.VersionTLS13, KeyShare: &KeyShareEntry{Group: 29, Data: []byte{1}}, SelectedGroup: 29},
		"HRR without supported_versions":   {Random: HelloRetryRequestRandom},
		"HRR with a key share":             {Random: HelloRetryRequestRandom, SupportedVersion: cipher.VersionTLS13, KeyShare: &KeyShareEntry{Group: 29, Data: []byte{1}}},
		"session ID of 33 bytes":           {SessionID: make([]byte, 33)},
		"selected identity without flag":   {SupportedVersion: cipher.VersionTLS13, SelectedIdentity: 1},
		"NPN protocols without flag":       {NextProtos: []string{"a"}},
		"renegotiation data without flag":  {SecureRenegotiation: []byte{1}},
		"unknown holds a decoded type":     {Unknown: []Extension{{Type: ExtALPN}}},
		"unknown holds a TLS 1.2 type 1.3": {SupportedVersion: cipher.VersionTLS13, Unknown: []Extension{{Type: ExtSupportedGroups}}},
		"empty NPN name":                   {NextProtoNeg: true, NextProtos: []string{""}},
	} {
		if b, err := m.Marshal(); err == nil {
			t.Errorf("%s: marshalled to %x", name, b)
		}
	}
}

// TestCapturedServerHelloGoTLS parses the ServerHello crypto/tls sends for
// a TLS 1.2 and a TLS 1.3 handshake.
func TestCapturedServerHelloGoTLS(t *testing.T) {
	cert := testCertificate(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cc, sc := net.Pipe()
		go func() {
			s := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
			_ = s.Handshake()
			sc.Close()
		}()
		hello := &ClientHello{
			Version: cipher.VersionTLS12, CipherSuites: []uint16{0x1301, 0xc02b, 0xc02f},
			CompressionMethods: []uint8{0}, ServerName: "example.com", SupportedGroups: []NamedGroup{0x1d, 0x17},
			ECPointFormats: []uint8{0}, SignatureAlgorithms: []SignatureScheme{0x0403, 0x0804, 0x0401},
			ALPNProtocols: []string{"h2"}, SecureRenegotiationSupported: true, ExtendedMasterSecret: true,
			SupportedVersions: []cipher.Version{cipher.VersionTLS13, cipher.VersionTLS12},
			HasKeyShare:       true, KeyShares: []KeyShareEntry{{Group: 0x1d, Data: bytes.Repeat([]byte{9}, 32)}},
			PSKModes: []uint8{PSKModeDHEKE},
		}
		if v == tls.VersionTLS12 {
			// A TLS 1.2 client, to a server that supports TLS 1.3.
			hello.SupportedVersions, hello.HasKeyShare, hello.KeyShares, hello.PSKModes = nil, false, nil, nil
		}
		b, err := hello.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		_ = cc.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			rec := append([]byte{22, 3, 1, byte(len(b) >> 8), byte(len(b))}, b...)
			_, _ = cc.Write(rec)
		}()
		sh := readFirstHandshakeMessage(t, cc)
		cc.Close()
		m, err := UnmarshalServerHello(sh)
		if err != nil {
			t.Fatalf("%x: %v\n%x", v, err, sh)
		}
		checkParsed(t, m, sh, 0)
		if m.NegotiatedVersion() != cipher.Version(v) {
			t.Fatalf("negotiated %v, want %x", m.NegotiatedVersion(), v)
		}
		if v == tls.VersionTLS13 {
			if m.KeyShare == nil || m.KeyShare.Group != 0x1d || m.CipherSuite != 0x1301 {
				t.Fatalf("TLS 1.3 ServerHello %+v", m)
			}
		} else {
			if !m.ExtendedMasterSecret || !m.SecureRenegotiationSupported || m.ALPNProtocol != "h2" {
				t.Fatalf("TLS 1.2 ServerHello %+v", m)
			}
			if got, ok := DowngradeSentinel(m.Random); !ok || got != cipher.VersionTLS12 {
				t.Fatalf("a TLS 1.3 capable server negotiating TLS 1.2 set no sentinel: %x", m.Random)
			}
		}
		if *updateSeeds {
			seedFile(t, "FuzzServerHello", "captured-go-"+m.NegotiatedVersion().String(), sh)
		}
	}
}

// FuzzServerHello feeds any bytes to UnmarshalServerHello: it must not
// panic, must fail with a fatal alert or succeed, and what it accepts must
// keep its bytes and re-encode to the same fields.
func FuzzServerHello(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalServerHello(data)
		if err != nil {
			var a record.Alert
			if !asAlert(err, &a) || a.Level != record.Fatal {
				t.Fatalf("error %v is not a fatal alert", err)
			}
			return
		}
		checkParsed(t, m, data, 0)
		if m.IsHelloRetryRequest() && m.SupportedVersion < cipher.VersionTLS13 {
			t.Fatal("HelloRetryRequest accepted without supported_versions")
		}
	})
}
