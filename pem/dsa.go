package pem

import (
	"crypto"
	"crypto/dsa"
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Bounds on DSA domain parameters. OpenSSL refuses moduli above 10000 bits
// (OPENSSL_DSA_MAX_MODULUS_BITS); FIPS 186-4 subgroups are 160, 224 or 256
// bits.
const (
	minDSAPBits = 512
	maxDSAPBits = 10000
	minDSAQBits = 160
	maxDSAQBits = 512
)

// DSASigner is a DSA private key that implements crypto.Signer, which
// Go's crypto/dsa does not. Its public half is a *dsa.PublicKey, the type
// crypto/x509 gives the key of a DSA certificate, so the two compare. A
// key made with crypto/dsa is used as &DSASigner{PrivateKey: *key}.
//
// DSA is a legacy algorithm: TLS 1.3 does not use it, and its arithmetic
// here is math/big, which does not run in constant time (the nonce
// exponent is blinded). Prefer ECDSA or Ed25519 keys.
type DSASigner struct {
	dsa.PrivateKey
}

// Public returns the public key, a *dsa.PublicKey.
func (k *DSASigner) Public() crypto.PublicKey { return &k.PublicKey }

// Equal reports whether x is a *DSASigner with the same parameters and
// private value.
func (k *DSASigner) Equal(x crypto.PrivateKey) bool {
	o, ok := x.(*DSASigner)
	if !ok {
		return false
	}
	return dsaPublicEqual(&k.PublicKey, &o.PublicKey) && bigEqual(k.X, o.X)
}

func dsaPublicEqual(a, b *dsa.PublicKey) bool {
	return bigEqual(a.P, b.P) && bigEqual(a.Q, b.Q) && bigEqual(a.G, b.G) && bigEqual(a.Y, b.Y)
}

func bigEqual(a, b *big.Int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Cmp(b) == 0
}

// Sign signs digest, the hash of a message made with opts.HashFunc() as
// crypto.Signer requires, and returns the DER Dss-Sig-Value
// SEQUENCE { r INTEGER, s INTEGER } (RFC 3279, section 2.2.2). The digest
// is cut to the bit length of Q (FIPS 186-4, section 4.6). When
// opts.HashFunc() is not zero the digest must have its length.
//
// The nonce comes from crypto/rand hashed together with the private key
// and the digest, so that a weak random source alone does not reveal the
// key; the rand argument is ignored.
func (k *DSASigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if err := checkDSASizes(&k.PublicKey); err != nil {
		return nil, err
	}
	if k.X == nil || k.X.Sign() <= 0 || k.X.Cmp(k.Q) >= 0 {
		return nil, errorf("DSA private value out of range")
	}
	if len(digest) == 0 {
		return nil, errorf("DSA: empty digest")
	}
	if opts != nil {
		if h := opts.HashFunc(); h != 0 && len(digest) != h.Size() {
			return nil, errorf("DSA: digest is %d bytes, but %v makes %d", len(digest), h, h.Size())
		}
	}
	p, q, g := k.P, k.Q, k.G
	z := hashToInt(digest, q)
	qMinus2 := new(big.Int).Sub(q, big.NewInt(2))
	for attempt := uint32(0); attempt < 32; attempt++ {
		kk, err := dsaNonce(k.X, q, digest, attempt)
		if err != nil {
			return nil, err
		}
		// kk is in [1, q-1]. Blind the exponent with a random multiple of
		// q: g has order q, so g^(kk + t*q) = g^kk.
		var tb [8]byte
		if _, err := rand.Read(tb[:]); err != nil {
			return nil, err
		}
		e := new(big.Int).SetBytes(tb[:])
		e.Mul(e, q).Add(e, kk)
		r := new(big.Int).Exp(g, e, p)
		r.Mod(r, q)
		if r.Sign() == 0 {
			continue
		}
		// kInv = kk^(q-2) mod q (q is prime).
		kInv := new(big.Int).Exp(kk, qMinus2, q)
		s := new(big.Int).Mul(k.X, r)
		s.Add(s, z).Mod(s, q)
		s.Mul(s, kInv).Mod(s, q)
		if s.Sign() == 0 {
			continue
		}
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1BigInt(r)
			b.AddASN1BigInt(s)
		})
		return b.Bytes()
	}
	return nil, errorf("DSA: could not make a signature with these parameters")
}

var bigOne = big.NewInt(1)

// dsaNonce returns a nonce in [1, q-1] made from fresh randomness, the
// private value x and the digest: SHA-512 of them seeds SHA-512 in counter
// mode for 64 bits more than q has, reduced mod q-1, plus one.
func dsaNonce(x, q *big.Int, digest []byte, attempt uint32) (*big.Int, error) {
	var entropy [32]byte
	if _, err := rand.Read(entropy[:]); err != nil {
		return nil, err
	}
	xb := make([]byte, (q.BitLen()+7)/8)
	x.FillBytes(xb)
	seed := sha512.New()
	seed.Write(entropy[:])
	seed.Write(xb)
	seed.Write(digest)
	var ab [4]byte
	binary.BigEndian.PutUint32(ab[:], attempt)
	seed.Write(ab[:])
	sum := seed.Sum(nil)

	need := (q.BitLen() + 64 + 7) / 8
	out := make([]byte, 0, need+sha512.Size)
	for i := uint32(0); len(out) < need; i++ {
		h := sha512.New()
		h.Write(sum)
		binary.BigEndian.PutUint32(ab[:], i)
		h.Write(ab[:])
		out = h.Sum(out)
	}
	k := new(big.Int).SetBytes(out[:need])
	k.Mod(k, new(big.Int).Sub(q, bigOne))
	return k.Add(k, bigOne), nil
}

// hashToInt turns a digest into an integer with at most the bit length of
// q: its leftmost bits.
func hashToInt(digest []byte, q *big.Int) *big.Int {
	n := q.BitLen()
	if max := (n + 7) / 8; len(digest) > max {
		digest = digest[:max]
	}
	z := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - n; excess > 0 {
		z.Rsh(z, uint(excess))
	}
	return z
}

// VerifyDSA reports whether sig, a DER Dss-Sig-Value, is a valid signature
// of digest by pub (FIPS 186-4, section 4.7). Malformed signatures and
// parameters out of bounds are simply invalid.
func VerifyDSA(pub *dsa.PublicKey, digest, sig []byte) bool {
	if pub == nil || checkDSASizes(pub) != nil || pub.Y == nil ||
		pub.Y.Sign() <= 0 || pub.Y.Cmp(pub.P) >= 0 {
		return false
	}
	input := cryptobyte.String(sig)
	var seq cryptobyte.String
	r, s := new(big.Int), new(big.Int)
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(r) || !seq.ReadASN1Integer(s) || !seq.Empty() {
		return false
	}
	q := pub.Q
	if r.Sign() <= 0 || r.Cmp(q) >= 0 || s.Sign() <= 0 || s.Cmp(q) >= 0 {
		return false
	}
	w := new(big.Int).ModInverse(s, q)
	if w == nil {
		return false
	}
	z := hashToInt(digest, q)
	u1 := new(big.Int).Mul(z, w)
	u1.Mod(u1, q)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, q)
	v := new(big.Int).Exp(pub.G, u1, pub.P)
	u2.Exp(pub.Y, u2, pub.P)
	v.Mul(v, u2).Mod(v, pub.P).Mod(v, q)
	return v.Cmp(r) == 0
}

// checkDSASizes checks what signing and verifying need to stay bounded:
// the parameters present, P odd, the sizes within bounds, 1 < G < P.
func checkDSASizes(pub *dsa.PublicKey) error {
	p, q, g := pub.P, pub.Q, pub.G
	if p == nil || q == nil || g == nil {
		return errDSAParams
	}
	if p.Sign() <= 0 || p.BitLen() < minDSAPBits || p.BitLen() > maxDSAPBits || p.Bit(0) == 0 {
		return errorf("DSA modulus must be odd and of %d to %d bits", minDSAPBits, maxDSAPBits)
	}
	if q.Sign() <= 0 || q.BitLen() < minDSAQBits || q.BitLen() > maxDSAQBits || q.Cmp(p) >= 0 {
		return errorf("DSA subgroup order must be of %d to %d bits", minDSAQBits, maxDSAQBits)
	}
	if g.Cmp(bigOne) <= 0 || g.Cmp(p) >= 0 {
		return errorf("DSA generator out of range")
	}
	return nil
}

// checkDSAParams checks the domain parameters fully: checkDSASizes, and Q
// a prime dividing P-1, G of order Q. It does not test P for primality
// (slow for large P, and a key's owner gains nothing by a bad one).
func checkDSAParams(pub *dsa.PublicKey) error {
	if err := checkDSASizes(pub); err != nil {
		return err
	}
	p, q, g := pub.P, pub.Q, pub.G
	pm1 := new(big.Int).Sub(p, bigOne)
	if new(big.Int).Mod(pm1, q).Sign() != 0 {
		return errorf("DSA subgroup order does not divide P-1")
	}
	if !q.ProbablyPrime(20) {
		return errorf("DSA subgroup order is not prime")
	}
	if new(big.Int).Exp(g, q, p).Cmp(bigOne) != 0 {
		return errorf("DSA generator is not of order Q")
	}
	return nil
}

var errDSAParams = errors.New("pem: DSA parameters missing")

// ParseDSAPrivateKey parses OpenSSL's traditional DSA private key
// ("DSA PRIVATE KEY", Erlang's 'DSAPrivateKey'):
//
//	DSAPrivateKey ::= SEQUENCE {
//	    version INTEGER (0), p INTEGER, q INTEGER, g INTEGER,
//	    y INTEGER (public), x INTEGER (private) }
//
// The parameters are checked as Sign needs them (sizes, Q prime and
// dividing P-1, G of order Q) and Y must equal G^X mod P.
func ParseDSAPrivateKey(der []byte) (*DSASigner, error) {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	var version int64
	k := &DSASigner{}
	k.X = new(big.Int)
	k.P, k.Q, k.G, k.Y = new(big.Int), new(big.Int), new(big.Int), new(big.Int)
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(&version) ||
		!seq.ReadASN1Integer(k.P) || !seq.ReadASN1Integer(k.Q) || !seq.ReadASN1Integer(k.G) ||
		!seq.ReadASN1Integer(k.Y) || !seq.ReadASN1Integer(k.X) || !seq.Empty() {
		return nil, errorf("malformed DSAPrivateKey")
	}
	if version != 0 {
		return nil, errorf("DSAPrivateKey version %d, want 0", version)
	}
	if err := checkDSAKey(k); err != nil {
		return nil, err
	}
	if y := new(big.Int).Exp(k.G, k.X, k.P); y.Cmp(k.Y) != 0 {
		return nil, errorf("DSA public value does not match the private value")
	}
	return k, nil
}

// parsePKCS8DSA builds a DSA key from the parts of a PKCS#8 PrivateKeyInfo
// (RFC 3279, section 2.3.2, and RFC 5958): the algorithm parameters
// Dss-Parms ::= SEQUENCE { p, q, g } and the private key, an INTEGER x in
// an OCTET STRING.
func parsePKCS8DSA(params, privateKey cryptobyte.String) (*DSASigner, error) {
	var seq cryptobyte.String
	k := &DSASigner{}
	k.X = new(big.Int)
	k.P, k.Q, k.G = new(big.Int), new(big.Int), new(big.Int)
	if !params.ReadASN1(&seq, asn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1Integer(k.P) || !seq.ReadASN1Integer(k.Q) || !seq.ReadASN1Integer(k.G) || !seq.Empty() {
		return nil, errorf("malformed DSA parameters in PrivateKeyInfo")
	}
	if !privateKey.ReadASN1Integer(k.X) || !privateKey.Empty() {
		return nil, errorf("malformed DSA private value in PrivateKeyInfo")
	}
	k.Y = big.NewInt(1) // placeholder so that checkDSAKey sees a value
	if err := checkDSAKey(k); err != nil {
		return nil, err
	}
	k.Y = new(big.Int).Exp(k.G, k.X, k.P)
	return k, nil
}

// checkDSAKey checks the parameters and the range of X and Y.
func checkDSAKey(k *DSASigner) error {
	if err := checkDSAParams(&k.PublicKey); err != nil {
		return err
	}
	if k.X.Sign() <= 0 || k.X.Cmp(k.Q) >= 0 {
		return errorf("DSA private value out of range")
	}
	if k.Y.Sign() <= 0 || k.Y.Cmp(k.P) >= 0 {
		return errorf("DSA public value out of range")
	}
	return nil
}
