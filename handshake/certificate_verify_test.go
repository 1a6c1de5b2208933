package handshake

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func TestCertificateVerifyRFC8448(t *testing.T) {
	flight := splitMessages(t, unhex(t, rfc8448ServerFlight))
	m, err := UnmarshalCertificateVerify(flight[2], cipher.VersionTLS13)
	if err != nil {
		t.Fatal(err)
	}
	if m.SignatureScheme != 0x0804 || len(m.Signature) != 128 || !bytes.HasPrefix(m.Signature, unhex(t, "5a747c5d88fa9bd2")) {
		t.Fatalf("scheme %#x, signature %x", m.SignatureScheme, m.Signature)
	}
	b, err := (&CertificateVerify{Version: cipher.VersionTLS13, SignatureScheme: 0x0804, Signature: m.Signature}).Marshal()
	if err != nil || !bytes.Equal(b, flight[2]) {
		t.Fatalf("re-encoded %x, %v", b, err)
	}
}

func randCertificateVerify(r *rand.Rand, v cipher.Version) *CertificateVerify {
	m := &CertificateVerify{Version: v, Signature: randBytes(r, 0, 512)}
	if v >= cipher.VersionTLS12 {
		m.SignatureScheme = SignatureScheme(r.Intn(0x10000))
	}
	return m
}

func TestCertificateVerifyRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for i := 0; i < 500; i++ {
		v := allVersions[r.Intn(len(allVersions))]
		checkRoundTrip(t, randCertificateVerify(r, v), v)
	}
}

func TestCertificateVerifyEncodings(t *testing.T) {
	// Before TLS 1.2 the signature alone (RFC 4346, Section 7.4.8).
	old := frame(TypeCertificateVerify, []byte{0, 3, 1, 2, 3})
	for _, v := range allVersions[:3] {
		m, err := UnmarshalCertificateVerify(old, v)
		if err != nil || m.SignatureScheme != 0 || !bytes.Equal(m.Signature, []byte{1, 2, 3}) {
			t.Fatalf("%v: %+v, %v", v, m, err)
		}
		checkTruncations(t, old, v)
	}
	// From TLS 1.2 on with the scheme first; the same bytes read as a
	// scheme and an overrunning signature.
	for _, v := range allVersions[3:] {
		_, err := UnmarshalCertificateVerify(old, v)
		wantAlert(t, err, record.DecodeError)
		b := frame(TypeCertificateVerify, []byte{4, 3, 0, 2, 9, 9})
		m, err := UnmarshalCertificateVerify(b, v)
		if err != nil || m.SignatureScheme != 0x0403 || !bytes.Equal(m.Signature, []byte{9, 9}) {
			t.Fatalf("%v: %+v, %v", v, m, err)
		}
		checkTruncations(t, b, v)
	}
	if _, err := (&CertificateVerify{Version: cipher.VersionTLS11, SignatureScheme: 0x401}).Marshal(); err == nil {
		t.Fatal("a TLS 1.1 CertificateVerify with a scheme marshalled")
	}
}
