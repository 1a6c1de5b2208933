package handshake_test

import (
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
)

var kxtFFDHE = []struct {
	g    handshake.NamedGroup
	bits int
}{
	{handshake.FFDHE2048, 2048}, {handshake.FFDHE3072, 3072}, {handshake.FFDHE4096, 4096},
	{handshake.FFDHE6144, 6144}, {handshake.FFDHE8192, 8192},
}

// TestRFC7919Groups checks the properties RFC 7919, Appendix A states of
// its primes: p has the stated size, its top and bottom 64 bits are all
// ones, p and q = (p-1)/2 are prime (a safe prime), g = 2, and 2 generates
// the subgroup of order q.
func TestRFC7919Groups(t *testing.T) {
	ones := new(big.Int).SetUint64(^uint64(0))
	for _, c := range kxtFFDHE {
		d := handshake.FFDHEParams(c.g)
		if d == nil {
			t.Fatalf("%s: no parameters", c.g)
		}
		p := d.P
		if p.BitLen() != c.bits {
			t.Errorf("%s: %d bits", c.g, p.BitLen())
		}
		low := new(big.Int).And(p, ones)
		high := new(big.Int).Rsh(p, uint(c.bits-64))
		if low.Cmp(ones) != 0 || high.Cmp(ones) != 0 {
			t.Errorf("%s: top or bottom 64 bits are not all ones", c.g)
		}
		if d.G.Cmp(big.NewInt(2)) != 0 || d.PrivateValueLength != 0 {
			t.Errorf("%s: g = %v, length %d", c.g, d.G, d.PrivateValueLength)
		}
		q := new(big.Int).Rsh(p, 1)
		if d.Q == nil || d.Q.Cmp(q) != 0 {
			t.Errorf("%s: q is not (p-1)/2", c.g)
		}
		// p = 2q+1 with q odd, so 2^q = 1 mod p is a Miller-Rabin test of p
		// to base 2; and p = 7 mod 8 makes 2 a square, so its order divides
		// q, and is q since q is prime: 2 generates the subgroup of order q.
		if new(big.Int).Exp(d.G, q, p).Cmp(big.NewInt(1)) != 0 || p.Bit(1) != 1 || p.Bit(2) != 1 {
			t.Errorf("%s: 2 does not generate the subgroup of order q", c.g)
		}
		switch {
		case c.bits <= 4096:
			if !p.ProbablyPrime(4) || !q.ProbablyPrime(4) {
				t.Errorf("%s: not a safe prime", c.g)
			}
		case !testing.Short():
			// Baillie-PSW on 6144 and 8192 bits takes seconds: a Fermat
			// test of q to base 3 stands in for it (p was tested above).
			qm1 := new(big.Int).Sub(q, big.NewInt(1))
			if new(big.Int).Exp(big.NewInt(3), qm1, q).Cmp(big.NewInt(1)) != 0 {
				t.Errorf("%s: q is not prime", c.g)
			}
		}
	}
	def := handshake.DefaultDHParams()
	if def.P.Cmp(handshake.FFDHEParams(handshake.FFDHE2048).P) != 0 {
		t.Error("default DH parameters are not ffdhe2048")
	}
	def.P.SetInt64(5) // a copy: changing it changes nothing
	if handshake.DefaultDHParams().P.BitLen() != 2048 {
		t.Error("FFDHEParams returns shared values")
	}
	for _, g := range []handshake.NamedGroup{handshake.X25519, 255, 261} {
		if handshake.FFDHEParams(g) != nil {
			t.Errorf("%s has DH parameters", g)
		}
	}
}

// TestRFC7919GroupsMatchOpenSSL compares the primes with those OpenSSL
// builds in (openssl genpkey -genparam -pkeyopt group:ffdheN).
func TestRFC7919GroupsMatchOpenSSL(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	dir := t.TempDir()
	for _, c := range kxtFFDHE {
		file := filepath.Join(dir, c.g.String()+".pem")
		out, err := exec.Command(openssl, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:"+c.g.String(), "-out", file).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.g, err, out)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := pem.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := pem.FirstDHParams(entries)
		if err != nil {
			t.Fatal(err)
		}
		ours := handshake.FFDHEParams(c.g)
		if theirs.P.Cmp(ours.P) != 0 || theirs.G.Cmp(ours.G) != 0 {
			t.Errorf("%s differs from OpenSSL's", c.g)
		}
	}
}

func TestCheckServerDHParams(t *testing.T) {
	p := handshake.FFDHEParams(handshake.FFDHE2048).P
	g := big.NewInt(2)
	y := big.NewInt(12345)
	one := big.NewInt(1)
	pm1 := new(big.Int).Sub(p, one)
	if err := handshake.CheckServerDHParams(p, g, y, 0); err != nil {
		t.Fatal(err)
	}
	small := new(big.Int).Rsh(p, 1025) // 1023 bits, odd
	small.SetBit(small, 0, 1)
	huge := new(big.Int).Lsh(one, handshake.MaxDHBits)
	huge.SetBit(huge, 0, 1)
	even := new(big.Int).Sub(p, one)
	for _, c := range []struct {
		p, g, y *big.Int
		min     int
		want    record.Description
	}{
		{small, g, y, 0, record.InsufficientSecurity},
		{p, g, y, 2049, record.InsufficientSecurity},
		{huge, g, y, 0, record.IllegalParameter},
		{even, g, y, 0, record.IllegalParameter},
		{p, big.NewInt(1), y, 0, record.IllegalParameter},
		{p, big.NewInt(0), y, 0, record.IllegalParameter},
		{p, pm1, y, 0, record.IllegalParameter},
		{p, p, y, 0, record.IllegalParameter},
		{p, g, big.NewInt(0), 0, record.IllegalParameter},
		{p, g, one, 0, record.IllegalParameter},
		{p, g, pm1, 0, record.IllegalParameter},
		{p, g, p, 0, record.IllegalParameter},
		{nil, g, y, 0, record.IllegalParameter},
	} {
		kxtWantAlert(t, handshake.CheckServerDHParams(c.p, c.g, c.y, c.min), c.want)
	}
	// The minimum is a parameter: 1023 bits pass with a minimum of 512,
	// and 2048 bits with 2048.
	if err := handshake.CheckServerDHParams(small, g, y, 512); err != nil {
		t.Error(err)
	}
	if err := handshake.CheckServerDHParams(p, g, y, 2048); err != nil {
		t.Error(err)
	}
	if handshake.DefaultMinDHBits != 1024 {
		t.Error("default minimum is not 1024 bits")
	}
}
