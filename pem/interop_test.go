package pem

import (
	"bytes"
	"crypto"
	"crypto/dsa"
	"crypto/sha256"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/otpssl/ssl/internal/peertest"
)

// opensslRunner runs the installed openssl in a temporary directory.
type opensslRunner struct {
	t    *testing.T
	path string
	dir  string
}

func newOpenSSL(t *testing.T) *opensslRunner {
	t.Helper()
	return &opensslRunner{t: t, path: peertest.Require(t, "openssl"), dir: t.TempDir()}
}

// run runs openssl with args (file names relative to the directory) and
// returns its standard output; a failure ends the test.
func (o *opensslRunner) run(args ...string) []byte {
	o.t.Helper()
	cmd := exec.Command(o.path, args...)
	cmd.Dir = o.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		o.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// with returns a runner for a subtest, in the same directory.
func (o *opensslRunner) with(t *testing.T) *opensslRunner {
	c := *o
	c.t = t
	return &c
}

func (o *opensslRunner) file(name string) string { return filepath.Join(o.dir, name) }

func (o *opensslRunner) read(name string) []byte {
	o.t.Helper()
	b, err := os.ReadFile(o.file(name))
	if err != nil {
		o.t.Fatal(err)
	}
	return b
}

func (o *opensslRunner) write(name string, data []byte) {
	o.t.Helper()
	if err := os.WriteFile(o.file(name), data, 0o600); err != nil {
		o.t.Fatal(err)
	}
}

// TestOpenSSLKeys loads keys written by openssl, encrypted or not, checks
// the scheme the file uses, that the right password works and a wrong one
// gives ErrIncorrectPassword, that the public half is what "openssl pkey
// -pubout" prints, and that the key signs.
func TestOpenSSLKeys(t *testing.T) {
	o := newOpenSSL(t)
	const pw = "Interop-Pa55"
	pass := "pass:" + pw

	// Plain keys to convert.
	o.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key")
	o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "ec.key")
	o.run("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", "dsa.param")
	o.run("genpkey", "-paramfile", "dsa.param", "-out", "dsa.key")

	cases := []struct {
		name   string
		args   []string // writes out.pem
		label  string
		scheme Scheme // 0: not encrypted
		cipher string
		prf    string
	}{
		{"genpkey RSA -aes256", []string{"genpkey", "-algorithm", "RSA", "-aes256", "-pass", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "AES-256-CBC", "hmacWithSHA256"},
		{"genpkey EC P-256 -aes-128-cbc", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-128-cbc", "-pass", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "AES-128-CBC", "hmacWithSHA256"},
		{"genpkey EC P-521", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "out.pem"}, "PRIVATE KEY", 0, "", ""},
		{"rsa -des3", []string{"rsa", "-in", "rsa.key", "-des3", "-passout", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "DES-EDE3-CBC", "hmacWithSHA256"},
		{"rsa -traditional -des3", []string{"rsa", "-in", "rsa.key", "-traditional", "-des3", "-passout", pass, "-out", "out.pem"}, "RSA PRIVATE KEY", Legacy, "DES-EDE3-CBC", ""},
		{"rsa -traditional -aes128", []string{"rsa", "-in", "rsa.key", "-traditional", "-aes128", "-passout", pass, "-out", "out.pem"}, "RSA PRIVATE KEY", Legacy, "AES-128-CBC", ""},
		{"rsa -traditional", []string{"rsa", "-in", "rsa.key", "-traditional", "-out", "out.pem"}, "RSA PRIVATE KEY", 0, "", ""},
		{"ec -aes256", []string{"ec", "-in", "ec.key", "-aes256", "-passout", pass, "-out", "out.pem"}, "EC PRIVATE KEY", Legacy, "AES-256-CBC", ""},
		{"ec -aes192", []string{"ec", "-in", "ec.key", "-aes192", "-passout", pass, "-out", "out.pem"}, "EC PRIVATE KEY", Legacy, "AES-192-CBC", ""},
		{"ecparam -genkey (EC PARAMETERS first)", []string{"ecparam", "-name", "prime256v1", "-genkey", "-out", "out.pem"}, "EC PRIVATE KEY", 0, "", ""},
		{"pkcs8 -v2 aes-256-cbc -v2prf hmacWithSHA512", []string{"pkcs8", "-topk8", "-in", "rsa.key", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512", "-passout", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "AES-256-CBC", "hmacWithSHA512"},
		{"pkcs8 -v2 des3", []string{"pkcs8", "-topk8", "-in", "ec.key", "-v2", "des3", "-passout", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "DES-EDE3-CBC", "hmacWithSHA256"},
		{"pkcs8 -v2 aes-192-cbc -v2prf hmacWithSHA1 -iter 100000", []string{"pkcs8", "-topk8", "-in", "dsa.key", "-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA1", "-iter", "100000", "-passout", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "AES-192-CBC", "hmacWithSHA1"},
		{"dsa -aes128", []string{"dsa", "-in", "dsa.key", "-aes128", "-passout", pass, "-out", "out.pem"}, "DSA PRIVATE KEY", Legacy, "AES-128-CBC", ""},
		{"dsa (traditional)", []string{"dsa", "-in", "dsa.key", "-out", "out.pem"}, "DSA PRIVATE KEY", 0, "", ""},
		{"genpkey DSA (PKCS#8)", []string{"pkey", "-in", "dsa.key", "-out", "out.pem"}, "PRIVATE KEY", 0, "", ""},
		{"genpkey ed25519", []string{"genpkey", "-algorithm", "ed25519", "-out", "out.pem"}, "PRIVATE KEY", 0, "", ""},
		{"genpkey ed25519 -aes256", []string{"genpkey", "-algorithm", "ed25519", "-aes256", "-pass", pass, "-out", "out.pem"}, "ENCRYPTED PRIVATE KEY", PBES2, "AES-256-CBC", "hmacWithSHA256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := o.with(t)
			o.run(c.args...)
			entries, err := Decode(o.read("out.pem"))
			if err != nil {
				t.Fatal(err)
			}
			var key *Entry
			for i := range entries {
				if entries[i].Kind.IsPrivateKey() {
					key = &entries[i]
					break
				}
			}
			if key == nil || key.Type != c.label {
				t.Fatalf("no %s entry in %v", c.label, entries)
			}
			enc, err := key.Encryption()
			if err != nil {
				t.Fatal(err)
			}
			if c.scheme == 0 {
				if enc != nil {
					t.Fatalf("plain key seen as encrypted: %+v", enc)
				}
			} else if enc == nil || enc.Scheme != c.scheme || enc.Cipher != c.cipher || enc.PRF != c.prf {
				t.Fatalf("Encryption = %+v, want %v %s %s", enc, c.scheme, c.cipher, c.prf)
			}

			k, err := PrivateKey(entries, []byte(pw))
			if err != nil {
				t.Fatal(err)
			}
			pubPEM := o.run("pkey", "-in", "out.pem", "-passin", pass, "-pubout")
			pubEntries, err := Decode(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pubEntries[0].PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			if !publicEqual(k.Public(), want) {
				t.Fatalf("public half %T differs from openssl pkey -pubout", k.Public())
			}
			checkSigns(t, k)

			if c.scheme != 0 {
				if _, err := PrivateKey(entries, []byte(pw+"x")); !errors.Is(err, ErrIncorrectPassword) {
					t.Fatalf("wrong password: %v", err)
				}
				if _, err := PrivateKey(entries, nil); !errors.Is(err, ErrIncorrectPassword) {
					t.Fatalf("no password: %v", err)
				}
			}
		})
	}
}

// TestOpenSSLDSASignatures: openssl verifies signatures made by DSASigner,
// and VerifyDSA verifies signatures made by openssl.
func TestOpenSSLDSASignatures(t *testing.T) {
	o := newOpenSSL(t)
	for _, bits := range []string{"1024", "2048"} {
		o.run("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:"+bits, "-out", "p"+bits)
		o.run("genpkey", "-paramfile", "p"+bits, "-out", "k"+bits)
		o.run("pkey", "-in", "k"+bits, "-pubout", "-out", "pub"+bits)
		entries, err := Decode(o.read("k" + bits))
		if err != nil {
			t.Fatal(err)
		}
		k, err := PrivateKey(entries, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256([]byte("interop " + bits))
		o.write("digest", d[:])
		sig, err := k.Sign(nil, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		o.write("sig", sig)
		if out := o.run("pkeyutl", "-verify", "-pubin", "-inkey", "pub"+bits, "-in", "digest", "-sigfile", "sig"); !bytes.Contains(out, []byte("Verified Successfully")) {
			t.Fatalf("%s bits: openssl: %s", bits, out)
		}
		o.run("pkeyutl", "-sign", "-inkey", "k"+bits, "-in", "digest", "-out", "osig")
		pub := k.Public().(*dsa.PublicKey)
		if !VerifyDSA(pub, d[:], o.read("osig")) {
			t.Fatalf("%s bits: VerifyDSA rejects openssl's signature", bits)
		}
		d[0] ^= 1
		if VerifyDSA(pub, d[:], o.read("osig")) {
			t.Fatalf("%s bits: VerifyDSA accepts openssl's signature of another digest", bits)
		}
	}
}

// hexIntegers returns the INTEGERs "openssl asn1parse" prints.
func hexIntegers(t *testing.T, out []byte) []*big.Int {
	var ints []*big.Int
	for _, m := range regexp.MustCompile(`INTEGER\s+:([0-9A-F]+)`).FindAllSubmatch(out, -1) {
		n, ok := new(big.Int).SetString(string(m[1]), 16)
		if !ok {
			t.Fatalf("bad integer %s", m[1])
		}
		ints = append(ints, n)
	}
	return ints
}

// TestOpenSSLDHParams loads DH parameters openssl wrote, PKCS#3 and X9.42,
// and compares them with what "openssl asn1parse" shows.
func TestOpenSSLDHParams(t *testing.T) {
	o := newOpenSSL(t)
	o.run("genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_paramgen_prime_len:512", "-pkeyopt", "dh_paramgen_type:0", "-out", "dh.pem")
	o.run("dhparam", "-dsaparam", "-out", "x942.pem", "512")
	for _, c := range []struct {
		file string
		kind Kind
	}{{"dh.pem", DHParameter}, {"x942.pem", DomainParameters}} {
		entries, err := Decode(o.read(c.file))
		if err != nil {
			t.Fatal(err)
		}
		if entries[0].Kind != c.kind {
			t.Fatalf("%s: kind %v (%s), want %v", c.file, entries[0].Kind, entries[0].Type, c.kind)
		}
		d, err := FirstDHParams(entries)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		ints := hexIntegers(t, o.run("asn1parse", "-in", c.file))
		if len(ints) < 2 || d.P.Cmp(ints[0]) != 0 || d.G.Cmp(ints[1]) != 0 {
			t.Fatalf("%s: P, G differ from asn1parse", c.file)
		}
		if c.kind == DomainParameters && (len(ints) < 3 || d.Q.Cmp(ints[2]) != 0) {
			t.Fatalf("%s: Q differs from asn1parse", c.file)
		}
	}
}
