package handshake

import (
	"bytes"
	"crypto/tls"
	"math/rand"
	"reflect"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// testCertificate returns a certificate for crypto/tls test servers.
func testCertificate(tb testing.TB) tls.Certificate {
	tb.Helper()
	c := testpki.New(tb).SelfSigned("example.com", testpki.DNS("example.com"))
	return tls.Certificate{Certificate: [][]byte{c.DER}, PrivateKey: c.Key}
}

func TestCertificateRFC8448(t *testing.T) {
	flight := splitMessages(t, unhex(t, rfc8448ServerFlight))
	m, err := UnmarshalCertificate(flight[1], cipher.VersionTLS13)
	if err != nil {
		t.Fatal(err)
	}
	if m.RequestContext != nil || len(m.Entries) != 1 {
		t.Fatalf("context %x, %d entries", m.RequestContext, len(m.Entries))
	}
	e := m.Entries[0]
	if len(e.Data) != 0x1b0 || !bytes.HasPrefix(e.Data, unhex(t, "308201ac30820115a003020102")) ||
		e.OCSPResponse != nil || e.SCTs != nil || e.Unknown != nil || e.ExtensionOrder != nil {
		t.Fatalf("entry %+v", e)
	}
	if ch := m.Chain(); len(ch) != 1 || !bytes.Equal(ch[0], e.Data) {
		t.Fatal("Chain")
	}
	// The trace's message is what NewCertificate builds from the chain.
	b, err := NewCertificate(cipher.VersionTLS13, m.Chain()).Marshal()
	if err != nil || !bytes.Equal(b, flight[1]) {
		t.Fatalf("NewCertificate: %x, %v", b, err)
	}
}

func randCertificate(r *rand.Rand, v cipher.Version) *Certificate {
	m := &Certificate{Version: v}
	if v == cipher.VersionTLS13 {
		m.RequestContext = randBytes(r, 0, 8)
	}
	for i := r.Intn(4); i > 0; i-- {
		e := CertificateEntry{Data: randBytes(r, 1, 600)}
		if v == cipher.VersionTLS13 {
			if r.Intn(2) == 0 {
				e.OCSPResponse = randBytes(r, 1, 100)
			}
			if r.Intn(2) == 0 {
				e.SCTs = randList(r, 1, 3, 50)
			}
			e.Unknown = randUnknown(r, 2)
			if ws, err := e.writers(); err == nil {
				e.ExtensionOrder = shuffleOrder(r, effectiveOrder(ws, nil), 0, false)
			}
		}
		m.Entries = append(m.Entries, e)
	}
	return m
}

func TestCertificateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 1000; i++ {
		v := allVersions[r.Intn(len(allVersions))]
		checkRoundTrip(t, randCertificate(r, v), v)
	}
}

func TestCertificateTLS12Encoding(t *testing.T) {
	// Two certificates, by hand: RFC 5246, Section 7.4.2.
	b := frame(TypeCertificate, []byte{0, 0, 9, 0, 0, 2, 0x30, 0x00, 0, 0, 1, 0x05})
	m, err := UnmarshalCertificate(b, cipher.VersionTLS12)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Chain(), [][]byte{{0x30, 0x00}, {0x05}}) {
		t.Fatalf("chain %x", m.Chain())
	}
	out, err := NewCertificate(cipher.VersionTLS12, m.Chain()).Marshal()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("NewCertificate: %x, %v", out, err)
	}
	// The same bytes are not a TLS 1.3 message.
	_, err = UnmarshalCertificate(b, cipher.VersionTLS13)
	wantAlert(t, err, record.DecodeError)
	checkTruncations(t, b, cipher.VersionTLS12)
	empty, err := UnmarshalCertificate(frame(TypeCertificate, []byte{0, 0, 0}), cipher.VersionSSL30)
	if err != nil || empty.Chain() != nil {
		t.Fatalf("empty certificate list: %v", err)
	}
}

func TestCertificateErrors(t *testing.T) {
	v13 := cipher.VersionTLS13
	for _, c := range []struct {
		name string
		body []byte
		v    cipher.Version
		want record.Description
	}{
		{"empty certificate", []byte{0, 0, 3, 0, 0, 0}, cipher.VersionTLS12, record.DecodeError},
		{"certificate overruns", []byte{0, 0, 4, 0, 0, 2, 1}, cipher.VersionTLS12, record.DecodeError},
		{"list overruns", []byte{0, 0, 9, 0, 0, 1, 1}, cipher.VersionTLS12, record.DecodeError},
		{"TLS 1.3 without extensions", append([]byte{0}, vec24(vec24(1)...)...), v13, record.DecodeError},
		{"TLS 1.3 empty certificate", append([]byte{0}, vec24(append(vec24(), 0, 0)...)...), v13, record.DecodeError},
		{"TLS 1.3 context overruns", []byte{5, 0, 0, 0}, v13, record.DecodeError},
		{"TLS 1.3 OCSP of another type", cert13(rawExt(ExtStatusRequest, []byte{2, 0, 0, 1, 0})), v13, record.IllegalParameter},
		{"TLS 1.3 empty OCSP response", cert13(rawExt(ExtStatusRequest, []byte{1, 0, 0, 0})), v13, record.DecodeError},
		{"TLS 1.3 OCSP trailing", cert13(rawExt(ExtStatusRequest, []byte{1, 0, 0, 1, 5, 6})), v13, record.DecodeError},
		{"TLS 1.3 duplicate extension", cert13(rawExt(0xdada, nil), rawExt(0xdada, nil)), v13, record.IllegalParameter},
		{"TLS 1.3 key_share in an entry", cert13(rawExt(ExtKeyShare, vec16())), v13, record.IllegalParameter},
		{"TLS 1.3 SCT list empty", cert13(rawExt(ExtSCT, vec16())), v13, record.DecodeError},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalCertificate(frame(TypeCertificate, c.body), c.v)
			wantAlert(t, err, c.want)
		})
	}
}

// vec24 prefixes data with its 24-bit length.
func vec24(data ...byte) []byte {
	return append([]byte{byte(len(data) >> 16), byte(len(data) >> 8), byte(len(data))}, data...)
}

// cert13 returns the body of a TLS 1.3 Certificate with one one-byte
// certificate whose entry has the given extensions.
func cert13(exts ...[]byte) []byte {
	var block []byte
	for _, e := range exts {
		block = append(block, e...)
	}
	entry := append(vec24(1), vec16(block...)...)
	return append([]byte{0}, vec24(entry...)...)
}

func TestCertificateMarshalErrors(t *testing.T) {
	for name, m := range map[string]*Certificate{
		"empty certificate":          {Version: cipher.VersionTLS12, Entries: []CertificateEntry{{}}},
		"context in TLS 1.2":         {Version: cipher.VersionTLS12, RequestContext: []byte{1}},
		"OCSP in TLS 1.2":            {Version: cipher.VersionTLS12, Entries: []CertificateEntry{{Data: []byte{1}, OCSPResponse: []byte{1}}}},
		"context of 256 bytes":       {Version: cipher.VersionTLS13, RequestContext: make([]byte, 256)},
		"unknown holds status":       {Version: cipher.VersionTLS13, Entries: []CertificateEntry{{Data: []byte{1}, Unknown: []Extension{{Type: ExtStatusRequest}}}}},
		"unknown holds a 1.2 type":   {Version: cipher.VersionTLS13, Entries: []CertificateEntry{{Data: []byte{1}, Unknown: []Extension{{Type: ExtALPN}}}}},
		"order names an absent type": {Version: cipher.VersionTLS13, Entries: []CertificateEntry{{Data: []byte{1}, ExtensionOrder: []ExtensionType{ExtSCT}}}},
		"empty SCT":                  {Version: cipher.VersionTLS13, Entries: []CertificateEntry{{Data: []byte{1}, SCTs: [][]byte{{}}}}},
	} {
		if b, err := m.Marshal(); err == nil {
			t.Errorf("%s: marshalled to %x", name, b)
		}
	}
}
