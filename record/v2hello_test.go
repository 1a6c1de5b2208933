package record

import (
	"bytes"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

// v2Hello builds an SSL 2.0 CLIENT-HELLO as RFC 5246, Appendix E.2 lays
// it out, from msg_type on.
func v2Hello(version uint16, specs []uint32, sid, challenge []byte) []byte {
	b := []byte{1, byte(version >> 8), byte(version)}
	n := len(specs) * 3
	b = append(b, byte(n>>8), byte(n), byte(len(sid)>>8), byte(len(sid)), byte(len(challenge)>>8), byte(len(challenge)))
	for _, s := range specs {
		b = append(b, byte(s>>16), byte(s>>8), byte(s))
	}
	b = append(b, sid...)
	return append(b, challenge...)
}

func v2Wire(msg []byte) []byte {
	return append([]byte{0x80 | byte(len(msg)>>8), byte(len(msg))}, msg...)
}

func TestParseV2ClientHello(t *testing.T) {
	challenge := bytes.Repeat([]byte{0xcc}, 16)
	// A TLS 1.0 client offering an SSL 2.0 kind (RC4-MD5, 010080) and two
	// TLS suites.
	msg := v2Hello(0x0301, []uint32{0x00002f, 0x010080, 0x000035}, nil, challenge)
	h, err := ParseV2ClientHello(msg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != 0x0301 || len(h.CipherSpecs) != 3 || h.CipherSpecs[1] != 0x010080 || !bytes.Equal(h.Raw, msg) {
		t.Fatalf("%+v", h)
	}
	if s := h.CipherSuites(); len(s) != 2 || s[0] != 0x2f || s[1] != 0x35 {
		t.Fatalf("suites %x", s)
	}
	r := h.Random()
	if !bytes.Equal(r[:16], make([]byte, 16)) || !bytes.Equal(r[16:], challenge) {
		t.Fatalf("random %x", r)
	}
	msg[9] ^= 0xff
	if h.CipherSpecs[0] != 0x00002f || h.Raw[9] == msg[9] {
		t.Fatal("result shares the input")
	}

	chal32 := bytes.Repeat([]byte{1}, 32)
	bad := []struct {
		name string
		msg  []byte
		want Description
	}{
		{"short", []byte{1, 3, 1, 0}, DecodeError},
		{"type", append([]byte{4}, v2Hello(0x0301, []uint32{0x2f}, nil, chal32)[1:]...), DecodeError},
		{"SSL 2.0 only", v2Hello(0x0002, []uint32{0x2f}, nil, chal32), ProtocolVersion},
		{"no specs", v2Hello(0x0303, nil, nil, chal32), DecodeError},
		{"spec length 4", append(v2Hello(0x0303, []uint32{0x2f}, nil, chal32)[:4], append([]byte{4, 0, 0, 0, 32, 0, 0, 0x2f, 0}, chal32...)...), DecodeError},
		{"session ID", v2Hello(0x0301, []uint32{0x2f}, make([]byte, 16), chal32), DecodeError},
		{"challenge 15", v2Hello(0x0301, []uint32{0x2f}, nil, chal32[:15]), DecodeError},
		{"challenge 33", v2Hello(0x0301, []uint32{0x2f}, nil, append(chal32, 1)), DecodeError},
		{"trailing byte", append(v2Hello(0x0301, []uint32{0x2f}, nil, chal32), 0), DecodeError},
		{"missing byte", v2Hello(0x0301, []uint32{0x2f}, nil, chal32)[:9+3+31], DecodeError},
	}
	for _, c := range bad {
		_, err := ParseV2ClientHello(c.msg)
		var a Alert
		if err == nil || !asAlert(err, &a) || a.Description != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
}

func asAlert(err error, a *Alert) bool {
	x, ok := err.(Alert)
	*a = x
	return ok
}

// TestReadClientHelloV2 reads an SSL 2.0 CLIENT-HELLO through a Conn, then
// the client's next flight in TLS records.
func TestReadClientHelloV2(t *testing.T) {
	msg := v2Hello(0x0303, []uint32{0x00009c, 0x00002f}, nil, bytes.Repeat([]byte{7}, 32))
	cke := hsMsg(16, []byte{1, 2, 3})
	stream := append(v2Wire(msg), wire(nil).rec(TypeHandshake, 0x0303, cke)...)

	c := readConn(stream, Config{V2HelloCompatible: true})
	m, h, err := c.ReadClientHello()
	if err != nil || m != nil || h == nil || !bytes.Equal(h.Raw, msg) || h.Version != 0x0303 {
		t.Fatalf("%x %+v %v", m, h, err)
	}
	c.SetVersion(cipher.VersionTLS12)
	if got, err := c.ReadHandshakeMessage(); err != nil || !bytes.Equal(got, cke) {
		t.Fatalf("next message %x, %v", got, err)
	}

	// A TLS ClientHello through the same call.
	hello := hsMsg(1, []byte{3, 3})
	c = readConn(wire(nil).rec(TypeHandshake, 0x0301, hello), Config{V2HelloCompatible: true})
	if m, h, err := c.ReadClientHello(); err != nil || h != nil || !bytes.Equal(m, hello) {
		t.Fatalf("TLS hello: %x %v %v", m, h, err)
	}

	// Without the option, an SSL 2.0 hello is an unknown record type.
	_, _, err = readConn(stream, Config{}).ReadClientHello()
	wantAlert(t, err, UnexpectedMessage)

	// Only as the first message.
	late := append(wire(nil).rec(TypeHandshake, 0x0301, hello), v2Wire(msg)...)
	c = readConn(late, Config{V2HelloCompatible: true})
	c.ReadClientHello()
	_, _, err = c.ReadClientHello()
	wantAlert(t, err, UnexpectedMessage)

	// Malformed and oversized.
	bad := append([]byte(nil), msg...)
	bad[6] = 16 // session_id_length
	_, _, err = readConn(v2Wire(bad), Config{V2HelloCompatible: true}).ReadClientHello()
	wantAlert(t, err, DecodeError)
	_, _, err = readConn([]byte{0xff, 0xff, 1}, Config{V2HelloCompatible: true}).ReadClientHello()
	wantAlert(t, err, RecordOverflow)
}
