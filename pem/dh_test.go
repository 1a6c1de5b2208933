package pem

import (
	"math/big"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// The 2048-bit MODP group of RFC 3526, section 3 (generator 2).
var rfc3526Group14 = mustHex("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF")

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("bad hex")
	}
	return n
}

func dhParamsDER(ints ...*big.Int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, n := range ints {
			b.AddASN1BigInt(n)
		}
	})
	return b.BytesOrPanic()
}

func TestParseDHParams(t *testing.T) {
	p, g := rfc3526Group14, big.NewInt(2)
	d, err := ParseDHParams(dhParamsDER(p, g))
	if err != nil {
		t.Fatal(err)
	}
	if d.P.Cmp(p) != 0 || d.G.Cmp(g) != 0 || d.Q != nil || d.PrivateValueLength != 0 {
		t.Fatalf("got %+v", d)
	}
	d, err = ParseDHParams(dhParamsDER(p, g, big.NewInt(256)))
	if err != nil || d.PrivateValueLength != 256 {
		t.Fatalf("with privateValueLength: %+v %v", d, err)
	}
	entries, err := Decode(pemEncode("DH PARAMETERS", nil, dhParamsDER(p, g)))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := FirstDHParams(entries); err != nil || d.P.Cmp(p) != 0 {
		t.Fatalf("FirstDHParams: %v %v", d, err)
	}

	pm1 := new(big.Int).Sub(p, bigOne)
	bad := map[string][]byte{
		"g = 1":               dhParamsDER(p, big.NewInt(1)),
		"g = p-1":             dhParamsDER(p, pm1),
		"g negative":          dhParamsDER(p, big.NewInt(-2)),
		"p even":              dhParamsDER(pm1, g),
		"p too small":         dhParamsDER(big.NewInt(23), g),
		"p too large":         dhParamsDER(new(big.Int).Add(new(big.Int).Lsh(bigOne, 10000), bigOne), g),
		"length zero":         dhParamsDER(p, g, big.NewInt(0)),
		"length above p bits": dhParamsDER(p, g, big.NewInt(2049)),
		"length huge":         dhParamsDER(p, g, new(big.Int).Lsh(bigOne, 80)),
		"extra integer":       dhParamsDER(p, g, big.NewInt(256), big.NewInt(1)),
		"one integer":         dhParamsDER(p),
		"trailing":            append(dhParamsDER(p, g), 0),
		"empty":               nil,
	}
	for name, der := range bad {
		if d, err := ParseDHParams(der); err == nil {
			t.Errorf("%s: accepted %+v", name, d)
		}
	}
	if _, err := FirstDHParams(nil); err == nil {
		t.Error("FirstDHParams(nil) succeeded")
	}
}

func TestParseX942DHParams(t *testing.T) {
	// Parameters of the right shape from the 1024-bit DSA group used by
	// the other tests: q divides p-1 and g has order q.
	k := testDSAKey(t)
	p, q, g := k.P, k.Q, k.G
	j := new(big.Int).Div(new(big.Int).Sub(p, bigOne), q)
	withVP := func(ints ...*big.Int) []byte {
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, n := range ints {
				b.AddASN1BigInt(n)
			}
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1BitString([]byte{1, 2, 3})
				b.AddASN1Int64(42)
			})
		})
		return b.BytesOrPanic()
	}
	for name, der := range map[string][]byte{
		"p g q":           dhParamsDER(p, g, q),
		"p g q j":         dhParamsDER(p, g, q, j),
		"p g q j vp":      withVP(p, g, q, j),
		"p g q vp (no j)": withVP(p, g, q),
	} {
		d, err := ParseX942DHParams(der)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d.P.Cmp(p) != 0 || d.G.Cmp(g) != 0 || d.Q.Cmp(q) != 0 {
			t.Errorf("%s: got %+v", name, d)
		}
	}
	for name, der := range map[string][]byte{
		"q does not divide p-1": dhParamsDER(p, g, new(big.Int).Add(q, big.NewInt(2))),
		"q = 1":                 dhParamsDER(p, g, bigOne),
		"no q":                  dhParamsDER(p, g),
		"trailing":              append(dhParamsDER(p, g, q), 0),
		"two j":                 dhParamsDER(p, g, q, j, j),
	} {
		if _, err := ParseX942DHParams(der); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The parameters OpenSSL wrote (testdata/keys/README.md).
func TestOpenSSLKnownDHParams(t *testing.T) {
	for file, kind := range map[string]Kind{"dh-pkcs3.pem": DHParameter, "dh-x942.pem": DomainParameters} {
		entries := readEntries(t, filepath.Join("testdata", "keys", file))
		if entries[0].Kind != kind {
			t.Fatalf("%s: kind %v", file, entries[0].Kind)
		}
		d, err := entries[0].DHParams()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if d.P.BitLen() != 512 || !d.P.ProbablyPrime(20) {
			t.Fatalf("%s: P of %d bits, prime=%v", file, d.P.BitLen(), d.P.ProbablyPrime(20))
		}
		if kind == DomainParameters {
			if d.Q == nil || new(big.Int).Exp(d.G, d.Q, d.P).Cmp(bigOne) != 0 {
				t.Fatalf("%s: G is not of order Q", file)
			}
		} else if d.G.Int64() != 2 {
			t.Fatalf("%s: G = %v", file, d.G)
		}
	}
	cert := Entry{Kind: Certificate, Type: "CERTIFICATE"}
	if _, err := cert.DHParams(); err == nil {
		t.Error("DHParams of a certificate succeeded")
	}
}
