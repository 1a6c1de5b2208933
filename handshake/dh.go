package handshake

import (
	"crypto/rand"
	"io"
	"math/big"
	"strings"
	"sync"

	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
)

// DefaultMinDHBits is the smallest finite-field DH prime a client accepts
// from a server unless told otherwise (ClientKXParams.MinDHBits): 1024 bits,
// the floor of OpenSSL's default security level 1 (and of Erlang's ssl,
// which relies on it). Servers should use 2048 bits or more; a client that
// wants to insist raises the minimum.
const DefaultMinDHBits = 1024

// MaxDHBits is the largest finite-field DH prime accepted from a peer, the
// limit of OpenSSL (OPENSSL_DH_MAX_MODULUS_BITS) and of this library's pem
// package: above it a modular exponentiation costs a server or client more
// than any handshake is worth.
const MaxDHBits = 10000

// The primes of RFC 7919, Appendix A, as printed there. Each is a safe
// prime (q = (p-1)/2 is prime), its top and bottom 64 bits are all ones,
// and 2 generates the subgroup of order q.
const (
	ffdhe2048P = `
		FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
		D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
		7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
		2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
		984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
		30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
		B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
		0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
		9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
		3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
		886B4238 61285C97 FFFFFFFF FFFFFFFF
`
	ffdhe3072P = `
		FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
		D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
		7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
		2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
		984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
		30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
		B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
		0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
		9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
		3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
		886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
		61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
		AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
		64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
		ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
		3C1B20EE 3FD59D7C 25E41D2B 66C62E37 FFFFFFFF FFFFFFFF
`
	ffdhe4096P = `
		FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
		D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
		7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
		2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
		984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
		30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
		B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
		0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
		9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
		3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
		886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
		61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
		AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
		64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
		ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
		3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
		7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
		87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
		A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
		1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
		8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E655F6A
		FFFFFFFF FFFFFFFF
`
	ffdhe6144P = `
		FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
		D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
		7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
		2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
		984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
		30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
		B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
		0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
		9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
		3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
		886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
		61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
		AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
		64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
		ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
		3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
		7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
		87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
		A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
		1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
		8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E0DD902
		0BFD64B6 45036C7A 4E677D2C 38532A3A 23BA4442 CAF53EA6
		3BB45432 9B7624C8 917BDD64 B1C0FD4C B38E8C33 4C701C3A
		CDAD0657 FCCFEC71 9B1F5C3E 4E46041F 388147FB 4CFDB477
		A52471F7 A9A96910 B855322E DB6340D8 A00EF092 350511E3
		0ABEC1FF F9E3A26E 7FB29F8C 183023C3 587E38DA 0077D9B4
		763E4E4B 94B2BBC1 94C6651E 77CAF992 EEAAC023 2A281BF6
		B3A739C1 22611682 0AE8DB58 47A67CBE F9C9091B 462D538C
		D72B0374 6AE77F5E 62292C31 1562A846 505DC82D B854338A
		E49F5235 C95B9117 8CCF2DD5 CACEF403 EC9D1810 C6272B04
		5B3B71F9 DC6B80D6 3FDD4A8E 9ADB1E69 62A69526 D43161C1
		A41D570D 7938DAD4 A40E329C D0E40E65 FFFFFFFF FFFFFFFF
`
	ffdhe8192P = `
		FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
		D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
		7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
		2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
		984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
		30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
		B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
		0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
		9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
		3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
		886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
		61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
		AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
		64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
		ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
		3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
		7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
		87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
		A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
		1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
		8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E0DD902
		0BFD64B6 45036C7A 4E677D2C 38532A3A 23BA4442 CAF53EA6
		3BB45432 9B7624C8 917BDD64 B1C0FD4C B38E8C33 4C701C3A
		CDAD0657 FCCFEC71 9B1F5C3E 4E46041F 388147FB 4CFDB477
		A52471F7 A9A96910 B855322E DB6340D8 A00EF092 350511E3
		0ABEC1FF F9E3A26E 7FB29F8C 183023C3 587E38DA 0077D9B4
		763E4E4B 94B2BBC1 94C6651E 77CAF992 EEAAC023 2A281BF6
		B3A739C1 22611682 0AE8DB58 47A67CBE F9C9091B 462D538C
		D72B0374 6AE77F5E 62292C31 1562A846 505DC82D B854338A
		E49F5235 C95B9117 8CCF2DD5 CACEF403 EC9D1810 C6272B04
		5B3B71F9 DC6B80D6 3FDD4A8E 9ADB1E69 62A69526 D43161C1
		A41D570D 7938DAD4 A40E329C CFF46AAA 36AD004C F600C838
		1E425A31 D951AE64 FDB23FCE C9509D43 687FEB69 EDD1CC5E
		0B8CC3BD F64B10EF 86B63142 A3AB8829 555B2F74 7C932665
		CB2C0F1C C01BD702 29388839 D2AF05E4 54504AC7 8B758282
		2846C0BA 35C35F5C 59160CC0 46FD8251 541FC68C 9C86B022
		BB709987 6A460E74 51A8A931 09703FEE 1C217E6C 3826E52C
		51AA691E 0E423CFC 99E9E316 50C1217B 624816CD AD9A95F9
		D5B80194 88D9C0A0 A1FE3075 A577E231 83F81D4A 3F2FA457
		1EFC8CE0 BA8A4FE8 B6855DFE 72B0A66E DED2FBAB FBE58A30
		FAFABE1C 5D71A87E 2F741EF8 C1FE86FE A6BBFDE5 30677F0D
		97D11D49 F7A8443D 0822E506 A9F4614E 011E2A94 838FF88C
		D68C8BB7 C5C6424C FFFFFFFF FFFFFFFF
`
)

// ffdhe is one RFC 7919 group.
type ffdhe struct {
	group NamedGroup
	p, g  *big.Int
	q     *big.Int // (p-1)/2
	// expBits is the short exponent size RFC 7919, Appendix A recommends
	// for the group ("a secret key of at least N bits").
	expBits int
}

var (
	ffdheOnce sync.Once
	ffdheList []*ffdhe
)

func ffdheGroups() []*ffdhe {
	ffdheOnce.Do(func() {
		for _, d := range []struct {
			g   NamedGroup
			hex string
			exp int
		}{
			{FFDHE2048, ffdhe2048P, 225},
			{FFDHE3072, ffdhe3072P, 275},
			{FFDHE4096, ffdhe4096P, 325},
			{FFDHE6144, ffdhe6144P, 375},
			{FFDHE8192, ffdhe8192P, 400},
		} {
			p, ok := new(big.Int).SetString(strings.Join(strings.Fields(d.hex), ""), 16)
			if !ok {
				panic("handshake: malformed RFC 7919 prime constant") // constants of this file
			}
			q := new(big.Int).Rsh(p, 1)
			ffdheList = append(ffdheList, &ffdhe{group: d.g, p: p, g: big.NewInt(2), q: q, expBits: d.exp})
		}
	})
	return ffdheList
}

// ffdheGroup returns the RFC 7919 group g, or nil.
func ffdheGroup(g NamedGroup) *ffdhe {
	for _, f := range ffdheGroups() {
		if f.group == g {
			return f
		}
	}
	return nil
}

// knownFFDHE returns the RFC 7919 group whose prime is p, or nil.
func knownFFDHE(p *big.Int) *ffdhe {
	for _, f := range ffdheGroups() {
		if f.p.Cmp(p) == 0 {
			return f
		}
	}
	return nil
}

// FFDHEParams returns the parameters of an RFC 7919 group as the pem
// package's DHParams (P, G = 2, Q = (P-1)/2; PrivateValueLength zero), a
// fresh copy each call, or nil when g is not one of them. A server passes
// them as ServerKXParams.DHParams.
func FFDHEParams(g NamedGroup) *pem.DHParams {
	f := ffdheGroup(g)
	if f == nil {
		return nil
	}
	return &pem.DHParams{P: new(big.Int).Set(f.p), G: new(big.Int).Set(f.g), Q: new(big.Int).Set(f.q)}
}

// DefaultDHParams returns the parameters a DHE server uses when Erlang's dh
// and dhfile options are absent: the 2048-bit group ffdhe2048 of RFC 7919.
// (Erlang's ssl has a fixed 2048-bit group of its own for this; the RFC
// 7919 group is as strong, has a proven structure, and is the one a TLS 1.2
// client naming ffdhe2048 in supported_groups expects.)
func DefaultDHParams() *pem.DHParams {
	return FFDHEParams(FFDHE2048)
}

var (
	bigOne = big.NewInt(1)
	bigTwo = big.NewInt(2)
)

// minDHExponentBits is twice the security strength of a prime of the given
// size (NIST SP 800-57 Part 1, Table 2: 80, 112, 128, 192 and 256 bits):
// the floor for a private exponent whose size the parameters set.
func minDHExponentBits(pBits int) int {
	switch {
	case pBits <= 1024:
		return 160
	case pBits <= 2048:
		return 224
	case pBits <= 3072:
		return 256
	case pBits <= 7680:
		return 384
	}
	return 512
}

// dhKey is a finite-field DH key pair.
type dhKey struct {
	p, g, x, y *big.Int
}

// newDHKey makes a private exponent x and the public value y = g^x mod p.
// The size of x is chosen so that it is adequate for the group and no
// larger than needed:
//
//   - for an RFC 7919 prime, the short exponent the RFC recommends
//     (225 bits for ffdhe2048 up to 400 for ffdhe8192); these primes are
//     safe, so a short exponent loses nothing (RFC 7919, Section 5.2);
//   - when the parameters give a privateValueLength l (PKCS #3), l bits,
//     raised to twice the security strength of p if smaller;
//   - when they give the subgroup order q (X9.42), uniform in [2, q-2];
//   - otherwise uniform in [2, p-2], the full size, since nothing is known
//     about the structure of p-1 (what OpenSSL does too).
//
// The arithmetic is math/big's, which does not run in constant time; the
// exponent is fresh for every handshake and used for two exponentiations.
func newDHKey(r io.Reader, p, g, q *big.Int, l int) (*dhKey, error) {
	if r == nil {
		r = rand.Reader
	}
	if p == nil || g == nil || p.BitLen() < 16 || p.Bit(0) == 0 || g.Cmp(bigOne) <= 0 || g.Cmp(p) >= 0 {
		return nil, kxAlert(record.InternalError, "unusable DH parameters")
	}
	var x *big.Int
	var err error
	switch {
	case knownFFDHE(p) != nil:
		x, err = randExponent(r, knownFFDHE(p).expBits)
	case l > 0:
		bits := l
		if m := minDHExponentBits(p.BitLen()); bits < m {
			bits = m
		}
		if bits > p.BitLen()-1 {
			bits = p.BitLen() - 1
		}
		x, err = randExponent(r, bits)
	case q != nil && q.Cmp(big.NewInt(3)) > 0:
		x, err = randRange(r, q)
	default:
		x, err = randRange(r, p)
	}
	if err != nil {
		return nil, kxAlert(record.InternalError, "random source failed: %v", err)
	}
	return &dhKey{p: p, g: g, x: x, y: new(big.Int).Exp(g, x, p)}, nil
}

// randExponent returns a random number of exactly bits bits.
func randExponent(r io.Reader, bits int) (*big.Int, error) {
	buf := make([]byte, (bits+7)/8)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	if extra := len(buf)*8 - bits; extra > 0 {
		buf[0] &= 0xff >> extra
	}
	x := new(big.Int).SetBytes(buf)
	return x.SetBit(x, bits-1, 1), nil
}

// randRange returns a random number in [2, n-2].
func randRange(r io.Reader, n *big.Int) (*big.Int, error) {
	x, err := rand.Int(r, new(big.Int).Sub(n, big.NewInt(3)))
	if err != nil {
		return nil, err
	}
	return x.Add(x, bigTwo), nil
}

// size returns the length of p in bytes.
func (k *dhKey) size() int { return (k.p.BitLen() + 7) / 8 }

// publicBytes returns y without leading zeros, as TLS 1.0-1.2 sends dh_Ys
// and dh_Yc.
func (k *dhKey) publicBytes() []byte { return k.y.Bytes() }

// publicPadded returns y padded to the size of p, as a TLS 1.3 key share.
func (k *dhKey) publicPadded() []byte { return k.y.FillBytes(make([]byte, k.size())) }

// shared returns Z = peer^x mod p after checking 1 < peer < p-1 (RFC 7919,
// Section 5.1; RFC 8446, Section 4.2.8.1), padded to the size of p (TLS
// 1.3, RFC 8446, Section 7.4.1) or with its leading zero bytes stripped
// (TLS 1.0-1.2, RFC 5246, Section 8.1.2). A Z of 1 (a peer value of small
// order, possible only when p is not a safe prime) is refused too.
func (k *dhKey) shared(peer []byte, pad bool) ([]byte, error) {
	if err := checkDHPublic(k.p, peer); err != nil {
		return nil, err
	}
	z := new(big.Int).Exp(new(big.Int).SetBytes(peer), k.x, k.p)
	if z.Cmp(bigOne) <= 0 {
		return nil, kxAlert(record.IllegalParameter, "DH public value of small order")
	}
	if pad {
		return z.FillBytes(make([]byte, k.size())), nil
	}
	return z.Bytes(), nil
}

// checkDHPublic checks that a peer's public value y satisfies 1 < y < p-1
// (RFC 7919, Section 5.1), an illegal_parameter alert otherwise.
func checkDHPublic(p *big.Int, y []byte) error {
	if len(y) > (p.BitLen()+7)/8+64 {
		// Leading zeros beyond any sensible padding: refuse before
		// converting a large value.
		return kxAlert(record.IllegalParameter, "DH public value out of range")
	}
	v := new(big.Int).SetBytes(y)
	if v.Cmp(bigOne) <= 0 || v.Cmp(new(big.Int).Sub(p, bigOne)) >= 0 {
		return kxAlert(record.IllegalParameter, "DH public value out of range")
	}
	return nil
}

// CheckServerDHParams applies a client's checks to the parameters a
// TLS 1.0-1.2 server sent in its ServerKeyExchange: p at least minBits
// long (0 means DefaultMinDHBits), else an insufficient_security alert
// (RFC 7919, Section 4 has a client refuse a group too weak for it this
// way); p at most MaxDHBits long and odd, 1 < g < p-1, and 1 < y < p-1,
// else an illegal_parameter alert. p is not tested for primality (no TLS
// client does; it would cost more than the handshake), which is why the
// shared secret is also checked (see the DHE key exchange).
func CheckServerDHParams(p, g, y *big.Int, minBits int) error {
	if minBits <= 0 {
		minBits = DefaultMinDHBits
	}
	if p == nil || g == nil || y == nil {
		return kxAlert(record.IllegalParameter, "missing DH parameters")
	}
	if p.BitLen() < minBits {
		return kxAlert(record.InsufficientSecurity, "DH prime of %d bits, below the minimum of %d", p.BitLen(), minBits)
	}
	if p.BitLen() > MaxDHBits {
		return kxAlert(record.IllegalParameter, "DH prime of %d bits, above the maximum of %d", p.BitLen(), MaxDHBits)
	}
	if p.Bit(0) == 0 {
		return kxAlert(record.IllegalParameter, "DH prime is even")
	}
	pm1 := new(big.Int).Sub(p, bigOne)
	if g.Cmp(bigOne) <= 0 || g.Cmp(pm1) >= 0 {
		return kxAlert(record.IllegalParameter, "DH generator out of range")
	}
	if y.Cmp(bigOne) <= 0 || y.Cmp(pm1) >= 0 {
		return kxAlert(record.IllegalParameter, "DH public value out of range")
	}
	return nil
}
