package pem

import (
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

type keyCase struct {
	name  string
	kind  Kind
	label string
	der   []byte
	want  crypto.Signer // the original key, compared with Equal
}

// keyCases encodes a key of every type in every encoding.
func keyCases(t *testing.T) []keyCase {
	rsaK := testRSAKey(t)
	dsaK := testDSAKey(t)
	dsaSigner := &DSASigner{PrivateKey: *dsaK}
	var cases []keyCase
	add := func(name string, kind Kind, label string, der []byte, want crypto.Signer) {
		cases = append(cases, keyCase{name, kind, label, der, want})
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	add("RSA/PKCS1", RSAPrivateKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaK), rsaK)
	add("RSA/PKCS8", PrivateKeyInfo, "PRIVATE KEY", pkcs8(rsaK), rsaK)
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k := testECKey(t, c)
		sec1, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		add("ECDSA-"+c.Params().Name+"/SEC1", ECPrivateKey, "EC PRIVATE KEY", sec1, k)
		add("ECDSA-"+c.Params().Name+"/PKCS8", PrivateKeyInfo, "PRIVATE KEY", pkcs8(k), k)
	}
	ed := testEd25519Key(t)
	add("Ed25519/PKCS8", PrivateKeyInfo, "PRIVATE KEY", pkcs8(ed), ed)
	add("DSA/traditional", DSAPrivateKey, "DSA PRIVATE KEY", marshalDSATraditional(dsaK), dsaSigner)
	add("DSA/PKCS8", PrivateKeyInfo, "PRIVATE KEY", marshalDSAPKCS8(dsaK), dsaSigner)
	return cases
}

func TestParsePrivateKeyRoundTrip(t *testing.T) {
	for _, c := range keyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			k, err := ParsePrivateKey(c.kind, c.der)
			if err != nil {
				t.Fatalf("ParsePrivateKey(%v): %v", c.kind, err)
			}
			eq, ok := k.(interface{ Equal(crypto.PrivateKey) bool })
			if !ok || !eq.Equal(c.want) {
				t.Fatalf("ParsePrivateKey(%v) = %T, not the key encoded", c.kind, k)
			}
			if !publicEqual(k.Public(), c.want.Public()) {
				t.Fatal("public halves differ")
			}

			k2, kind, err := ParseAnyPrivateKey(c.der)
			if err != nil || kind != c.kind {
				t.Fatalf("ParseAnyPrivateKey = %v, %v; want kind %v", kind, err, c.kind)
			}
			if !k2.(interface{ Equal(crypto.PrivateKey) bool }).Equal(c.want) {
				t.Fatal("ParseAnyPrivateKey returned another key")
			}

			// Through PEM, with other entries before the key.
			file := append([]byte("Bag Attributes\n    localKeyID: 01 02\n"), pemEncode("CERTIFICATE", nil, []byte{0x30, 0})...)
			file = append(file, pemEncode("EC PARAMETERS", nil, []byte{6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7})...)
			file = append(file, pemEncode(c.label, nil, c.der)...)
			entries, err := Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := entries[2].Kind; got != c.kind {
				t.Fatalf("entry kind %v, want %v", got, c.kind)
			}
			k3, err := PrivateKey(entries, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !k3.(interface{ Equal(crypto.PrivateKey) bool }).Equal(c.want) {
				t.Fatal("PrivateKey returned another key")
			}

			// The key signs, and the signature verifies with the public key.
			checkSigns(t, k3)
		})
	}
}

// checkSigns signs a digest with k and verifies the signature with a
// verifier that is not this package's signing code.
func checkSigns(t *testing.T, k crypto.Signer) {
	t.Helper()
	msg := []byte("otpssl pem signing test")
	d := sha256.Sum256(msg)
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
			t.Fatal(err)
		}
	case *ecdsa.PublicKey:
		sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(pub, d[:], sig) {
			t.Fatal("ECDSA signature does not verify")
		}
	case ed25519.PublicKey:
		sig, err := k.Sign(rand.Reader, msg, crypto.Hash(0))
		if err != nil {
			t.Fatal(err)
		}
		if !ed25519.Verify(pub, msg, sig) {
			t.Fatal("Ed25519 signature does not verify")
		}
	case *dsa.PublicKey:
		sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		r, s := parseDSASig(t, sig)
		if !dsa.Verify(pub, truncateForDSA(d[:], pub.Q), r, s) {
			t.Fatal("DSA signature does not verify with crypto/dsa")
		}
		if !VerifyDSA(pub, d[:], sig) {
			t.Fatal("DSA signature does not verify with VerifyDSA")
		}
	default:
		t.Fatalf("unexpected public key %T", pub)
	}
}

// truncateForDSA cuts a digest to the byte length of q, which crypto/dsa
// leaves to its caller (FIPS 186-4, section 4.6).
func truncateForDSA(d []byte, q *big.Int) []byte {
	if n := (q.BitLen() + 7) / 8; len(d) > n {
		return d[:n]
	}
	return d
}

func parseDSASig(t *testing.T, sig []byte) (r, s *big.Int) {
	t.Helper()
	var v struct{ R, S *big.Int }
	rest, err := encasn1.Unmarshal(sig, &v)
	if err != nil || len(rest) != 0 {
		t.Fatalf("signature is not a Dss-Sig-Value: %v", err)
	}
	return v.R, v.S
}

func TestDSASignVerify(t *testing.T) {
	k := testDSAKey(t)
	signer := &DSASigner{PrivateKey: *k}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		hh := h.New()
		hh.Write([]byte("message"))
		d := hh.Sum(nil)
		sig, err := signer.Sign(nil, d, h)
		if err != nil {
			t.Fatalf("%v: %v", h, err)
		}
		r, s := parseDSASig(t, sig)
		if !dsa.Verify(&k.PublicKey, truncateForDSA(d, k.Q), r, s) {
			t.Fatalf("%v: crypto/dsa rejects our signature", h)
		}
		if !VerifyDSA(&k.PublicKey, d, sig) {
			t.Fatalf("%v: VerifyDSA rejects our signature", h)
		}
		// A signature by crypto/dsa verifies with VerifyDSA.
		r2, s2, err := dsa.Sign(rand.Reader, k, truncateForDSA(d, k.Q))
		if err != nil {
			t.Fatal(err)
		}
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1BigInt(r2); b.AddASN1BigInt(s2) })
		if !VerifyDSA(&k.PublicKey, d, b.BytesOrPanic()) {
			t.Fatalf("%v: VerifyDSA rejects a crypto/dsa signature", h)
		}
		// Wrong digest, altered signature, trailing data: rejected.
		bad := append([]byte(nil), d...)
		bad[0] ^= 1
		if VerifyDSA(&k.PublicKey, bad, sig) {
			t.Fatal("VerifyDSA accepts a signature of another digest")
		}
		if VerifyDSA(&k.PublicKey, d, append(append([]byte(nil), sig...), 0)) {
			t.Fatal("VerifyDSA accepts trailing data")
		}
		var b2 cryptobyte.Builder
		b2.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1BigInt(r); b.AddASN1BigInt(new(big.Int).Add(s, k.Q)) })
		if VerifyDSA(&k.PublicKey, d, b2.BytesOrPanic()) {
			t.Fatal("VerifyDSA accepts s >= q")
		}
	}
	// Two signatures of one digest differ (the nonce is fresh).
	d := sha1.Sum([]byte("x"))
	s1, _ := signer.Sign(nil, d[:], crypto.SHA1)
	s2, _ := signer.Sign(nil, d[:], crypto.SHA1)
	if string(s1) == string(s2) {
		t.Fatal("two DSA signatures of one digest are equal")
	}
	// Digest length must match the hash named.
	if _, err := signer.Sign(nil, d[:], crypto.SHA256); err == nil {
		t.Fatal("Sign accepted a SHA-1 digest announced as SHA-256")
	}
	if _, err := signer.Sign(nil, nil, crypto.Hash(0)); err == nil {
		t.Fatal("Sign accepted an empty digest")
	}
}

func TestHashToInt(t *testing.T) {
	q := new(big.Int).Lsh(big.NewInt(1), 159) // 160 bits
	q.Add(q, big.NewInt(7))
	d := make([]byte, 32)
	for i := range d {
		d[i] = byte(i + 1)
	}
	if got, want := hashToInt(d, q), new(big.Int).SetBytes(d[:20]); got.Cmp(want) != 0 {
		t.Fatalf("hashToInt 160-bit q = %x, want %x", got, want)
	}
	q2 := new(big.Int).Lsh(big.NewInt(1), 162) // 163 bits: 21 bytes, 5 bits too many
	if got, want := hashToInt(d, q2), new(big.Int).Rsh(new(big.Int).SetBytes(d[:21]), 5); got.Cmp(want) != 0 {
		t.Fatalf("hashToInt 163-bit q = %x, want %x", got, want)
	}
	short := []byte{0xff}
	if got := hashToInt(short, q); got.Int64() != 0xff {
		t.Fatalf("hashToInt of a short digest = %v", got)
	}
}

func TestDSAKeyChecks(t *testing.T) {
	k := testDSAKey(t)
	mod := func(f func(c *dsa.PrivateKey)) []byte {
		c := *k
		c.P, c.Q, c.G, c.Y, c.X = new(big.Int).Set(k.P), new(big.Int).Set(k.Q), new(big.Int).Set(k.G), new(big.Int).Set(k.Y), new(big.Int).Set(k.X)
		f(&c)
		return marshalDSATraditional(&c)
	}
	cases := map[string][]byte{
		"y mismatch":     mod(func(c *dsa.PrivateKey) { c.Y.Add(c.Y, big.NewInt(1)) }),
		"x zero":         mod(func(c *dsa.PrivateKey) { c.X.SetInt64(0) }),
		"x equals q":     mod(func(c *dsa.PrivateKey) { c.X.Set(c.Q) }),
		"g one":          mod(func(c *dsa.PrivateKey) { c.G.SetInt64(1) }),
		"g wrong order":  mod(func(c *dsa.PrivateKey) { c.G.SetInt64(2) }),
		"q not prime":    mod(func(c *dsa.PrivateKey) { c.Q.Add(c.Q, big.NewInt(2)) }),
		"p even":         mod(func(c *dsa.PrivateKey) { c.P.Add(c.P, big.NewInt(1)) }),
		"p too large":    mod(func(c *dsa.PrivateKey) { c.P.Lsh(c.P, 10000) }),
		"q too small":    mod(func(c *dsa.PrivateKey) { c.Q.SetInt64(65537) }),
		"trailing bytes": append(marshalDSATraditional(k), 0),
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		for _, n := range []*big.Int{k.P, k.Q, k.G, k.Y, k.X} {
			b.AddASN1BigInt(n)
		}
	})
	cases["version 1"] = b.BytesOrPanic()
	for name, der := range cases {
		if _, err := ParsePrivateKey(DSAPrivateKey, der); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParsePrivateKey(DSAPrivateKey, marshalDSATraditional(k)); err != nil {
		t.Fatalf("the unmodified key: %v", err)
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	rsaDER := x509.MarshalPKCS1PrivateKey(testRSAKey(t))
	if _, err := ParsePrivateKey(ECPrivateKey, rsaDER); err == nil {
		t.Error("an RSA key parsed as ECPrivateKey")
	}
	if _, err := ParsePrivateKey(Certificate, rsaDER); err == nil || !strings.Contains(err.Error(), "not a private key kind") {
		t.Errorf("Certificate kind: %v", err)
	}
	// X25519 cannot sign.
	xk, err := x509.MarshalPKCS8PrivateKey(mustX25519(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParsePrivateKey(PrivateKeyInfo, xk)
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.OID != "1.3.101.110" || ue.Name != "X25519" {
		t.Errorf("X25519 key: %v", err)
	}
	// PKCS#8 with a wrong version, and with trailing data.
	ed, _ := x509.MarshalPKCS8PrivateKey(testEd25519Key(t))
	badVersion := append([]byte(nil), ed...)
	badVersion[4] = 2 // SEQUENCE hdr (2), INTEGER hdr (2), value
	if _, err := ParsePrivateKey(PrivateKeyInfo, badVersion); err == nil {
		t.Error("PrivateKeyInfo version 2 accepted")
	}
	if _, err := ParsePrivateKey(PrivateKeyInfo, append(ed, 0)); err == nil {
		t.Error("PrivateKeyInfo with trailing data accepted")
	}
	// ParseAnyPrivateKey recognises an encrypted key and refuses garbage.
	enc := encryptPKCS8(t, ed, []byte("pw"), pbes2Spec{cipherOID: oidAES128CBC, prf: sha1.New, keyLen: 16, iter: 10})
	if _, _, err := ParseAnyPrivateKey(enc); err == nil || !strings.Contains(err.Error(), "DecryptPKCS8") {
		t.Errorf("ParseAnyPrivateKey on an encrypted key: %v", err)
	}
	for _, garbage := range [][]byte{nil, {0x30, 0}, {0x02, 1, 0}, {0x30, 3, 2, 1, 0}} {
		if _, _, err := ParseAnyPrivateKey(garbage); err == nil {
			t.Errorf("ParseAnyPrivateKey(%x) accepted", garbage)
		}
	}
	if _, err := PrivateKey(nil, nil); !errors.Is(err, ErrNoPrivateKey) {
		t.Errorf("PrivateKey(nil) = %v", err)
	}
}

// A version 2 PrivateKeyInfo (RFC 5958) with attributes and a public key
// parses.
func TestPKCS8Version2(t *testing.T) {
	ed := testEd25519Key(t)
	der, _ := x509.MarshalPKCS8PrivateKey(ed)
	var raw struct {
		V   int
		Alg encasn1.RawValue
		Key []byte
	}
	if _, err := encasn1.Unmarshal(der, &raw); err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddBytes(raw.Alg.FullBytes)
		b.AddASN1OctetString(raw.Key)
		b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {})
		b.AddASN1(asn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddBytes(ed.Public().(ed25519.PublicKey))
		})
	})
	k, err := ParsePrivateKey(PrivateKeyInfo, b.BytesOrPanic())
	if err != nil {
		t.Fatal(err)
	}
	if !ed.Equal(k) {
		t.Fatal("another key")
	}
}

func TestParsePublicKey(t *testing.T) {
	rsaK := testRSAKey(t)
	spki, _ := x509.MarshalPKIXPublicKey(&rsaK.PublicKey)
	file := append(pemEncode("PUBLIC KEY", nil, spki), pemEncode("RSA PUBLIC KEY", nil, x509.MarshalPKCS1PublicKey(&rsaK.PublicKey))...)
	entries, err := Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pub, err := e.PublicKey()
		if err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
		if !rsaK.PublicKey.Equal(pub) {
			t.Fatalf("%s: another key", e.Type)
		}
	}
	if _, err := ParsePublicKey(Certificate, spki); err == nil {
		t.Error("Certificate kind accepted as a public key")
	}
}
