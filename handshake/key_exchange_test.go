package handshake

import (
	"bytes"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

func TestKeyExchangeMessages(t *testing.T) {
	body := []byte{3, 0, 0x1d, 32, 1, 2, 3}
	ske := frame(TypeServerKeyExchange, body)
	m, err := UnmarshalServerKeyExchange(ske)
	if err != nil || !bytes.Equal(m.Body, body) {
		t.Fatalf("ServerKeyExchange: %+v, %v", m, err)
	}
	out, err := (&ServerKeyExchange{Body: body}).Marshal()
	if err != nil || !bytes.Equal(out, ske) {
		t.Fatalf("ServerKeyExchange marshalled %x, %v", out, err)
	}
	cke := frame(TypeClientKeyExchange, body)
	c, err := UnmarshalClientKeyExchange(cke)
	if err != nil || !bytes.Equal(c.Body, body) {
		t.Fatalf("ClientKeyExchange: %+v, %v", c, err)
	}
	out, err = (&ClientKeyExchange{Body: body}).Marshal()
	if err != nil || !bytes.Equal(out, cke) {
		t.Fatalf("ClientKeyExchange marshalled %x, %v", out, err)
	}
	for _, v := range allVersions[:4] {
		checkRoundTrip(t, &ServerKeyExchange{Body: body}, v)
		checkRoundTrip(t, &ClientKeyExchange{Body: body}, v)
	}
	// Neither exists in TLS 1.3.
	if _, err := ParseMessage(ske, cipher.VersionTLS13); err == nil {
		t.Fatal("ServerKeyExchange accepted in TLS 1.3")
	}
}
