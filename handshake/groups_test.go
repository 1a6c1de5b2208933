package handshake_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"reflect"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

func kxtHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNamedGroupValuesAndNames(t *testing.T) {
	// IANA TLS Supported Groups registry values and Erlang atoms.
	for _, c := range []struct {
		g    handshake.NamedGroup
		id   uint16
		name string
		ec   bool
	}{
		{handshake.Secp256r1, 23, "secp256r1", true},
		{handshake.Secp384r1, 24, "secp384r1", true},
		{handshake.Secp521r1, 25, "secp521r1", true},
		{handshake.X25519, 29, "x25519", true},
		{handshake.FFDHE2048, 256, "ffdhe2048", false},
		{handshake.FFDHE3072, 257, "ffdhe3072", false},
		{handshake.FFDHE4096, 258, "ffdhe4096", false},
		{handshake.FFDHE6144, 259, "ffdhe6144", false},
		{handshake.FFDHE8192, 260, "ffdhe8192", false},
		{handshake.X25519MLKEM768, 0x11ec, "x25519mlkem768", false},
	} {
		if uint16(c.g) != c.id || c.g.String() != c.name {
			t.Errorf("%s: id %#x name %q", c.name, uint16(c.g), c.g.String())
		}
		if !c.g.Supported() || c.g.IsEC() != c.ec || c.g.IsFFDHE() != (c.id >= 256 && c.id <= 260) {
			t.Errorf("%s: Supported %v IsEC %v IsFFDHE %v", c.name, c.g.Supported(), c.g.IsEC(), c.g.IsFFDHE())
		}
		if !c.g.AllowedIn(cipher.VersionTLS13) || c.g.AllowedIn(cipher.VersionTLS12) != c.ec ||
			c.g.AllowedIn(cipher.VersionTLS10) != c.ec || c.g.AllowedIn(cipher.VersionSSL30) {
			t.Errorf("%s: AllowedIn wrong", c.name)
		}
		g, err := handshake.ParseNamedGroup(c.name)
		if err != nil || g != c.g {
			t.Errorf("ParseNamedGroup(%q) = %v, %v", c.name, g, err)
		}
	}
	for in, want := range map[string]handshake.NamedGroup{
		"X25519MLKEM768": handshake.X25519MLKEM768, "P-256": handshake.Secp256r1, "prime256v1": handshake.Secp256r1,
		"P-384": handshake.Secp384r1, "p-521": handshake.Secp521r1, " SECP384R1 ": handshake.Secp384r1,
		"brainpoolP256r1": 26, "sect571r1": 14, "x448": handshake.X448, "secp256k1": 22,
	} {
		g, err := handshake.ParseNamedGroup(in)
		if err != nil || g != want {
			t.Errorf("ParseNamedGroup(%q) = %v, %v; want %v", in, g, err, want)
		}
	}
	for _, g := range []handshake.NamedGroup{26, 14, handshake.X448, 22, 0x1234} {
		if g.Supported() || g.AllowedIn(cipher.VersionTLS13) {
			t.Errorf("%s reported supported", g)
		}
	}
	if s := handshake.NamedGroup(0x1234).String(); s != "0x1234" {
		t.Errorf("unknown group prints %q", s)
	}
	for _, in := range []string{"", "curve25519x", "p256", "ffdhe1024"} {
		if g, err := handshake.ParseNamedGroup(in); err == nil {
			t.Errorf("ParseNamedGroup(%q) = %v", in, g)
		}
	}
	if d := handshake.DefaultGroups(); !reflect.DeepEqual(d, []handshake.NamedGroup{0x11ec, 29, 23, 24, 25}) {
		t.Errorf("DefaultGroups = %v", d)
	}
	if d := handshake.DefaultEccs(); !reflect.DeepEqual(d, []handshake.NamedGroup{29, 23, 24, 25}) {
		t.Errorf("DefaultEccs = %v", d)
	}
}

func TestNegotiateGroup(t *testing.T) {
	type G = handshake.NamedGroup
	ec := func(g G) bool { return g.IsEC() }
	cases := []struct {
		peer, ours  []G
		serverOrder bool
		usable      func(G) bool
		want        G
		ok          bool
	}{
		{[]G{24, 29, 23}, []G{29, 23, 24}, false, nil, 24, true},
		{[]G{24, 29, 23}, []G{29, 23, 24}, true, nil, 29, true},
		{[]G{0x11ec, 29}, []G{0x11ec, 29}, false, ec, 29, true},
		{[]G{26, 0x1234, 23}, []G{26, 23}, false, nil, 23, true}, // brainpool unsupported
		{[]G{24}, []G{23}, false, nil, 0, false},
		{nil, []G{0x11ec, 25, 23}, false, ec, 25, true},
		{nil, []G{0x11ec}, false, ec, 0, false},
		{[]G{}, []G{23}, false, nil, 0, false},
	}
	for i, c := range cases {
		g, ok := handshake.NegotiateGroup(c.peer, c.ours, c.serverOrder, c.usable)
		if g != c.want || ok != c.ok {
			t.Errorf("case %d: got %v %v, want %v %v", i, g, ok, c.want, c.ok)
		}
	}
}

// TestX25519RFC7748 runs the Diffie-Hellman example of RFC 7748, Section
// 6.1 through EphemeralKey and Encapsulate, with the published private
// keys as the random source.
func TestX25519RFC7748(t *testing.T) {
	alicePriv := kxtHex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	alicePub := kxtHex(t, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
	bobPriv := kxtHex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
	bobPub := kxtHex(t, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
	shared := kxtHex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")

	a, err := handshake.GenerateEphemeral(bytes.NewReader(alicePriv), handshake.X25519)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Public(), alicePub) {
		t.Fatalf("Alice's public key %x", a.Public())
	}
	pub, z, err := handshake.Encapsulate(bytes.NewReader(bobPriv), handshake.X25519, alicePub)
	if err != nil || !bytes.Equal(pub, bobPub) || !bytes.Equal(z, shared) {
		t.Fatalf("Bob: %x %x %v", pub, z, err)
	}
	z, err = a.SharedSecret(bobPub)
	if err != nil || !bytes.Equal(z, shared) {
		t.Fatalf("Alice: %x %v", z, err)
	}
}

// TestP256NISTVectors runs NIST CAVS ECC CDH primitive vectors (P-256,
// COUNT 0 and 1) through EphemeralKey: dIUT is the random source, QCAVS
// the peer's point, ZIUT the expected secret.
func TestP256NISTVectors(t *testing.T) {
	for _, v := range []struct{ qcavs, d, qiut, z string }{
		{
			"700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287" + "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac",
			"7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534",
			"ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230" + "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141",
			"46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b",
		},
		{
			"809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d43a86a7ae" + "b29d84e811197f25eba8f5194092cb6ff440e26d4421011372461f579271cda3",
			"38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5",
			"119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95b0a3f6d0" + "8f52b726664cac366fc98ac7a012b2682cbd962e5acb544671d41b9445704d1d",
			"057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda67",
		},
	} {
		k, err := handshake.GenerateEphemeral(bytes.NewReader(kxtHex(t, v.d)), handshake.Secp256r1)
		if err != nil {
			t.Fatal(err)
		}
		if want := append([]byte{4}, kxtHex(t, v.qiut)...); !bytes.Equal(k.Public(), want) {
			t.Errorf("public %x, want %x", k.Public(), want)
		}
		z, err := k.SharedSecret(append([]byte{4}, kxtHex(t, v.qcavs)...))
		if err != nil || !bytes.Equal(z, kxtHex(t, v.z)) {
			t.Errorf("Z %x %v, want %s", z, err, v.z)
		}
	}
}

var kxtShareSizes = map[handshake.NamedGroup][3]int{ // client share, server share, secret
	handshake.X25519:         {32, 32, 32},
	handshake.Secp256r1:      {65, 65, 32},
	handshake.Secp384r1:      {97, 97, 48},
	handshake.Secp521r1:      {133, 133, 66},
	handshake.FFDHE2048:      {256, 256, 256},
	handshake.FFDHE3072:      {384, 384, 384},
	handshake.FFDHE4096:      {512, 512, 512},
	handshake.FFDHE6144:      {768, 768, 768},
	handshake.FFDHE8192:      {1024, 1024, 1024},
	handshake.X25519MLKEM768: {1216, 1120, 64},
}

// TestKeyShareRoundTrips does the TLS 1.3 key share of every group both
// ways: the client's share, the server's encapsulation, the client's
// decapsulation.
func TestKeyShareRoundTrips(t *testing.T) {
	for g, sz := range kxtShareSizes {
		for i := 0; i < 2; i++ {
			c, err := handshake.GenerateEphemeral(nil, g)
			if err != nil {
				t.Fatalf("%s: %v", g, err)
			}
			if c.Group() != g || len(c.Public()) != sz[0] {
				t.Fatalf("%s: client share of %d bytes", g, len(c.Public()))
			}
			pub, z, err := handshake.Encapsulate(nil, g, c.Public())
			if err != nil || len(pub) != sz[1] || len(z) != sz[2] {
				t.Fatalf("%s: server share %d bytes, secret %d bytes, %v", g, len(pub), len(z), err)
			}
			z2, err := c.SharedSecret(pub)
			if err != nil || !bytes.Equal(z, z2) {
				t.Fatalf("%s: secrets differ: %v", g, err)
			}
			if bytes.Equal(z, make([]byte, len(z))) {
				t.Fatalf("%s: zero secret", g)
			}
		}
	}
}

// TestKeyShareDeterministic checks the random source is the only one used
// for the client's share, so that tests can replay handshakes.
func TestKeyShareDeterministic(t *testing.T) {
	for _, g := range []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1, handshake.Secp384r1, handshake.Secp521r1, handshake.FFDHE2048, handshake.X25519MLKEM768} {
		a, err1 := handshake.GenerateEphemeral(newKXTRand("share"), g)
		b, err2 := handshake.GenerateEphemeral(newKXTRand("share"), g)
		c, err3 := handshake.GenerateEphemeral(newKXTRand("other"), g)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		if !bytes.Equal(a.Public(), b.Public()) || bytes.Equal(a.Public(), c.Public()) {
			t.Errorf("%s: not determined by the random source", g)
		}
	}
}

// TestHybridLayout checks the X25519MLKEM768 byte order against
// crypto/mlkem and crypto/ecdh used directly: ML-KEM first, X25519 second,
// in both shares and in the secret (draft-ietf-tls-ecdhe-mlkem, Section
// 4.1; Go's crypto/tls does the same).
func TestHybridLayout(t *testing.T) {
	// A client made by hand, our server.
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		t.Fatal(err)
	}
	xk, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	share := append(dk.EncapsulationKey().Bytes(), xk.PublicKey().Bytes()...)
	pub, z, err := handshake.Encapsulate(nil, handshake.X25519MLKEM768, share)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := dk.Decapsulate(pub[:mlkem.CiphertextSize768])
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ecdh.X25519().NewPublicKey(pub[mlkem.CiphertextSize768:])
	if err != nil {
		t.Fatal(err)
	}
	xz, err := xk.ECDH(peer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(z, append(ss, xz...)) {
		t.Fatal("server secret is not ML-KEM secret || X25519 secret")
	}

	// Our client, a server made by hand.
	c, err := handshake.GenerateEphemeral(nil, handshake.X25519MLKEM768)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := mlkem.NewEncapsulationKey768(c.Public()[:mlkem.EncapsulationKeySize768])
	if err != nil {
		t.Fatal(err)
	}
	ss, ct := ek.Encapsulate()
	sx, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cx, err := ecdh.X25519().NewPublicKey(c.Public()[mlkem.EncapsulationKeySize768:])
	if err != nil {
		t.Fatal(err)
	}
	xz, err = sx.ECDH(cx)
	if err != nil {
		t.Fatal(err)
	}
	z, err = c.SharedSecret(append(ct, sx.PublicKey().Bytes()...))
	if err != nil || !bytes.Equal(z, append(ss, xz...)) {
		t.Fatalf("client secret wrong: %v", err)
	}
}

func TestKeyShareInvalidPeers(t *testing.T) {
	p := func(g handshake.NamedGroup) []byte {
		k, err := handshake.GenerateEphemeral(nil, g)
		if err != nil {
			t.Fatal(err)
		}
		return k.Public()
	}
	flip := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 1
		return c
	}
	good256 := p(handshake.Secp256r1)
	compressed := append([]byte{2 | good256[64]&1}, good256[1:33]...)
	lowOrder := []string{ // X25519 points of small order (RFC 7748 / libsodium's blacklist)
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	}
	ff := handshake.FFDHEParams(handshake.FFDHE2048).P
	pad := func(x *big.Int) []byte { return x.FillBytes(make([]byte, 256)) }
	hybridClient := p(handshake.X25519MLKEM768)
	badEK := append([]byte(nil), hybridClient...)
	badEK[0], badEK[1] = 0xff, 0x0f // a coefficient of 4095 >= q: fails the modulus check
	cases := []kxtBadShare{
		{handshake.X25519, make([]byte, 31), true},
		{handshake.X25519, make([]byte, 33), true},
		{handshake.Secp256r1, flip(good256, 64), true}, // not on the curve
		{handshake.Secp256r1, compressed, true},
		{handshake.Secp256r1, []byte{0}, true}, // point at infinity
		{handshake.Secp256r1, p(handshake.Secp384r1), true},
		{handshake.Secp384r1, good256, true},
		{handshake.Secp521r1, nil, true},
		{handshake.FFDHE2048, pad(big.NewInt(0)), true},
		{handshake.FFDHE2048, pad(big.NewInt(1)), true},
		{handshake.FFDHE2048, pad(new(big.Int).Sub(ff, big.NewInt(1))), true},
		{handshake.FFDHE2048, pad(ff), true},
		{handshake.FFDHE2048, big.NewInt(12345).Bytes(), true}, // not padded
		{handshake.FFDHE3072, p(handshake.FFDHE2048), true},
		{handshake.X25519MLKEM768, hybridClient[:1215], false},
		{handshake.X25519MLKEM768, badEK, false},
	}
	for _, lo := range lowOrder {
		cases = append(cases, kxtBadShare{handshake.X25519, kxtHex(t, lo), true},
			// The same point in the X25519 half of a hybrid share.
			kxtBadShare{handshake.X25519MLKEM768, append(hybridClient[:1184:1184], kxtHex(t, lo)...), false})
	}
	for i, c := range cases {
		_, _, err := handshake.Encapsulate(nil, c.g, c.peer)
		kxtWantAlert(t, err, record.IllegalParameter)
		if !c.server {
			continue
		}
		k, err := handshake.GenerateEphemeral(nil, c.g)
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.SharedSecret(c.peer)
		if err == nil {
			t.Fatalf("case %d (%s): invalid peer value accepted", i, c.g)
		}
		kxtWantAlert(t, err, record.IllegalParameter)
	}
	// The client side of the hybrid: wrong lengths and a low-order X25519
	// half in the server's share.
	k, err := handshake.GenerateEphemeral(nil, handshake.X25519MLKEM768)
	if err != nil {
		t.Fatal(err)
	}
	srv, _, err := handshake.Encapsulate(nil, handshake.X25519MLKEM768, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{srv[:1119], append(srv, 0), append(srv[:1088:1088], make([]byte, 32)...)} {
		_, err := k.SharedSecret(bad)
		kxtWantAlert(t, err, record.IllegalParameter)
	}
	// Groups this library does not implement are the caller's error.
	for _, g := range []handshake.NamedGroup{handshake.X448, 26, 0} {
		_, err := handshake.GenerateEphemeral(nil, g)
		kxtWantAlert(t, err, record.InternalError)
		_, _, err = handshake.Encapsulate(nil, g, make([]byte, 56))
		kxtWantAlert(t, err, record.InternalError)
	}
}

// kxtBadShare is an invalid peer share in group g; server is true when
// the value is also one a server could send (so SharedSecret is tried
// too), false for values only a client sends (hybrid encapsulation keys).
type kxtBadShare struct {
	g      handshake.NamedGroup
	peer   []byte
	server bool
}
