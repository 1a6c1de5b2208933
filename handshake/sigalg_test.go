package handshake_test

import (
	"bytes"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA keys of old peers
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// allSchemes lists every scheme constant; the code points are those of
// the IANA TLS SignatureScheme registry and RFC 5246's pairs.
var allSchemes = []struct {
	s    handshake.SignatureScheme
	code uint16
	erl  string
}{
	{handshake.RSAPKCS1SHA1, 0x0201, "rsa_pkcs1_sha1"},
	{handshake.RSAPKCS1SHA224, 0x0301, "{sha224,rsa}"},
	{handshake.RSAPKCS1SHA256, 0x0401, "rsa_pkcs1_sha256"},
	{handshake.RSAPKCS1SHA384, 0x0501, "rsa_pkcs1_sha384"},
	{handshake.RSAPKCS1SHA512, 0x0601, "rsa_pkcs1_sha512"},
	{handshake.DSASHA1, 0x0202, "{sha,dsa}"},
	{handshake.DSASHA224, 0x0302, "{sha224,dsa}"},
	{handshake.DSASHA256, 0x0402, "{sha256,dsa}"},
	{handshake.ECDSASHA1, 0x0203, "ecdsa_sha1"},
	{handshake.ECDSASHA224, 0x0303, "{sha224,ecdsa}"},
	{handshake.ECDSASecp256r1SHA256, 0x0403, "ecdsa_secp256r1_sha256"},
	{handshake.ECDSASecp384r1SHA384, 0x0503, "ecdsa_secp384r1_sha384"},
	{handshake.ECDSASecp521r1SHA512, 0x0603, "ecdsa_secp521r1_sha512"},
	{handshake.RSAPSSRSAESHA256, 0x0804, "rsa_pss_rsae_sha256"},
	{handshake.RSAPSSRSAESHA384, 0x0805, "rsa_pss_rsae_sha384"},
	{handshake.RSAPSSRSAESHA512, 0x0806, "rsa_pss_rsae_sha512"},
	{handshake.Ed25519, 0x0807, "eddsa_ed25519"},
	{handshake.Ed448, 0x0808, "eddsa_ed448"},
	{handshake.RSAPSSPSSSHA256, 0x0809, "rsa_pss_pss_sha256"},
	{handshake.RSAPSSPSSSHA384, 0x080a, "rsa_pss_pss_sha384"},
	{handshake.RSAPSSPSSSHA512, 0x080b, "rsa_pss_pss_sha512"},
}

func TestSignatureSchemeCodesAndNames(t *testing.T) {
	for _, c := range allSchemes {
		if uint16(c.s) != c.code {
			t.Errorf("%s = %#04x, want %#04x", c.erl, uint16(c.s), c.code)
		}
		if got := c.s.String(); got != c.erl {
			t.Errorf("%#04x.String() = %q, want %q", c.code, got, c.erl)
		}
	}
	// Pairs without a constant print as Erlang tuples, the rest in hex.
	for s, want := range map[handshake.SignatureScheme]string{
		0x0101: "{md5,rsa}", 0x0601 + 1: "{sha512,dsa}", 0x0a0a: "0x0a0a", 0x0700: "0x0700", 0x0104: "0x0104",
	} {
		if got := s.String(); got != want {
			t.Errorf("%#04x.String() = %q, want %q", uint16(s), got, want)
		}
	}
	hashes := map[handshake.SignatureScheme]crypto.Hash{
		handshake.RSAPKCS1SHA1: crypto.SHA1, handshake.DSASHA224: crypto.SHA224,
		handshake.ECDSASecp384r1SHA384: crypto.SHA384, handshake.RSAPSSRSAESHA512: crypto.SHA512,
		handshake.Ed25519: 0, 0x0a0a: 0,
	}
	for s, h := range hashes {
		if s.Hash() != h {
			t.Errorf("%s.Hash() = %v, want %v", s, s.Hash(), h)
		}
	}
	for _, s := range []handshake.SignatureScheme{handshake.Ed448, handshake.RSAPSSPSSSHA256, 0x0101, 0x0a0a} {
		if s.Supported() {
			t.Errorf("%s reported supported", s)
		}
	}
	if !handshake.DSASHA256.Supported() || !handshake.Ed25519.Supported() {
		t.Error("supported schemes reported unsupported")
	}
}

func TestParseSignatureScheme(t *testing.T) {
	good := map[string]handshake.SignatureScheme{
		"rsa_pss_rsae_sha256":      handshake.RSAPSSRSAESHA256,
		"  ECDSA_SECP384R1_SHA384": handshake.ECDSASecp384r1SHA384,
		"eddsa_ed25519":            handshake.Ed25519,
		"ed25519":                  handshake.Ed25519,
		"rsa_pkcs1_sha1":           handshake.RSAPKCS1SHA1,
		"ecdsa_sha1":               handshake.ECDSASHA1,
		"{sha256,rsa}":             handshake.RSAPKCS1SHA256,
		"{ sha , dsa }":            handshake.DSASHA1,
		"{sha224, ecdsa}":          handshake.ECDSASHA224,
		"{sha512,ecdsa}":           handshake.ECDSASecp521r1SHA512,
		"{sha384,rsa_pss_rsae}":    handshake.RSAPSSRSAESHA384,
		"{sha256,dsa}":             handshake.DSASHA256,
	}
	for in, want := range good {
		got, err := handshake.ParseSignatureScheme(in)
		if err != nil || got != want {
			t.Errorf("ParseSignatureScheme(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "rsa", "{md5,rsa}", "eddsa_ed448", "rsa_pss_pss_sha256", "{sha256,rsa_pss_pss}",
		"{sha,rsa_pss_rsae}", "{sha384,dsa}", "{sha256}", "{sha256,rsa", "{sha256,rsa,x}", "{sha256,foo}", "{,}"} {
		if s, err := handshake.ParseSignatureScheme(in); err == nil {
			t.Errorf("ParseSignatureScheme(%q) = %s, want an error", in, s)
		}
	}
	// Every supported scheme parses back from its String.
	for _, c := range allSchemes {
		if !c.s.Supported() {
			continue
		}
		got, err := handshake.ParseSignatureScheme(c.s.String())
		if err != nil || got != c.s {
			t.Errorf("round trip of %s: %s, %v", c.s, got, err)
		}
	}
}

func TestParseSignatureAlgs(t *testing.T) {
	got, err := handshake.ParseSignatureAlgs("[{sha512, ecdsa}, rsa_pss_rsae_sha256 , {sha256,rsa}, {sha512,ecdsa}, ed25519]")
	want := []handshake.SignatureScheme{handshake.ECDSASecp521r1SHA512, handshake.RSAPSSRSAESHA256, handshake.RSAPKCS1SHA256, handshake.Ed25519}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	if s := handshake.FormatSignatureAlgs(got); s != "[ecdsa_secp521r1_sha512,rsa_pss_rsae_sha256,rsa_pkcs1_sha256,eddsa_ed25519]" {
		t.Errorf("FormatSignatureAlgs = %s", s)
	}
	got, err = handshake.ParseSignatureAlgs("{sha,dsa},{sha224,rsa}")
	if err != nil || !reflect.DeepEqual(got, []handshake.SignatureScheme{handshake.DSASHA1, handshake.RSAPKCS1SHA224}) {
		t.Errorf("brackets optional: %v, %v", got, err)
	}
	if s := handshake.FormatSignatureAlgs(got); s != "[{sha,dsa},{sha224,rsa}]" {
		t.Errorf("FormatSignatureAlgs = %s", s)
	}
	for _, in := range []string{"", "[]", "[ ]", "[rsa_pkcs1_sha256", "rsa_pkcs1_sha256,", ",rsa_pkcs1_sha256",
		"{sha256,rsa}}", "{{sha256,rsa}}", "{sha256,rsa", "[x]", "rsa_pkcs1_sha256,,ed25519"} {
		if l, err := handshake.ParseSignatureAlgs(in); err == nil {
			t.Errorf("ParseSignatureAlgs(%q) = %v, want an error", in, l)
		}
	}
	def := handshake.DefaultSignatureSchemes()
	back, err := handshake.ParseSignatureAlgs(handshake.FormatSignatureAlgs(def))
	if err != nil || !reflect.DeepEqual(back, def) {
		t.Errorf("default list round trip: %v, %v", back, err)
	}
}

func TestDefaultSignatureSchemes(t *testing.T) {
	want := []handshake.SignatureScheme{0x0807, 0x0603, 0x0503, 0x0403, 0x0806, 0x0805, 0x0804, 0x0601, 0x0501, 0x0401}
	got := handshake.DefaultSignatureSchemes()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("default list %v, want %v", got, want)
	}
	got[0] = 0
	if handshake.DefaultSignatureSchemes()[0] != handshake.Ed25519 {
		t.Fatal("DefaultSignatureSchemes returned shared storage")
	}
}

func TestUnmarshalSignatureSchemes(t *testing.T) {
	in := []byte{0, 6, 0x08, 0x04, 0x04, 0x03, 0xfe, 0xfe}
	got, err := handshake.UnmarshalSignatureSchemes(in)
	want := []handshake.SignatureScheme{handshake.RSAPSSRSAESHA256, handshake.ECDSASecp256r1SHA256, 0xfefe}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v", got, err)
	}
	out, err := handshake.AppendSignatureSchemes([]byte{9}, got)
	if err != nil || !bytes.Equal(out, append([]byte{9}, in...)) {
		t.Fatalf("AppendSignatureSchemes = %x, %v", out, err)
	}
	for _, bad := range [][]byte{nil, {0}, {0, 0}, {0, 1, 4}, {0, 3, 4, 1, 5}, {0, 2, 4, 1, 0}, {0, 4, 4, 1}} {
		_, err := handshake.UnmarshalSignatureSchemes(bad)
		kxtWantAlert(t, err, record.DecodeError)
	}
	long := make([]byte, 2+2*(handshake.MaxSignatureSchemes+1))
	long[0], long[1] = byte((len(long)-2)>>8), byte(len(long)-2)
	_, err = handshake.UnmarshalSignatureSchemes(long)
	kxtWantAlert(t, err, record.DecodeError)
	if _, err := handshake.AppendSignatureSchemes(nil, nil); err == nil {
		t.Error("empty list marshalled")
	}
}

func TestSelectSignatureScheme(t *testing.T) {
	rsaKey := kxtKey(t, "rsa2048").Public()
	p256 := kxtKey(t, "p256").Public()
	p384 := kxtKey(t, "p384").Public()
	ed := kxtKey(t, "ed25519").Public()
	dsaKey := kxtKey(t, "dsa2048").Public()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	all := []handshake.SignatureScheme{}
	for _, c := range allSchemes {
		all = append(all, c.s)
	}
	v12, v13 := cipher.VersionTLS12, cipher.VersionTLS13
	type S = handshake.SignatureScheme
	cases := []struct {
		name       string
		v          cipher.Version
		pub        crypto.PublicKey
		peer, ours []S
		want       S // 0 with fail: handshake_failure
		fail       bool
	}{
		{"1.3 skips pkcs1", v13, rsaKey, []S{0x0401, 0x0201, 0x0804}, nil, 0x0804, false},
		{"1.2 peer order", v12, rsaKey, []S{0x0401, 0x0804}, nil, 0x0401, false},
		{"1.3 curve must match", v13, p384, []S{0x0403, 0x0503}, nil, 0x0503, false},
		{"1.2 any curve", v12, p384, []S{0x0403}, nil, 0x0403, false},
		{"1.3 curve mismatch", v13, p384, []S{0x0403, 0x0603}, nil, 0, true},
		{"unknown and foreign skipped", v12, p256, []S{0xfefe, 0x0807, 0x0804, 0x0603}, nil, 0x0603, false},
		{"pss too big for 1024 bits", v12, small.Public(), []S{0x0806, 0x0805, 0x0804}, nil, 0x0805, false},
		{"ours restricts", v12, rsaKey, []S{0x0804}, []S{0x0401}, 0, true},
		{"ours allows sha1", v12, rsaKey, []S{0x0201, 0x0401}, []S{0x0201}, 0x0201, false},
		{"1.2 absent, default list has no sha1", v12, rsaKey, nil, nil, 0, true},
		{"1.2 absent rsa", v12, rsaKey, nil, all, 0x0201, false},
		{"1.2 absent ecdsa", v12, p256, nil, all, 0x0203, false},
		{"1.2 absent dsa", v12, dsaKey, nil, all, 0x0202, false},
		{"1.2 absent ed25519", v12, ed, nil, all, 0, true},
		{"1.3 absent", v13, rsaKey, nil, all, 0, true},
		{"1.3 ed25519", v13, ed, []S{0x0804, 0x0807}, nil, 0x0807, false},
		{"1.2 ed25519", v12, ed, []S{0x0807}, nil, 0x0807, false},
		{"1.3 dsa", v13, dsaKey, []S{0x0402, 0x0202}, all, 0, true},
		{"1.2 dsa", v12, dsaKey, []S{0x0401, 0x0402}, all, 0x0402, false},
		{"1.3 sha1 ecdsa", v13, p256, []S{0x0203}, all, 0, true},
		{"1.3 pss_pss unsupported", v13, rsaKey, []S{0x0809, 0x0804}, all, 0x0804, false},
		{"1.1 rsa fixed", cipher.VersionTLS11, rsaKey, nil, nil, 0, false},
		{"1.0 dsa fixed", cipher.VersionTLS10, dsaKey, nil, nil, 0, false},
		{"ssl3 ed25519", cipher.VersionSSL30, ed, nil, nil, 0, true},
	}
	for _, c := range cases {
		got, err := handshake.SelectSignatureScheme(c.v, c.pub, c.peer, c.ours)
		if c.fail {
			kxtWantAlert(t, err, record.HandshakeFailure)
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %s, %v; want %s", c.name, got, err, c.want)
		}
	}
}

// kxtFits says which schemes a test key can use in TLS 1.2 and 1.3; it is
// written from the RFCs, independently of the library's tables.
func kxtFits(name string, s handshake.SignatureScheme, v cipher.Version) bool {
	lo, hi := uint8(s), uint8(s>>8)
	switch {
	case name == "ed25519":
		return s == handshake.Ed25519
	case name == "dsa2048":
		return v == cipher.VersionTLS12 && lo == 2 && hi >= 2 && hi <= 4
	case name == "rsa2048":
		if s >= 0x0804 && s <= 0x0806 {
			return true
		}
		return v == cipher.VersionTLS12 && lo == 1 && hi >= 2 && hi <= 6
	default: // ECDSA
		if lo != 3 || hi < 2 || hi > 6 {
			return false
		}
		if v == cipher.VersionTLS12 {
			return true
		}
		return (name == "p256" && s == 0x0403) || (name == "p384" && s == 0x0503) || (name == "p521" && s == 0x0603)
	}
}

func TestSignVerifyEverySchemeAndKey(t *testing.T) {
	msg := []byte("client random || server random || params")
	for _, name := range kxtKeyNames {
		key := kxtKey(t, name)
		for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS13} {
			for _, c := range allSchemes {
				fits := kxtFits(name, c.s, v) && c.s.Supported()
				sig, err := handshake.Sign(nil, key, v, c.s, msg)
				if !fits {
					kxtWantAlert(t, err, record.InternalError)
					err = handshake.Verify(key.Public(), v, c.s, msg, []byte{0x30, 0})
					kxtWantAlert(t, err, record.IllegalParameter)
					continue
				}
				if err != nil {
					t.Fatalf("%s %s %s: %v", name, v, c.s, err)
				}
				if err := handshake.Verify(key.Public(), v, c.s, msg, sig); err != nil {
					t.Fatalf("%s %s %s: own signature refused: %v", name, v, c.s, err)
				}
				bad := append([]byte(nil), sig...)
				bad[len(bad)/2] ^= 0x10
				kxtWantAlert(t, handshake.Verify(key.Public(), v, c.s, msg, bad), record.DecryptError)
				kxtWantAlert(t, handshake.Verify(key.Public(), v, c.s, append(msg, 0), sig), record.DecryptError)
				kxtWantAlert(t, handshake.Verify(key.Public(), v, c.s, msg, sig[:len(sig)-1]), record.DecryptError)
			}
		}
	}
}

func TestSignVerifyLegacy(t *testing.T) {
	msg := []byte("legacy ServerKeyExchange content")
	for _, name := range kxtKeyNames {
		key := kxtKey(t, name)
		for _, v := range []cipher.Version{cipher.VersionSSL30, cipher.VersionTLS10, cipher.VersionTLS11} {
			// The scheme argument is ignored before TLS 1.2.
			sig, err := handshake.Sign(nil, key, v, handshake.Ed25519, msg)
			if name == "ed25519" {
				kxtWantAlert(t, err, record.InternalError)
				kxtWantAlert(t, handshake.Verify(key.Public(), v, 0, msg, []byte{1}), record.IllegalParameter)
				continue
			}
			if err != nil {
				t.Fatalf("%s %s: %v", name, v, err)
			}
			if err := handshake.Verify(key.Public(), v, 0, msg, sig); err != nil {
				t.Fatalf("%s %s: %v", name, v, err)
			}
			sig[3] ^= 1
			kxtWantAlert(t, handshake.Verify(key.Public(), v, 0, msg, sig), record.DecryptError)
		}
	}
}

// TestLegacyRSASignatureLayout opens a TLS 1.0 RSA signature with the
// public exponent and checks the block by hand: 00 01 FF..FF 00 then the
// 36 bytes MD5 || SHA-1 of the message, no DigestInfo (RFC 2246, Section
// 7.4.3).
func TestLegacyRSASignatureLayout(t *testing.T) {
	key := kxtKey(t, "rsa2048")
	pub := key.Public().(*rsa.PublicKey)
	msg := []byte("the signed params")
	sig, err := handshake.Sign(nil, key, cipher.VersionTLS10, 0, msg)
	if err != nil {
		t.Fatal(err)
	}
	m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, pub.Size()))
	m5, s1 := md5.Sum(msg), sha1.Sum(msg)
	want := append(append([]byte{}, m5[:]...), s1[:]...)
	if em[0] != 0 || em[1] != 1 || em[len(em)-37] != 0 || !bytes.Equal(em[len(em)-36:], want) {
		t.Fatalf("block %x", em)
	}
	for _, b := range em[2 : len(em)-37] {
		if b != 0xff {
			t.Fatalf("padding %x", em)
		}
	}
	// SignDigest and VerifyDigest take the 36 bytes directly.
	sig2, err := handshake.SignDigest(nil, key, cipher.VersionTLS11, 0, want)
	if err != nil || !bytes.Equal(sig2, sig) { // PKCS #1 v1.5 is deterministic
		t.Fatalf("SignDigest: %x, %v", sig2, err)
	}
	if err := handshake.VerifyDigest(pub, cipher.VersionTLS11, 0, want, sig); err != nil {
		t.Fatal(err)
	}
	kxtWantAlert(t, handshake.VerifyDigest(pub, cipher.VersionTLS11, 0, want[:20], sig), record.InternalError)
}

// TestPSSSaltLength checks the salt is as long as the hash: crypto/rsa
// verifies with that exact salt length, and refuses a signature whose
// salt has another length.
func TestPSSSaltLength(t *testing.T) {
	key := kxtKey(t, "rsa2048")
	pub := key.Public().(*rsa.PublicKey)
	msg := []byte("pss")
	sig, err := handshake.Sign(nil, key, cipher.VersionTLS13, handshake.RSAPSSRSAESHA256, msg)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(msg)
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: 32}); err != nil {
		t.Fatalf("salt is not 32 bytes: %v", err)
	}
	other, err := rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: 20})
	if err != nil {
		t.Fatal(err)
	}
	kxtWantAlert(t, handshake.Verify(pub, cipher.VersionTLS13, handshake.RSAPSSRSAESHA256, msg, other), record.DecryptError)
}

func TestDSAVerifyTruncatesDigest(t *testing.T) {
	// A DSA key with a 160-bit Q signing SHA-256 digests cuts them to
	// their leftmost 160 bits (FIPS 186-4, Section 4.6): a signature that
	// crypto/dsa makes over the cut digest must verify as {sha256,dsa}.
	var priv dsa.PrivateKey
	if err := dsa.GenerateParameters(&priv.Parameters, rand.Reader, dsa.L1024N160); err != nil {
		t.Fatal(err)
	}
	if err := dsa.GenerateKey(&priv, rand.Reader); err != nil {
		t.Fatal(err)
	}
	pub := &priv.PublicKey
	msg := []byte("dhe_dss params")
	digest := sha256.Sum256(msg)
	r, s, err := dsa.Sign(rand.Reader, &priv, digest[:20])
	if err != nil {
		t.Fatal(err)
	}
	sig := kxtDER(r, s)
	if err := handshake.Verify(pub, cipher.VersionTLS12, handshake.DSASHA256, msg, sig); err != nil {
		t.Fatalf("cut digest: %v", err)
	}
	if err := handshake.VerifyDigest(pub, cipher.VersionTLS12, handshake.DSASHA256, digest[:], sig); err != nil {
		t.Fatalf("VerifyDigest: %v", err)
	}
	other := digest
	other[25] ^= 1 // beyond the cut: still valid
	if err := handshake.VerifyDigest(pub, cipher.VersionTLS12, handshake.DSASHA256, other[:], sig); err != nil {
		t.Fatalf("bits beyond Q matter: %v", err)
	}
	other[5] ^= 1
	kxtWantAlert(t, handshake.VerifyDigest(pub, cipher.VersionTLS12, handshake.DSASHA256, other[:], sig), record.DecryptError)
	// The pem package's signer, which is what a dhe_dss server uses,
	// agrees.
	k := kxtKey(t, "dsa2048")
	sig2, err := handshake.Sign(nil, k, cipher.VersionTLS12, handshake.DSASHA1, msg)
	if err != nil {
		t.Fatal(err)
	}
	h1 := sha1.Sum(msg)
	r2, s2 := kxtParseDER(t, sig2)
	if !dsa.Verify(k.Public().(*dsa.PublicKey), h1[:], r2, s2) {
		t.Fatal("crypto/dsa refuses the signature")
	}
	// Malformed DER: trailing bytes, negative r, wrong tag.
	for _, bad := range [][]byte{append(kxtDER(r, s), 0), kxtDER(new(big.Int).Neg(r), s), {0x31, 0}} {
		kxtWantAlert(t, handshake.VerifyDigest(pub, cipher.VersionTLS10, 0, digest[:20], bad), record.DecryptError)
	}
	// Broken keys are refused, not panicked on.
	for _, pk := range []*dsa.PublicKey{{}, {Parameters: dsa.Parameters{P: big.NewInt(0), Q: big.NewInt(7), G: big.NewInt(2)}, Y: big.NewInt(3)}} {
		kxtWantAlert(t, handshake.VerifyDigest(pk, cipher.VersionTLS10, 0, digest[:20], kxtDER(r, s)), record.DecryptError)
	}
}

func kxtParseDER(t *testing.T, sig []byte) (*big.Int, *big.Int) {
	var v struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &v); err != nil || len(rest) != 0 {
		t.Fatalf("signature is not DER: %v", err)
	}
	return v.R, v.S
}

func kxtDER(r, s *big.Int) []byte {
	enc := func(x *big.Int) []byte {
		b := x.Bytes()
		if x.Sign() < 0 {
			b = []byte{0xff}
		} else if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{2, byte(len(b))}, b...)
	}
	body := append(enc(r), enc(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

func TestVerifyRefusesSchemeMisuse(t *testing.T) {
	rsaKey := kxtKey(t, "rsa2048")
	p256 := kxtKey(t, "p256")
	msg := []byte("m")
	// A real rsa_pkcs1_sha256 signature is still refused in TLS 1.3.
	sig, err := handshake.Sign(nil, rsaKey, cipher.VersionTLS12, handshake.RSAPKCS1SHA256, msg)
	if err != nil {
		t.Fatal(err)
	}
	kxtWantAlert(t, handshake.Verify(rsaKey.Public(), cipher.VersionTLS13, handshake.RSAPKCS1SHA256, msg, sig), record.IllegalParameter)
	// A P-256 signature with SHA-384 is fine in TLS 1.2, not in TLS 1.3.
	sig, err = handshake.Sign(nil, p256, cipher.VersionTLS12, handshake.ECDSASecp384r1SHA384, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake.Verify(p256.Public(), cipher.VersionTLS12, handshake.ECDSASecp384r1SHA384, msg, sig); err != nil {
		t.Fatal(err)
	}
	kxtWantAlert(t, handshake.Verify(p256.Public(), cipher.VersionTLS13, handshake.ECDSASecp384r1SHA384, msg, sig), record.IllegalParameter)
	// Key and scheme families must agree, whatever the signature.
	kxtWantAlert(t, handshake.Verify(p256.Public(), cipher.VersionTLS12, handshake.RSAPKCS1SHA256, msg, sig), record.IllegalParameter)
	kxtWantAlert(t, handshake.Verify(rsaKey.Public(), cipher.VersionTLS12, handshake.ECDSASecp256r1SHA256, msg, sig), record.IllegalParameter)
	kxtWantAlert(t, handshake.Verify(rsaKey.Public(), cipher.VersionTLS13, handshake.RSAPSSPSSSHA256, msg, sig), record.IllegalParameter)
	kxtWantAlert(t, handshake.Verify(nil, cipher.VersionTLS12, handshake.RSAPKCS1SHA256, msg, sig), record.IllegalParameter)
	kxtWantAlert(t, handshake.Verify(ed25519.PublicKey{1, 2}, cipher.VersionTLS13, handshake.Ed25519, msg, sig), record.DecryptError)
	kxtWantAlert(t, handshake.Verify(&ecdsa.PublicKey{}, cipher.VersionTLS12, handshake.ECDSASHA1, msg, sig), record.DecryptError)
	kxtWantAlert(t, handshake.Verify(&rsa.PublicKey{}, cipher.VersionTLS12, handshake.RSAPKCS1SHA1, msg, sig), record.DecryptError)
	kxtWantAlert(t, handshake.VerifyDigest(kxtKey(t, "ed25519").Public(), cipher.VersionTLS13, handshake.Ed25519, msg, sig), record.IllegalParameter)
	_, err = handshake.SignDigest(nil, kxtKey(t, "ed25519"), cipher.VersionTLS13, handshake.Ed25519, msg)
	kxtWantAlert(t, err, record.InternalError)
	_, err = handshake.Sign(nil, nil, cipher.VersionTLS13, handshake.Ed25519, msg)
	kxtWantAlert(t, err, record.InternalError)
}

func TestCertificateVerifyContent(t *testing.T) {
	h := sha256.Sum256([]byte("transcript"))
	want := strings.Repeat("\x20", 64) + "TLS 1.3, server CertificateVerify\x00" + string(h[:])
	if got := handshake.CertificateVerifyContent(true, h[:]); string(got) != want {
		t.Fatalf("server content %q", got)
	}
	want = strings.Repeat(" ", 64) + "TLS 1.3, client CertificateVerify" + "\x00" + string(h[:])
	if got := handshake.CertificateVerifyContent(false, h[:]); string(got) != want {
		t.Fatalf("client content %q", got)
	}
	// Signed and checked as TLS 1.3 wants: a PSS signature over it.
	key := kxtKey(t, "rsa2048")
	c := handshake.CertificateVerifyContent(true, h[:])
	sig, err := handshake.Sign(nil, key, cipher.VersionTLS13, handshake.RSAPSSRSAESHA256, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake.Verify(key.Public(), cipher.VersionTLS13, handshake.RSAPSSRSAESHA256, c, sig); err != nil {
		t.Fatal(err)
	}
	kxtWantAlert(t, handshake.Verify(key.Public(), cipher.VersionTLS13, handshake.RSAPSSRSAESHA256, handshake.CertificateVerifyContent(false, h[:]), sig), record.DecryptError)
}
