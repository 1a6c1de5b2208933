package handshake_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
)

var kxtUpdateSeeds = flag.Bool("kx.update-fuzz-seeds", false, "rewrite the seed corpora of the key exchange fuzz targets")

// The fixed randoms the fuzz targets and their seeds use.
var (
	kxtFuzzClientRandom = bytes.Repeat([]byte{1}, 32)
	kxtFuzzServerRandom = bytes.Repeat([]byte{2}, 32)
)

// kxtSKECases are the client sides FuzzKXServerKeyExchange exercises,
// selected by the first argument.
var kxtSKECases = []struct {
	m   cipher.KeyExchange
	v   cipher.Version
	key string
}{
	{cipher.KXECDHERSA, cipher.VersionTLS12, "rsa2048"},
	{cipher.KXECDHERSA, cipher.VersionTLS10, "rsa2048"},
	{cipher.KXECDHEECDSA, cipher.VersionTLS12, "p256"},
	{cipher.KXECDHEECDSA, cipher.VersionTLS11, "p384"},
	{cipher.KXECDHEECDSA, cipher.VersionTLS12, "ed25519"},
	{cipher.KXECDHAnon, cipher.VersionTLS12, ""},
	{cipher.KXDHERSA, cipher.VersionTLS12, "rsa2048"},
	{cipher.KXDHERSA, cipher.VersionSSL30, "rsa2048"},
	{cipher.KXDHEDSS, cipher.VersionTLS12, "dsa2048"},
	{cipher.KXDHEDSS, cipher.VersionTLS10, "dsa2048"},
	{cipher.KXDHAnon, cipher.VersionTLS12, ""},
	{cipher.KXDHAnon, cipher.VersionSSL30, ""},
	{cipher.KXRSA, cipher.VersionTLS12, "rsa2048"},
	{cipher.KXECDHECDSA, cipher.VersionTLS12, "p256"},
}

func kxtAllSupportedSchemes() []handshake.SignatureScheme {
	var l []handshake.SignatureScheme
	for _, c := range allSchemes {
		if c.s.Supported() {
			l = append(l, c.s)
		}
	}
	return l
}

func kxtFuzzClientParams(tb testing.TB, sel int) *handshake.ClientKXParams {
	c := kxtSKECases[sel]
	cp := &handshake.ClientKXParams{
		Version: c.v, ClientVersion: cipher.VersionTLS12,
		ClientRandom: kxtFuzzClientRandom, ServerRandom: kxtFuzzServerRandom,
		Rand:             newKXTRand("fuzz client"),
		SignatureSchemes: kxtAllSupportedSchemes(),
		Groups:           handshake.DefaultEccs(),
		MinDHBits:        512, // let small groups through, so the fuzzer gets further cheaply
	}
	if c.key != "" {
		cp.ServerKey = kxtKey(tb, c.key).Public()
	}
	return cp
}

// kxtCheckAlert fails unless err is a fatal alert with one of the allowed
// descriptions.
func kxtCheckAlert(t *testing.T, err error, allowed ...record.Description) {
	t.Helper()
	var a record.Alert
	if !errors.As(err, &a) || a.Level != record.Fatal {
		t.Fatalf("error is not a fatal alert: %v", err)
	}
	for _, d := range allowed {
		if a.Description == d {
			return
		}
	}
	t.Fatalf("unexpected alert %s: %s", a.Description, a.Reason)
}

// FuzzKXServerKeyExchange feeds ServerKeyExchange bodies to the client
// side of every method: no panic, an alert for anything refused, and a
// ClientKeyExchange for anything accepted.
func FuzzKXServerKeyExchange(f *testing.F) {
	f.Fuzz(func(t *testing.T, sel byte, body []byte) {
		i := int(sel) % len(kxtSKECases)
		c := kxtSKECases[i]
		cp := kxtFuzzClientParams(t, i)
		kx, err := handshake.NewKeyAgreement(c.m)
		if err != nil {
			t.Fatal(err)
		}
		if err := kx.ProcessServerKeyExchange(cp, body); err != nil {
			kxtCheckAlert(t, err, record.DecodeError, record.IllegalParameter, record.InsufficientSecurity,
				record.DecryptError, record.UnexpectedMessage)
			return
		}
		if kx.Info().DHBits > 4096 {
			return // valid but slow to compute with; the parsing was the point
		}
		cke, pm, err := kx.GenerateClientKeyExchange(cp)
		if err != nil {
			// A server point of small order is caught only here.
			kxtCheckAlert(t, err, record.IllegalParameter)
			return
		}
		if len(cke) == 0 || len(pm) == 0 {
			t.Fatal("empty ClientKeyExchange or pre-master secret")
		}
	})
}

// kxtCKECases are the server sides FuzzKXClientKeyExchange exercises.
var kxtCKECases = []struct {
	m     cipher.KeyExchange
	v     cipher.Version
	key   string
	group handshake.NamedGroup
	dh    string // testdata file, "" for the default group
}{
	{cipher.KXECDHAnon, cipher.VersionTLS12, "", handshake.X25519, ""},
	{cipher.KXECDHAnon, cipher.VersionTLS12, "", handshake.Secp256r1, ""},
	{cipher.KXECDHERSA, cipher.VersionTLS11, "rsa2048", handshake.Secp384r1, ""},
	{cipher.KXECDHEECDSA, cipher.VersionTLS12, "p256", handshake.Secp521r1, ""},
	{cipher.KXDHAnon, cipher.VersionTLS12, "", 0, ""},
	{cipher.KXDHERSA, cipher.VersionTLS10, "rsa2048", 0, "kx-dh2048.pem"},
	{cipher.KXDHEDSS, cipher.VersionSSL30, "dsa2048", 0, "kx-dhx2048.pem"},
	{cipher.KXRSA, cipher.VersionTLS12, "rsa2048", 0, ""},
	{cipher.KXRSA, cipher.VersionSSL30, "rsa2048", 0, ""},
	{cipher.KXECDHECDSA, cipher.VersionTLS12, "p256", 0, ""},
	{cipher.KXECDHRSA, cipher.VersionTLS12, "p384", 0, ""},
}

type kxtServer struct {
	kx  handshake.KeyAgreement
	sp  *handshake.ServerKXParams
	ske []byte
}

var (
	kxtServersMu sync.Mutex
	kxtServers   = map[int]*kxtServer{}
)

// kxtFuzzServer returns the server side of case i, made once with a
// deterministic random source (so the seeds stay valid for it).
func kxtFuzzServer(tb testing.TB, i int) *kxtServer {
	kxtServersMu.Lock()
	defer kxtServersMu.Unlock()
	if s, ok := kxtServers[i]; ok {
		return s
	}
	c := kxtCKECases[i]
	sp := &handshake.ServerKXParams{
		Version: c.v, ClientVersion: cipher.VersionTLS12,
		ClientRandom: kxtFuzzClientRandom, ServerRandom: kxtFuzzServerRandom,
		Rand: newKXTRand(fmt.Sprint("fuzz server ", i)), Group: c.group,
	}
	if c.key != "" {
		sp.Key = kxtKey(tb, c.key)
		if c.v == cipher.VersionTLS12 {
			s, err := handshake.SelectSignatureScheme(c.v, sp.Key.Public(), kxtAllSupportedSchemes(), kxtAllSupportedSchemes())
			if err == nil {
				sp.SignatureScheme = s
			}
		}
	}
	if c.dh != "" {
		sp.DHParams = kxtDHParams(tb, c.dh)
	}
	kx, err := handshake.NewKeyAgreement(c.m)
	if err != nil {
		tb.Fatal(err)
	}
	ske, err := kx.GenerateServerKeyExchange(sp)
	if err != nil {
		tb.Fatalf("case %d: %v", i, err)
	}
	s := &kxtServer{kx: kx, sp: sp, ske: ske}
	kxtServers[i] = s
	return s
}

// FuzzKXClientKeyExchange feeds ClientKeyExchange bodies to the server side
// of every method: no panic, an alert for anything refused, a pre-master
// secret otherwise — and for rsa always a 48-byte pre-master, whatever the
// ciphertext, unless the framing is wrong.
func FuzzKXClientKeyExchange(f *testing.F) {
	f.Fuzz(func(t *testing.T, sel byte, body []byte) {
		i := int(sel) % len(kxtCKECases)
		s := kxtFuzzServer(t, i)
		pm, err := s.kx.ProcessClientKeyExchange(s.sp, body)
		if err != nil {
			kxtCheckAlert(t, err, record.DecodeError, record.IllegalParameter)
			if kxtCKECases[i].m == cipher.KXRSA && kxtCKECases[i].v == cipher.VersionSSL30 {
				t.Fatal("SSL 3.0 RSA ClientKeyExchange refused: it has no framing to get wrong")
			}
			return
		}
		if len(pm) == 0 || (kxtCKECases[i].m == cipher.KXRSA && len(pm) != 48) {
			t.Fatalf("pre-master of %d bytes", len(pm))
		}
	})
}

// FuzzSignatureSchemeList parses supported_signature_algorithms vectors:
// what parses marshals back to the same bytes.
func FuzzSignatureSchemeList(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := handshake.UnmarshalSignatureSchemes(data)
		if err != nil {
			kxtCheckAlert(t, err, record.DecodeError)
			return
		}
		out, err := handshake.AppendSignatureSchemes(nil, l)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("round trip: %x -> %v -> %x, %v", data, l, out, err)
		}
		for _, s := range l {
			_ = s.String()
		}
	})
}

// FuzzParseSignatureAlgs parses Erlang signature_algs text: what parses
// formats and parses back to the same list of supported schemes.
func FuzzParseSignatureAlgs(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		l, err := handshake.ParseSignatureAlgs(text)
		if err != nil {
			return
		}
		if len(l) == 0 {
			t.Fatal("empty list without error")
		}
		for _, s := range l {
			if !s.Supported() {
				t.Fatalf("unsupported %s parsed", s)
			}
		}
		back, err := handshake.ParseSignatureAlgs(handshake.FormatSignatureAlgs(l))
		if err != nil || !reflect.DeepEqual(back, l) {
			t.Fatalf("round trip of %q: %v, %v", text, back, err)
		}
	})
}

// FuzzParseNamedGroup parses group names: what parses prints as a name
// that parses to the same group.
func FuzzParseNamedGroup(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string) {
		g, err := handshake.ParseNamedGroup(name)
		if err != nil {
			return
		}
		back, err := handshake.ParseNamedGroup(g.String())
		if err != nil || back != g {
			t.Fatalf("%q -> %s -> %s, %v", name, g, back, err)
		}
	})
}

var kxtShareGroups = []handshake.NamedGroup{
	handshake.X25519, handshake.Secp256r1, handshake.Secp384r1, handshake.Secp521r1,
	handshake.FFDHE2048, handshake.X25519MLKEM768,
}

var (
	kxtSharesMu sync.Mutex
	kxtShares   = map[handshake.NamedGroup]*handshake.EphemeralKey{}
)

// FuzzKeyShare gives TLS 1.3 key share values to both sides of every group:
// the server's Encapsulate and the client's SharedSecret. Refusals are
// illegal_parameter alerts; accepted values give secrets of the right
// size.
func FuzzKeyShare(f *testing.F) {
	f.Fuzz(func(t *testing.T, sel byte, peer []byte) {
		g := kxtShareGroups[int(sel)%len(kxtShareGroups)]
		kxtSharesMu.Lock()
		k, ok := kxtShares[g]
		if !ok {
			var err error
			if k, err = handshake.GenerateEphemeral(newKXTRand("fuzz share "+g.String()), g); err != nil {
				kxtSharesMu.Unlock()
				t.Fatal(err)
			}
			kxtShares[g] = k
		}
		kxtSharesMu.Unlock()
		want := kxtShareSizes[g]
		if pub, z, err := handshake.Encapsulate(newKXTRand("fuzz encapsulate"), g, peer); err != nil {
			kxtCheckAlert(t, err, record.IllegalParameter)
		} else if len(pub) != want[1] || len(z) != want[2] {
			t.Fatalf("%s: share %d bytes, secret %d bytes", g, len(pub), len(z))
		}
		if z, err := k.SharedSecret(peer); err != nil {
			kxtCheckAlert(t, err, record.IllegalParameter)
		} else if len(z) != want[2] {
			t.Fatalf("%s: secret of %d bytes", g, len(z))
		}
	})
}

// The seed corpora. Each target's seeds sit in testdata/fuzz/<target>/ in
// the "go test fuzz v1" format; go test runs them as regular tests.
// TestKXFuzzSeeds checks they still reach deep (signatures valid for the
// fixed keys and randoms, values accepted), and with -kx.update-fuzz-seeds
// writes them anew.

type kxtSeed struct {
	name string
	args []any // byte, []byte or string
}

func kxtEncodeSeed(args []any) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case byte:
			fmt.Fprintf(&b, "byte(%s)\n", strconv.QuoteRune(rune(v)))
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		}
	}
	return []byte(b.String())
}

func kxtDecodeSeed(t *testing.T, data []byte) []any {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) == 0 || lines[0] != "go test fuzz v1" {
		t.Fatalf("not a fuzz corpus file: %q", lines[0])
	}
	var out []any
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, "byte(") && strings.HasSuffix(l, ")"):
			r, _, tail, err := strconv.UnquoteChar(strings.TrimSuffix(strings.TrimPrefix(l, "byte('"), "')"), '\'')
			if err != nil || tail != "" || r > 255 {
				t.Fatalf("bad byte line %q", l)
			}
			out = append(out, byte(r))
		case strings.HasPrefix(l, "[]byte(") && strings.HasSuffix(l, ")"):
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "[]byte("), ")"))
			if err != nil {
				t.Fatalf("bad []byte line %q: %v", l, err)
			}
			out = append(out, []byte(s))
		case strings.HasPrefix(l, "string(") && strings.HasSuffix(l, ")"):
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "string("), ")"))
			if err != nil {
				t.Fatalf("bad string line %q: %v", l, err)
			}
			out = append(out, s)
		default:
			t.Fatalf("unexpected line %q", l)
		}
	}
	return out
}

// kxtMakeSeeds builds the seeds of every target.
func kxtMakeSeeds(t *testing.T) map[string][]kxtSeed {
	seeds := map[string][]kxtSeed{}
	// ServerKeyExchange: a valid body for every case, made by our server
	// with the fixed randoms (and a small DH group for some, so the fuzzer
	// computes cheaply), plus truncations.
	small := &pem.DHParams{P: handshake.FFDHEParams(handshake.FFDHE2048).P, G: handshake.FFDHEParams(handshake.FFDHE2048).G}
	for i, c := range kxtSKECases {
		var ske []byte
		if c.m == cipher.KXRSA || c.m == cipher.KXECDHECDSA {
			ske = []byte{3, 0, 23, 1, 4}
		} else {
			sp := &handshake.ServerKXParams{Version: c.v, ClientVersion: cipher.VersionTLS12,
				ClientRandom: kxtFuzzClientRandom, ServerRandom: kxtFuzzServerRandom,
				Rand: newKXTRand(fmt.Sprint("seed ske ", i)), Group: handshake.X25519, DHParams: small}
			if i%2 == 1 {
				sp.Group = handshake.Secp256r1
			}
			if c.key != "" {
				sp.Key = kxtKey(t, c.key)
				if c.v >= cipher.VersionTLS12 {
					s, err := handshake.SelectSignatureScheme(c.v, sp.Key.Public(), kxtAllSupportedSchemes(), kxtAllSupportedSchemes())
					if err != nil {
						t.Fatal(err)
					}
					sp.SignatureScheme = s
				}
			}
			kx, _ := handshake.NewKeyAgreement(c.m)
			var err error
			if ske, err = kx.GenerateServerKeyExchange(sp); err != nil {
				t.Fatalf("seed %d: %v", i, err)
			}
		}
		seeds["FuzzKXServerKeyExchange"] = append(seeds["FuzzKXServerKeyExchange"],
			kxtSeed{fmt.Sprintf("valid-%02d", i), []any{byte(i), ske}},
			kxtSeed{fmt.Sprintf("truncated-%02d", i), []any{byte(i), ske[:len(ske)/2]}})
	}
	// ClientKeyExchange: what our client sends each server, plus edge
	// values.
	for i, c := range kxtCKECases {
		s := kxtFuzzServer(t, i)
		cp := &handshake.ClientKXParams{Version: c.v, ClientVersion: cipher.VersionTLS12,
			ClientRandom: kxtFuzzClientRandom, ServerRandom: kxtFuzzServerRandom,
			Rand: newKXTRand(fmt.Sprint("seed cke ", i)), SignatureSchemes: kxtAllSupportedSchemes(),
			Groups: handshake.DefaultEccs()}
		if c.key != "" {
			cp.ServerKey = kxtKey(t, c.key).Public()
		}
		kx, _ := handshake.NewKeyAgreement(c.m)
		if s.ske != nil {
			if err := kx.ProcessServerKeyExchange(cp, s.ske); err != nil {
				t.Fatalf("cke seed %d: %v", i, err)
			}
		}
		cke, _, err := kx.GenerateClientKeyExchange(cp)
		if err != nil {
			t.Fatalf("cke seed %d: %v", i, err)
		}
		seeds["FuzzKXClientKeyExchange"] = append(seeds["FuzzKXClientKeyExchange"],
			kxtSeed{fmt.Sprintf("valid-%02d", i), []any{byte(i), cke}},
			kxtSeed{fmt.Sprintf("short-%02d", i), []any{byte(i), cke[:3]}})
	}
	lists := [][]byte{
		{0, 2, 4, 1},
		{0, 6, 8, 4, 4, 3, 0xfe, 0xfe},
		{0, 20, 8, 7, 6, 3, 5, 3, 4, 3, 8, 6, 8, 5, 8, 4, 6, 1, 5, 1, 4, 1},
		{0, 3, 4, 1, 5},
	}
	for i, l := range lists {
		seeds["FuzzSignatureSchemeList"] = append(seeds["FuzzSignatureSchemeList"], kxtSeed{fmt.Sprintf("list-%d", i), []any{l}})
	}
	for i, s := range []string{
		handshake.FormatSignatureAlgs(handshake.DefaultSignatureSchemes()),
		"[{sha256, rsa}, {sha, dsa}, rsa_pss_rsae_sha256, ed25519]",
		"{sha384,rsa_pss_rsae},ecdsa_sha1",
		"[{md5,rsa}]",
	} {
		seeds["FuzzParseSignatureAlgs"] = append(seeds["FuzzParseSignatureAlgs"], kxtSeed{fmt.Sprintf("text-%d", i), []any{s}})
	}
	for i, s := range []string{"x25519", "SECP256R1", "P-384", "prime256v1", "X25519MLKEM768", "brainpoolP512r1", "ffdhe8192"} {
		seeds["FuzzParseNamedGroup"] = append(seeds["FuzzParseNamedGroup"], kxtSeed{fmt.Sprintf("name-%d", i), []any{s}})
	}
	for i, g := range kxtShareGroups {
		k, err := handshake.GenerateEphemeral(newKXTRand("seed share "+g.String()), g)
		if err != nil {
			t.Fatal(err)
		}
		pub, _, err := handshake.Encapsulate(newKXTRand("seed"), g, k.Public())
		if err != nil {
			t.Fatal(err)
		}
		seeds["FuzzKeyShare"] = append(seeds["FuzzKeyShare"],
			kxtSeed{"client-" + g.String(), []any{byte(i), k.Public()}},
			kxtSeed{"server-" + g.String(), []any{byte(i), pub}})
	}
	return seeds
}

func TestKXFuzzSeeds(t *testing.T) {
	if *kxtUpdateSeeds {
		for target, list := range kxtMakeSeeds(t) {
			dir := filepath.Join("testdata", "fuzz", target)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				if err := os.WriteFile(filepath.Join(dir, s.name), kxtEncodeSeed(s.args), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	load := func(target string) map[string][]any {
		dir := filepath.Join("testdata", "fuzz", target)
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v (run go test -run TestKXFuzzSeeds -kx.update-fuzz-seeds)", target, err)
		}
		out := map[string][]any{}
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = kxtDecodeSeed(t, data)
		}
		return out
	}
	// Every ServerKeyExchange case has a seed its client accepts (its
	// signature verifies with the fixed key and randoms), except the
	// methods without one.
	accepted := map[int]bool{}
	for name, args := range load("FuzzKXServerKeyExchange") {
		sel := int(args[0].(byte)) % len(kxtSKECases)
		kx, _ := handshake.NewKeyAgreement(kxtSKECases[sel].m)
		if err := kx.ProcessServerKeyExchange(kxtFuzzClientParams(t, sel), args[1].([]byte)); err == nil {
			accepted[sel] = true
		} else if strings.HasPrefix(name, "valid-") && kx.ServerKeyExchangeUse() != handshake.MessageNever {
			t.Errorf("seed %s refused: %v", name, err)
		}
	}
	var missing []int
	for i, c := range kxtSKECases {
		if !accepted[i] && c.m != cipher.KXRSA && c.m != cipher.KXECDHECDSA {
			missing = append(missing, i)
		}
	}
	sort.Ints(missing)
	if len(missing) > 0 {
		t.Errorf("no accepted ServerKeyExchange seed for cases %v", missing)
	}
	// Every ClientKeyExchange case has a seed its server accepts.
	accepted = map[int]bool{}
	for _, args := range load("FuzzKXClientKeyExchange") {
		sel := int(args[0].(byte)) % len(kxtCKECases)
		s := kxtFuzzServer(t, sel)
		if _, err := s.kx.ProcessClientKeyExchange(s.sp, args[1].([]byte)); err == nil {
			accepted[sel] = true
		}
	}
	for i := range kxtCKECases {
		if !accepted[i] {
			t.Errorf("no accepted ClientKeyExchange seed for case %d", i)
		}
	}
	for _, target := range []string{"FuzzSignatureSchemeList", "FuzzParseSignatureAlgs", "FuzzKeyShare", "FuzzParseNamedGroup"} {
		if len(load(target)) == 0 {
			t.Errorf("%s has no seeds", target)
		}
	}
}
