package pem

import (
	"bytes"
	"crypto/rand"
	stdpem "encoding/pem"
	"errors"
	"fmt"
	mrand "math/rand"
	"strings"
	"testing"
)

func TestDecodeEntries(t *testing.T) {
	cert := []byte{0x30, 0x03, 0x02, 0x01, 0x05}
	crl := []byte{0x30, 0x01, 0x00}
	file := "Bag Attributes\n    friendlyName: server\nsubject=/CN=x\n" +
		string(pemEncode("CERTIFICATE", nil, cert)) +
		"some text in between -----BEGIN CERTIFICATE----- not at line start\n\n" +
		strings.ReplaceAll(string(pemEncode("X509 CRL", nil, crl)), "\n", "\r\n") +
		string(pemEncode("SOMETHING ELSE", nil, []byte("x"))) +
		"trailing text"
	entries, err := Decode([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	want := []struct {
		kind  Kind
		label string
		der   []byte
	}{{Certificate, "CERTIFICATE", cert}, {CertificateList, "X509 CRL", crl}, {Unknown, "SOMETHING ELSE", []byte("x")}}
	for i, w := range want {
		e := entries[i]
		if e.Kind != w.kind || e.Type != w.label || !bytes.Equal(e.Bytes, w.der) || e.Encrypted() || e.Headers != nil {
			t.Errorf("entry %d = %v %q %x enc=%v headers=%v; want %v %q %x", i, e.Kind, e.Type, e.Bytes, e.Encrypted(), e.Headers, w.kind, w.label, w.der)
		}
	}
	if got := Certificates(entries); len(got) != 1 || !bytes.Equal(got[0], cert) {
		t.Errorf("Certificates = %x", got)
	}
	if got := CRLs(entries); len(got) != 1 || !bytes.Equal(got[0], crl) {
		t.Errorf("CRLs = %x", got)
	}
}

func TestDecodeLabels(t *testing.T) {
	for label, kind := range labelKinds {
		entries, err := Decode(pemEncode(label, nil, []byte{0x30, 0}))
		if err != nil || len(entries) != 1 || entries[0].Kind != kind || entries[0].Type != label {
			t.Errorf("%s: %v %v", label, entries, err)
		}
	}
	for k := Unknown; k <= EcpkParameters; k++ {
		if k.String() == "" || (k != Unknown && k.String() == "unknown") {
			t.Errorf("Kind %d has no name", k)
		}
	}
	if Kind(99).String() != "unknown" || Kind(-1).String() != "unknown" {
		t.Error("out-of-range kinds must print unknown")
	}
	if !PrivateKeyInfo.IsPrivateKey() || Certificate.IsPrivateKey() {
		t.Error("IsPrivateKey")
	}
}

func TestDecodeTrustedCertificate(t *testing.T) {
	cert := []byte{0x30, 0x03, 0x02, 0x01, 0x07}
	aux := []byte{0x30, 0x02, 0x05, 0x00}
	entries, err := Decode(pemEncode("TRUSTED CERTIFICATE", nil, append(append([]byte(nil), cert...), aux...)))
	if err != nil {
		t.Fatal(err)
	}
	if entries[0].Kind != Certificate || !bytes.Equal(entries[0].Bytes, cert) {
		t.Fatalf("TRUSTED CERTIFICATE = %v %x, want the certificate alone", entries[0].Kind, entries[0].Bytes)
	}
}

func TestDecodeHeaders(t *testing.T) {
	in := "-----BEGIN RSA PRIVATE KEY-----\n" +
		"Proc-Type: 4,ENCRYPTED\n" +
		"DEK-Info: AES-128-CBC,\n" +
		"  00112233445566778899AABBCCDDEEFF\n" +
		"Comment:  spaced  \n" +
		"\n" +
		"MAMCAQA=\n" +
		"-----END RSA PRIVATE KEY-----\n"
	entries, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	e := entries[0]
	if !e.Encrypted() {
		t.Error("not seen as encrypted")
	}
	want := map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC, 00112233445566778899AABBCCDDEEFF", "Comment": "spaced"}
	if fmt.Sprint(e.Headers) != fmt.Sprint(want) {
		t.Errorf("headers %v, want %v", e.Headers, want)
	}
	if !bytes.Equal(e.Bytes, []byte{0x30, 3, 2, 1, 0}) {
		t.Errorf("bytes %x", e.Bytes)
	}
	enc, err := e.Encryption()
	if err != nil {
		t.Fatal(err)
	}
	if enc.Scheme != Legacy || enc.Cipher != "AES-128-CBC" || len(enc.IV) != 16 || enc.IV[15] != 0xff {
		t.Errorf("Encryption = %+v", enc)
	}
	// Proc-Type other than 4,ENCRYPTED is not encryption.
	e2 := Entry{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,MIC-ONLY"}}
	if e2.Encrypted() {
		t.Error("MIC-ONLY seen as encrypted")
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		reason   string
	}{
		{"no end", "x\n-----BEGIN CERTIFICATE-----\nMAA=\n", 2, "no END line"},
		{"wrong end", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n", 3, "ends with"},
		{"nested begin", "-----BEGIN CERTIFICATE-----\nMAA=\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", 1, "no END line"},
		{"bad base64", "-----BEGIN CERTIFICATE-----\nMA*A\n-----END CERTIFICATE-----\n", 1, "bad base64"},
		{"headers without blank line", "-----BEGIN CERTIFICATE-----\nA: b\n-----END CERTIFICATE-----\n", 3, "no blank line"},
		{"bad header", "-----BEGIN CERTIFICATE-----\nA: b\nnocolon\n\nMAA=\n-----END CERTIFICATE-----\n", 3, "bad header"},
		{"continuation first", "-----BEGIN CERTIFICATE-----\n:x\n\nMAA=\n-----END CERTIFICATE-----\n", 2, "bad header"},
	}
	for _, c := range cases {
		_, err := Decode([]byte(c.in))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != c.line || !strings.Contains(se.Reason, c.reason) {
			t.Errorf("%s: %v; want line %d %q", c.name, err, c.line, c.reason)
		}
	}
}

func TestDecodeIgnoresLookalikes(t *testing.T) {
	for _, in := range []string{
		"-----BEGIN -----\nMAA=\n-----END -----\n",
		"-----BEGIN CERT\nMAA=\n",
		"-----BEGIN \x01BAD-----\nMAA=\n",
		"-----BEGIN " + strings.Repeat("A", 65) + "-----\n",
		" -----BEGIN CERTIFICATE-----\n",
		"-----BEGIN -CERT-----\n",
	} {
		entries, err := Decode([]byte(in))
		if err != nil || len(entries) != 0 {
			t.Errorf("%q: %v %v", in, entries, err)
		}
	}
}

// Decode agrees with encoding/pem on what encoding/pem writes: random
// blocks, with or without headers, among random text.
func TestDecodeMatchesEncodingPEM(t *testing.T) {
	rng := mrand.New(mrand.NewSource(1))
	labels := []string{"CERTIFICATE", "PRIVATE KEY", "X509 CRL", "FOO BAR"}
	for i := 0; i < 200; i++ {
		var file bytes.Buffer
		var blocks []*stdpem.Block
		for j := rng.Intn(4); j > 0; j-- {
			file.WriteString(fmt.Sprintf("text %d: with colon\n", rng.Int()))
			b := &stdpem.Block{Type: labels[rng.Intn(len(labels))], Bytes: make([]byte, rng.Intn(300))}
			rand.Read(b.Bytes)
			if rng.Intn(2) == 0 {
				b.Headers = map[string]string{"Proc-Type": "4,ENCRYPTED", "X-Other": fmt.Sprint(rng.Int())}
			}
			blocks = append(blocks, b)
			stdpem.Encode(&file, b)
		}
		entries, err := Decode(file.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(blocks) {
			t.Fatalf("%d entries, want %d", len(entries), len(blocks))
		}
		for j, b := range blocks {
			e := entries[j]
			if e.Type != b.Type || !bytes.Equal(e.Bytes, b.Bytes) || len(e.Headers) != len(b.Headers) {
				t.Fatalf("entry %d differs: %q %x %v vs %q %x %v", j, e.Type, e.Bytes, e.Headers, b.Type, b.Bytes, b.Headers)
			}
			for k, v := range b.Headers {
				if e.Headers[k] != v {
					t.Fatalf("header %s = %q, want %q", k, e.Headers[k], v)
				}
			}
		}
	}
}

func TestDecodeUnpaddedBase64(t *testing.T) {
	entries, err := Decode([]byte("-----BEGIN CERTIFICATE-----\nMAMCAQA\n-----END CERTIFICATE-----\n"))
	if err != nil || !bytes.Equal(entries[0].Bytes, []byte{0x30, 3, 2, 1, 0}) {
		t.Fatalf("%v %v", entries, err)
	}
}
