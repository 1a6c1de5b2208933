package handshake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// ecCurveTypeNamed is ECCurveType named_curve (RFC 8422, Section 5.4), the
// only kind of ECParameters accepted: explicit curves are deprecated and
// refused.
const ecCurveTypeNamed = 3

// ecdheKX is the ECDHE key exchange of RFC 8422 (ecdhe_ecdsa, ecdhe_rsa)
// and its unsigned variant ecdh_anon (RFC 4492, Section 2.5), TLS 1.0 to
// 1.2, with named curves and uncompressed points only:
//
//	struct {
//	    ECParameters curve_params;  // curve_type named_curve, NamedCurve
//	    ECPoint      public;        // opaque point <1..2^8-1>
//	} ServerECDHParams;
//
//	ServerKeyExchange: ServerECDHParams params; digitally-signed (unless anon)
//	ClientKeyExchange: ECPoint ecdh_Yc
//
// The pre-master secret is the x-coordinate of the shared point (the
// X25519 output for x25519), leading zeros kept.
type ecdheKX struct {
	method cipher.KeyExchange
	group  NamedGroup
	scheme SignatureScheme
	key    *EphemeralKey // server side
	peer   []byte        // client side: the server's point, validated
}

func (k *ecdheKX) Method() cipher.KeyExchange       { return k.method }
func (k *ecdheKX) ServerKeyExchangeUse() MessageUse { return MessageRequired }
func (k *ecdheKX) Info() KXInfo                     { return KXInfo{Group: k.group, SignatureScheme: k.scheme} }

// signingKeyFits checks that the certificate key pub can sign for method
// m in version v: an RSA key for the *_rsa methods, an ECDSA key (or,
// from TLS 1.2, an Ed25519 key, RFC 8422, Section 2.2) for ecdhe_ecdsa,
// and a DSA key for dhe_dss.
func signingKeyFits(m cipher.KeyExchange, v cipher.Version, pub crypto.PublicKey) bool {
	switch m {
	case cipher.KXECDHERSA, cipher.KXDHERSA:
		_, ok := pub.(*rsa.PublicKey)
		return ok
	case cipher.KXECDHEECDSA:
		switch pub.(type) {
		case *ecdsa.PublicKey:
			return true
		case ed25519.PublicKey:
			return v >= cipher.VersionTLS12
		}
	case cipher.KXDHEDSS:
		return isDSAKey(pub)
	}
	return false
}

func (k *ecdheKX) GenerateServerKeyExchange(p *ServerKXParams) ([]byte, error) {
	if p.Version < cipher.VersionTLS10 || p.Version > cipher.VersionTLS12 {
		return nil, kxAlert(record.InternalError, "%s key exchange in %s", k.method, p.Version)
	}
	if !p.Group.IsEC() {
		return nil, kxAlert(record.InternalError, "no elliptic curve chosen for %s (got %s)", k.method, p.Group)
	}
	anon := k.method == cipher.KXECDHAnon
	if !anon && (p.Key == nil || !signingKeyFits(k.method, p.Version, p.Key.Public())) {
		return nil, kxAlert(record.InternalError, "certificate key cannot sign for %s", k.method)
	}
	key, err := GenerateEphemeral(p.rand(), p.Group)
	if err != nil {
		return nil, err
	}
	pub := key.Public()
	params := make([]byte, 0, 4+len(pub))
	params = append(params, ecCurveTypeNamed, byte(p.Group>>8), byte(p.Group), byte(len(pub)))
	params = append(params, pub...)
	body := params
	if !anon {
		if body, err = signedParams(p, params); err != nil {
			return nil, err
		}
		if p.Version >= cipher.VersionTLS12 {
			k.scheme = p.SignatureScheme
		}
	}
	k.key, k.group = key, p.Group
	return body, nil
}

// readECPoint reads a ClientKeyExchange made of one ECPoint: a one-byte
// length, at least one byte, and nothing after it (RFC 8422, Section
// 5.7). The implicit encoding (an empty body, for fixed_ecdh client
// certificates) is not supported.
func readECPoint(body []byte) ([]byte, error) {
	s := cryptobyte.String(body)
	var point cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&point) || !s.Empty() || len(point) == 0 {
		return nil, kxAlert(record.DecodeError, "malformed ECDH ClientKeyExchange")
	}
	return point, nil
}

func (k *ecdheKX) ProcessClientKeyExchange(p *ServerKXParams, body []byte) ([]byte, error) {
	if k.key == nil {
		return nil, kxAlert(record.InternalError, "ClientKeyExchange before ServerKeyExchange")
	}
	point, err := readECPoint(body)
	if err != nil {
		return nil, err
	}
	return k.key.SharedSecret(point)
}

func (k *ecdheKX) ProcessServerKeyExchange(p *ClientKXParams, body []byte) error {
	if p.Version < cipher.VersionTLS10 || p.Version > cipher.VersionTLS12 {
		return kxAlert(record.InternalError, "%s key exchange in %s", k.method, p.Version)
	}
	anon := k.method == cipher.KXECDHAnon
	if !anon && !signingKeyFits(k.method, p.Version, p.ServerKey) {
		return kxAlert(record.UnsupportedCertificate, "server certificate key (%s) does not fit %s", keyTypeName(p.ServerKey), k.method)
	}
	s := cryptobyte.String(body)
	var curveType uint8
	var id uint16
	var point cryptobyte.String
	if !s.ReadUint8(&curveType) {
		return kxAlert(record.DecodeError, "malformed ServerECDHParams")
	}
	if curveType != ecCurveTypeNamed {
		return kxAlert(record.IllegalParameter, "ECParameters of curve type %d, only named curves are supported", curveType)
	}
	if !s.ReadUint16(&id) || !s.ReadUint8LengthPrefixed(&point) || len(point) == 0 {
		return kxAlert(record.DecodeError, "malformed ServerECDHParams")
	}
	params := body[:len(body)-len(s)]
	var scheme SignatureScheme
	var sig []byte
	if anon {
		if !s.Empty() {
			return kxAlert(record.DecodeError, "data after ServerECDHParams")
		}
	} else {
		var err error
		if scheme, sig, err = readSignature(&s, p.Version); err != nil {
			return err
		}
	}
	g := NamedGroup(id)
	if !g.IsEC() || !p.offeredGroup(g) {
		return kxAlert(record.IllegalParameter, "server chose curve %s, which was not offered", g)
	}
	if _, err := ecdhCurve(g).NewPublicKey(point); err != nil {
		return kxAlert(record.IllegalParameter, "invalid %s point in ServerKeyExchange", g)
	}
	if !anon {
		if err := verifySignedParams(p, params, scheme, sig); err != nil {
			return err
		}
		if p.Version >= cipher.VersionTLS12 {
			k.scheme = scheme
		}
	}
	k.group, k.peer = g, append([]byte(nil), point...)
	return nil
}

func (k *ecdheKX) GenerateClientKeyExchange(p *ClientKXParams) ([]byte, []byte, error) {
	if k.peer == nil {
		return nil, nil, kxAlert(record.InternalError, "ClientKeyExchange before ServerKeyExchange")
	}
	pub, z, err := Encapsulate(p.rand(), k.group, k.peer)
	if err != nil {
		return nil, nil, err
	}
	body := append([]byte{byte(len(pub))}, pub...)
	return body, z, nil
}
