package pem

import (
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Bounds on Diffie-Hellman moduli. OpenSSL refuses moduli below 512 bits
// and above 10000 bits (DH_MIN_MODULUS_BITS, OPENSSL_DH_MAX_MODULUS_BITS).
const (
	minDHPBits = 512
	maxDHPBits = 10000
)

// DHParams are finite-field Diffie-Hellman parameters, Erlang's
// 'DHParameter' record, from PKCS#3 or X9.42.
type DHParams struct {
	P *big.Int // the prime modulus
	G *big.Int // the generator
	// Q is the order of the subgroup G generates; X9.42 parameters have
	// it, PKCS#3 ones do not (nil).
	Q *big.Int
	// PrivateValueLength is the optional length in bits of private
	// values (PKCS#3); 0 when absent.
	PrivateValueLength int
}

// ParseDHParams parses PKCS#3 Diffie-Hellman parameters ("DH PARAMETERS",
// the DER of Erlang's {dh, DER} option):
//
//	DHParameter ::= SEQUENCE {
//	    prime INTEGER, base INTEGER, privateValueLength INTEGER OPTIONAL }
//
// P must be odd and of 512 to 10000 bits, 1 < G < P-1, and a
// privateValueLength between 1 and the bit length of P. P is not tested
// for primality: that is slow for large moduli, and the parameters come
// from the server's own configuration.
func ParseDHParams(der []byte) (*DHParams, error) {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	d := &DHParams{P: new(big.Int), G: new(big.Int)}
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(d.P) || !seq.ReadASN1Integer(d.G) {
		return nil, errorf("malformed DHParameter")
	}
	if seq.PeekASN1Tag(asn1.INTEGER) {
		l := new(big.Int)
		if !seq.ReadASN1Integer(l) {
			return nil, errorf("malformed DHParameter")
		}
		if l.Sign() <= 0 || l.Cmp(big.NewInt(int64(d.P.BitLen()))) > 0 {
			return nil, errorf("DH privateValueLength %s out of range", shortInt(l))
		}
		d.PrivateValueLength = int(l.Int64())
	}
	if !seq.Empty() {
		return nil, errorf("malformed DHParameter: unexpected data after the parameters")
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// ParseX942DHParams parses X9.42 Diffie-Hellman parameters ("X9.42 DH
// PARAMETERS", RFC 3279 section 2.3.3):
//
//	DomainParameters ::= SEQUENCE {
//	    p INTEGER, g INTEGER, q INTEGER, j INTEGER OPTIONAL,
//	    validationParms SEQUENCE { seed BIT STRING, pgenCounter INTEGER } OPTIONAL }
//
// The checks are those of ParseDHParams, and Q must be above 1 and divide
// P-1. j and the validation parameters are checked for form and dropped.
func ParseX942DHParams(der []byte) (*DHParams, error) {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	d := &DHParams{P: new(big.Int), G: new(big.Int), Q: new(big.Int)}
	malformed := errorf("malformed X9.42 DomainParameters")
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(d.P) || !seq.ReadASN1Integer(d.G) || !seq.ReadASN1Integer(d.Q) {
		return nil, malformed
	}
	if seq.PeekASN1Tag(asn1.INTEGER) {
		if !seq.ReadASN1Integer(new(big.Int)) {
			return nil, malformed
		}
	}
	if seq.PeekASN1Tag(asn1.SEQUENCE) {
		var vp, seed cryptobyte.String
		if !seq.ReadASN1(&vp, asn1.SEQUENCE) || !vp.ReadASN1(&seed, asn1.BIT_STRING) ||
			!vp.ReadASN1Integer(new(big.Int)) || !vp.Empty() {
			return nil, malformed
		}
	}
	if !seq.Empty() {
		return nil, malformed
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	pm1 := new(big.Int).Sub(d.P, bigOne)
	if d.Q.Cmp(bigOne) <= 0 || d.Q.Cmp(pm1) >= 0 || new(big.Int).Mod(pm1, d.Q).Sign() != 0 {
		return nil, errorf("X9.42 DH subgroup order Q must be above 1 and divide P-1")
	}
	return d, nil
}

// check checks the modulus and the generator.
func (d *DHParams) check() error {
	if d.P.Sign() <= 0 || d.P.Bit(0) == 0 || d.P.BitLen() < minDHPBits || d.P.BitLen() > maxDHPBits {
		return errorf("DH prime must be odd and of %d to %d bits, not %d", minDHPBits, maxDHPBits, d.P.BitLen())
	}
	pm1 := new(big.Int).Sub(d.P, bigOne)
	if d.G.Cmp(bigOne) <= 0 || d.G.Cmp(pm1) >= 0 {
		return errorf("DH generator out of range")
	}
	return nil
}

// DHParams returns the parameters of a DHParameter or DomainParameters
// entry.
func (e *Entry) DHParams() (*DHParams, error) {
	switch e.Kind {
	case DHParameter:
		return ParseDHParams(e.Bytes)
	case DomainParameters:
		return ParseX942DHParams(e.Bytes)
	}
	return nil, errorf("a %s entry holds no DH parameters", e.Type)
}

// FirstDHParams returns the parameters of the first DHParameter or
// DomainParameters entry among entries, as Erlang's ssl reads a dhfile.
func FirstDHParams(entries []Entry) (*DHParams, error) {
	for i := range entries {
		if entries[i].Kind == DHParameter || entries[i].Kind == DomainParameters {
			return entries[i].DHParams()
		}
	}
	return nil, errorf("no DH parameters found")
}
