package handshake_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
)

// kxtSetup describes one key exchange between our client and our server.
type kxtSetup struct {
	method cipher.KeyExchange
	v      cipher.Version
	key    string // test key of the server certificate; "" for anonymous methods
	group  handshake.NamedGroup
	dh     *pem.DHParams
	scheme handshake.SignatureScheme // 0: SelectSignatureScheme with the defaults
}

func (s kxtSetup) String() string {
	n := s.method.String() + "/" + s.v.String() + "/" + s.key
	if s.group != 0 {
		n += "/" + s.group.String()
	}
	if s.dh != nil {
		n += "/" + big.NewInt(int64(s.dh.P.BitLen())).String()
	}
	if s.scheme != 0 {
		n += "/" + s.scheme.String()
	}
	return n
}

func kxtRandom32() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// kxtParams returns matching server and client parameters for s.
func kxtParams(t testing.TB, s kxtSetup) (*handshake.ServerKXParams, *handshake.ClientKXParams) {
	t.Helper()
	cr, sr := kxtRandom32(), kxtRandom32()
	sp := &handshake.ServerKXParams{
		Version: s.v, ClientVersion: cipher.VersionTLS12,
		ClientRandom: cr, ServerRandom: sr, Group: s.group, DHParams: s.dh,
	}
	cp := &handshake.ClientKXParams{
		Version: s.v, ClientVersion: cipher.VersionTLS12,
		ClientRandom: cr, ServerRandom: sr,
	}
	if s.key != "" {
		k := kxtKey(t, s.key)
		sp.Key = k
		cp.ServerKey = k.Public()
		sp.SignatureScheme = s.scheme
		if s.scheme == 0 && s.v >= cipher.VersionTLS12 && s.method != cipher.KXRSA &&
			s.method != cipher.KXECDHECDSA && s.method != cipher.KXECDHRSA {
			all := []handshake.SignatureScheme{}
			for _, c := range allSchemes {
				all = append(all, c.s)
			}
			sc, err := handshake.SelectSignatureScheme(s.v, k.Public(), handshake.DefaultSignatureSchemes(), all)
			if err != nil {
				sc, err = handshake.SelectSignatureScheme(s.v, k.Public(), all, all)
			}
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			sp.SignatureScheme = sc
		}
		if s.scheme != 0 || s.method == cipher.KXDHEDSS {
			cp.SignatureSchemes = append(handshake.DefaultSignatureSchemes(), sp.SignatureScheme)
		}
	}
	return sp, cp
}

// kxtRun runs the exchange both ways and returns the two pre-master
// secrets and agreements; errors are returned from the first failing
// step.
func kxtRun(t testing.TB, sp *handshake.ServerKXParams, cp *handshake.ClientKXParams, method cipher.KeyExchange,
	tamperSKE, tamperCKE func([]byte) []byte) (spm, cpm []byte, srv, cli handshake.KeyAgreement, err error) {
	t.Helper()
	if srv, err = handshake.NewKeyAgreement(method); err != nil {
		t.Fatal(err)
	}
	if cli, err = handshake.NewKeyAgreement(method); err != nil {
		t.Fatal(err)
	}
	ske, err := srv.GenerateServerKeyExchange(sp)
	if err != nil {
		t.Fatalf("%s: GenerateServerKeyExchange: %v", method, err)
	}
	if (ske == nil) != (srv.ServerKeyExchangeUse() == handshake.MessageNever) {
		t.Fatalf("%s: ServerKeyExchange %x with use %s", method, ske, srv.ServerKeyExchangeUse())
	}
	if ske != nil {
		if tamperSKE != nil {
			ske = tamperSKE(ske)
		}
		if err = cli.ProcessServerKeyExchange(cp, ske); err != nil {
			return nil, nil, srv, cli, err
		}
	}
	cke, cpm, err := cli.GenerateClientKeyExchange(cp)
	if err != nil {
		return nil, nil, srv, cli, err
	}
	if tamperCKE != nil {
		cke = tamperCKE(cke)
	}
	spm, err = srv.ProcessClientKeyExchange(sp, cke)
	return spm, cpm, srv, cli, err
}

func kxtDHParams(t testing.TB, file string) *pem.DHParams {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := pem.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := pem.FirstDHParams(entries)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func kxtSetups(t testing.TB) []kxtSetup {
	var out []kxtSetup
	ecGroups := []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1, handshake.Secp384r1, handshake.Secp521r1}
	tls := []cipher.Version{cipher.VersionTLS10, cipher.VersionTLS11, cipher.VersionTLS12}
	all := append([]cipher.Version{cipher.VersionSSL30}, tls...)
	for _, v := range tls {
		for _, g := range ecGroups {
			out = append(out, kxtSetup{method: cipher.KXECDHERSA, v: v, key: "rsa2048", group: g},
				kxtSetup{method: cipher.KXECDHAnon, v: v, group: g})
			for _, k := range []string{"p256", "p384", "p521"} {
				out = append(out, kxtSetup{method: cipher.KXECDHEECDSA, v: v, key: k, group: g})
			}
		}
		for _, k := range []string{"p256", "p384", "p521"} {
			out = append(out, kxtSetup{method: cipher.KXECDHECDSA, v: v, key: k},
				kxtSetup{method: cipher.KXECDHRSA, v: v, key: k})
		}
	}
	for _, g := range ecGroups {
		out = append(out, kxtSetup{method: cipher.KXECDHEECDSA, v: cipher.VersionTLS12, key: "ed25519", group: g})
	}
	// Every TLS 1.2 scheme the RSA and ECDSA keys can sign with.
	for _, c := range allSchemes {
		if !c.s.Supported() {
			continue
		}
		switch {
		case kxtFits("rsa2048", c.s, cipher.VersionTLS12):
			out = append(out, kxtSetup{method: cipher.KXECDHERSA, v: cipher.VersionTLS12, key: "rsa2048", group: handshake.X25519, scheme: c.s},
				kxtSetup{method: cipher.KXDHERSA, v: cipher.VersionTLS12, key: "rsa2048", scheme: c.s})
		case kxtFits("p384", c.s, cipher.VersionTLS12):
			out = append(out, kxtSetup{method: cipher.KXECDHEECDSA, v: cipher.VersionTLS12, key: "p384", group: handshake.Secp256r1, scheme: c.s})
		case kxtFits("dsa2048", c.s, cipher.VersionTLS12):
			out = append(out, kxtSetup{method: cipher.KXDHEDSS, v: cipher.VersionTLS12, key: "dsa2048", scheme: c.s})
		}
	}
	dh2048 := kxtDHParams(t, "kx-dh2048.pem")
	dhx := kxtDHParams(t, "kx-dhx2048.pem")
	for _, v := range all {
		for _, dh := range []*pem.DHParams{nil, handshake.FFDHEParams(handshake.FFDHE3072), dh2048, dhx} {
			out = append(out, kxtSetup{method: cipher.KXDHERSA, v: v, key: "rsa2048", dh: dh},
				kxtSetup{method: cipher.KXDHEDSS, v: v, key: "dsa2048", dh: dh},
				kxtSetup{method: cipher.KXDHAnon, v: v, dh: dh})
		}
		out = append(out, kxtSetup{method: cipher.KXRSA, v: v, key: "rsa2048"})
	}
	return out
}

// TestKeyExchangesEndToEnd runs every method in every version it exists
// in, with every group and kind of server key and parameters, client and
// server each fed the other's messages; both must reach the same
// pre-master secret and report the same negotiated values.
func TestKeyExchangesEndToEnd(t *testing.T) {
	for _, s := range kxtSetups(t) {
		sp, cp := kxtParams(t, s)
		spm, cpm, srv, cli, err := kxtRun(t, sp, cp, s.method, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !bytes.Equal(spm, cpm) || len(spm) == 0 {
			t.Fatalf("%s: pre-master secrets differ", s)
		}
		if srv.Method() != s.method || cli.Method() != s.method {
			t.Fatalf("%s: Method() = %s", s, srv.Method())
		}
		si, ci := srv.Info(), cli.Info()
		if si != ci {
			t.Fatalf("%s: server info %+v, client info %+v", s, si, ci)
		}
		switch s.method {
		case cipher.KXRSA:
			if len(spm) != 48 || spm[0] != 3 || spm[1] != 3 {
				t.Fatalf("%s: RSA pre-master %x", s, spm)
			}
		case cipher.KXECDHERSA, cipher.KXECDHEECDSA, cipher.KXECDHAnon:
			if si.Group != s.group || len(spm) != kxtShareSizes[s.group][2] {
				t.Fatalf("%s: group %s, pre-master of %d bytes", s, si.Group, len(spm))
			}
		case cipher.KXECDHECDSA, cipher.KXECDHRSA:
			want := map[string]handshake.NamedGroup{"p256": handshake.Secp256r1, "p384": handshake.Secp384r1, "p521": handshake.Secp521r1}[s.key]
			if si.Group != want || len(spm) != kxtShareSizes[want][2] {
				t.Fatalf("%s: group %s, pre-master of %d bytes", s, si.Group, len(spm))
			}
		default:
			bits := 2048
			if s.dh != nil {
				bits = s.dh.P.BitLen()
			}
			if si.DHBits != bits || len(spm) > (bits+7)/8 || spm[0] == 0 {
				t.Fatalf("%s: %d bits, pre-master of %d bytes starting %x", s, si.DHBits, len(spm), spm[0])
			}
		}
		signed := s.method != cipher.KXRSA && s.method != cipher.KXECDHAnon && s.method != cipher.KXDHAnon &&
			s.method != cipher.KXECDHECDSA && s.method != cipher.KXECDHRSA
		if signed && s.v >= cipher.VersionTLS12 && si.SignatureScheme != sp.SignatureScheme {
			t.Fatalf("%s: scheme %s, want %s", s, si.SignatureScheme, sp.SignatureScheme)
		}
		if (!signed || s.v < cipher.VersionTLS12) && si.SignatureScheme != 0 {
			t.Fatalf("%s: scheme %s reported", s, si.SignatureScheme)
		}
	}
}

// TestECDHEServerVectors drives the server side of ECDHE with the RFC 7748
// and NIST CAVS private keys as its random source and the published peer
// values as the ClientKeyExchange: the ServerKeyExchange must carry the
// published public value and the pre-master secret must be the published
// shared secret.
func TestECDHEServerVectors(t *testing.T) {
	for _, v := range []struct {
		g                  handshake.NamedGroup
		priv, pub, peer, z string
	}{
		{handshake.X25519,
			"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
			"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
		{handshake.Secp256r1,
			"7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534",
			"04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b23028af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141",
			"04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac",
			"46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b"},
	} {
		kx, _ := handshake.NewKeyAgreement(cipher.KXECDHAnon)
		sp := &handshake.ServerKXParams{Version: cipher.VersionTLS12, Group: v.g, Rand: bytes.NewReader(kxtHex(t, v.priv))}
		ske, err := kx.GenerateServerKeyExchange(sp)
		if err != nil {
			t.Fatal(err)
		}
		pub := kxtHex(t, v.pub)
		want := append([]byte{3, byte(v.g >> 8), byte(v.g), byte(len(pub))}, pub...)
		if !bytes.Equal(ske, want) {
			t.Fatalf("%s: ServerKeyExchange %x, want %x", v.g, ske, want)
		}
		peer := kxtHex(t, v.peer)
		pm, err := kx.ProcessClientKeyExchange(sp, append([]byte{byte(len(peer))}, peer...))
		if err != nil || !bytes.Equal(pm, kxtHex(t, v.z)) {
			t.Fatalf("%s: pre-master %x, %v", v.g, pm, err)
		}
	}
}

func kxtFlipLast(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)-1] ^= 0x01
	return c
}

func TestServerKeyExchangeSignatureTampering(t *testing.T) {
	for _, s := range []kxtSetup{
		{method: cipher.KXECDHERSA, v: cipher.VersionTLS12, key: "rsa2048", group: handshake.X25519},
		{method: cipher.KXECDHERSA, v: cipher.VersionTLS10, key: "rsa2048", group: handshake.Secp256r1},
		{method: cipher.KXECDHEECDSA, v: cipher.VersionTLS12, key: "p256", group: handshake.X25519},
		{method: cipher.KXECDHEECDSA, v: cipher.VersionTLS11, key: "p384", group: handshake.X25519},
		{method: cipher.KXECDHEECDSA, v: cipher.VersionTLS12, key: "ed25519", group: handshake.X25519},
		{method: cipher.KXDHERSA, v: cipher.VersionTLS12, key: "rsa2048"},
		{method: cipher.KXDHERSA, v: cipher.VersionSSL30, key: "rsa2048"},
		{method: cipher.KXDHEDSS, v: cipher.VersionTLS12, key: "dsa2048"},
		{method: cipher.KXDHEDSS, v: cipher.VersionTLS10, key: "dsa2048"},
	} {
		// The signature's last byte flipped.
		sp, cp := kxtParams(t, s)
		_, _, _, _, err := kxtRun(t, sp, cp, s.method, kxtFlipLast, nil)
		kxtWantAlert(t, err, record.DecryptError)
		// Intact message, but the client's view of the randoms differs
		// (a replayed ServerKeyExchange).
		sp, cp = kxtParams(t, s)
		cp.ServerRandom = kxtRandom32()
		_, _, _, _, err = kxtRun(t, sp, cp, s.method, nil, nil)
		kxtWantAlert(t, err, record.DecryptError)
		// A signature from another key of the same type.
		sp, cp = kxtParams(t, s)
		other := map[string]string{"rsa2048": "rsa2048", "p256": "p384", "p384": "p256", "ed25519": "ed25519", "dsa2048": "dsa2048"}[s.key]
		if other != s.key {
			cp.ServerKey = kxtKey(t, other).Public()
			_, _, _, _, err = kxtRun(t, sp, cp, s.method, nil, nil)
			kxtWantAlert(t, err, record.DecryptError)
		}
	}
}

func TestServerKeyExchangeSchemeChecks(t *testing.T) {
	s := kxtSetup{method: cipher.KXECDHERSA, v: cipher.VersionTLS12, key: "rsa2048", group: handshake.X25519, scheme: handshake.RSAPKCS1SHA256}
	// Signed with a scheme the client did not offer.
	sp, cp := kxtParams(t, s)
	cp.SignatureSchemes = []handshake.SignatureScheme{handshake.RSAPSSRSAESHA256}
	_, _, _, _, err := kxtRun(t, sp, cp, s.method, nil, nil)
	kxtWantAlert(t, err, record.IllegalParameter)
	// The scheme field rewritten to an ECDSA one (offered by default):
	// it does not fit the RSA key.
	sp, cp = kxtParams(t, s)
	rewrite := func(b []byte) []byte {
		c := append([]byte(nil), b...)
		i := 4 + int(c[3])
		c[i], c[i+1] = 0x04, 0x03
		return c
	}
	_, _, _, _, err = kxtRun(t, sp, cp, s.method, rewrite, nil)
	kxtWantAlert(t, err, record.IllegalParameter)
	// The certificate key does not fit the method.
	for _, c := range []struct {
		m   cipher.KeyExchange
		v   cipher.Version
		key string
	}{
		{cipher.KXECDHERSA, cipher.VersionTLS12, "p256"},
		{cipher.KXECDHEECDSA, cipher.VersionTLS12, "rsa2048"},
		{cipher.KXECDHEECDSA, cipher.VersionTLS10, "ed25519"},
		{cipher.KXDHEDSS, cipher.VersionTLS12, "rsa2048"},
		{cipher.KXDHERSA, cipher.VersionTLS12, "dsa2048"},
		{cipher.KXRSA, cipher.VersionTLS12, "p256"},
		{cipher.KXECDHECDSA, cipher.VersionTLS12, "rsa2048"},
		{cipher.KXECDHRSA, cipher.VersionTLS12, "ed25519"},
	} {
		kx, _ := handshake.NewKeyAgreement(c.m)
		cp := &handshake.ClientKXParams{Version: c.v, ClientVersion: c.v, ServerKey: kxtKey(t, c.key).Public(),
			ClientRandom: kxtRandom32(), ServerRandom: kxtRandom32()}
		var err error
		if kx.ServerKeyExchangeUse() == handshake.MessageRequired {
			err = kx.ProcessServerKeyExchange(cp, []byte{3, 0, 29, 1, 1})
		} else {
			_, _, err = kx.GenerateClientKeyExchange(cp)
		}
		kxtWantAlert(t, err, record.UnsupportedCertificate)
		// And the server refuses to use such a key.
		skx, _ := handshake.NewKeyAgreement(c.m)
		sp := &handshake.ServerKXParams{Version: c.v, ClientVersion: c.v, Key: kxtKey(t, c.key), Group: handshake.X25519,
			SignatureScheme: handshake.RSAPSSRSAESHA256, ClientRandom: kxtRandom32(), ServerRandom: kxtRandom32()}
		if _, err := skx.GenerateServerKeyExchange(sp); err != nil {
			kxtWantAlert(t, err, record.InternalError)
		} else {
			_, err := skx.ProcessClientKeyExchange(sp, []byte{0, 2, 1, 2})
			kxtWantAlert(t, err, record.InternalError)
		}
	}
}

func kxtDHBody(p, g, y []byte) []byte {
	var b []byte
	for _, f := range [][]byte{p, g, y} {
		b = append(b, byte(len(f)>>8), byte(len(f)))
		b = append(b, f...)
	}
	return b
}

func TestDHEClientRefusals(t *testing.T) {
	// A weak group sent by a server, signed and all.
	weak, err := rand.Prime(rand.Reader, 1000)
	if err != nil {
		t.Fatal(err)
	}
	s := kxtSetup{method: cipher.KXDHERSA, v: cipher.VersionTLS12, key: "rsa2048", dh: &pem.DHParams{P: weak, G: big.NewInt(2)}}
	sp, cp := kxtParams(t, s)
	_, _, _, _, err = kxtRun(t, sp, cp, s.method, nil, nil)
	kxtWantAlert(t, err, record.InsufficientSecurity)
	// The minimum is the client's to set: 512 lets it through, 3000
	// refuses ffdhe2048.
	sp, cp = kxtParams(t, s)
	cp.MinDHBits = 512
	if spm, cpm, _, _, err := kxtRun(t, sp, cp, s.method, nil, nil); err != nil || !bytes.Equal(spm, cpm) {
		t.Fatalf("1000-bit group with a 512-bit minimum: %v", err)
	}
	s.dh = nil
	sp, cp = kxtParams(t, s)
	cp.MinDHBits = 3000
	_, _, _, _, err = kxtRun(t, sp, cp, s.method, nil, nil)
	kxtWantAlert(t, err, record.InsufficientSecurity)

	// Hand-made dh_anon bodies.
	p := handshake.FFDHEParams(handshake.FFDHE2048).P
	pb := p.Bytes()
	one := big.NewInt(1)
	pm1 := new(big.Int).Sub(p, one).Bytes()
	g := []byte{2}
	y := big.NewInt(123456789).Bytes()
	even := new(big.Int).Sub(p, one).Bytes()
	huge := make([]byte, 1300)
	huge[0], huge[len(huge)-1] = 1, 1
	cases := []struct {
		body []byte
		want record.Description
	}{
		{kxtDHBody(pb, g, y), 0},
		{kxtDHBody(even, g, y), record.IllegalParameter},
		{kxtDHBody(pb, []byte{1}, y), record.IllegalParameter},
		{kxtDHBody(pb, []byte{0}, y), record.IllegalParameter},
		{kxtDHBody(pb, pm1, y), record.IllegalParameter},
		{kxtDHBody(pb, pb, y), record.IllegalParameter},
		{kxtDHBody(pb, g, []byte{0}), record.IllegalParameter},
		{kxtDHBody(pb, g, []byte{1}), record.IllegalParameter},
		{kxtDHBody(pb, g, pm1), record.IllegalParameter},
		{kxtDHBody(pb, g, pb), record.IllegalParameter},
		{kxtDHBody(huge, g, y), record.IllegalParameter},
		{kxtDHBody(pb[:64], g, y), record.InsufficientSecurity},
		{append(kxtDHBody(pb, g, y), 0), record.DecodeError},
		{kxtDHBody(pb, g, y)[:200], record.DecodeError},
		{kxtDHBody(pb, nil, y), record.DecodeError},
		{kxtDHBody(pb, g, nil), record.DecodeError},
		{nil, record.DecodeError},
	}
	for i, c := range cases {
		kx, _ := handshake.NewKeyAgreement(cipher.KXDHAnon)
		err := kx.ProcessServerKeyExchange(&handshake.ClientKXParams{Version: cipher.VersionTLS12}, c.body)
		if c.want == 0 {
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			continue
		}
		if err == nil {
			t.Fatalf("case %d accepted", i)
		}
		kxtWantAlert(t, err, c.want)
	}
}

func TestECDHEClientRefusals(t *testing.T) {
	good, err := handshake.GenerateEphemeral(nil, handshake.Secp256r1)
	if err != nil {
		t.Fatal(err)
	}
	pt := good.Public()
	x, _ := handshake.GenerateEphemeral(nil, handshake.X25519)
	body := func(curveType byte, g handshake.NamedGroup, point []byte) []byte {
		return append([]byte{curveType, byte(g >> 8), byte(g), byte(len(point))}, point...)
	}
	offCurve := append([]byte(nil), pt...)
	offCurve[40] ^= 1
	compressed := append([]byte{2 | pt[64]&1}, pt[1:33]...)
	cases := []struct {
		body   []byte
		groups []handshake.NamedGroup
		want   record.Description
	}{
		{body(3, handshake.Secp256r1, pt), nil, 0},
		{body(3, handshake.X25519, x.Public()), nil, 0},
		{body(3, handshake.Secp256r1, pt), []handshake.NamedGroup{handshake.X25519}, record.IllegalParameter},
		{body(1, handshake.Secp256r1, pt), nil, record.IllegalParameter},
		{body(2, handshake.Secp256r1, pt), nil, record.IllegalParameter},
		{body(3, 26, pt), []handshake.NamedGroup{26, 23}, record.IllegalParameter},
		{body(3, handshake.FFDHE2048, pt), []handshake.NamedGroup{256}, record.IllegalParameter},
		{body(3, handshake.X25519MLKEM768, pt), []handshake.NamedGroup{0x11ec}, record.IllegalParameter},
		{body(3, handshake.Secp256r1, offCurve), nil, record.IllegalParameter},
		{body(3, handshake.Secp256r1, compressed), nil, record.IllegalParameter},
		{body(3, handshake.Secp384r1, pt), nil, record.IllegalParameter},
		{body(3, handshake.X25519, make([]byte, 32)), nil, 0}, // a valid encoding; the zero secret is caught next
		{body(3, handshake.Secp256r1, nil), nil, record.DecodeError},
		{append(body(3, handshake.Secp256r1, pt), 0), nil, record.DecodeError},
		{body(3, handshake.Secp256r1, pt)[:30], nil, record.DecodeError},
		{[]byte{3, 0}, nil, record.DecodeError},
		{nil, nil, record.DecodeError},
	}
	for i, c := range cases {
		kx, _ := handshake.NewKeyAgreement(cipher.KXECDHAnon)
		cp := &handshake.ClientKXParams{Version: cipher.VersionTLS12, Groups: c.groups}
		err := kx.ProcessServerKeyExchange(cp, c.body)
		if c.want == 0 {
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			continue
		}
		kxtWantAlert(t, err, c.want)
	}
	// The all-zero X25519 value passes the encoding check but gives a zero
	// shared secret: refused when the client computes it.
	kx, _ := handshake.NewKeyAgreement(cipher.KXECDHAnon)
	cp := &handshake.ClientKXParams{Version: cipher.VersionTLS12}
	if err := kx.ProcessServerKeyExchange(cp, body(3, handshake.X25519, make([]byte, 32))); err != nil {
		t.Fatal(err)
	}
	_, _, err = kx.GenerateClientKeyExchange(cp)
	kxtWantAlert(t, err, record.IllegalParameter)
	// No ECC in SSL 3.0.
	_, err = handshake.NewKeyAgreement(cipher.KXECDHAnon)
	if err != nil {
		t.Fatal(err)
	}
	kxtWantAlert(t, kx.ProcessServerKeyExchange(&handshake.ClientKXParams{Version: cipher.VersionSSL30}, body(3, 29, x.Public())), record.InternalError)
}

func TestClientKeyExchangeRefusals(t *testing.T) {
	ff := handshake.FFDHEParams(handshake.FFDHE2048).P
	dhCKE := func(y []byte) []byte { return append([]byte{byte(len(y) >> 8), byte(len(y))}, y...) }
	ecCKE := func(p []byte) []byte { return append([]byte{byte(len(p))}, p...) }
	p256, _ := handshake.GenerateEphemeral(nil, handshake.Secp256r1)
	offCurve := append([]byte(nil), p256.Public()...)
	offCurve[64] ^= 1
	cases := []struct {
		s    kxtSetup
		body []byte
		want record.Description
	}{
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, dhCKE([]byte{0}), record.IllegalParameter},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, dhCKE([]byte{1}), record.IllegalParameter},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, dhCKE(new(big.Int).Sub(ff, big.NewInt(1)).Bytes()), record.IllegalParameter},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, dhCKE(ff.Bytes()), record.IllegalParameter},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, dhCKE(make([]byte, 2000)), record.IllegalParameter},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, dhCKE(nil), record.DecodeError},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, append(dhCKE([]byte{5}), 0), record.DecodeError},
		{kxtSetup{method: cipher.KXDHAnon, v: cipher.VersionTLS12}, nil, record.DecodeError},
		{kxtSetup{method: cipher.KXECDHAnon, v: cipher.VersionTLS12, group: handshake.Secp256r1}, ecCKE(offCurve), record.IllegalParameter},
		{kxtSetup{method: cipher.KXECDHAnon, v: cipher.VersionTLS12, group: handshake.Secp256r1}, ecCKE(offCurve[:33]), record.IllegalParameter},
		{kxtSetup{method: cipher.KXECDHAnon, v: cipher.VersionTLS12, group: handshake.X25519}, ecCKE(make([]byte, 32)), record.IllegalParameter},
		{kxtSetup{method: cipher.KXECDHAnon, v: cipher.VersionTLS12, group: handshake.X25519}, ecCKE(nil), record.DecodeError},
		{kxtSetup{method: cipher.KXECDHAnon, v: cipher.VersionTLS12, group: handshake.X25519}, append(ecCKE(make([]byte, 32)), 1), record.DecodeError},
		{kxtSetup{method: cipher.KXECDHEECDSA, v: cipher.VersionTLS12, key: "p256", group: handshake.Secp384r1}, ecCKE(p256.Public()), record.IllegalParameter},
		{kxtSetup{method: cipher.KXECDHECDSA, v: cipher.VersionTLS12, key: "p384"}, ecCKE(p256.Public()), record.IllegalParameter},
		{kxtSetup{method: cipher.KXECDHRSA, v: cipher.VersionTLS12, key: "p256"}, ecCKE(offCurve), record.IllegalParameter},
		{kxtSetup{method: cipher.KXECDHRSA, v: cipher.VersionTLS12, key: "p256"}, nil, record.DecodeError},
		{kxtSetup{method: cipher.KXRSA, v: cipher.VersionTLS12, key: "rsa2048"}, []byte{1, 0, 5}, record.DecodeError},
		{kxtSetup{method: cipher.KXRSA, v: cipher.VersionTLS10, key: "rsa2048"}, nil, record.DecodeError},
	}
	for i, c := range cases {
		sp, _ := kxtParams(t, c.s)
		kx, _ := handshake.NewKeyAgreement(c.s.method)
		if _, err := kx.GenerateServerKeyExchange(sp); err != nil {
			t.Fatal(err)
		}
		_, err := kx.ProcessClientKeyExchange(sp, c.body)
		if err == nil {
			t.Fatalf("case %d (%s) accepted", i, c.s)
		}
		kxtWantAlert(t, err, c.want)
	}
}

// kxtDecrypter hides the *rsa.PrivateKey behind the crypto.Decrypter
// interface, as an HSM-held key would be.
type kxtDecrypter struct {
	crypto.Signer
	d crypto.Decrypter
}

func (k kxtDecrypter) Decrypt(r io.Reader, ct []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	return k.d.Decrypt(r, ct, opts)
}

func TestRSAPreMasterNoOracle(t *testing.T) {
	priv := kxtKey(t, "rsa2048").(*rsa.PrivateKey)
	for _, key := range []crypto.Signer{priv, kxtDecrypter{Signer: priv, d: priv}} {
		s := kxtSetup{method: cipher.KXRSA, v: cipher.VersionTLS12, key: "rsa2048"}
		sp, cp := kxtParams(t, s)
		sp.Key = key
		// The right version: both agree.
		spm, cpm, _, _, err := kxtRun(t, sp, cp, s.method, nil, nil)
		if err != nil || !bytes.Equal(spm, cpm) {
			t.Fatalf("%T: %v", key, err)
		}
		// A version rollback: negotiated TLS 1.0, pre-master still
		// carries the offered TLS 1.2.
		sp.Version, cp.Version = cipher.VersionTLS10, cipher.VersionTLS10
		spm, cpm, _, _, err = kxtRun(t, sp, cp, s.method, nil, nil)
		if err != nil || !bytes.Equal(spm, cpm) || cpm[0] != 3 || cpm[1] != 3 {
			t.Fatalf("%T: rollback case: %v", key, err)
		}
		sp.Version, cp.Version = cipher.VersionTLS12, cipher.VersionTLS12

		// The client puts another version in: no error, a pre-master
		// that differs, and differs again on a second try with the same
		// message (it is random, not the decrypted value).
		cp.ClientVersion = cipher.VersionTLS11
		kx, _ := handshake.NewKeyAgreement(cipher.KXRSA)
		cke, cpm, err := kx.GenerateClientKeyExchange(cp)
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := handshake.NewKeyAgreement(cipher.KXRSA)
		a, err1 := srv.ProcessClientKeyExchange(sp, cke)
		b, err2 := srv.ProcessClientKeyExchange(sp, cke)
		if err1 != nil || err2 != nil || len(a) != 48 || bytes.Equal(a, cpm) || bytes.Equal(a, b) || bytes.Equal(a[2:], cpm[2:]) {
			t.Fatalf("%T: wrong version: %x %x %v %v", key, a, b, err1, err2)
		}
		cp.ClientVersion = cipher.VersionTLS12

		// Bad padding: a random value below the modulus is almost never a
		// valid PKCS #1 v1.5 block; likewise short and long ciphertexts.
		for _, ct := range [][]byte{
			new(big.Int).Rsh(priv.N, 8).Bytes(),
			priv.N.Bytes()[:100],
			append(priv.N.Bytes(), 1),
			{},
		} {
			body := append([]byte{byte(len(ct) >> 8), byte(len(ct))}, ct...)
			a, err1 := srv.ProcessClientKeyExchange(sp, body)
			b, err2 := srv.ProcessClientKeyExchange(sp, body)
			if err1 != nil || err2 != nil || len(a) != 48 || len(b) != 48 || bytes.Equal(a, b) {
				t.Fatalf("%T: bad ciphertext of %d bytes: %v %v", key, len(ct), err1, err2)
			}
		}
	}
	// SSL 3.0 sends the ciphertext without a length.
	s := kxtSetup{method: cipher.KXRSA, v: cipher.VersionSSL30, key: "rsa2048"}
	sp, cp := kxtParams(t, s)
	sp.ClientVersion, cp.ClientVersion = cipher.VersionSSL30, cipher.VersionSSL30
	kx, _ := handshake.NewKeyAgreement(cipher.KXRSA)
	cke, cpm, err := kx.GenerateClientKeyExchange(cp)
	if err != nil || len(cke) != 256 {
		t.Fatalf("SSL 3.0 ClientKeyExchange of %d bytes: %v", len(cke), err)
	}
	spm, err := kx.ProcessClientKeyExchange(sp, cke)
	if err != nil || !bytes.Equal(spm, cpm) || spm[0] != 3 || spm[1] != 0 {
		t.Fatalf("SSL 3.0: %v", err)
	}
}

// TestRSADecryptionHasNoSecretBranches reads kx_rsa.go and checks that
// the functions handling the decrypted pre-master branch only on public
// conditions: every if in them tests err or ok (the random source, the
// type of the key, a Decrypter's error, which its contract limits to public
// conditions), and after the decryption rsaPreMaster has no branch at all.
func TestRSADecryptionHasNoSecretBranches(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "kx_rsa.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || (fn.Name.Name != "rsaPreMaster" && fn.Name.Name != "decryptPreMaster") {
			continue
		}
		found[fn.Name.Name] = true
		afterDecrypt := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "decryptPreMaster" {
					afterDecrypt = true
				}
			case *ast.IfStmt:
				if fn.Name.Name == "rsaPreMaster" && afterDecrypt {
					t.Errorf("%s: branch after the decryption", fset.Position(n.Pos()))
				}
				ast.Inspect(n.Cond, func(c ast.Node) bool {
					if id, ok := c.(*ast.Ident); ok && id.Name != "err" && id.Name != "ok" && id.Name != "nil" {
						t.Errorf("%s: condition on %s", fset.Position(id.Pos()), id.Name)
					}
					return true
				})
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.ForStmt, *ast.RangeStmt, *ast.SelectStmt:
				t.Errorf("%s: %T in %s", fset.Position(n.Pos()), n, fn.Name.Name)
			case *ast.BinaryExpr:
				if n.Op == token.LAND || n.Op == token.LOR {
					t.Errorf("%s: short-circuit operator in %s", fset.Position(n.Pos()), fn.Name.Name)
				}
			}
			return true
		})
	}
	if !found["rsaPreMaster"] || !found["decryptPreMaster"] {
		t.Fatalf("functions not found: %v", found)
	}
	src, err := os.ReadFile("kx_rsa.go")
	if err != nil || !strings.Contains(string(src), "rsa.DecryptPKCS1v15SessionKey(") || !strings.Contains(string(src), "subtle.ConstantTimeCopy(") {
		t.Fatal("kx_rsa.go no longer uses DecryptPKCS1v15SessionKey and ConstantTimeCopy")
	}
}

func TestKeyAgreementMisuse(t *testing.T) {
	for _, m := range []cipher.KeyExchange{cipher.KXPSK, cipher.KXSRPAnon, cipher.KXAny, cipher.KXNull, cipher.KXDHEPSK} {
		_, err := handshake.NewKeyAgreement(m)
		kxtWantAlert(t, err, record.InternalError)
	}
	uses := map[cipher.KeyExchange]handshake.MessageUse{
		cipher.KXRSA: handshake.MessageNever, cipher.KXECDHECDSA: handshake.MessageNever, cipher.KXECDHRSA: handshake.MessageNever,
		cipher.KXDHERSA: handshake.MessageRequired, cipher.KXDHEDSS: handshake.MessageRequired, cipher.KXDHAnon: handshake.MessageRequired,
		cipher.KXECDHERSA: handshake.MessageRequired, cipher.KXECDHEECDSA: handshake.MessageRequired, cipher.KXECDHAnon: handshake.MessageRequired,
	}
	for m, u := range uses {
		kx, err := handshake.NewKeyAgreement(m)
		if err != nil || kx.ServerKeyExchangeUse() != u {
			t.Errorf("%s: use %v, %v", m, kx.ServerKeyExchangeUse(), err)
		}
		// Out of order: a ClientKeyExchange before the server's
		// parameters, on either side.
		sp := &handshake.ServerKXParams{Version: cipher.VersionTLS12}
		if _, err := kx.ProcessClientKeyExchange(sp, []byte{1, 4}); err == nil {
			t.Errorf("%s: ClientKeyExchange processed without parameters", m)
		}
		cp := &handshake.ClientKXParams{Version: cipher.VersionTLS12}
		if u == handshake.MessageNever {
			kxtWantAlert(t, kx.ProcessServerKeyExchange(cp, []byte{3, 0, 23}), record.UnexpectedMessage)
			continue
		}
		_, _, err = kx.GenerateClientKeyExchange(cp)
		kxtWantAlert(t, err, record.InternalError)
	}
	for u, s := range map[handshake.MessageUse]string{handshake.MessageNever: "never", handshake.MessageRequired: "required", handshake.MessageOptional: "optional", 9: "unknown"} {
		if u.String() != s {
			t.Errorf("%d prints %q", u, u.String())
		}
	}
	// Server-side configuration errors.
	for _, c := range []struct {
		m  cipher.KeyExchange
		sp handshake.ServerKXParams
	}{
		{cipher.KXECDHEECDSA, handshake.ServerKXParams{Version: cipher.VersionTLS12, Key: kxtKey(t, "p256")}},                                             // no group
		{cipher.KXECDHAnon, handshake.ServerKXParams{Version: cipher.VersionTLS12, Group: handshake.FFDHE2048}},                                           // not a curve
		{cipher.KXECDHAnon, handshake.ServerKXParams{Version: cipher.VersionSSL30, Group: handshake.X25519}},                                              // no ECC in SSL 3.0
		{cipher.KXECDHERSA, handshake.ServerKXParams{Version: cipher.VersionTLS12, Group: handshake.X25519}},                                              // no key
		{cipher.KXDHERSA, handshake.ServerKXParams{Version: cipher.VersionTLS12, Key: kxtKey(t, "rsa2048"), SignatureScheme: handshake.Ed25519}},          // scheme does not fit
		{cipher.KXDHAnon, handshake.ServerKXParams{Version: cipher.VersionTLS12, DHParams: &pem.DHParams{P: big.NewInt(0), G: big.NewInt(2)}}},            // broken parameters
		{cipher.KXDHAnon, handshake.ServerKXParams{Version: cipher.VersionTLS13}},                                                                         // not TLS 1.3
		{cipher.KXECDHECDSA, handshake.ServerKXParams{Version: cipher.VersionTLS12, Key: kxtKey(t, "rsa2048")}},                                           // not an EC key
		{cipher.KXECDHERSA, handshake.ServerKXParams{Version: cipher.VersionTLS12, Key: kxtKey(t, "rsa2048"), Group: handshake.X25519, Rand: kxtEmpty{}}}, // random source fails
	} {
		kx, _ := handshake.NewKeyAgreement(c.m)
		sp := c.sp
		_, err := kx.GenerateServerKeyExchange(&sp)
		kxtWantAlert(t, err, record.InternalError)
	}
}

type kxtEmpty struct{}

func (kxtEmpty) Read([]byte) (int, error) { return 0, io.EOF }

// TestPSKPreMaster checks the RFC 4279, Section 2 layout.
func TestPSKPreMaster(t *testing.T) {
	psk := []byte("abc")
	got, err := handshake.PSKPreMaster(make([]byte, len(psk)), psk)
	if err != nil || !bytes.Equal(got, []byte{0, 3, 0, 0, 0, 0, 3, 'a', 'b', 'c'}) {
		t.Fatalf("plain PSK pre-master %x, %v", got, err)
	}
	got, _ = handshake.PSKPreMaster([]byte{9, 8}, []byte{7})
	if !bytes.Equal(got, []byte{0, 2, 9, 8, 0, 1, 7}) {
		t.Fatalf("%x", got)
	}
	if _, err := handshake.PSKPreMaster(make([]byte, 70000), psk); err == nil {
		t.Fatal("oversized secret accepted")
	}
}

// TestStaticECDHClientChecks covers the client side of ecdh_ecdsa and
// ecdh_rsa: the certificate's curve must be one the client offered.
func TestStaticECDHClientChecks(t *testing.T) {
	kx, _ := handshake.NewKeyAgreement(cipher.KXECDHECDSA)
	cp := &handshake.ClientKXParams{Version: cipher.VersionTLS12, ServerKey: kxtKey(t, "p384").Public(),
		Groups: []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}}
	_, _, err := kx.GenerateClientKeyExchange(cp)
	kxtWantAlert(t, err, record.IllegalParameter)
	cp.Groups = append(cp.Groups, handshake.Secp384r1)
	body, pm, err := kx.GenerateClientKeyExchange(cp)
	if err != nil || len(body) != 98 || body[0] != 97 || len(pm) != 48 || kx.Info().Group != handshake.Secp384r1 {
		t.Fatalf("body of %d bytes, pre-master of %d: %v", len(body), len(pm), err)
	}
	cp.Version = cipher.VersionSSL30
	_, _, err = kx.GenerateClientKeyExchange(cp)
	kxtWantAlert(t, err, record.InternalError)
}
