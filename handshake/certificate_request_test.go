package handshake

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func randCertificateRequest(r *rand.Rand, v cipher.Version) *CertificateRequest {
	m := &CertificateRequest{Version: v}
	if v < cipher.VersionTLS13 {
		m.CertificateTypes = randBytes(r, 1, 4)
		if v == cipher.VersionTLS12 {
			m.SignatureAlgorithms = randUint16s[SignatureScheme](r, 20)
		}
		m.CertificateAuthorities = randList(r, 0, 4, 60)
		return m
	}
	maybe := func() bool { return r.Intn(2) == 0 }
	m.RequestContext = randBytes(r, 0, 16)
	m.SignatureAlgorithms = randUint16s[SignatureScheme](r, 20)
	if maybe() {
		m.SignatureAlgorithmsCert = randUint16s[SignatureScheme](r, 20)
	}
	if maybe() {
		m.CertificateAuthorities = randList(r, 1, 4, 60)
	}
	if maybe() {
		m.OIDFilters = []OIDFilter{}
		for i := r.Intn(3); i > 0; i-- {
			m.OIDFilters = append(m.OIDFilters, OIDFilter{OID: randBytes(r, 1, 10), Values: randBytes(r, 0, 20)})
		}
	}
	m.OCSPStapling = maybe()
	m.SCTRequested = maybe()
	m.Unknown = randUnknown(r, 2)
	if ws, err := m.writers(); err == nil {
		m.ExtensionOrder = shuffleOrder(r, effectiveOrder(ws, nil), 0, false)
	}
	return m
}

func TestCertificateRequestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for i := 0; i < 1000; i++ {
		v := allVersions[r.Intn(len(allVersions))]
		checkRoundTrip(t, randCertificateRequest(r, v), v)
	}
}

func TestCertificateRequestEncodings(t *testing.T) {
	ca := []byte{0x30, 0x03, 0x31, 0x01, 0x00}
	// RFC 5246, Section 7.4.4 and RFC 4346, Section 7.4.4, by hand.
	tls11 := frame(TypeCertificateRequest, append([]byte{2, 1, 64}, vec16(vec16(ca...)...)...))
	tls12 := frame(TypeCertificateRequest, append([]byte{2, 1, 64, 0, 4, 4, 3, 8, 4}, vec16(vec16(ca...)...)...))
	// RFC 8446, Section 4.3.2.
	ext13 := append(rawExt(ExtSignatureAlgorithms, vec16(4, 3, 8, 4)), rawExt(ExtCertificateAuthorities, vec16(vec16(ca...)...))...)
	ext13 = append(ext13, rawExt(ExtOIDFilters, vec16(append(vec8(0x55, 0x1d, 0x25), vec16(0x30, 0)...)...))...)
	tls13 := frame(TypeCertificateRequest, append([]byte{1, 0xee}, vec16(ext13...)...))
	for _, c := range []struct {
		v   cipher.Version
		msg []byte
	}{{cipher.VersionSSL30, tls11}, {cipher.VersionTLS10, tls11}, {cipher.VersionTLS11, tls11}, {cipher.VersionTLS12, tls12}, {cipher.VersionTLS13, tls13}} {
		m, err := UnmarshalCertificateRequest(c.msg, c.v)
		if err != nil {
			t.Fatalf("%v: %v", c.v, err)
		}
		if len(m.CertificateAuthorities) != 1 || !bytes.Equal(m.CertificateAuthorities[0], ca) {
			t.Fatalf("%v: CAs %x", c.v, m.CertificateAuthorities)
		}
		switch c.v {
		case cipher.VersionTLS13:
			if !bytes.Equal(m.RequestContext, []byte{0xee}) || len(m.SignatureAlgorithms) != 2 || len(m.OIDFilters) != 1 ||
				!bytes.Equal(m.OIDFilters[0].OID, []byte{0x55, 0x1d, 0x25}) {
				t.Fatalf("TLS 1.3 request %+v", m)
			}
		case cipher.VersionTLS12:
			if len(m.SignatureAlgorithms) != 2 || m.SignatureAlgorithms[1] != 0x0804 || !bytes.Equal(m.CertificateTypes, []byte{1, 64}) {
				t.Fatalf("TLS 1.2 request %+v", m)
			}
		default:
			if m.SignatureAlgorithms != nil || !bytes.Equal(m.CertificateTypes, []byte{1, 64}) {
				t.Fatalf("%v request %+v", c.v, m)
			}
		}
		out, err := withoutRaw(t, m).Marshal()
		if err != nil || !bytes.Equal(out, c.msg) {
			t.Fatalf("%v: re-encoded %x, %v", c.v, out, err)
		}
		checkTruncations(t, c.msg, c.v)
	}
	// An empty CA list is accepted in every version before TLS 1.3.
	for _, v := range allVersions[:3] {
		if _, err := UnmarshalCertificateRequest(frame(TypeCertificateRequest, []byte{1, 1, 0, 0}), v); err != nil {
			t.Fatalf("%v: %v", v, err)
		}
	}
}

func TestCertificateRequestErrors(t *testing.T) {
	v12, v13 := cipher.VersionTLS12, cipher.VersionTLS13
	sa := rawExt(ExtSignatureAlgorithms, vec16(4, 3))
	for _, c := range []struct {
		name string
		body []byte
		v    cipher.Version
		want record.Description
	}{
		{"no certificate types", []byte{0, 0, 2, 4, 3, 0, 0}, v12, record.DecodeError},
		{"no signature algorithms", []byte{1, 1, 0, 0, 0, 0}, v12, record.DecodeError},
		{"odd signature algorithms", []byte{1, 1, 0, 3, 4, 3, 1, 0, 0}, v12, record.DecodeError},
		{"empty CA name", []byte{1, 1, 0, 2, 4, 3, 0, 2, 0, 0}, v12, record.DecodeError},
		{"CA list overruns", []byte{1, 1, 0, 2, 4, 3, 0, 5, 0, 1, 1}, v12, record.DecodeError},
		{"TLS 1.3 missing signature_algorithms", []byte{0, 0, 0}, v13, record.MissingExtension},
		{"TLS 1.3 empty certificate_authorities", append([]byte{0}, vec16(append(sa, rawExt(ExtCertificateAuthorities, vec16())...)...)...), v13, record.DecodeError},
		{"TLS 1.3 oid filter without OID", append([]byte{0}, vec16(append(sa, rawExt(ExtOIDFilters, vec16(append(vec8(), vec16()...)...))...)...)...), v13, record.DecodeError},
		{"TLS 1.3 status_request with data", append([]byte{0}, vec16(append(sa, rawExt(ExtStatusRequest, []byte{1, 0, 0, 0, 0})...)...)...), v13, record.DecodeError},
		{"TLS 1.3 key_share", append([]byte{0}, vec16(append(sa, rawExt(ExtKeyShare, nil)...)...)...), v13, record.IllegalParameter},
		{"TLS 1.3 duplicate", append([]byte{0}, vec16(append(sa, sa...)...)...), v13, record.IllegalParameter},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalCertificateRequest(frame(TypeCertificateRequest, c.body), c.v)
			wantAlert(t, err, c.want)
		})
	}
}

func TestCertificateRequestMarshalErrors(t *testing.T) {
	for name, m := range map[string]*CertificateRequest{
		"TLS 1.2 without algorithms":   {Version: cipher.VersionTLS12, CertificateTypes: []uint8{1}},
		"TLS 1.1 with algorithms":      {Version: cipher.VersionTLS11, CertificateTypes: []uint8{1}, SignatureAlgorithms: []SignatureScheme{0x401}},
		"TLS 1.2 without types":        {Version: cipher.VersionTLS12, SignatureAlgorithms: []SignatureScheme{0x401}},
		"TLS 1.2 with a context":       {Version: cipher.VersionTLS12, CertificateTypes: []uint8{1}, SignatureAlgorithms: []SignatureScheme{0x401}, RequestContext: []byte{1}},
		"TLS 1.2 with OID filters":     {Version: cipher.VersionTLS12, CertificateTypes: []uint8{1}, SignatureAlgorithms: []SignatureScheme{0x401}, OIDFilters: []OIDFilter{}},
		"TLS 1.3 without algorithms":   {Version: cipher.VersionTLS13},
		"TLS 1.3 with types":           {Version: cipher.VersionTLS13, SignatureAlgorithms: []SignatureScheme{0x403}, CertificateTypes: []uint8{1}},
		"TLS 1.3 empty CA name":        {Version: cipher.VersionTLS13, SignatureAlgorithms: []SignatureScheme{0x403}, CertificateAuthorities: [][]byte{{}}},
		"TLS 1.3 unknown holds status": {Version: cipher.VersionTLS13, SignatureAlgorithms: []SignatureScheme{0x403}, Unknown: []Extension{{Type: ExtStatusRequest}}},
		"empty CA name":                {Version: cipher.VersionTLS11, CertificateTypes: []uint8{1}, CertificateAuthorities: [][]byte{{}}},
	} {
		if b, err := m.Marshal(); err == nil {
			t.Errorf("%s: marshalled to %x", name, b)
		}
	}
}
