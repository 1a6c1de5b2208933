package handshake

import (
	"bytes"
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/otpssl/ssl/pem"
)

// TestDHExponentSizes checks the private exponent sizes newDHKey chooses
// and that y = g^x mod p.
func TestDHExponentSizes(t *testing.T) {
	check := func(name string, k *dhKey, err error, minBits, maxBits int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := k.x.BitLen(); b < minBits || b > maxBits {
			t.Errorf("%s: exponent of %d bits, want %d..%d", name, b, minBits, maxBits)
		}
		if new(big.Int).Exp(k.g, k.x, k.p).Cmp(k.y) != 0 {
			t.Errorf("%s: y is not g^x mod p", name)
		}
	}
	for _, c := range []struct {
		g    NamedGroup
		bits int
	}{{FFDHE2048, 225}, {FFDHE3072, 275}, {FFDHE4096, 325}, {FFDHE6144, 375}, {FFDHE8192, 400}} {
		f := FFDHEParams(c.g)
		k, err := newDHKey(rand.Reader, f.P, f.G, f.Q, 0)
		check(c.g.String(), k, err, c.bits, c.bits)
	}
	// An unknown 1024-bit prime (the ffdhe2048 prime cut down and made
	// odd: primality does not matter for the sizes).
	p := new(big.Int).Rsh(FFDHEParams(FFDHE2048).P, 1024)
	p.SetBit(p, 0, 1)
	g := big.NewInt(2)
	k, err := newDHKey(rand.Reader, p, g, nil, 300)
	check("privateValueLength 300", k, err, 300, 300)
	k, err = newDHKey(rand.Reader, p, g, nil, 100)
	check("privateValueLength 100 raised", k, err, 160, 160)
	q := new(big.Int).Lsh(big.NewInt(1), 159)
	q.Add(q, big.NewInt(7))
	k, err = newDHKey(rand.Reader, p, g, q, 0)
	check("subgroup order", k, err, 2, 160)
	if k.x.Cmp(q) >= 0 {
		t.Error("exponent not below q")
	}
	k, err = newDHKey(rand.Reader, p, g, nil, 0)
	check("full size", k, err, 1000, 1024)
	if k.x.Cmp(p) >= 0 {
		t.Error("exponent not below p")
	}
	// Parameters that cannot work are refused, not computed with.
	for _, bad := range []*pem.DHParams{{P: big.NewInt(0), G: g}, {P: new(big.Int).Lsh(p, 1), G: g}, {P: p, G: big.NewInt(1)}, {P: p, G: p}, {G: g}} {
		if _, err := newDHKey(rand.Reader, bad.P, bad.G, nil, 0); err == nil {
			t.Errorf("parameters %v accepted", bad)
		}
	}
}

// TestDHSharedPadding checks Z is padded to the size of p for TLS 1.3 and
// stripped of its leading zeros for TLS 1.0-1.2, with a small group where
// a short Z is easy to find.
func TestDHSharedPadding(t *testing.T) {
	p := big.NewInt(65537) // prime, 17 bits, 3 bytes
	k := &dhKey{p: p, g: big.NewInt(3), x: big.NewInt(5)}
	k.y = new(big.Int).Exp(k.g, k.x, p)
	found := false
	for y := int64(2); y < 1000; y++ {
		z := new(big.Int).Exp(big.NewInt(y), k.x, p)
		if z.Cmp(big.NewInt(65536)) >= 0 || z.Cmp(big.NewInt(256)) < 0 {
			continue
		}
		peer := big.NewInt(y).Bytes()
		padded, err := k.shared(peer, true)
		if err != nil {
			t.Fatal(err)
		}
		stripped, err := k.shared(peer, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(padded) != 3 || padded[0] != 0 || !bytes.Equal(padded[1:], stripped) || len(stripped) != 2 {
			t.Fatalf("y=%d: padded %x stripped %x", y, padded, stripped)
		}
		found = true
		break
	}
	if !found {
		t.Fatal("no short Z found")
	}
	// p-1, the element of order 2, is refused by the range check.
	if _, err := k.shared(big.NewInt(65536).Bytes(), false); err == nil {
		t.Error("p-1 accepted")
	}
	// An element of small order inside the range: 2^(65536/4) has order 4
	// mod 65537; with x = 4, its power is 1 and must be refused.
	k4 := &dhKey{p: p, g: big.NewInt(3), x: big.NewInt(4)}
	elt := new(big.Int).Exp(big.NewInt(3), big.NewInt(65536/4), p)
	if _, err := k4.shared(elt.Bytes(), false); err == nil {
		t.Error("a peer value of small order gives Z = 1 and was accepted")
	}
}
