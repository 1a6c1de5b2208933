package handshake

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"io"

	"golang.org/x/crypto/cryptobyte"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// rsaPreMasterLen is the length of an RSA pre-master secret: the client's
// version and 46 random bytes (RFC 5246, Section 7.4.7.1).
const rsaPreMasterLen = 48

// rsaKX is RSA key transport (RFC 5246, Sections 7.4.7.1 and 8.1.1): the
// client encrypts a pre-master secret to the server certificate's RSA key
// with PKCS #1 v1.5. There is no ServerKeyExchange (export RSA is not
// supported).
//
//	struct {
//	    ProtocolVersion client_version;  // the ClientHello's client_version
//	    opaque random[46];
//	} PreMasterSecret;
//
//	ClientKeyExchange: public-key-encrypted PreMasterSecret, as an
//	opaque<0..2^16-1> in TLS, as the bare ciphertext in SSL 3.0.
//
// The server never reports a failed decryption: a bad padding, a wrong
// length or a version that is not the ClientHello's give a random
// pre-master secret, indistinguishable until the Finished check fails
// (Bleichenbacher's attack and its successors, RFC 5246, Section
// 7.4.7.1), and the choice is made without branching on secret data.
type rsaKX struct{}

func (k *rsaKX) Method() cipher.KeyExchange       { return cipher.KXRSA }
func (k *rsaKX) ServerKeyExchangeUse() MessageUse { return MessageNever }
func (k *rsaKX) Info() KXInfo                     { return KXInfo{} }

func (k *rsaKX) GenerateServerKeyExchange(p *ServerKXParams) ([]byte, error) {
	return nil, nil
}

func (k *rsaKX) ProcessClientKeyExchange(p *ServerKXParams, body []byte) ([]byte, error) {
	ct := body
	if p.Version != cipher.VersionSSL30 {
		s := cryptobyte.String(body)
		var v cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&v) || !s.Empty() {
			return nil, kxAlert(record.DecodeError, "malformed RSA ClientKeyExchange")
		}
		ct = v
	}
	if p.Key == nil {
		return nil, kxAlert(record.InternalError, "no certificate key for rsa key exchange")
	}
	dec, ok := p.Key.(crypto.Decrypter)
	if _, isRSA := p.Key.Public().(*rsa.PublicKey); !ok || !isRSA {
		return nil, kxAlert(record.InternalError, "certificate key cannot decrypt for rsa key exchange")
	}
	return rsaPreMaster(p.rand(), dec, p.ClientVersion, ct)
}

// rsaPreMaster decrypts an encrypted pre-master secret without revealing,
// by error or timing, whether the padding, the length or the version was
// right. Two random 48-byte strings are drawn first. The decryption writes
// the plaintext over the first one only when the padding is good and the
// plaintext is 48 bytes long (rsa.DecryptPKCS1v15SessionKey, which works in
// constant time; with another crypto.Decrypter, its Decrypt with
// rsa.PKCS1v15DecryptOptions.SessionKeyLen, whose contract is the same).
// Then the version bytes are compared with the ClientHello's and, when
// they differ, the second random string replaces the result, with
// crypto/subtle. The caller always gets 48 bytes and no error except when
// the random source fails.
func rsaPreMaster(r io.Reader, key crypto.Decrypter, clientVersion cipher.Version, ct []byte) ([]byte, error) {
	pm := make([]byte, rsaPreMasterLen)
	alt := make([]byte, rsaPreMasterLen)
	if _, err := io.ReadFull(r, pm); err != nil {
		return nil, kxAlert(record.InternalError, "random source failed: %v", err)
	}
	if _, err := io.ReadFull(r, alt); err != nil {
		return nil, kxAlert(record.InternalError, "random source failed: %v", err)
	}
	decryptPreMaster(r, key, ct, pm)
	good := subtle.ConstantTimeByteEq(pm[0], byte(clientVersion>>8)) &
		subtle.ConstantTimeByteEq(pm[1], byte(clientVersion))
	subtle.ConstantTimeCopy(1-good, pm, alt)
	return pm, nil
}

// decryptPreMaster overwrites pm with the decrypted pre-master when the
// ciphertext is valid and leaves it alone otherwise. Errors are those of
// public conditions (a ciphertext longer than the modulus, a key too
// small): they too leave pm alone, so nothing here depends on the secret.
func decryptPreMaster(r io.Reader, key crypto.Decrypter, ct, pm []byte) {
	if priv, ok := key.(*rsa.PrivateKey); ok {
		_ = rsa.DecryptPKCS1v15SessionKey(r, priv, ct, pm)
		return
	}
	out, err := key.Decrypt(r, ct, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: len(pm)})
	if err != nil {
		return
	}
	buf := make([]byte, len(pm))
	copy(buf, out)
	subtle.ConstantTimeCopy(subtle.ConstantTimeEq(int32(len(out)), int32(len(pm))), pm, buf)
}

func (k *rsaKX) ProcessServerKeyExchange(p *ClientKXParams, body []byte) error {
	return kxAlert(record.UnexpectedMessage, "ServerKeyExchange in rsa key exchange")
}

func (k *rsaKX) GenerateClientKeyExchange(p *ClientKXParams) ([]byte, []byte, error) {
	pub, ok := p.ServerKey.(*rsa.PublicKey)
	if !ok {
		return nil, nil, kxAlert(record.UnsupportedCertificate, "server certificate key (%s) does not fit rsa key exchange", keyTypeName(p.ServerKey))
	}
	pm := make([]byte, rsaPreMasterLen)
	pm[0], pm[1] = byte(p.ClientVersion>>8), byte(p.ClientVersion)
	if _, err := io.ReadFull(p.rand(), pm[2:]); err != nil {
		return nil, nil, kxAlert(record.InternalError, "random source failed: %v", err)
	}
	ct, err := rsa.EncryptPKCS1v15(p.rand(), pub, pm)
	if err != nil {
		return nil, nil, kxAlert(record.UnsupportedCertificate, "cannot encrypt to the server's RSA key: %v", err)
	}
	if p.Version == cipher.VersionSSL30 {
		return ct, pm, nil
	}
	body := make([]byte, 0, 2+len(ct))
	body = append(body, byte(len(ct)>>8), byte(len(ct)))
	return append(body, ct...), pm, nil
}
