package crl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
)

// openssl runs the openssl program and returns its trimmed standard
// output; the test fails if it fails.
func openssl(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func parseHash(t *testing.T, s string) uint32 {
	t.Helper()
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || len(s) != 8 {
		t.Fatalf("openssl printed %q, not a hash", s)
	}
	return uint32(v)
}

func TestOpenSSLSubjectHash(t *testing.T) {
	bin := peertest.Require(t, "openssl")
	pki := testpki.New(t)
	root := pki.Root("Root")
	dir := t.TempDir()
	raw := func(rdns ...[]attr) testpki.Option {
		der := rawName(t, rdns...)
		return testpki.Template(func(c *x509.Certificate) { c.RawSubject = der })
	}
	subject := func(n pkix.Name) testpki.Option { return testpki.Subject(n) }
	bmp := func(s string) []byte {
		var out []byte
		for _, r := range s {
			out = append(out, byte(r>>8), byte(r))
		}
		return out
	}
	cases := []struct {
		name string
		opt  testpki.Option
	}{
		{"plain", subject(pkix.Name{CommonName: "Test CA", Organization: []string{"Example"}})},
		{"non-ASCII UTF-8", subject(pkix.Name{CommonName: "Zürich Ünïcödé ÇA", Organization: []string{"日本語の組織"}, Country: []string{"CH"}})},
		{"mixed case", subject(pkix.Name{CommonName: "MiXeD CaSe NaMe", OrganizationalUnit: []string{"UPPER", "lower"}})},
		{"extra spaces", subject(pkix.Name{CommonName: "  lots   of\t\tspace  ", Organization: []string{" lead", "trail  "}})},
		{"several RDNs", subject(pkix.Name{Country: []string{"SE"}, Province: []string{"Stockholm"}, Locality: []string{"Kista"},
			Organization: []string{"Ericsson AB"}, OrganizationalUnit: []string{"OTP"}, CommonName: "ssl", SerialNumber: "42"})},
		{"multi-valued RDN", raw(
			[]attr{{oidC, 19, []byte("SE")}},
			[]attr{{oidOU, 12, []byte("zz Unit")}, {oidO, 19, []byte("AA Org")}, {oidCN, 12, []byte("Mid  Name")}},
			[]attr{{oidCN, 12, []byte("Leaf")}})},
		{"multi-valued RDN, same type", raw(
			[]attr{{oidOU, 12, []byte("b")}, {oidOU, 12, []byte("A")}, {oidOU, 19, []byte("c")}})},
		{"string types", raw(
			[]attr{{oidC, 19, []byte("FI")}},
			[]attr{{oidO, 20, []byte("T61 \xc4ngstr\xf6m")}},
			[]attr{{oidOU, 30, bmp("BMP Ωmega  Unit")}},
			[]attr{{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, 22, []byte("Example")}},
			[]attr{{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, 22, []byte("CA@Example.COM")}},
			[]attr{{asn1.ObjectIdentifier{2, 5, 4, 5}, 18, []byte("0042 17")}})},
		{"empty subject", raw()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := root.Issue("x", tc.opt)
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".pem")
			if err := os.WriteFile(path, c.PEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			want := parseHash(t, openssl(t, bin, "x509", "-noout", "-subject_hash", "-in", path))
			rawSubject := c.Cert.RawSubject
			got, err := SubjectNameHash(rawSubject)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("hash %08x, openssl %08x (subject %s)", got, want,
					openssl(t, bin, "x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", path))
			}
		})
	}
}

func TestOpenSSLGeneratedSubjects(t *testing.T) {
	// Certificates made by openssl itself, with the names as its -subj
	// parser encodes them.
	bin := peertest.Require(t, "openssl")
	pki := testpki.New(t)
	key := pki.Root("key holder")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyPath, key.KeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, subj := range []string{
		"/CN=Foo+OU=Bar/O=X  Y/C=SE",
		"/C=DE/O=Müller \\+ Söhne/CN=größe",
		"/DC=org/DC=Example/CN=  Spaced   Out  ",
		"/CN=A+CN=b+CN=C/OU=ou",
	} {
		t.Run(subj, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("c%d.pem", i))
			openssl(t, bin, "req", "-x509", "-new", "-key", keyPath, "-subj", subj, "-multivalue-rdn", "-utf8",
				"-days", "1", "-out", path)
			want := parseHash(t, openssl(t, bin, "x509", "-noout", "-subject_hash", "-in", path))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(data)
			if block == nil {
				t.Fatal("no PEM from openssl")
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SubjectNameHash(cert.RawSubject)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("hash %08x, openssl %08x", got, want)
			}
		})
	}
}

func TestOpenSSLCRLIssuerHash(t *testing.T) {
	// Names crypto/x509 would not parse in a certificate, hashed by
	// openssl as CRL issuers: agreement on the hash, and on refusal.
	bin := peertest.Require(t, "openssl")
	pki := testpki.New(t)
	ca := pki.Root("CA")
	dir := t.TempDir()
	cases := map[string][]byte{
		"Latin-1 PrintableString": oneAttr(t, 19, []byte("Caf\xe9  AU LAIT")),
		"UniversalString":         oneAttr(t, 28, []byte{0, 0, 0, 'X', 0, 1, 0xf6, 0x00, 0, 0, 0, ' ', 0, 0, 0, ' ', 0, 0, 0, 'y'}),
		"BMP with controls":       oneAttr(t, 30, []byte{0, '\t', 0, 'Q', 0, 0x0b, 0, 'r', 0, '\r'}),
		"NumericString":           oneAttr(t, 18, []byte(" 12  34 ")),
		"empty RDN":               {0x30, 0x10, 0x31, 0x00, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, 'A', 'b', 'C'},
		"SEQUENCE value":          rawSeqValue(t),
		"OCTET STRING value":      oneAttr(t, 4, []byte("x")),
		"VisibleString value":     oneAttr(t, 26, []byte("x")),
		"surrogate in BMPString":  oneAttr(t, 30, []byte{0xdc, 0x00}),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			der := ca.CRLNamed(raw, nil)
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".der")
			if err := os.WriteFile(path, der, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "crl", "-inform", "DER", "-in", path, "-hash", "-noout").Output()
			got, ourErr := SubjectNameHash(raw)
			if err != nil {
				if ourErr == nil {
					t.Fatalf("openssl refuses the name, we hash it as %08x", got)
				}
				return
			}
			want := parseHash(t, strings.TrimSpace(string(out)))
			t.Logf("openssl %08x", want)
			if ourErr != nil {
				t.Fatalf("openssl hashes the name as %08x, we refuse it: %v", want, ourErr)
			}
			if got != want {
				t.Errorf("hash %08x, openssl %08x", got, want)
			}
		})
	}
}

// hashDirFixture writes CRLs, converted to PEM by openssl, into a hash
// directory under the names openssl gives them.
type hashDirFixture struct {
	t   *testing.T
	bin string
	dir string
	n   int
}

// pem converts a DER CRL to a PEM file with openssl and returns its path
// and the hash openssl prints for it.
func (f *hashDirFixture) pem(der []byte) (string, string) {
	f.t.Helper()
	f.n++
	in := filepath.Join(f.t.TempDir(), fmt.Sprintf("in%d.der", f.n))
	if err := os.WriteFile(in, der, 0o644); err != nil {
		f.t.Fatal(err)
	}
	out := filepath.Join(f.t.TempDir(), fmt.Sprintf("out%d.pem", f.n))
	openssl(f.t, f.bin, "crl", "-inform", "DER", "-in", in, "-out", out)
	return out, openssl(f.t, f.bin, "crl", "-hash", "-noout", "-in", out)
}

// place puts the CRL in the directory as <hash>.r<n>, with the hash of
// another CRL when as is given (to make two CAs collide).
func (f *hashDirFixture) place(der []byte, n int, as []byte) {
	f.t.Helper()
	path, hash := f.pem(der)
	if as != nil {
		_, hash = f.pem(as)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, fmt.Sprintf("%s.r%d", hash, n)), data, 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func TestOpenSSLHashDir(t *testing.T) {
	bin := peertest.Require(t, "openssl")
	w := newWorld(t)
	now := w.pki.Now
	good := w.ca.Issue("good leaf", testpki.CRLDistributionPoints(dpURI))
	revoked := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(KeyCompromise))})
	expired := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(KeyCompromise))},
		testpki.CRLValidity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	otherCA := w.other.RawCRL(nil)

	// Our hash is the one openssl names the files with.
	f := &hashDirFixture{t: t, bin: bin}
	_, h := f.pem(revoked)
	ours, err := SubjectNameHash(w.ca.Cert.RawSubject)
	if err != nil || fmt.Sprintf("%08x", ours) != h {
		t.Fatalf("SubjectNameHash %08x (%v), openssl %s", ours, err, h)
	}

	type file struct {
		der []byte
		n   int
		as  []byte
	}
	cases := []struct {
		name   string
		files  []file
		cert   *testpki.Cert
		status Status
		detail string
	}{
		{"revoked", []file{{revoked, 0, nil}}, w.leaf, Revoked, ""},
		{"good", []file{{revoked, 0, nil}}, good, Good, ""},
		{"expired only", []file{{expired, 0, nil}}, w.leaf, Undetermined, "{bad_crls,no_relevant_crls}"},
		{"expired then current", []file{{expired, 0, nil}, {revoked, 1, nil}}, w.leaf, Revoked, ""},
		{"other CA with the same hash first", []file{{otherCA, 0, revoked}, {revoked, 1, nil}}, w.leaf, Revoked, ""},
		{"other CA only", []file{{otherCA, 0, revoked}}, good, Undetermined, "{bad_crls,no_relevant_crls}"},
		{"reading stops at the first gap", []file{{otherCA, 0, revoked}, {expired, 1, nil}, {revoked, 3, nil}},
			w.leaf, Undetermined, "{bad_crls,no_relevant_crls}"},
		{"empty directory", nil, w.leaf, Undetermined, "{bad_crls,no_relevant_crls}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.dir = t.TempDir()
			for _, fl := range tc.files {
				f.place(fl.der, fl.n, fl.as)
			}
			req := w.req(NewHashDirCache(f.dir))
			req.Cert = tc.cert.Cert
			wantResult(t, Check(req), tc.status, KeyCompromise, tc.detail)
		})
	}
}
