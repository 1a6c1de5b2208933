package handshake

import (
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func TestKeyUpdate(t *testing.T) {
	// RFC 8446, Section 4.6.3: one byte, 0 or 1.
	for v, want := range map[byte]bool{0: false, 1: true} {
		b := frame(TypeKeyUpdate, []byte{v})
		m, err := UnmarshalKeyUpdate(b)
		if err != nil || m.RequestUpdate != want {
			t.Fatalf("%d: %+v, %v", v, m, err)
		}
		out, err := (&KeyUpdate{RequestUpdate: want}).Marshal()
		if err != nil || string(out) != string(b) {
			t.Fatalf("%d: marshalled %x, %v", v, out, err)
		}
		checkRoundTrip(t, &KeyUpdate{RequestUpdate: want}, cipher.VersionTLS13)
	}
	for _, v := range []byte{2, 3, 0x80, 0xff} {
		_, err := UnmarshalKeyUpdate(frame(TypeKeyUpdate, []byte{v}))
		wantAlert(t, err, record.IllegalParameter)
		_, err = ParseMessage(frame(TypeKeyUpdate, []byte{v}), cipher.VersionTLS13)
		wantAlert(t, err, record.IllegalParameter)
	}
	for _, body := range [][]byte{nil, {0, 0}, {1, 1}} {
		_, err := UnmarshalKeyUpdate(frame(TypeKeyUpdate, body))
		wantAlert(t, err, record.DecodeError)
	}
	_, err := ParseMessage(frame(TypeKeyUpdate, []byte{0}), cipher.VersionTLS12)
	wantAlert(t, err, record.UnexpectedMessage)
}
