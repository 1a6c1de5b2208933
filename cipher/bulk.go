package cipher

import (
	"crypto/aes"
	stdcipher "crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrKind is returned when a constructor is asked for a bulk cipher of
// another kind (NewAEAD for a CBC cipher, for example).
var ErrKind = errors.New("cipher: wrong kind of bulk cipher")

func (b Bulk) checkKey(key []byte) error {
	if want := b.Params().KeyLen; len(key) != want {
		return fmt.Errorf("cipher: %s key is %d bytes, want %d", b, len(key), want)
	}
	return nil
}

// NewAEAD returns the AEAD of an AEAD bulk cipher: AES-GCM and
// ChaCha20-Poly1305 from the standard library and x/crypto, AES-CCM and
// AES-CCM_8 from this package. The nonce size is 12 bytes for all of them;
// the tag size is b.Params().TagLen.
//
// The AES-CCM AEADs keep scratch space in the value and must be used by
// one goroutine at a time, as the record layer uses them (one per
// direction of a connection).
func (b Bulk) NewAEAD(key []byte) (stdcipher.AEAD, error) {
	if b.Params().Kind != KindAEAD {
		return nil, ErrKind
	}
	if err := b.checkKey(key); err != nil {
		return nil, err
	}
	switch b {
	case BulkAES128GCM, BulkAES256GCM:
		blk, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return stdcipher.NewGCM(blk)
	case BulkChaCha20Poly1305:
		return chacha20poly1305.New(key)
	case BulkAES128CCM, BulkAES256CCM, BulkAES128CCM8, BulkAES256CCM8:
		blk, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return NewCCM(blk, 12, b.Params().TagLen)
	}
	return nil, ErrKind
}

// NewBlock returns the block cipher of a CBC bulk cipher (DES, 3DES-EDE,
// AES). The record layer runs it in CBC mode.
func (b Bulk) NewBlock(key []byte) (stdcipher.Block, error) {
	if b.Params().Kind != KindBlock {
		return nil, ErrKind
	}
	if err := b.checkKey(key); err != nil {
		return nil, err
	}
	switch b {
	case BulkDESCBC:
		return des.NewCipher(key)
	case Bulk3DESEDECBC:
		return des.NewTripleDESCipher(key)
	case BulkAES128CBC, BulkAES256CBC:
		return aes.NewCipher(key)
	}
	return nil, ErrKind
}

// NewStream returns the key stream of a stream bulk cipher (RC4).
func (b Bulk) NewStream(key []byte) (stdcipher.Stream, error) {
	if b != BulkRC4128 {
		return nil, ErrKind
	}
	if err := b.checkKey(key); err != nil {
		return nil, err
	}
	return rc4.NewCipher(key)
}

// Hash returns the constructor of the MAC's hash function, or nil for
// MACNull and MACAEAD. The record layer builds HMAC (TLS) and the SSL 3.0
// MAC on it.
func (m MAC) Hash() func() hash.Hash {
	switch m {
	case MACMD5:
		return md5.New
	case MACSHA1:
		return sha1.New
	case MACSHA256:
		return sha256.New
	case MACSHA384:
		return sha512.New384
	}
	return nil
}
