package pem

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	encasn1 "encoding/asn1"
	stdpem "encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Keys encrypted with OpenSSL's traditional scheme by crypto/x509's
// encoder (an implementation independent of ours) decrypt with the right
// password and give ErrIncorrectPassword with a wrong one.
func TestLegacyDecrypt(t *testing.T) {
	der, _ := x509.MarshalECPrivateKey(testECKey(t, p256()))
	ciphers := map[x509.PEMCipher]string{
		x509.PEMCipherDES:    "DES-CBC",
		x509.PEMCipher3DES:   "DES-EDE3-CBC",
		x509.PEMCipherAES128: "AES-128-CBC",
		x509.PEMCipherAES192: "AES-192-CBC",
		x509.PEMCipherAES256: "AES-256-CBC",
	}
	for c, name := range ciphers {
		t.Run(name, func(t *testing.T) {
			//lint:ignore SA1019 an independent encoder to test our decryption against
			block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", der, []byte("s3cret"), c)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := Decode(stdpem.EncodeToMemory(block))
			if err != nil {
				t.Fatal(err)
			}
			e := entries[0]
			if !e.Encrypted() {
				t.Fatal("not seen as encrypted")
			}
			enc, err := e.Encryption()
			if err != nil || enc.Scheme != Legacy || enc.Cipher != name {
				t.Fatalf("Encryption = %+v, %v", enc, err)
			}
			d, err := e.Decrypt([]byte("s3cret"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.Bytes, der) || d.Kind != ECPrivateKey || d.Headers != nil || d.Encrypted() {
				t.Fatalf("Decrypt = %+v", d)
			}
			if _, err := e.PrivateKey([]byte("s3cret")); err != nil {
				t.Fatal(err)
			}
			if _, err := e.PrivateKey([]byte("s3cret!")); !errors.Is(err, ErrIncorrectPassword) {
				t.Fatalf("wrong password: %v", err)
			}
			if _, err := e.PrivateKey(nil); !errors.Is(err, ErrIncorrectPassword) || !strings.Contains(err.Error(), "no password") {
				t.Fatalf("no password: %v", err)
			}
		})
	}
}

// Many wrong passwords: every one gives ErrIncorrectPassword and nothing
// else, although about one in 256 passes the padding check (DES has
// 8-byte blocks, so the structure check is what catches those).
func TestWrongPasswordsAlwaysIncorrect(t *testing.T) {
	der, _ := x509.MarshalECPrivateKey(testECKey(t, p256()))
	//lint:ignore SA1019 an independent encoder to test our decryption against
	block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", der, []byte("right"), x509.PEMCipherDES)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := Decode(stdpem.EncodeToMemory(block))
	epki := encryptPKCS8(t, mustPKCS8(t, testEd25519Key(t)), []byte("right"), pbes2Spec{cipherOID: oidDESCBC, prf: sha1.New, keyLen: 8, iter: 1})
	for i := 0; i < 3000; i++ {
		pw := []byte(fmt.Sprintf("wrong-%d", i))
		if _, err := entries[0].PrivateKey(pw); !errors.Is(err, ErrIncorrectPassword) {
			t.Fatalf("legacy, password %q: %v", pw, err)
		}
		if _, err := DecryptPKCS8(epki, pw); !errors.Is(err, ErrIncorrectPassword) {
			t.Fatalf("PKCS#8, password %q: %v", pw, err)
		}
	}

	// Make a wrong password pass the padding check on purpose: in CBC the
	// last plaintext byte is the last byte of the previous ciphertext block
	// XOR a byte fixed by the key, so one of the 256 values of that byte
	// gives the padding 0x01. Only the structure check can then tell.
	e := entries[0]
	enc, err := e.Encryption()
	if err != nil {
		t.Fatal(err)
	}
	wrong := []byte("wrong")
	key := bytesToKey(wrong, enc.IV[:8], enc.keyLen)
	b, _ := enc.block(key)
	found := false
	for v := 0; v < 256 && !found; v++ {
		data := append([]byte(nil), e.Bytes...)
		data[len(data)-9] = byte(v) // last byte of the second-to-last block
		plain := make([]byte, len(data))
		cbcDecrypt(b, enc.IV, plain, data)
		if _, ok := unpad(plain, 8); !ok {
			continue
		}
		found = true
		forged := Entry{Kind: e.Kind, Type: e.Type, Headers: e.Headers, Bytes: data}
		if _, err := forged.Decrypt(wrong); !errors.Is(err, ErrIncorrectPassword) {
			t.Fatalf("good padding, wrong password: %v", err)
		}
	}
	if !found {
		t.Fatal("no byte value gave valid padding")
	}
}

func mustPKCS8(t testing.TB, k any) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestUnpad(t *testing.T) {
	for _, bs := range []int{8, 16} {
		for n := 0; n <= 256; n++ {
			for _, fill := range []int{0, 1} {
				b := make([]byte, 2*bs)
				for i := range b {
					b[i] = byte(0xa0 + fill)
				}
				b[len(b)-1] = byte(n)
				// Make the padding right for n in [1, bs].
				if n >= 1 && n <= bs {
					for i := 1; i <= n; i++ {
						b[len(b)-i] = byte(n)
					}
				}
				out, ok := unpad(b, bs)
				wantOK := n >= 1 && n <= bs
				if ok != wantOK || (ok && len(out) != len(b)-n) {
					t.Fatalf("bs %d pad %d: ok=%v len=%d", bs, n, ok, len(out))
				}
				if wantOK && n > 1 {
					// One wrong byte anywhere in the padding fails it.
					for i := 1; i <= n; i++ {
						c := append([]byte(nil), b...)
						c[len(c)-i] ^= 0x40
						if _, ok := unpad(c, bs); ok {
							t.Fatalf("bs %d pad %d: byte -%d altered, accepted", bs, n, i)
						}
					}
				}
			}
		}
	}
	if _, ok := unpad(nil, 8); ok {
		t.Fatal("empty accepted")
	}
	if _, ok := unpad(make([]byte, 7), 8); ok {
		t.Fatal("partial block accepted")
	}
}

// bytesToKey against values printed by "openssl enc -aes-256-cbc -md md5
// -S 0102030405060708 -pass pass:password -P" (OpenSSL 3.0.19): key then
// IV are the first 48 bytes EVP_BytesToKey derives; DES-EDE3-CBC takes the
// first 24 bytes of the same stream.
func TestBytesToKeyKnownAnswer(t *testing.T) {
	const keyIV = "E7B0971E52CA5CC8D0539FB3412F6316F7BA2E6EE293D9F3457B99436B51CE02" + "8D450E2ED75A84A923D4EAC9FE49226B"
	salt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	if got := fmt.Sprintf("%X", bytesToKey([]byte("password"), salt, 48)); got != keyIV {
		t.Fatalf("bytesToKey = %s, want %s", got, keyIV)
	}
	if got := fmt.Sprintf("%X", bytesToKey([]byte("password"), salt, 24)); got != keyIV[:48] {
		t.Fatalf("bytesToKey(24) = %s", got)
	}
}

type pbes2Case struct {
	name string
	spec pbes2Spec
	prf  string
	ciph string
}

func pbes2Cases() []pbes2Case {
	prfOID := func(n int) encasn1.ObjectIdentifier { return encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, n} }
	return []pbes2Case{
		{"AES-128/SHA1-default", pbes2Spec{cipherOID: oidAES128CBC, prf: sha1.New, keyLen: 16, iter: 1000}, "hmacWithSHA1", "AES-128-CBC"},
		{"AES-128/SHA1-explicit", pbes2Spec{cipherOID: oidAES128CBC, prfOID: prfOID(7), prf: sha1.New, keyLen: 16, iter: 1000, withKeyLen: true}, "hmacWithSHA1", "AES-128-CBC"},
		{"AES-192/SHA224", pbes2Spec{cipherOID: oidAES192CBC, prfOID: prfOID(8), prf: sha256.New224, keyLen: 24, iter: 1000}, "hmacWithSHA224", "AES-192-CBC"},
		{"AES-256/SHA256", pbes2Spec{cipherOID: oidAES256CBC, prfOID: prfOID(9), prf: sha256.New, keyLen: 32, iter: 2048, withKeyLen: true}, "hmacWithSHA256", "AES-256-CBC"},
		{"AES-256/SHA384", pbes2Spec{cipherOID: oidAES256CBC, prfOID: prfOID(10), prf: sha512.New384, keyLen: 32, iter: 1000}, "hmacWithSHA384", "AES-256-CBC"},
		{"AES-256/SHA512", pbes2Spec{cipherOID: oidAES256CBC, prfOID: prfOID(11), prf: sha512.New, keyLen: 32, iter: 1000}, "hmacWithSHA512", "AES-256-CBC"},
		{"AES-256/SHA512-224", pbes2Spec{cipherOID: oidAES256CBC, prfOID: prfOID(12), prf: sha512.New512_224, keyLen: 32, iter: 10}, "hmacWithSHA512-224", "AES-256-CBC"},
		{"AES-256/SHA512-256", pbes2Spec{cipherOID: oidAES256CBC, prfOID: prfOID(13), prf: sha512.New512_256, keyLen: 32, iter: 10}, "hmacWithSHA512-256", "AES-256-CBC"},
		{"DES-EDE3/SHA256", pbes2Spec{cipherOID: oidDESEDE3CBC, prfOID: prfOID(9), prf: sha256.New, keyLen: 24, iter: 1000}, "hmacWithSHA256", "DES-EDE3-CBC"},
		{"DES/SHA1", pbes2Spec{cipherOID: oidDESCBC, prf: sha1.New, keyLen: 8, iter: 1000}, "hmacWithSHA1", "DES-CBC"},
	}
}

func TestPBES2Decrypt(t *testing.T) {
	plain := mustPKCS8(t, testECKey(t, p256()))
	for _, c := range pbes2Cases() {
		t.Run(c.name, func(t *testing.T) {
			epki := encryptPKCS8(t, plain, []byte("pässwörd"), c.spec)
			entries, err := Decode(pemEncode("ENCRYPTED PRIVATE KEY", nil, epki))
			if err != nil {
				t.Fatal(err)
			}
			e := entries[0]
			if e.Kind != PrivateKeyInfo || !e.Encrypted() {
				t.Fatalf("entry %v encrypted=%v", e.Kind, e.Encrypted())
			}
			enc, err := e.Encryption()
			if err != nil {
				t.Fatal(err)
			}
			if enc.Scheme != PBES2 || enc.PRF != c.prf || enc.Cipher != c.ciph || enc.Iterations != c.spec.iter || len(enc.Salt) != 16 {
				t.Fatalf("Encryption = %+v", enc)
			}
			if c.spec.withKeyLen != (enc.KeyLength == c.spec.keyLen) {
				t.Fatalf("KeyLength = %d", enc.KeyLength)
			}
			d, err := e.Decrypt([]byte("pässwörd"))
			if err != nil {
				t.Fatal(err)
			}
			if d.Type != "PRIVATE KEY" || d.Kind != PrivateKeyInfo || !bytes.Equal(d.Bytes, plain) {
				t.Fatalf("Decrypt = %+v", d)
			}
			k, err := PrivateKey(entries, []byte("pässwörd"))
			if err != nil {
				t.Fatal(err)
			}
			checkSigns(t, k)
			if _, err := PrivateKey(entries, []byte("password")); !errors.Is(err, ErrIncorrectPassword) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
}

// algID builds an AlgorithmIdentifier.
func algID(oid encasn1.ObjectIdentifier, params func(*cryptobyte.Builder)) func(*cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if params != nil {
				params(b)
			}
		})
	}
}

// epkiWith builds an EncryptedPrivateKeyInfo from an algorithm identifier
// and 32 bytes of "ciphertext".
func epkiWith(alg func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		alg(b)
		b.AddASN1OctetString(make([]byte, 32))
	})
	return b.BytesOrPanic()
}

// pbes2With builds PBES2 parameters from a KDF and a cipher identifier.
func pbes2With(kdf, enc func(*cryptobyte.Builder)) []byte {
	return epkiWith(algID(oidPBES2, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { kdf(b); enc(b) })
	}))
}

func pbkdf2With(iter int64, extra func(*cryptobyte.Builder)) func(*cryptobyte.Builder) {
	return algID(oidPBKDF2, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString([]byte("saltsalt"))
			b.AddASN1Int64(iter)
			if extra != nil {
				extra(b)
			}
		})
	})
}

func aes256With(iv []byte) func(*cryptobyte.Builder) {
	return algID(oidAES256CBC, func(b *cryptobyte.Builder) { b.AddASN1OctetString(iv) })
}

func TestPBES2Refusals(t *testing.T) {
	iv := make([]byte, 16)
	unsupportedCases := []struct {
		name     string
		der      []byte
		what     string
		oid      string
		wantName string
	}{
		{"PBES1", epkiWith(algID(encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}, nil)), "encryption scheme", "1.2.840.113549.1.5.10", "pbeWithSHA1AndDES-CBC"},
		{"PKCS12 3DES", epkiWith(algID(encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}, nil)), "encryption scheme", "1.2.840.113549.1.12.1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC"},
		{"unknown scheme", epkiWith(algID(encasn1.ObjectIdentifier{1, 2, 3, 4}, nil)), "encryption scheme", "1.2.3.4", ""},
		{"scrypt", pbes2With(algID(encasn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}, nil), aes256With(iv)), "key derivation function", "1.3.6.1.4.1.11591.4.11", "scrypt"},
		{"AES-GCM", pbes2With(pbkdf2With(10, nil), algID(encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 46}, nil)), "cipher", "2.16.840.1.101.3.4.1.46", "AES-256-GCM"},
		{"MD5 PRF", pbes2With(pbkdf2With(10, algID(encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, func(b *cryptobyte.Builder) { b.AddASN1NULL() })), aes256With(iv)), "PRF", "1.2.840.113549.2.5", "MD5"},
		{"salt otherSource", pbes2With(algID(oidPBKDF2, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				algID(encasn1.ObjectIdentifier{1, 2, 3}, nil)(b)
				b.AddASN1Int64(10)
			})
		}), aes256With(iv)), "PBKDF2 salt source", "", "otherSource"},
	}
	for _, c := range unsupportedCases {
		_, err := DecryptPKCS8(c.der, []byte("pw"))
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.What != c.what || ue.OID != c.oid || ue.Name != c.wantName {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.oid != "" && !strings.Contains(err.Error(), c.oid) {
			t.Errorf("%s: error %q does not name the OID", c.name, err)
		}
	}

	malformed := map[string][]byte{
		"IV too short":        pbes2With(pbkdf2With(10, nil), aes256With(iv[:8])),
		"zero iterations":     pbes2With(pbkdf2With(0, nil), aes256With(iv)),
		"negative iterations": pbes2With(pbkdf2With(-5, nil), aes256With(iv)),
		"key length mismatch": pbes2With(pbkdf2With(10, func(b *cryptobyte.Builder) { b.AddASN1Int64(16) }), aes256With(iv)),
		"PRF params not NULL": pbes2With(pbkdf2With(10, algID(oidHMACWithSHA1, func(b *cryptobyte.Builder) { b.AddASN1Int64(1) })), aes256With(iv)),
		"trailing in PBKDF2":  pbes2With(pbkdf2With(10, func(b *cryptobyte.Builder) { b.AddASN1Int64(32); algID(oidHMACWithSHA1, nil)(b); b.AddASN1NULL() }), aes256With(iv)),
		"not a SEQUENCE":      {0x04, 0x00},
		"trailing data":       append(pbes2With(pbkdf2With(10, nil), aes256With(iv)), 0),
	}
	for name, der := range malformed {
		_, err := DecryptPKCS8(der, []byte("pw"))
		var ue *UnsupportedError
		if err == nil || errors.As(err, &ue) || errors.Is(err, ErrIncorrectPassword) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A hostile iteration count is refused at once, not computed.
func TestPBES2IterationLimit(t *testing.T) {
	iv := make([]byte, 16)
	for _, n := range []int64{MaxPBKDF2Iterations + 1, 1 << 40} {
		start := time.Now()
		_, err := DecryptPKCS8(pbes2With(pbkdf2With(n, nil), aes256With(iv)), []byte("pw"))
		if !errors.Is(err, ErrTooManyIterations) {
			t.Fatalf("%d iterations: %v", n, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refusing took %v", d)
		}
	}
	// A count that does not fit 64 bits.
	der := pbes2With(algID(oidPBKDF2, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString([]byte("salt"))
			b.AddASN1BigInt(new(bigInt).Lsh(bigOne, 100))
		})
	}), aes256With(iv))
	if _, err := DecryptPKCS8(der, []byte("pw")); !errors.Is(err, ErrTooManyIterations) {
		t.Fatalf("2^100 iterations: %v", err)
	}
	// The limit itself is allowed (checked on the parameters only: running
	// ten million iterations would slow the tests).
	entries, _ := Decode(pemEncode("ENCRYPTED PRIVATE KEY", nil, pbes2With(pbkdf2With(MaxPBKDF2Iterations, nil), aes256With(iv))))
	if enc, err := entries[0].Encryption(); err != nil || enc.Iterations != MaxPBKDF2Iterations {
		t.Fatalf("the limit: %+v %v", enc, err)
	}
}

func TestLegacyHeaderErrors(t *testing.T) {
	cases := map[string]map[string]string{
		"no DEK-Info":    {"Proc-Type": "4,ENCRYPTED"},
		"no comma":       {"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC"},
		"short IV":       {"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,0011"},
		"bad hex":        {"Proc-Type": "4,ENCRYPTED", "DEK-Info": "DES-CBC,00112233445566ZZ"},
		"unknown cipher": {"Proc-Type": "4,ENCRYPTED", "DEK-Info": "RC2-CBC,0011223344556677"},
	}
	for name, h := range cases {
		e := Entry{Kind: RSAPrivateKey, Type: "RSA PRIVATE KEY", Headers: h, Bytes: make([]byte, 16)}
		_, err := e.Decrypt([]byte("pw"))
		if err == nil || errors.Is(err, ErrIncorrectPassword) {
			t.Errorf("%s: %v", name, err)
		}
		if name == "unknown cipher" {
			var ue *UnsupportedError
			if !errors.As(err, &ue) || ue.Name != "RC2-CBC" {
				t.Errorf("unknown cipher: %v", err)
			}
		}
	}
	// Ciphertext that is not whole blocks.
	e := Entry{Kind: RSAPrivateKey, Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "DES-CBC,0011223344556677"}, Bytes: make([]byte, 12)}
	if _, err := e.Decrypt([]byte("pw")); err == nil || errors.Is(err, ErrIncorrectPassword) {
		t.Errorf("partial block: %v", err)
	}
	// An entry that is not encrypted comes back as it is.
	plain := Entry{Kind: Certificate, Type: "CERTIFICATE", Bytes: []byte{1}}
	if d, err := plain.Decrypt([]byte("pw")); err != nil || !bytes.Equal(d.Bytes, plain.Bytes) {
		t.Errorf("unencrypted: %v %v", d, err)
	}
	if enc, err := plain.Encryption(); enc != nil || err != nil {
		t.Errorf("unencrypted Encryption = %v %v", enc, err)
	}
}

// The fixed keys OpenSSL wrote (testdata/keys/README.md): each decrypts
// with the password, gives ErrIncorrectPassword without it, and its public
// half is what "openssl pkey -pubout" printed.
func TestOpenSSLKnownKeys(t *testing.T) {
	pubs := map[string]crypto.PublicKey{}
	for _, alg := range []string{"rsa", "ec", "dsa", "ed"} {
		entries := readEntries(t, filepath.Join("testdata", "keys", alg+".pub.pem"))
		pub, err := entries[0].PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		pubs[alg] = pub
	}
	cases := []struct {
		file, pub string
		scheme    Scheme
		cipher    string
	}{
		{"rsa-legacy-des3.pem", "rsa", Legacy, "DES-EDE3-CBC"},
		{"rsa-legacy-des.pem", "rsa", Legacy, "DES-CBC"},
		{"rsa-legacy-aes192.pem", "rsa", Legacy, "AES-192-CBC"},
		{"rsa-pkcs8-aes256-sha512.pem", "rsa", PBES2, "AES-256-CBC"},
		{"rsa-pkcs8-des3.pem", "rsa", PBES2, "DES-EDE3-CBC"},
		{"ec-legacy-aes256.pem", "ec", Legacy, "AES-256-CBC"},
		{"ec-pkcs8-aes128-sha1.pem", "ec", PBES2, "AES-128-CBC"},
		{"ec-pkcs8-aes192-sha224.pem", "ec", PBES2, "AES-192-CBC"},
		{"dsa-legacy-aes128.pem", "dsa", Legacy, "AES-128-CBC"},
		{"dsa-pkcs8-aes256-sha384.pem", "dsa", PBES2, "AES-256-CBC"},
		{"ed25519-pkcs8-des.pem", "ed", PBES2, "DES-CBC"},
		{"ed25519-pkcs8-aes256.pem", "ed", PBES2, "AES-256-CBC"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			entries := readEntries(t, filepath.Join("testdata", "keys", c.file))
			enc, err := entries[0].Encryption()
			if err != nil || enc.Scheme != c.scheme || enc.Cipher != c.cipher {
				t.Fatalf("Encryption = %+v, %v", enc, err)
			}
			k, err := PrivateKey(entries, []byte("otpssl-test"))
			if err != nil {
				t.Fatal(err)
			}
			if !publicEqual(k.Public(), pubs[c.pub]) {
				t.Fatal("public half differs from openssl pkey -pubout")
			}
			checkSigns(t, k)
			if _, err := PrivateKey(entries, []byte("otpssl-tesT")); !errors.Is(err, ErrIncorrectPassword) {
				t.Fatalf("wrong password: %v", err)
			}
		})
	}
	for file, oid := range map[string]string{
		"rsa-pkcs8-pbes1.pem":   "1.2.840.113549.1.12.1.3",
		"rsa-pkcs8-scrypt.pem":  "1.3.6.1.4.1.11591.4.11",
		"ec-pkcs8-camellia.pem": "1.2.392.200011.61.1.1.1.2",
	} {
		entries := readEntries(t, filepath.Join("testdata", "keys", file))
		_, err := PrivateKey(entries, []byte("otpssl-test"))
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.OID != oid {
			t.Errorf("%s: %v, want an unsupported %s", file, err, oid)
		}
	}
}

func readEntries(t *testing.T, path string) []Entry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatalf("%s: no entries", path)
	}
	return entries
}

var _ hash.Hash = sha1.New()
