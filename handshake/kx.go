package handshake

import (
	"crypto"
	"crypto/rand"
	"io"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
)

// KeyAgreement is one key exchange method of SSL 3.0 and TLS 1.0-1.2 for
// one handshake: it makes and reads the bodies of the ServerKeyExchange and
// ClientKeyExchange messages (their framing is the messages' business) and
// yields the pre-master secret. TLS 1.3 has no such methods; its key
// shares are EphemeralKey and Encapsulate.
//
// Each method is a type of its own (kx_*.go), made fresh for every
// handshake by NewKeyAgreement, and used from one side only. A state
// machine drives it so:
//
// Server, once the suite is chosen: if ServerKeyExchangeUse() is not
// MessageNever, it calls GenerateServerKeyExchange with the randoms, the key of
// its certificate, the signature scheme it selected (SelectSignatureScheme,
// TLS 1.2), the curve it negotiated (NegotiateGroup) or its DH parameters,
// and sends the body it returns, if any, after Certificate. When the
// client's ClientKeyExchange arrives, ProcessClientKeyExchange turns its body
// into the pre-master secret.
//
// Client: with the server's certificate key in ClientKXParams, it calls
// ProcessServerKeyExchange with the body of the ServerKeyExchange; when
// none arrived before ServerHelloDone and the use is MessageOptional it
// calls nothing, and when the use is MessageRequired that is an
// unexpected_message (and so is a ServerKeyExchange when the use is
// MessageNever). Then
// GenerateClientKeyExchange returns the body to send and the pre-master
// secret.
//
// Errors are record.Alert values naming the alert to send: decode_error
// for a body that does not parse, illegal_parameter for a bad point, group
// or value, insufficient_security for a weak DH group, decrypt_error for a
// bad signature, unsupported_certificate for a certificate key the method
// cannot use, internal_error for a configuration that cannot work.
//
// PSK and SRP methods (RFC 4279, RFC 5489, RFC 5054) fit the same
// interface. A PSK type returns an optional ServerKeyExchange carrying
// psk_identity_hint (ServerKeyExchangeUse MessageOptional; dhe_psk and
// ecdhe_psk append the DH or ECDH parameters, unsigned, and are
// MessageRequired), reads the
// psk_identity from the front of the ClientKeyExchange (followed by the DH
// or ECDH public value, or by the RSA-encrypted pre-master for rsa_psk),
// and builds the pre-master from the PSK and the other secret with
// PSKPreMaster. The identity, the hint and the lookup of Erlang's
// user_lookup_fun and psk_identity options become fields of ServerKXParams
// and ClientKXParams; the DH and ECDH parts reuse the code of the DHE and
// ECDHE types. An SRP type sends N, g, salt and B (signed for srp_rsa and
// srp_dss with the signing code the other methods use) and reads A.
type KeyAgreement interface {
	// Method returns the key exchange method.
	Method() cipher.KeyExchange
	// ServerKeyExchangeUse says whether the method has the server send a
	// ServerKeyExchange message.
	ServerKeyExchangeUse() MessageUse

	// GenerateServerKeyExchange returns the body of the server's
	// ServerKeyExchange, or nil when the method sends none.
	GenerateServerKeyExchange(p *ServerKXParams) ([]byte, error)
	// ProcessClientKeyExchange reads the body of the client's
	// ClientKeyExchange and returns the pre-master secret.
	ProcessClientKeyExchange(p *ServerKXParams, body []byte) ([]byte, error)

	// ProcessServerKeyExchange reads and checks the body of the server's
	// ServerKeyExchange, including its signature.
	ProcessServerKeyExchange(p *ClientKXParams, body []byte) error
	// GenerateClientKeyExchange returns the body of the client's
	// ClientKeyExchange and the pre-master secret.
	GenerateClientKeyExchange(p *ClientKXParams) (body, preMaster []byte, err error)

	// Info describes what was negotiated, once the server's parameters
	// are known (after GenerateServerKeyExchange on a server, after
	// ProcessServerKeyExchange on a client; for static ECDH after the
	// ClientKeyExchange).
	Info() KXInfo
}

// MessageUse says whether a key exchange method has the server send a
// ServerKeyExchange message.
type MessageUse uint8

const (
	// MessageNever: the message must not be sent (rsa, ecdh_ecdsa,
	// ecdh_rsa).
	MessageNever MessageUse = iota
	// MessageRequired: the message must be sent (the DHE, ECDHE and
	// anonymous methods).
	MessageRequired
	// MessageOptional: the server sends it when it has something to say
	// (plain PSK methods with an identity hint).
	MessageOptional
)

// String returns "never", "required" or "optional".
func (u MessageUse) String() string {
	switch u {
	case MessageNever:
		return "never"
	case MessageRequired:
		return "required"
	case MessageOptional:
		return "optional"
	}
	return "unknown"
}

// KXInfo describes a key exchange once it is under way.
type KXInfo struct {
	// Group is the elliptic curve of an ECDHE or ECDH exchange (what
	// Erlang reports as ecc in connection_information), zero otherwise.
	Group NamedGroup
	// DHBits is the size in bits of the prime of a DHE exchange.
	DHBits int
	// SignatureScheme is the scheme of the ServerKeyExchange signature in
	// TLS 1.2; zero before TLS 1.2 and for unsigned methods.
	SignatureScheme SignatureScheme
}

// ServerKXParams is what the server side of a key exchange needs. The
// state machine fills it in once per handshake.
type ServerKXParams struct {
	// Version is the negotiated version (SSL 3.0 to TLS 1.2).
	Version cipher.Version
	// ClientVersion is the client_version field of the ClientHello as
	// received (the highest version the client offered, capped at TLS 1.2,
	// since TLS 1.3 clients send 0x0303 there). The RSA method checks the
	// version in the pre-master secret against it.
	ClientVersion cipher.Version
	// ClientRandom and ServerRandom are the hello randoms (32 bytes each),
	// covered by the ServerKeyExchange signature.
	ClientRandom, ServerRandom []byte
	// Rand is the source of randomness; nil means crypto/rand.
	Rand io.Reader

	// Key is the private key of the server's certificate: it signs the
	// ServerKeyExchange of the *_rsa, *_ecdsa and dhe_dss methods (any
	// crypto.Signer), decrypts the pre-master of rsa (it must then also be
	// a crypto.Decrypter), and is the static key of ecdh_ecdsa and ecdh_rsa
	// (an *ecdsa.PrivateKey). Anonymous methods do not use it.
	Key crypto.Signer
	// SignatureScheme is the scheme to sign the ServerKeyExchange with in
	// TLS 1.2, as chosen by SelectSignatureScheme from the client's
	// signature_algorithms. It is ignored before TLS 1.2.
	SignatureScheme SignatureScheme
	// Group is the curve of ECDHE and ecdh_anon, as chosen by
	// NegotiateGroup from the client's supported_groups and Erlang's
	// eccs/honor_ecc_order options.
	Group NamedGroup
	// DHParams are the parameters of DHE and dh_anon, from Erlang's dh or
	// dhfile option (pem.ParseDHParams, pem.FirstDHParams); nil means
	// DefaultDHParams (ffdhe2048).
	DHParams *pem.DHParams
}

func (p *ServerKXParams) rand() io.Reader {
	if p.Rand == nil {
		return rand.Reader
	}
	return p.Rand
}

// ClientKXParams is what the client side of a key exchange needs. The
// state machine fills it in once per handshake.
type ClientKXParams struct {
	// Version is the negotiated version (SSL 3.0 to TLS 1.2).
	Version cipher.Version
	// ClientVersion is the client_version this client sent in its
	// ClientHello (its highest version, capped at TLS 1.2): the first two
	// bytes of an RSA pre-master secret.
	ClientVersion cipher.Version
	// ClientRandom and ServerRandom are the hello randoms.
	ClientRandom, ServerRandom []byte
	// Rand is the source of randomness; nil means crypto/rand.
	Rand io.Reader

	// ServerKey is the public key of the server's certificate, after path
	// validation; nil for anonymous methods.
	ServerKey crypto.PublicKey
	// Groups are the groups the client offered in supported_groups (nil
	// means DefaultEccs): the server must choose its curve among them.
	Groups []NamedGroup
	// SignatureSchemes are the schemes the client offered in
	// signature_algorithms (nil means DefaultSignatureSchemes): in TLS 1.2
	// the server must sign with one of them.
	SignatureSchemes []SignatureScheme
	// MinDHBits is the smallest DH prime accepted from the server; 0
	// means DefaultMinDHBits (1024).
	MinDHBits int
}

func (p *ClientKXParams) rand() io.Reader {
	if p.Rand == nil {
		return rand.Reader
	}
	return p.Rand
}

func (p *ClientKXParams) offeredGroup(g NamedGroup) bool {
	list := p.Groups
	if list == nil {
		list = DefaultEccs()
	}
	for _, x := range list {
		if x == g {
			return true
		}
	}
	return false
}

// NewKeyAgreement returns a fresh key agreement for method m (rsa,
// dhe_rsa, dhe_dss, dh_anon, ecdhe_rsa, ecdhe_ecdsa, ecdh_anon, ecdh_rsa,
// ecdh_ecdsa). The PSK and SRP methods, and KXAny of TLS 1.3 suites, are
// not key agreements of this kind (yet): they give an internal_error
// alert.
func NewKeyAgreement(m cipher.KeyExchange) (KeyAgreement, error) {
	switch m {
	case cipher.KXRSA:
		return &rsaKX{}, nil
	case cipher.KXDHERSA, cipher.KXDHEDSS, cipher.KXDHAnon:
		return &dheKX{method: m}, nil
	case cipher.KXECDHERSA, cipher.KXECDHEECDSA, cipher.KXECDHAnon:
		return &ecdheKX{method: m}, nil
	case cipher.KXECDHRSA, cipher.KXECDHECDSA:
		return &ecdhKX{method: m}, nil
	}
	return nil, kxAlert(record.InternalError, "no key agreement for %s", m)
}

// PSKPreMaster builds the pre-master secret of the PSK methods (RFC 4279,
// Section 2): other_secret and psk, each with a two-byte length. For plain
// psk, other_secret is as many zero bytes as the PSK is long; for
// dhe_psk, ecdhe_psk and rsa_psk it is the DH or ECDH shared secret or the
// RSA-encrypted 48-byte pre-master. Both must be shorter than 64 KiB.
func PSKPreMaster(otherSecret, psk []byte) ([]byte, error) {
	if len(otherSecret) > 0xffff || len(psk) > 0xffff {
		return nil, kxAlert(record.InternalError, "PSK or other secret too long")
	}
	b := make([]byte, 0, 4+len(otherSecret)+len(psk))
	b = append(b, byte(len(otherSecret)>>8), byte(len(otherSecret)))
	b = append(b, otherSecret...)
	b = append(b, byte(len(psk)>>8), byte(len(psk)))
	return append(b, psk...), nil
}

// signedParams signs client_random + server_random + params (RFC 5246,
// Section 7.4.3) and appends the digitally-signed struct to params: in TLS
// 1.2 the scheme and the signature, before it only the signature, each with
// its length.
func signedParams(p *ServerKXParams, params []byte) ([]byte, error) {
	if p.Key == nil {
		return nil, kxAlert(record.InternalError, "no certificate key to sign the ServerKeyExchange")
	}
	msg := signedContent(p.ClientRandom, p.ServerRandom, params)
	sig, err := Sign(p.rand(), p.Key, p.Version, p.SignatureScheme, msg)
	if err != nil {
		return nil, err
	}
	if len(sig) > 0xffff {
		return nil, kxAlert(record.InternalError, "signature too long")
	}
	out := append([]byte(nil), params...)
	if p.Version >= cipher.VersionTLS12 {
		out = append(out, byte(p.SignatureScheme>>8), byte(p.SignatureScheme))
	}
	out = append(out, byte(len(sig)>>8), byte(len(sig)))
	return append(out, sig...), nil
}

func signedContent(clientRandom, serverRandom, params []byte) []byte {
	msg := make([]byte, 0, len(clientRandom)+len(serverRandom)+len(params))
	msg = append(msg, clientRandom...)
	msg = append(msg, serverRandom...)
	return append(msg, params...)
}

// readSignature reads the digitally-signed struct that follows the
// parameters of a ServerKeyExchange; it must end the body.
func readSignature(s *cryptobyte.String, v cipher.Version) (SignatureScheme, []byte, error) {
	var scheme uint16
	if v >= cipher.VersionTLS12 && !s.ReadUint16(&scheme) {
		return 0, nil, kxAlert(record.DecodeError, "malformed ServerKeyExchange signature")
	}
	var sig cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&sig) || !s.Empty() {
		return 0, nil, kxAlert(record.DecodeError, "malformed ServerKeyExchange signature")
	}
	return SignatureScheme(scheme), sig, nil
}

// verifySignedParams checks the signature of a ServerKeyExchange over
// client_random + server_random + params with the server certificate's
// key. In TLS 1.2 the scheme must be one the client offered
// (illegal_parameter otherwise, RFC 5246, Section 7.4.3).
func verifySignedParams(p *ClientKXParams, params []byte, scheme SignatureScheme, sig []byte) error {
	if p.Version >= cipher.VersionTLS12 {
		offered := p.SignatureSchemes
		if offered == nil {
			offered = defaultSignatureSchemes
		}
		if !schemeIn(scheme, offered) {
			return kxAlert(record.IllegalParameter, "ServerKeyExchange signed with %s, which was not offered", scheme)
		}
	}
	return Verify(p.ServerKey, p.Version, scheme, signedContent(p.ClientRandom, p.ServerRandom, params), sig)
}
