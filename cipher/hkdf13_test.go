package cipher

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"testing"
)

// TestHKDFExpandLabelOneBlock checks HKDFExpandLabel's direct HMAC for
// outputs of at most one hash length against crypto/hkdf's Expand, with
// the HkdfLabel built here byte by byte, for both hashes and lengths on
// either side of the hash size.
func TestHKDFExpandLabelOneBlock(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
		fn, err := hashFunc(h)
		if err != nil {
			t.Fatal(err)
		}
		secret := bytes.Repeat([]byte{0x5a}, h.Size())
		context := []byte("transcript hash stand-in")
		for _, n := range []int{1, 12, 16, 32, h.Size() - 1, h.Size(), h.Size() + 1, 2*h.Size() + 7} {
			info := []byte{byte(n >> 8), byte(n), byte(len("tls13 key"))}
			info = append(info, "tls13 key"...)
			info = append(info, byte(len(context)))
			info = append(info, context...)
			want, err := hkdf.Expand(fn, secret, string(info), n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := HKDFExpandLabel(h, secret, "key", context, n)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%v, %d bytes: %x, %v; want %x", h, n, got, err, want)
			}
			if len(got) != cap(got) {
				t.Errorf("%v, %d bytes: capacity %d past the output", h, n, cap(got))
			}
		}
	}
}
