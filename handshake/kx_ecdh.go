package handshake

import (
	"crypto/ecdh"
	"crypto/ecdsa"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// ecdhKX is static ECDH (RFC 4492, Section 2.1 and 2.3): ecdh_ecdsa and
// ecdh_rsa, where the server's certificate holds an EC key (signed by its
// CA with ECDSA or RSA) and that key is the server's half of the exchange.
// There is no ServerKeyExchange; the client sends an ephemeral point on
// the certificate's curve in its ClientKeyExchange, as in ECDHE. The
// server's key must be an *ecdsa.PrivateKey on P-256, P-384 or P-521 (it is
// converted with its ECDH method). These suites have no forward secrecy;
// RFC 8422 deprecates them, and Erlang's ssl keeps them only for old peers.
type ecdhKX struct {
	method cipher.KeyExchange
	group  NamedGroup
}

func (k *ecdhKX) Method() cipher.KeyExchange       { return k.method }
func (k *ecdhKX) ServerKeyExchangeUse() MessageUse { return MessageNever }
func (k *ecdhKX) Info() KXInfo                     { return KXInfo{Group: k.group} }

// groupOfECDH returns the named group of a crypto/ecdh NIST curve.
func groupOfECDH(c ecdh.Curve) NamedGroup {
	switch c {
	case ecdh.P256():
		return Secp256r1
	case ecdh.P384():
		return Secp384r1
	case ecdh.P521():
		return Secp521r1
	}
	return 0
}

func (k *ecdhKX) GenerateServerKeyExchange(p *ServerKXParams) ([]byte, error) {
	priv, err := k.serverKey(p)
	if err != nil {
		return nil, err
	}
	k.group = groupOfECDH(priv.Curve())
	return nil, nil
}

func (k *ecdhKX) serverKey(p *ServerKXParams) (*ecdh.PrivateKey, error) {
	if p.Version < cipher.VersionTLS10 || p.Version > cipher.VersionTLS12 {
		return nil, kxAlert(record.InternalError, "%s key exchange in %s", k.method, p.Version)
	}
	ek, ok := p.Key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, kxAlert(record.InternalError, "%s needs an ECDSA certificate key", k.method)
	}
	priv, err := ek.ECDH()
	if err != nil || groupOfECDH(priv.Curve()) == 0 {
		return nil, kxAlert(record.InternalError, "certificate key on an unsupported curve for %s", k.method)
	}
	return priv, nil
}

func (k *ecdhKX) ProcessClientKeyExchange(p *ServerKXParams, body []byte) ([]byte, error) {
	priv, err := k.serverKey(p)
	if err != nil {
		return nil, err
	}
	point, err := readECPoint(body)
	if err != nil {
		return nil, err
	}
	k.group = groupOfECDH(priv.Curve())
	return ecShared(k.group, priv, point)
}

func (k *ecdhKX) ProcessServerKeyExchange(p *ClientKXParams, body []byte) error {
	return kxAlert(record.UnexpectedMessage, "ServerKeyExchange in %s key exchange", k.method)
}

func (k *ecdhKX) GenerateClientKeyExchange(p *ClientKXParams) ([]byte, []byte, error) {
	if p.Version < cipher.VersionTLS10 || p.Version > cipher.VersionTLS12 {
		return nil, nil, kxAlert(record.InternalError, "%s key exchange in %s", k.method, p.Version)
	}
	ek, ok := p.ServerKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, kxAlert(record.UnsupportedCertificate, "server certificate key (%s) does not fit %s", keyTypeName(p.ServerKey), k.method)
	}
	pub, err := ek.ECDH()
	if err != nil || groupOfECDH(pub.Curve()) == 0 {
		return nil, nil, kxAlert(record.UnsupportedCertificate, "server certificate key on an unsupported curve")
	}
	g := groupOfECDH(pub.Curve())
	if !p.offeredGroup(g) {
		return nil, nil, kxAlert(record.IllegalParameter, "server certificate key on %s, which was not offered", g)
	}
	share, z, err := Encapsulate(p.rand(), g, pub.Bytes())
	if err != nil {
		return nil, nil, err
	}
	k.group = g
	return append([]byte{byte(len(share))}, share...), z, nil
}
