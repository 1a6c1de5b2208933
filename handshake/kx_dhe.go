package handshake

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // dhe_dss certificates carry DSA keys
	"math/big"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// dheKX is the finite-field Diffie-Hellman key exchange of SSL 3.0 and TLS
// 1.0-1.2 (RFC 5246, Sections 7.4.3 and 7.4.7.2): dhe_rsa, dhe_dss and the
// unsigned dh_anon.
//
//	struct {
//	    opaque dh_p<1..2^16-1>;
//	    opaque dh_g<1..2^16-1>;
//	    opaque dh_Ys<1..2^16-1>;
//	} ServerDHParams;
//
//	ServerKeyExchange: ServerDHParams params; digitally-signed (unless anon)
//	ClientKeyExchange: opaque dh_Yc<1..2^16-1>
//
// The server's parameters come from ServerKXParams.DHParams (Erlang's dh or
// dhfile) or are ffdhe2048. The client refuses a prime below its minimum
// (insufficient_security) and malformed parameters (illegal_parameter),
// see CheckServerDHParams. The pre-master secret is Z with its leading zero
// bytes stripped (RFC 5246, Section 8.1.2).
type dheKX struct {
	method cipher.KeyExchange
	scheme SignatureScheme
	bits   int
	key    *dhKey // server side
	// client side: the server's validated parameters
	p, g, y *big.Int
}

func (k *dheKX) Method() cipher.KeyExchange       { return k.method }
func (k *dheKX) ServerKeyExchangeUse() MessageUse { return MessageRequired }
func (k *dheKX) Info() KXInfo                     { return KXInfo{DHBits: k.bits, SignatureScheme: k.scheme} }

func isDSAKey(pub crypto.PublicKey) bool {
	_, ok := pub.(*dsa.PublicKey)
	return ok
}

func (k *dheKX) GenerateServerKeyExchange(p *ServerKXParams) ([]byte, error) {
	if p.Version < cipher.VersionSSL30 || p.Version > cipher.VersionTLS12 {
		return nil, kxAlert(record.InternalError, "%s key exchange in %s", k.method, p.Version)
	}
	anon := k.method == cipher.KXDHAnon
	if !anon && (p.Key == nil || !signingKeyFits(k.method, p.Version, p.Key.Public())) {
		return nil, kxAlert(record.InternalError, "certificate key cannot sign for %s", k.method)
	}
	params := p.DHParams
	if params == nil {
		params = DefaultDHParams()
	}
	if params.P == nil || params.G == nil || params.P.BitLen() > MaxDHBits {
		return nil, kxAlert(record.InternalError, "unusable DH parameters")
	}
	key, err := newDHKey(p.rand(), params.P, params.G, params.Q, params.PrivateValueLength)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	for _, v := range [][]byte{params.P.Bytes(), params.G.Bytes(), key.publicBytes()} {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
	}
	enc, err := b.Bytes()
	if err != nil {
		return nil, kxAlert(record.InternalError, "DH parameters too large: %v", err)
	}
	body := enc
	if !anon {
		if body, err = signedParams(p, enc); err != nil {
			return nil, err
		}
		if p.Version >= cipher.VersionTLS12 {
			k.scheme = p.SignatureScheme
		}
	}
	k.key, k.bits = key, params.P.BitLen()
	return body, nil
}

// readDHPublic reads a ClientDiffieHellmanPublic with an explicit value
// (RFC 5246, Section 7.4.7.2): dh_Yc<1..2^16-1> and nothing after it.
func readDHPublic(body []byte) ([]byte, error) {
	s := cryptobyte.String(body)
	var y cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&y) || !s.Empty() || len(y) == 0 {
		return nil, kxAlert(record.DecodeError, "malformed DH ClientKeyExchange")
	}
	return y, nil
}

func (k *dheKX) ProcessClientKeyExchange(p *ServerKXParams, body []byte) ([]byte, error) {
	if k.key == nil {
		return nil, kxAlert(record.InternalError, "ClientKeyExchange before ServerKeyExchange")
	}
	y, err := readDHPublic(body)
	if err != nil {
		return nil, err
	}
	return k.key.shared(y, false)
}

func (k *dheKX) ProcessServerKeyExchange(p *ClientKXParams, body []byte) error {
	if p.Version < cipher.VersionSSL30 || p.Version > cipher.VersionTLS12 {
		return kxAlert(record.InternalError, "%s key exchange in %s", k.method, p.Version)
	}
	anon := k.method == cipher.KXDHAnon
	if !anon && !signingKeyFits(k.method, p.Version, p.ServerKey) {
		return kxAlert(record.UnsupportedCertificate, "server certificate key (%s) does not fit %s", keyTypeName(p.ServerKey), k.method)
	}
	s := cryptobyte.String(body)
	var fields [3]cryptobyte.String
	for i := range fields {
		if !s.ReadUint16LengthPrefixed(&fields[i]) || len(fields[i]) == 0 {
			return kxAlert(record.DecodeError, "malformed ServerDHParams")
		}
	}
	params := body[:len(body)-len(s)]
	var scheme SignatureScheme
	var sig []byte
	if anon {
		if !s.Empty() {
			return kxAlert(record.DecodeError, "data after ServerDHParams")
		}
	} else {
		var err error
		if scheme, sig, err = readSignature(&s, p.Version); err != nil {
			return err
		}
	}
	// The byte lengths bound the work: a field of more than MaxDHBits
	// bits (plus a little padding) is refused before conversion.
	maxLen := (MaxDHBits+7)/8 + 64
	for _, f := range fields {
		if len(f) > maxLen {
			return kxAlert(record.IllegalParameter, "DH parameter of %d bytes", len(f))
		}
	}
	dp := new(big.Int).SetBytes(fields[0])
	dg := new(big.Int).SetBytes(fields[1])
	dy := new(big.Int).SetBytes(fields[2])
	if err := CheckServerDHParams(dp, dg, dy, p.MinDHBits); err != nil {
		return err
	}
	if !anon {
		if err := verifySignedParams(p, params, scheme, sig); err != nil {
			return err
		}
		if p.Version >= cipher.VersionTLS12 {
			k.scheme = scheme
		}
	}
	k.p, k.g, k.y, k.bits = dp, dg, dy, dp.BitLen()
	return nil
}

func (k *dheKX) GenerateClientKeyExchange(p *ClientKXParams) ([]byte, []byte, error) {
	if k.p == nil {
		return nil, nil, kxAlert(record.InternalError, "ClientKeyExchange before ServerKeyExchange")
	}
	key, err := newDHKey(p.rand(), k.p, k.g, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	z, err := key.shared(k.y.Bytes(), false)
	if err != nil {
		return nil, nil, err
	}
	pub := key.publicBytes()
	body := make([]byte, 0, 2+len(pub))
	body = append(body, byte(len(pub)>>8), byte(len(pub)))
	return append(body, pub...), z, nil
}
