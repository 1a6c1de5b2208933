package pem

import (
	"bytes"
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	stdpem "encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// The fuzz targets run their seed corpus (testdata/fuzz/<name>) with every
// "go test"; "go test -fuzz '^FuzzDecode$' -parallel 1 ./pem/" explores
// further. TestWriteFuzzCorpus (with -write-fuzz-corpus) regenerates the
// seeds.

const fuzzPassword = "fuzz-password"

// fuzzMaxIterations keeps fuzzed PBKDF2 counts cheap; the limit itself is
// tested by TestPBES2IterationLimit.
const fuzzMaxIterations = 4096

func lowerIterationLimit(f *testing.F) {
	old := maxIterations
	maxIterations = fuzzMaxIterations
	f.Cleanup(func() { maxIterations = old })
}

// FuzzDecode: Decode never panics, and what it decodes survives a round
// trip through encoding/pem's encoder unchanged. Every entry is then
// asked for its encryption, key, public key and DH parameters.
func FuzzDecode(f *testing.F) {
	lowerIterationLimit(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Decode(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("error is not a SyntaxError with a line: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		for _, e := range entries {
			if err := stdpem.Encode(&buf, &stdpem.Block{Type: e.Type, Headers: e.Headers, Bytes: e.Bytes}); err != nil {
				t.Fatalf("re-encoding %q: %v", e.Type, err)
			}
		}
		again, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded entries do not decode: %v\n%s", err, buf.Bytes())
		}
		if len(again) != len(entries) {
			t.Fatalf("%d entries, then %d", len(entries), len(again))
		}
		for i := range entries {
			a, b := entries[i], again[i]
			if a.Kind != b.Kind || a.Type != b.Type || !bytes.Equal(a.Bytes, b.Bytes) || fmt.Sprint(a.Headers) != fmt.Sprint(b.Headers) {
				t.Fatalf("entry %d changed in a round trip: %+v -> %+v", i, a, b)
			}
		}
		for i := range entries {
			e := &entries[i]
			e.Encryption()
			e.PrivateKey([]byte(fuzzPassword))
			e.PublicKey()
			e.DHParams()
		}
		PrivateKey(entries, nil)
		FirstDHParams(entries)
	})
}

// FuzzParsePrivateKey: each DER kind parses or fails without panicking; a
// key that parses has a public half and makes signatures that verify.
func FuzzParsePrivateKey(f *testing.F) {
	kinds := []Kind{RSAPrivateKey, DSAPrivateKey, ECPrivateKey, PrivateKeyInfo}
	f.Fuzz(func(t *testing.T, kind uint8, der []byte) {
		k, err := ParsePrivateKey(kinds[int(kind)%len(kinds)], der)
		if err == nil {
			checkFuzzedKey(t, k)
		}
		k2, detected, err := ParseAnyPrivateKey(der)
		if err == nil {
			if !detected.IsPrivateKey() {
				t.Fatalf("ParseAnyPrivateKey gave kind %v", detected)
			}
			checkFuzzedKey(t, k2)
		}
	})
}

func checkFuzzedKey(t *testing.T, k crypto.Signer) {
	if k == nil || k.Public() == nil {
		t.Fatal("a parsed key without a public half")
	}
	d := sha256.Sum256([]byte("fuzz"))
	switch pub := k.Public().(type) {
	case *dsa.PublicKey:
		sig, err := k.Sign(nil, d[:], crypto.SHA256)
		if err != nil {
			t.Fatalf("DSA sign: %v", err)
		}
		if !VerifyDSA(pub, d[:], sig) {
			t.Fatal("a parsed DSA key makes signatures that do not verify")
		}
	case *ecdsa.PublicKey:
		sig, err := k.Sign(nil, d[:], crypto.SHA256)
		if err != nil || !ecdsa.VerifyASN1(pub, d[:], sig) {
			t.Fatalf("ECDSA: %v", err)
		}
	case ed25519.PublicKey:
		sig, err := k.Sign(nil, []byte("fuzz"), crypto.Hash(0))
		if err != nil || !ed25519.Verify(pub, []byte("fuzz"), sig) {
			t.Fatalf("Ed25519: %v", err)
		}
	case *rsa.PublicKey:
		// crypto/x509 has validated the key; signing with fuzzed large
		// keys would only slow the fuzzer.
	default:
		t.Fatalf("unexpected public key %T", pub)
	}
}

// FuzzDecryptLegacy: OpenSSL's traditional decryption with a fixed
// password never panics, and what it returns is one DER SEQUENCE.
func FuzzDecryptLegacy(f *testing.F) {
	f.Fuzz(func(t *testing.T, dekInfo string, data []byte) {
		e := Entry{Kind: RSAPrivateKey, Type: "RSA PRIVATE KEY", Bytes: data,
			Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": dekInfo}}
		d, err := e.Decrypt([]byte(fuzzPassword))
		if err != nil {
			return
		}
		if !isOneSequence(d.Bytes) || d.Encrypted() {
			t.Fatalf("Decrypt returned %x", d.Bytes)
		}
		e.PrivateKey([]byte(fuzzPassword))
	})
}

// FuzzDecryptPKCS8: PBES2 decryption of an EncryptedPrivateKeyInfo with a
// fixed password never panics; success gives one DER SEQUENCE; iteration
// counts above the (lowered) limit are refused with ErrTooManyIterations.
func FuzzDecryptPKCS8(f *testing.F) {
	lowerIterationLimit(f)
	f.Fuzz(func(t *testing.T, der []byte) {
		plain, err := DecryptPKCS8(der, []byte(fuzzPassword))
		if err != nil {
			return
		}
		if !isOneSequence(plain) {
			t.Fatalf("DecryptPKCS8 returned %x", plain)
		}
		if enc, err := parseEncryptedPrivateKeyInfo(der); err != nil || enc.Iterations > fuzzMaxIterations {
			t.Fatalf("decrypted with parameters %+v, %v", enc, err)
		}
		ParsePrivateKey(PrivateKeyInfo, plain)
	})
}

// FuzzDHParams: both DH parameter formats parse or fail without panicking,
// and parameters that parse meet the documented bounds.
func FuzzDHParams(f *testing.F) {
	f.Fuzz(func(t *testing.T, x942 bool, der []byte) {
		var d *DHParams
		var err error
		if x942 {
			d, err = ParseX942DHParams(der)
		} else {
			d, err = ParseDHParams(der)
		}
		if err != nil {
			return
		}
		pm1 := new(big.Int).Sub(d.P, bigOne)
		if d.P.Bit(0) != 1 || d.P.BitLen() < minDHPBits || d.P.BitLen() > maxDHPBits ||
			d.G.Cmp(bigOne) <= 0 || d.G.Cmp(pm1) >= 0 || d.PrivateValueLength < 0 || d.PrivateValueLength > d.P.BitLen() {
			t.Fatalf("out of bounds: %+v", d)
		}
		if x942 && (d.Q == nil || new(big.Int).Mod(pm1, d.Q).Sign() != 0) {
			t.Fatalf("X9.42 Q does not divide P-1: %+v", d)
		}
	})
}

var writeFuzzCorpus = flag.Bool("write-fuzz-corpus", false, "regenerate the seed corpora under testdata/fuzz")

// TestWriteFuzzCorpus writes the seed corpora from keys made here and the
// OpenSSL-made files in testdata/keys. It does nothing without
// -write-fuzz-corpus.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*writeFuzzCorpus {
		return
	}
	write := func(target, name string, values ...any) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.WriteString("go test fuzz v1\n")
		for _, v := range values {
			switch v := v.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case string:
				fmt.Fprintf(&b, "string(%q)\n", v)
			case uint8:
				fmt.Fprintf(&b, "uint8(%d)\n", v)
			case bool:
				fmt.Fprintf(&b, "bool(%v)\n", v)
			default:
				t.Fatalf("type %T", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// FuzzDecode: the OpenSSL-made files and hand-made oddities.
	files, _ := filepath.Glob(filepath.Join("testdata", "keys", "*.pem"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		write("FuzzDecode", filepath.Base(file), data)
	}
	write("FuzzDecode", "headers-continuation", []byte("text\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-128-CBC,\r\n 00112233445566778899AABBCCDDEEFF\r\n\r\nMAMCAQA=\r\n-----END RSA PRIVATE KEY-----\r\n"))
	write("FuzzDecode", "trusted-and-unpadded", []byte("-----BEGIN TRUSTED CERTIFICATE-----\nMAMCAQcwAgUA\n-----END TRUSTED CERTIFICATE-----\n-----BEGIN X509 CRL-----\nMAMCAQA\n-----END X509 CRL-----\n"))
	write("FuzzDecode", "no-end", []byte("-----BEGIN CERTIFICATE-----\nMAA=\n"))
	write("FuzzDecode", "wrong-end", []byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CRL-----\n"))

	// FuzzParsePrivateKey: every kind, made here.
	for i, c := range keyCases(t) {
		kind := map[Kind]uint8{RSAPrivateKey: 0, DSAPrivateKey: 1, ECPrivateKey: 2, PrivateKeyInfo: 3}[c.kind]
		write("FuzzParsePrivateKey", fmt.Sprintf("%02d-%s", i, sanitizeName(c.name)), kind, c.der)
	}
	write("FuzzParsePrivateKey", "x25519", uint8(3), mustPKCS8(t, mustX25519(t)))

	// FuzzDecryptLegacy: real encrypted keys with the fuzz password.
	k1 := marshalDSATraditional(testDSAKey(t))
	for _, name := range []string{"DES-CBC", "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC"} {
		c := legacyCiphers[name]
		iv := bytes.Repeat([]byte{7}, c.blockSize)
		key := bytesToKey([]byte(fuzzPassword), iv[:8], c.keyLen)
		b, _ := c.block(key)
		ct := cbcEncrypt(b, iv, k1)
		write("FuzzDecryptLegacy", name, fmt.Sprintf("%s,%X", name, iv), ct)
	}
	write("FuzzDecryptLegacy", "bad-iv", "AES-128-CBC,00", []byte{1, 2, 3})

	// FuzzDecryptPKCS8: every cipher and PRF, few iterations.
	plain := mustPKCS8(t, testECKey(t, p256()))
	for _, c := range pbes2Cases() {
		s := c.spec
		s.iter = 7
		write("FuzzDecryptPKCS8", sanitizeName(c.name), encryptPKCS8(t, plain, []byte(fuzzPassword), s))
	}
	iv := make([]byte, 16)
	write("FuzzDecryptPKCS8", "scrypt", pbes2With(algID(oidPBKDF2, nil), aes256With(iv)))
	write("FuzzDecryptPKCS8", "too-many-iterations", pbes2With(pbkdf2With(1<<40, nil), aes256With(iv)))

	// FuzzDHParams.
	for _, file := range []string{"dh-pkcs3.pem", "dh-x942.pem"} {
		entries := readEntries(t, filepath.Join("testdata", "keys", file))
		write("FuzzDHParams", file, entries[0].Kind == DomainParameters, entries[0].Bytes)
	}
	write("FuzzDHParams", "pkcs3-length", false, dhParamsDER(rfc3526Group14, big.NewInt(2), big.NewInt(256)))
	k := testDSAKey(t)
	write("FuzzDHParams", "x942-j", true, dhParamsDER(k.P, k.G, k.Q, new(big.Int).Div(new(big.Int).Sub(k.P, bigOne), k.Q)))
}

func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}
