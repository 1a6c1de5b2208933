package handshake

import (
	"bytes"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

func TestFinishedRFC8448(t *testing.T) {
	flight := splitMessages(t, unhex(t, rfc8448ServerFlight))
	for _, c := range []struct {
		msg  []byte
		want string
	}{
		{flight[3], "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"},
		{unhex(t, rfc8448ClientFinished), "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"},
	} {
		m, err := UnmarshalFinished(c.msg)
		if err != nil || !bytes.Equal(m.VerifyData, unhex(t, c.want)) {
			t.Fatalf("verify_data %x, %v", m.VerifyData, err)
		}
		b, err := (&Finished{VerifyData: unhex(t, c.want)}).Marshal()
		if err != nil || !bytes.Equal(b, c.msg) {
			t.Fatalf("re-encoded %x, %v", b, err)
		}
		if _, err := ParseMessage(c.msg, cipher.VersionTLS13); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFinishedBodies(t *testing.T) {
	// The state machine checks the length; the parser takes any body.
	for _, n := range []int{0, 12, 36, 48} {
		b := frame(TypeFinished, bytes.Repeat([]byte{7}, n))
		m, err := UnmarshalFinished(b)
		if err != nil || len(m.VerifyData) != n {
			t.Fatalf("%d bytes: %v", n, err)
		}
		checkRoundTrip(t, &Finished{VerifyData: m.VerifyData}, cipher.VersionTLS12)
	}
}
