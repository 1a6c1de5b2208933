package handshake

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// updateSeeds rewrites the generated part of the fuzz seed corpora under
// testdata/fuzz (go test ./handshake -run TestFuzzSeedCorpus -update-seeds).
var updateSeeds = flag.Bool("update-seeds", false, "rewrite the generated fuzz seed corpora")

// unhex decodes hex written with any spacing.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		tb.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// wantAlert checks that err is a fatal record.Alert with description d.
func wantAlert(tb testing.TB, err error, d record.Description) {
	tb.Helper()
	var a record.Alert
	if !errors.As(err, &a) {
		tb.Fatalf("error %v (%T) is not an alert, want %s", err, err, d)
	}
	if a.Description != d || a.Level != record.Fatal {
		tb.Fatalf("alert %v, want fatal %s", a, d)
	}
	if a.Reason == "" {
		tb.Fatalf("alert %v has no reason", a)
	}
}

// frame wraps a body in a handshake header of type t.
func frame(t MessageType, body []byte) []byte {
	n := len(body)
	return append([]byte{byte(t), byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// withoutRaw returns a copy of a parsed message that has forgotten its
// bytes, so that Marshal encodes its fields.
func withoutRaw(tb testing.TB, m Message) Message {
	tb.Helper()
	switch m := m.(type) {
	case *ClientHello:
		c := *m
		c.raw = nil
		return &c
	case *ServerHello:
		c := *m
		c.raw = nil
		return &c
	case *EncryptedExtensions:
		c := *m
		c.raw = nil
		return &c
	case *Certificate:
		c := *m
		c.raw = nil
		return &c
	case *CertificateRequest:
		c := *m
		c.raw = nil
		return &c
	case *CertificateVerify:
		c := *m
		c.raw = nil
		return &c
	case *Finished:
		c := *m
		c.raw = nil
		return &c
	case *NewSessionTicket:
		c := *m
		c.raw = nil
		return &c
	case *KeyUpdate:
		c := *m
		c.raw = nil
		return &c
	case *ServerKeyExchange:
		c := *m
		c.raw = nil
		return &c
	case *ClientKeyExchange:
		c := *m
		c.raw = nil
		return &c
	case *HelloRequest:
		return &HelloRequest{}
	case *ServerHelloDone:
		return &ServerHelloDone{}
	case *EndOfEarlyData:
		return &EndOfEarlyData{}
	case *NextProtocol:
		c := *m
		c.raw = nil
		return &c
	case *CertificateStatus:
		c := *m
		c.raw = nil
		return &c
	case *MessageHash:
		c := *m
		c.raw = nil
		return &c
	}
	tb.Fatalf("withoutRaw: unknown message %T", m)
	return nil
}

// withOrder returns a copy of a message built in memory with its
// ExtensionOrder set to the order Marshal uses, as a parsed copy has it.
func withOrder(tb testing.TB, m Message) Message {
	tb.Helper()
	m = withoutRaw(tb, m)
	var err error
	switch m := m.(type) {
	case *ClientHello:
		m.ExtensionOrder, err = m.Extensions()
	case *ServerHello:
		m.ExtensionOrder, err = m.Extensions()
	case *EncryptedExtensions:
		m.ExtensionOrder, err = m.Extensions()
	case *CertificateRequest:
		if m.Version == cipher.VersionTLS13 {
			var ws []extWriter
			ws, err = m.writers()
			m.ExtensionOrder = effectiveOrder(ws, m.ExtensionOrder)
		}
	case *NewSessionTicket:
		if m.Version == cipher.VersionTLS13 && m.ExtensionOrder == nil {
			if m.EarlyData {
				m.ExtensionOrder = append(m.ExtensionOrder, ExtEarlyData)
			}
			m.ExtensionOrder = append(m.ExtensionOrder, extensionOrder(m.Unknown)...)
		}
	case *Certificate:
		if m.Version == cipher.VersionTLS13 {
			m.Entries = append([]CertificateEntry(nil), m.Entries...)
			for i := range m.Entries {
				var ws []extWriter
				ws, err = m.Entries[i].writers()
				if err != nil {
					break
				}
				m.Entries[i].ExtensionOrder = effectiveOrder(ws, m.Entries[i].ExtensionOrder)
			}
		}
	}
	if err != nil {
		tb.Fatalf("extension order of %T: %v", m, err)
	}
	// A parsed message holds its kept extensions in the order received.
	switch m := m.(type) {
	case *ClientHello:
		m.Unknown = inOrder(m.Unknown, m.ExtensionOrder)
	case *ServerHello:
		m.Unknown = inOrder(m.Unknown, m.ExtensionOrder)
	case *EncryptedExtensions:
		m.Unknown = inOrder(m.Unknown, m.ExtensionOrder)
	case *CertificateRequest:
		m.Unknown = inOrder(m.Unknown, m.ExtensionOrder)
	case *NewSessionTicket:
		m.Unknown = inOrder(m.Unknown, m.ExtensionOrder)
	case *Certificate:
		for i := range m.Entries {
			m.Entries[i].Unknown = inOrder(m.Entries[i].Unknown, m.Entries[i].ExtensionOrder)
		}
	}
	return m
}

// inOrder returns the extensions of exts sorted by the position of their
// types in order.
func inOrder(exts []Extension, order []ExtensionType) []Extension {
	if len(exts) < 2 {
		return exts
	}
	out := append([]Extension(nil), exts...)
	pos := func(t ExtensionType) int {
		for i, o := range order {
			if o == t {
				return i
			}
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b Extension) int { return pos(a.Type) - pos(b.Type) })
	return out
}

// checkRoundTrip marshals m, parses the result as a message of version v,
// and checks that the parse keeps the bytes, re-marshals them unchanged and
// has the fields of m.
func checkRoundTrip(tb testing.TB, m Message, v cipher.Version) {
	tb.Helper()
	b, err := m.Marshal()
	if err != nil {
		tb.Fatalf("marshal %T: %v", m, err)
	}
	got, err := parseAs(b, m.Type(), v)
	if err != nil {
		tb.Fatalf("parse of marshalled %T (%x): %v", m, b, err)
	}
	if !bytes.Equal(got.Raw(), b) {
		tb.Fatalf("%T: Raw() differs from the bytes parsed", m)
	}
	again, err := got.Marshal()
	if err != nil || !bytes.Equal(again, b) {
		tb.Fatalf("%T: Marshal of the parsed message differs from its bytes (%v)", m, err)
	}
	want := withOrder(tb, m)
	if g := withoutRaw(tb, got); !reflect.DeepEqual(g, want) {
		tb.Fatalf("%T round trip:\n got %+v\nwant %+v", m, g, want)
	}
}

// parseAs parses b with the Unmarshal function of type t (ParseMessage
// refuses message_hash).
func parseAs(b []byte, t MessageType, v cipher.Version) (Message, error) {
	if t == TypeMessageHash {
		return UnmarshalMessageHash(b)
	}
	return ParseMessage(b, v)
}

// allVersions are the versions the parsers take.
var allVersions = []cipher.Version{cipher.VersionSSL30, cipher.VersionTLS10, cipher.VersionTLS11, cipher.VersionTLS12, cipher.VersionTLS13}

func TestParseHeader(t *testing.T) {
	typ, body, err := ParseHeader([]byte{20, 0, 0, 2, 0xaa, 0xbb})
	if err != nil || typ != TypeFinished || !bytes.Equal(body, []byte{0xaa, 0xbb}) {
		t.Fatalf("ParseHeader = %v, %x, %v", typ, body, err)
	}
	for _, bad := range [][]byte{nil, {20}, {20, 0, 0}, {20, 0, 0, 1}, {20, 0, 0, 1, 1, 2}, {20, 1, 0, 0}} {
		_, _, err := ParseHeader(bad)
		wantAlert(t, err, record.DecodeError)
	}
	b, err := AppendHeader([]byte{9}, TypeKeyUpdate, 0x010203)
	if err != nil || !bytes.Equal(b, []byte{9, 24, 1, 2, 3}) {
		t.Fatalf("AppendHeader = %x, %v", b, err)
	}
	if _, err := AppendHeader(nil, TypeKeyUpdate, 1<<24); err == nil {
		t.Fatal("AppendHeader accepted a body of 2^24 bytes")
	}
}

func TestMessageTypeString(t *testing.T) {
	for typ, want := range map[MessageType]string{
		TypeClientHello: "client_hello", TypeNextProtocol: "next_protocol",
		TypeMessageHash: "message_hash", 99: "unknown(99)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", typ, got, want)
		}
	}
}

// minimalMessages returns one small valid message of each type that
// exists in v, for the dispatcher tests.
func minimalMessages(v cipher.Version) map[MessageType][]byte {
	out := map[MessageType][]byte{
		TypeClientHello: frame(TypeClientHello, append(append([]byte{3, 3}, make([]byte, 32)...), 0, 0, 2, 0, 0x2f, 1, 0)),
		TypeServerHello: frame(TypeServerHello, append(append([]byte{3, 3}, make([]byte, 32)...), 0, 0, 0x2f, 0)),
		TypeFinished:    frame(TypeFinished, make([]byte, 12)),
	}
	if v == 0 {
		delete(out, TypeFinished)
		return out
	}
	if v == cipher.VersionTLS13 {
		out[TypeCertificate] = frame(TypeCertificate, []byte{0, 0, 0, 0})
		out[TypeCertificateRequest] = frame(TypeCertificateRequest, []byte{0, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3})
		out[TypeCertificateVerify] = frame(TypeCertificateVerify, []byte{4, 3, 0, 1, 9})
		out[TypeNewSessionTicket] = frame(TypeNewSessionTicket, []byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 7, 0, 0})
		out[TypeEncryptedExtensions] = frame(TypeEncryptedExtensions, []byte{0, 0})
		out[TypeKeyUpdate] = frame(TypeKeyUpdate, []byte{1})
		out[TypeEndOfEarlyData] = frame(TypeEndOfEarlyData, nil)
		return out
	}
	out[TypeCertificate] = frame(TypeCertificate, []byte{0, 0, 0})
	cr := []byte{1, 1}
	cv := []byte{0, 1, 9}
	if v == cipher.VersionTLS12 {
		cr = append(cr, 0, 2, 4, 1)
		cv = append([]byte{4, 1}, cv...)
	}
	out[TypeCertificateRequest] = frame(TypeCertificateRequest, append(cr, 0, 0))
	out[TypeCertificateVerify] = frame(TypeCertificateVerify, cv)
	out[TypeNewSessionTicket] = frame(TypeNewSessionTicket, []byte{0, 0, 0, 1, 0, 1, 7})
	out[TypeHelloRequest] = frame(TypeHelloRequest, nil)
	out[TypeServerHelloDone] = frame(TypeServerHelloDone, nil)
	out[TypeServerKeyExchange] = frame(TypeServerKeyExchange, []byte{3, 0, 29, 1, 5})
	out[TypeClientKeyExchange] = frame(TypeClientKeyExchange, []byte{1, 5})
	out[TypeCertificateStatus] = frame(TypeCertificateStatus, []byte{1, 0, 0, 1, 0x30})
	out[TypeNextProtocol] = frame(TypeNextProtocol, append([]byte{2, 'h', '2', 28}, make([]byte, 28)...))
	return out
}

func TestParseMessageDispatch(t *testing.T) {
	wantType := map[MessageType]reflect.Type{
		TypeHelloRequest:        reflect.TypeOf(&HelloRequest{}),
		TypeClientHello:         reflect.TypeOf(&ClientHello{}),
		TypeServerHello:         reflect.TypeOf(&ServerHello{}),
		TypeNewSessionTicket:    reflect.TypeOf(&NewSessionTicket{}),
		TypeEndOfEarlyData:      reflect.TypeOf(&EndOfEarlyData{}),
		TypeEncryptedExtensions: reflect.TypeOf(&EncryptedExtensions{}),
		TypeCertificate:         reflect.TypeOf(&Certificate{}),
		TypeServerKeyExchange:   reflect.TypeOf(&ServerKeyExchange{}),
		TypeCertificateRequest:  reflect.TypeOf(&CertificateRequest{}),
		TypeServerHelloDone:     reflect.TypeOf(&ServerHelloDone{}),
		TypeCertificateVerify:   reflect.TypeOf(&CertificateVerify{}),
		TypeClientKeyExchange:   reflect.TypeOf(&ClientKeyExchange{}),
		TypeFinished:            reflect.TypeOf(&Finished{}),
		TypeCertificateStatus:   reflect.TypeOf(&CertificateStatus{}),
		TypeKeyUpdate:           reflect.TypeOf(&KeyUpdate{}),
		TypeNextProtocol:        reflect.TypeOf(&NextProtocol{}),
	}
	for _, v := range append([]cipher.Version{0}, allVersions...) {
		valid := minimalMessages(v)
		for typ, b := range valid {
			m, err := ParseMessage(b, v)
			if err != nil {
				t.Fatalf("%v %s: %v", v, typ, err)
			}
			if reflect.TypeOf(m) != wantType[typ] || m.Type() != typ {
				t.Fatalf("%v %s parsed as %T", v, typ, m)
			}
			if !bytes.Equal(m.Raw(), b) {
				t.Fatalf("%v %s: Raw differs", v, typ)
			}
			if out, err := m.Marshal(); err != nil || !bytes.Equal(out, b) {
				t.Fatalf("%v %s: Marshal of the parsed message differs: %v", v, typ, err)
			}
			// The encoder reproduces these messages from their fields.
			if out, err := withoutRaw(t, m).Marshal(); err != nil || !bytes.Equal(out, b) {
				t.Fatalf("%v %s: re-encoded as %x, want %x (%v)", v, typ, out, b, err)
			}
		}
		// A message type that does not exist in v is unexpected there,
		// whatever its body.
		for typ := range wantType {
			if _, ok := valid[typ]; ok {
				continue
			}
			_, err := ParseMessage(frame(typ, nil), v)
			wantAlert(t, err, record.UnexpectedMessage)
		}
		for _, typ := range []MessageType{TypeHelloVerifyRequest, TypeMessageHash, 21, 23, 25, 99, 255} {
			_, err := ParseMessage(frame(typ, []byte{1, 2, 3}), v)
			wantAlert(t, err, record.UnexpectedMessage)
		}
	}
	_, err := ParseMessage(frame(TypeFinished, make([]byte, 12)), 0x0305)
	wantAlert(t, err, record.UnexpectedMessage)
}

// TestUnmarshalWrongType checks that each Unmarshal function refuses a
// message of another type.
func TestUnmarshalWrongType(t *testing.T) {
	b := frame(TypeFinished, make([]byte, 12))
	v := cipher.VersionTLS12
	for name, f := range map[string]func() error{
		"ClientHello":         func() error { _, err := UnmarshalClientHello(b); return err },
		"ServerHello":         func() error { _, err := UnmarshalServerHello(b); return err },
		"EncryptedExtensions": func() error { _, err := UnmarshalEncryptedExtensions(b); return err },
		"Certificate":         func() error { _, err := UnmarshalCertificate(b, v); return err },
		"CertificateRequest":  func() error { _, err := UnmarshalCertificateRequest(b, v); return err },
		"CertificateVerify":   func() error { _, err := UnmarshalCertificateVerify(b, v); return err },
		"NewSessionTicket":    func() error { _, err := UnmarshalNewSessionTicket(b, v); return err },
		"KeyUpdate":           func() error { _, err := UnmarshalKeyUpdate(b); return err },
		"ServerKeyExchange":   func() error { _, err := UnmarshalServerKeyExchange(b); return err },
		"ClientKeyExchange":   func() error { _, err := UnmarshalClientKeyExchange(b); return err },
		"HelloRequest":        func() error { _, err := UnmarshalHelloRequest(b); return err },
		"ServerHelloDone":     func() error { _, err := UnmarshalServerHelloDone(b); return err },
		"EndOfEarlyData":      func() error { _, err := UnmarshalEndOfEarlyData(b); return err },
		"NextProtocol":        func() error { _, err := UnmarshalNextProtocol(b); return err },
		"CertificateStatus":   func() error { _, err := UnmarshalCertificateStatus(b); return err },
		"MessageHash":         func() error { _, err := UnmarshalMessageHash(b); return err },
	} {
		err := f()
		if err == nil {
			t.Fatalf("%s accepted a Finished", name)
		}
		wantAlert(t, err, record.UnexpectedMessage)
	}
	if _, err := UnmarshalFinished(frame(TypeKeyUpdate, []byte{0})); err == nil {
		t.Fatal("UnmarshalFinished accepted a KeyUpdate")
	}
}

// TestVersionlessEncodings checks that the version-dependent parsers refuse
// versions they have no encoding for.
func TestVersionlessEncodings(t *testing.T) {
	for _, v := range []cipher.Version{0, 0x0200, 0x0305, 0x7f1c} {
		_, err := UnmarshalCertificate(frame(TypeCertificate, []byte{0, 0, 0}), v)
		wantAlert(t, err, record.InternalError)
		_, err = UnmarshalCertificateRequest(frame(TypeCertificateRequest, []byte{1, 1, 0, 0}), v)
		wantAlert(t, err, record.InternalError)
		_, err = UnmarshalCertificateVerify(frame(TypeCertificateVerify, []byte{0, 0}), v)
		wantAlert(t, err, record.InternalError)
		_, err = UnmarshalNewSessionTicket(frame(TypeNewSessionTicket, []byte{0, 0, 0, 0, 0, 0}), v)
		wantAlert(t, err, record.InternalError)
		for _, m := range []Message{&Certificate{Version: v}, &CertificateRequest{Version: v}, &CertificateVerify{Version: v}, &NewSessionTicket{Version: v}} {
			if _, err := m.Marshal(); err == nil {
				t.Fatalf("%T of version %v marshalled", m, v)
			}
		}
	}
}

// checkTruncations parses every prefix of the body of msg (reframed with
// a correct header) and the body extended by one byte: each must fail
// with a decode_error, except the prefixes listed in okAt (body lengths at
// which the message is complete without its optional tail, or fails for
// another reason), which may have any outcome.
func checkTruncations(t *testing.T, msg []byte, v cipher.Version, okAt ...int) {
	t.Helper()
	typ, body, err := ParseHeader(msg)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(body); n++ {
		_, err := parseAs(frame(typ, body[:n]), typ, v)
		if slices.Contains(okAt, n) {
			continue
		}
		if err == nil {
			t.Fatalf("%s truncated to %d of %d bytes parsed", typ, n, len(body))
		}
		wantAlert(t, err, record.DecodeError)
	}
	// One byte more than the message holds.
	_, err = parseAs(frame(typ, append(append([]byte(nil), body...), 0)), typ, v)
	wantAlert(t, err, record.DecodeError)
	// The original header over a shorter or longer body.
	_, err = parseAs(msg[:len(msg)-1], typ, v)
	wantAlert(t, err, record.DecodeError)
	_, err = parseAs(append(append([]byte(nil), msg...), 0), typ, v)
	wantAlert(t, err, record.DecodeError)
}

// Fuzz seed corpora.

// seedFile writes one seed file of the "go test fuzz v1" format.
func seedFile(tb testing.TB, target, name string, values ...any) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range values {
		switch v := v.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case uint16:
			fmt.Fprintf(&b, "uint16(%d)\n", v)
		case uint8:
			fmt.Fprintf(&b, "byte(%s)\n", strconv.QuoteRune(rune(v)))
		default:
			tb.Fatalf("seed value of type %T", v)
		}
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// generatedMessages returns valid messages of every type and version, for
// seeds: the RFC 8448 trace and messages built by the round-trip
// generators.
func generatedMessages(tb testing.TB) []versioned {
	tb.Helper()
	out := rfc8448Messages(tb)
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 3; i++ {
		for _, v := range allVersions {
			for _, m := range randMessages(r, v) {
				if m.Type() == TypeMessageHash {
					continue // never on the wire
				}
				b, err := m.Marshal()
				if err != nil {
					tb.Fatalf("generated %T: %v", m, err)
				}
				out = append(out, versioned{fmt.Sprintf("gen-%s-%s-%d", m.Type(), strings.ReplaceAll(v.String(), " ", ""), i), b, v})
			}
		}
	}
	return out
}

// versioned is a message with the version it is to be parsed in.
type versioned struct {
	name string
	msg  []byte
	v    cipher.Version
}

// TestFuzzSeedCorpus checks that every seed committed for the fuzz targets
// of this package is valid input that parses (each target's seeds are valid
// messages), and with -update-seeds rewrites the generated seeds.
func TestFuzzSeedCorpus(t *testing.T) {
	if *updateSeeds {
		for _, m := range generatedMessages(t) {
			seedFile(t, "FuzzParseMessage", m.name, m.msg, uint16(m.v))
			switch MessageType(m.msg[0]) {
			case TypeClientHello:
				seedFile(t, "FuzzClientHello", m.name, m.msg)
			case TypeServerHello:
				seedFile(t, "FuzzServerHello", m.name, m.msg)
			}
		}
		for i, s := range extensionSeeds(t) {
			seedFile(t, "FuzzExtensions", fmt.Sprintf("ext-%02d-%s", i, s.name), s.ctx, s.block)
		}
	}
	for _, target := range []string{"FuzzParseMessage", "FuzzClientHello", "FuzzServerHello", "FuzzExtensions"} {
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 5 {
			t.Fatalf("%s: only %d seeds committed", target, len(files))
		}
		for _, f := range files {
			vals := readSeed(t, f)
			var err error
			switch target {
			case "FuzzParseMessage":
				_, err = ParseMessage(vals[0].([]byte), cipher.Version(vals[1].(uint16)))
			case "FuzzClientHello":
				_, err = UnmarshalClientHello(vals[0].([]byte))
			case "FuzzServerHello":
				_, err = UnmarshalServerHello(vals[0].([]byte))
			case "FuzzExtensions":
				err = parseExtensionsIn(vals[0].(uint8), vals[1].([]byte))
			}
			if err != nil {
				t.Errorf("seed %s does not parse: %v", f, err)
			}
		}
	}
}

// readSeed reads the values of a seed file of the forms seedFile writes.
func readSeed(tb testing.TB, path string) []any {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 2 || lines[0] != "go test fuzz v1" {
		tb.Fatalf("%s: not a fuzz seed", path)
	}
	var out []any
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, "[]byte(") && strings.HasSuffix(l, ")"):
			s, err := strconv.Unquote(l[len("[]byte(") : len(l)-1])
			if err != nil {
				tb.Fatalf("%s: %v", path, err)
			}
			out = append(out, []byte(s))
		case strings.HasPrefix(l, "uint16(") && strings.HasSuffix(l, ")"):
			n, err := strconv.ParseUint(l[len("uint16("):len(l)-1], 10, 16)
			if err != nil {
				tb.Fatalf("%s: %v", path, err)
			}
			out = append(out, uint16(n))
		case strings.HasPrefix(l, "byte(") && strings.HasSuffix(l, ")"):
			r, _, _, err := strconv.UnquoteChar(strings.Trim(l[len("byte("):len(l)-1], "'"), '\'')
			if err != nil {
				tb.Fatalf("%s: %v", path, err)
			}
			out = append(out, uint8(r))
		default:
			tb.Fatalf("%s: unreadable line %q", path, l)
		}
	}
	return out
}

// FuzzParseMessage feeds any bytes, as a message of any version, to the
// dispatcher: it must not panic, must fail with an alert or succeed, and a
// message it accepts must keep its bytes, and its fields must encode into
// a message that parses to the same fields.
func FuzzParseMessage(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, v uint16) {
		m, err := ParseMessage(data, cipher.Version(v))
		if err != nil {
			var a record.Alert
			if !errors.As(err, &a) || a.Level != record.Fatal {
				t.Fatalf("error %v is not a fatal alert", err)
			}
			return
		}
		checkParsed(t, m, data, cipher.Version(v))
	})
}

// checkParsed checks a message parsed from data: its bytes are kept, and
// when its fields can be encoded, the encoding parses back to them.
func checkParsed(t *testing.T, m Message, data []byte, v cipher.Version) {
	t.Helper()
	if !bytes.Equal(m.Raw(), data) {
		t.Fatal("Raw differs from the input")
	}
	if out, err := m.Marshal(); err != nil || !bytes.Equal(out, data) {
		t.Fatalf("Marshal of a parsed message differs from its input (%v)", err)
	}
	fresh := withoutRaw(t, m)
	out, err := fresh.Marshal()
	if err != nil {
		// Some accepted inputs have no encoding from the fields alone
		// (a server_name without a host_name); the bytes are kept for
		// those.
		return
	}
	again, err := parseAs(out, m.Type(), v)
	if err != nil {
		t.Fatalf("re-encoded %T does not parse: %v\n in: %x\nout: %x", m, err, data, out)
	}
	if a, b := withoutRaw(t, again), withOrder(t, fresh); !reflect.DeepEqual(a, b) {
		t.Fatalf("re-encoded %T parses to other fields:\n got %+v\nwant %+v", m, a, b)
	}
}

// The handshake messages of RFC 8448, Section 3 (a simple 1-RTT
// handshake) and the resumed ClientHello of Section 4.
const (
	rfc8448ClientHello = `01 00 00 c0 03 03 cb 34 ec b1 e7 81 63
		ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
		02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b
		00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00
		12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23
		00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2
		3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a
		af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03
		02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06
		02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01`
	rfc8448ServerHello = `02 00 00 56 03 03 a6 af 06 a4 12 18 60
		dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
		d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88
		76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1
		dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04`
	// EncryptedExtensions, Certificate, CertificateVerify and Finished
	// of the server, as one handshake payload.
	rfc8448ServerFlight = `08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17
		00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02 40 01 00 00 00
		00 0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02
		01 02 02 01 02 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 30 0e 31
		0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e 17 0d 31 36 30 37 33 30
		30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30
		0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 81 9f 30 0d 06 09 2a
		86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 bb
		49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26
		d3 90 1a 24 61 ea fd 2d e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1
		9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b 01 8c
		3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74 80 30 53 0e f0 46
		1c 8c a9 d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4 74
		28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a 30 18 30 09 06
		03 55 1d 13 04 02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d
		06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9
		27 6b 90 8c 65 f7 3a 72 67 17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94
		36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2
		1a 03 01 51 56 72 60 96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6
		be c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb 2b d5 20 3b 1c
		3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29
		ac 91 87 b4 2b 4d e1 00 00 0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa
		9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84 14 5a b3 ff 52 f1 fd
		a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 0c
		5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f 60 29
		57 b1 54 11 ac 02 76 71 45 9e 46 44 5c 9e a5 8c 18 1e 81 8e 95 b8 c3
		fb 0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d
		53 df ac d4 2f 74 f3 14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7
		1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18`
	rfc8448ClientFinished = `14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc
		eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61`
	rfc8448NewSessionTicket = `04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00
		b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00 00 00 00 26 2a 64 94 dc 48
		6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be
		78 5a bc 55 cd 22 60 97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d
		d3 6d 64 e8 61 be 7f d6 1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d
		4e 6d a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d
		a2 67 7f a5 90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2
		97 b5 ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d
		e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00 2a 00
		04 00 00 04 00`
	rfc8448ResumedClientHello = `01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff
		93 83 55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78 76
		48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00
		09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12
		00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00
		26 00 24 00 1d 00 20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34
		6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f 0b 00 2a 00
		00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02
		03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02
		02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00
		00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70
		ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9
		82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6
		1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0
		37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5
		90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5
		ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d
		e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa
		cb 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d
		ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d`
)

// splitMessages splits a handshake payload into its messages by their
// headers.
func splitMessages(tb testing.TB, b []byte) [][]byte {
	tb.Helper()
	var out [][]byte
	for len(b) > 0 {
		if len(b) < HeaderLen {
			tb.Fatal("split: truncated header")
		}
		n := HeaderLen + (int(b[1])<<16 | int(b[2])<<8 | int(b[3]))
		if n > len(b) {
			tb.Fatal("split: truncated message")
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// rfc8448Messages returns the messages of the RFC 8448 traces.
func rfc8448Messages(tb testing.TB) []versioned {
	tb.Helper()
	v := cipher.VersionTLS13
	flight := splitMessages(tb, unhex(tb, rfc8448ServerFlight))
	if len(flight) != 4 {
		tb.Fatalf("server flight has %d messages", len(flight))
	}
	return []versioned{
		{"rfc8448-client-hello", unhex(tb, rfc8448ClientHello), 0},
		{"rfc8448-server-hello", unhex(tb, rfc8448ServerHello), 0},
		{"rfc8448-encrypted-extensions", flight[0], v},
		{"rfc8448-certificate", flight[1], v},
		{"rfc8448-certificate-verify", flight[2], v},
		{"rfc8448-server-finished", flight[3], v},
		{"rfc8448-client-finished", unhex(tb, rfc8448ClientFinished), v},
		{"rfc8448-new-session-ticket", unhex(tb, rfc8448NewSessionTicket), v},
		{"rfc8448-resumed-client-hello", unhex(tb, rfc8448ResumedClientHello), 0},
	}
}

// TestRFC8448Reencode checks that every message of the RFC 8448 traces
// parses, that its fields encode back to the very same bytes, and that it
// survives truncation tests.
func TestRFC8448Reencode(t *testing.T) {
	for _, m := range rfc8448Messages(t) {
		t.Run(m.name, func(t *testing.T) {
			v := m.v
			if v == 0 {
				v = cipher.VersionTLS13
			}
			p, err := ParseMessage(m.msg, v)
			if err != nil {
				t.Fatal(err)
			}
			out, err := withoutRaw(t, p).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, m.msg) {
				t.Fatalf("re-encoded as\n%x\nwant\n%x", out, m.msg)
			}
			switch p := p.(type) {
			case *Finished:
				// An opaque body: every prefix is a Finished.
			case *ClientHello:
				// Without its extension block a hello is complete.
				checkTruncations(t, m.msg, v, 2+32+1+len(p.SessionID)+2+2*len(p.CipherSuites)+1+len(p.CompressionMethods))
			case *ServerHello:
				checkTruncations(t, m.msg, v, 2+32+1+len(p.SessionID)+2+1)
			default:
				checkTruncations(t, m.msg, v)
			}
		})
	}
}

// randMessages returns a random valid message of each type that exists
// in v.
func randMessages(r *rand.Rand, v cipher.Version) []Message {
	out := []Message{
		randClientHello(r),
		randServerHello(r, v),
		randCertificate(r, v),
		randCertificateRequest(r, v),
		randCertificateVerify(r, v),
		&Finished{VerifyData: randBytes(r, 12, 48)},
		randNewSessionTicket(r, v),
		&MessageHash{Hash: randBytes(r, 32, 48)},
	}
	if v == cipher.VersionTLS13 {
		out = append(out, randEncryptedExtensions(r), &KeyUpdate{RequestUpdate: r.Intn(2) == 0}, &EndOfEarlyData{})
	} else {
		out = append(out, &HelloRequest{}, &ServerHelloDone{},
			&ServerKeyExchange{Body: randBytes(r, 1, 300)}, &ClientKeyExchange{Body: randBytes(r, 1, 300)},
			&CertificateStatus{Response: randBytes(r, 1, 500)}, &NextProtocol{Protocol: randName(r, 0, 40)})
	}
	return out
}

// randBytes returns between min and max random bytes; nil when empty.
func randBytes(r *rand.Rand, min, max int) []byte {
	n := min + r.Intn(max-min+1)
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	r.Read(b)
	return b
}

// randName returns a printable name of min to max bytes.
func randName(r *rand.Rand, min, max int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789-./_"
	n := min + r.Intn(max-min+1)
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.Intn(len(letters))]
	}
	return string(b)
}

// randUint16s returns 1 to max random values.
func randUint16s[T ~uint16](r *rand.Rand, max int) []T {
	out := make([]T, 1+r.Intn(max))
	for i := range out {
		out[i] = T(r.Intn(0x10000))
	}
	return out
}

// randList returns between min and max byte strings of 1 to maxLen bytes.
func randList(r *rand.Rand, min, max, maxLen int) [][]byte {
	n := min + r.Intn(max-min+1)
	if n == 0 {
		return nil
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = randBytes(r, 1, maxLen)
	}
	return out
}

// randUnknown returns up to max extensions of unrecognised types, each
// type once.
func randUnknown(r *rand.Rand, max int) []Extension {
	var out []Extension
	seen := map[ExtensionType]bool{}
	for i := r.Intn(max + 1); i > 0; i-- {
		t := ExtensionType(0x0a0a + 0x1010*r.Intn(15)) // GREASE values
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, Extension{Type: t, Data: randBytes(r, 0, 10)})
	}
	return out
}

// shuffleOrder returns, half of the time, a random order of the
// extensions of m (nil otherwise: the default order); keepLast keeps
// that type, if present, last.
func shuffleOrder(r *rand.Rand, order []ExtensionType, keepLast ExtensionType, hasLast bool) []ExtensionType {
	if r.Intn(2) == 0 || len(order) == 0 {
		return nil
	}
	out := append([]ExtensionType(nil), order...)
	n := len(out)
	if hasLast {
		n-- // the default order already ends with it
	}
	r.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestRoundTripAllMessages(t *testing.T) {
	r := rand.New(rand.NewSource(8448))
	for i := 0; i < 300; i++ {
		for _, v := range allVersions {
			for _, m := range randMessages(r, v) {
				checkRoundTrip(t, m, v)
			}
		}
	}
}

// asAlert is errors.As for alerts.
func asAlert(err error, a *record.Alert) bool { return errors.As(err, a) }
