package handshake

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func TestEmptyMessages(t *testing.T) {
	for _, c := range []struct {
		m Message
		v cipher.Version
	}{{&HelloRequest{}, cipher.VersionTLS12}, {&ServerHelloDone{}, cipher.VersionSSL30}, {&EndOfEarlyData{}, cipher.VersionTLS13}} {
		b, err := c.m.Marshal()
		if err != nil || !bytes.Equal(b, []byte{byte(c.m.Type()), 0, 0, 0}) {
			t.Fatalf("%T: %x, %v", c.m, b, err)
		}
		checkRoundTrip(t, c.m, c.v)
		for _, body := range [][]byte{{0}, {1, 2, 3}} {
			_, err := ParseMessage(frame(c.m.Type(), body), c.v)
			wantAlert(t, err, record.DecodeError)
		}
	}
}

func TestNextProtocol(t *testing.T) {
	// draft-agl-tls-nextprotoneg-04, Section 3: padding to a multiple of 32
	// bytes of the two vectors.
	for _, p := range []string{"", "h2", "http/1.1", string(bytes.Repeat([]byte{'x'}, 30)), string(bytes.Repeat([]byte{'y'}, 255))} {
		b, err := (&NextProtocol{Protocol: p}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if n := len(b) - HeaderLen; n%32 != 0 || b[HeaderLen] != byte(len(p)) || string(b[HeaderLen+1:HeaderLen+1+len(p)]) != p {
			t.Fatalf("%q: %x", p, b)
		}
		pad := b[HeaderLen+1+len(p):]
		if int(pad[0]) != len(pad)-1 || !bytes.Equal(pad[1:], make([]byte, len(pad)-1)) {
			t.Fatalf("%q: padding %x", p, pad)
		}
		m, err := UnmarshalNextProtocol(b)
		if err != nil || m.Protocol != p {
			t.Fatalf("%q: %+v, %v", p, m, err)
		}
		checkRoundTrip(t, &NextProtocol{Protocol: p}, cipher.VersionTLS12)
	}
	// Other padding is accepted; the framing is not optional.
	if m, err := UnmarshalNextProtocol(frame(TypeNextProtocol, []byte{1, 'a', 0})); err != nil || m.Protocol != "a" {
		t.Fatalf("%v", err)
	}
	for _, body := range [][]byte{nil, {1, 'a'}, {1, 'a', 2, 0}, {1, 'a', 0, 0}, {5, 'a'}} {
		_, err := UnmarshalNextProtocol(frame(TypeNextProtocol, body))
		wantAlert(t, err, record.DecodeError)
	}
	if _, err := (&NextProtocol{Protocol: string(make([]byte, 256))}).Marshal(); err == nil {
		t.Fatal("protocol of 256 bytes marshalled")
	}
}

func TestCertificateStatus(t *testing.T) {
	// RFC 6066, Section 8.
	b := frame(TypeCertificateStatus, []byte{1, 0, 0, 3, 0x30, 1, 0})
	m, err := UnmarshalCertificateStatus(b)
	if err != nil || !bytes.Equal(m.Response, []byte{0x30, 1, 0}) {
		t.Fatalf("%+v, %v", m, err)
	}
	out, err := (&CertificateStatus{Response: m.Response}).Marshal()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("marshalled %x, %v", out, err)
	}
	checkTruncations(t, b, cipher.VersionTLS12)
	_, err = UnmarshalCertificateStatus(frame(TypeCertificateStatus, []byte{2, 0, 0, 1, 0}))
	wantAlert(t, err, record.IllegalParameter)
	_, err = UnmarshalCertificateStatus(frame(TypeCertificateStatus, []byte{1, 0, 0, 0}))
	wantAlert(t, err, record.DecodeError)
	if _, err := (&CertificateStatus{}).Marshal(); err == nil {
		t.Fatal("empty response marshalled")
	}
}

func TestMessageHash(t *testing.T) {
	// RFC 8446, Section 4.4.1: 254, 00 00 Hash.length, Hash(ClientHello1).
	h := sha256.Sum256(unhex(t, rfc8448ClientHello))
	b, err := NewMessageHash(h[:]).Marshal()
	if err != nil || !bytes.Equal(b, append([]byte{254, 0, 0, 32}, h[:]...)) {
		t.Fatalf("%x, %v", b, err)
	}
	m, err := UnmarshalMessageHash(b)
	if err != nil || !bytes.Equal(m.Hash, h[:]) {
		t.Fatalf("%+v, %v", m, err)
	}
	checkRoundTrip(t, NewMessageHash(h[:]), cipher.VersionTLS13)
	_, err = ParseMessage(b, cipher.VersionTLS13)
	wantAlert(t, err, record.UnexpectedMessage)
}
