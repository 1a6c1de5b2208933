package cipher

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// The examples of NIST SP 800-38C, Appendix C (AES-128, key 40..4f).
var ccmVectors = []struct {
	name              string
	nonce, aad, plain string
	tagLen            int
	want              string
}{
	{"C.1", "10111213141516", "0001020304050607", "20212223", 4,
		"7162015b 4dac255d"},
	{"C.2", "1011121314151617", "000102030405060708090a0b0c0d0e0f",
		"202122232425262728292a2b2c2d2e2f", 6,
		"d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd"},
	{"C.3", "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
		"202122232425262728292a2b2c2d2e2f3031323334353637", 8,
		"e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951"},
}

func TestCCMKnownAnswers(t *testing.T) {
	key := unhex(t, "404142434445464748494a4b4c4d4e4f")
	blk, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ccmVectors {
		t.Run(v.name, func(t *testing.T) {
			nonce, aad, plain, want := unhex(t, v.nonce), unhex(t, v.aad), unhex(t, v.plain), unhex(t, v.want)
			a, err := NewCCM(blk, len(nonce), v.tagLen)
			if err != nil {
				t.Fatal(err)
			}
			got := a.Seal(nil, nonce, plain, aad)
			if !bytes.Equal(got, want) {
				t.Fatalf("Seal = %x, want %x", got, want)
			}
			back, err := a.Open(nil, nonce, got, aad)
			if err != nil || !bytes.Equal(back, plain) {
				t.Fatalf("Open = %x, %v", back, err)
			}
		})
	}
}

func TestCCMRejectsEveryTamperedByte(t *testing.T) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	for _, tagLen := range []int{8, 16} {
		a, _ := NewCCM(blk, 12, tagLen)
		nonce := make([]byte, 12)
		aad := []byte("header")
		sealed := a.Seal(nil, nonce, []byte("a message longer than one block of AES"), aad)
		for i := range sealed {
			for _, bit := range []byte{0x01, 0x80} {
				bad := append([]byte(nil), sealed...)
				bad[i] ^= bit
				if _, err := a.Open(nil, nonce, bad, aad); err == nil {
					t.Fatalf("tag %d: flipping bit %#x of byte %d was not detected", tagLen, bit, i)
				}
			}
		}
		if _, err := a.Open(nil, nonce, sealed, []byte("Header")); err == nil {
			t.Fatalf("tag %d: changed associated data was not detected", tagLen)
		}
		if _, err := a.Open(nil, nonce, sealed[:tagLen-1], aad); err == nil {
			t.Fatalf("tag %d: truncated input was accepted", tagLen)
		}
	}
}

func TestCCMInPlaceAndLongAssociatedData(t *testing.T) {
	blk, _ := aes.NewCipher(bytes.Repeat([]byte{7}, 32))
	a, _ := NewCCM(blk, 12, 16)
	nonce := bytes.Repeat([]byte{9}, 12)
	for _, n := range []int{0, 1, 15, 16, 17, 1000} {
		aad := bytes.Repeat([]byte{3}, 0xff00+n) // needs the 6-byte length encoding
		msg := bytes.Repeat([]byte{5}, n)
		buf := make([]byte, n, n+16)
		copy(buf, msg)
		sealed := a.Seal(buf[:0], nonce, buf, aad)
		opened, err := a.Open(sealed[:0], nonce, sealed, aad)
		if err != nil || !bytes.Equal(opened, msg) {
			t.Fatalf("n=%d: in-place round trip failed: %v", n, err)
		}
	}
}

func TestNewCCMRejectsBadParameters(t *testing.T) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	for _, c := range [][2]int{{6, 16}, {14, 16}, {12, 3}, {12, 18}, {12, 7}} {
		if _, err := NewCCM(blk, c[0], c[1]); err == nil {
			t.Errorf("NewCCM(nonce %d, tag %d) accepted", c[0], c[1])
		}
	}
}
