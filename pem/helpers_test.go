package pem

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	encasn1 "encoding/asn1"
	stdpem "encoding/pem"
	"hash"
	"math/big"
	"sync"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Keys are made once per test binary: RSA and DSA generation is slow.
var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
	dsaOnce sync.Once
	dsaKey  *dsa.PrivateKey
)

func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

func testDSAKey(t testing.TB) *dsa.PrivateKey {
	dsaOnce.Do(func() {
		k := new(dsa.PrivateKey)
		if err := dsa.GenerateParameters(&k.Parameters, rand.Reader, dsa.L1024N160); err != nil {
			panic(err)
		}
		if err := dsa.GenerateKey(k, rand.Reader); err != nil {
			panic(err)
		}
		dsaKey = k
	})
	return dsaKey
}

func testECKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testEd25519Key(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// marshalDSATraditional encodes OpenSSL's traditional DSA key by hand.
func marshalDSATraditional(k *dsa.PrivateKey) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		for _, n := range []*big.Int{k.P, k.Q, k.G, k.Y, k.X} {
			b.AddASN1BigInt(n)
		}
	})
	return b.BytesOrPanic()
}

// marshalDSAPKCS8 encodes a DSA PrivateKeyInfo by hand (RFC 5958 with the
// RFC 3279 algorithm identifier).
func marshalDSAPKCS8(k *dsa.PrivateKey) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(encasn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1})
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1BigInt(k.P)
				b.AddASN1BigInt(k.Q)
				b.AddASN1BigInt(k.G)
			})
		})
		b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) {
			b.AddASN1BigInt(k.X)
		})
	})
	return b.BytesOrPanic()
}

func pemEncode(label string, headers map[string]string, der []byte) []byte {
	return stdpem.EncodeToMemory(&stdpem.Block{Type: label, Headers: headers, Bytes: der})
}

// pbes2Spec says how the test encoder encrypts a PKCS#8 key.
type pbes2Spec struct {
	cipherOID  encasn1.ObjectIdentifier
	prfOID     encasn1.ObjectIdentifier // nil: leave the PRF out (the default, SHA-1)
	prf        func() hash.Hash
	keyLen     int
	iter       int
	withKeyLen bool // write the optional keyLength field
}

var (
	oidAES128CBC  = encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = encasn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidDESCBC     = encasn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}
)

// encryptPKCS8 is an independent PBES2 encoder for the tests: PBKDF2,
// then CBC with PKCS#7 padding.
func encryptPKCS8(t testing.TB, plain, password []byte, s pbes2Spec) []byte {
	t.Helper()
	salt := make([]byte, 16)
	rand.Read(salt)
	prf := s.prf
	key, err := pbkdf2.Key(prf, string(password), salt, s.iter, s.keyLen)
	if err != nil {
		t.Fatal(err)
	}
	var block cipher.Block
	switch {
	case s.cipherOID.Equal(oidDESEDE3CBC):
		block, err = des.NewTripleDESCipher(key)
	case s.cipherOID.Equal(oidDESCBC):
		block, err = des.NewCipher(key)
	default:
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, block.BlockSize())
	rand.Read(iv)
	ct := cbcEncrypt(block, iv, plain)
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPBES2)
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPBKDF2)
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(salt)
						b.AddASN1Int64(int64(s.iter))
						if s.withKeyLen {
							b.AddASN1Int64(int64(s.keyLen))
						}
						if s.prfOID != nil {
							b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(s.prfOID)
								b.AddASN1NULL()
							})
						}
					})
				})
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(s.cipherOID)
					b.AddASN1OctetString(iv)
				})
			})
		})
		b.AddASN1OctetString(ct)
	})
	return b.BytesOrPanic()
}

func cbcEncrypt(block cipher.Block, iv, plain []byte) []byte {
	bs := block.BlockSize()
	pad := bs - len(plain)%bs
	buf := make([]byte, len(plain), len(plain)+pad)
	copy(buf, plain)
	for i := 0; i < pad; i++ {
		buf = append(buf, byte(pad))
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return buf
}

// publicEqual compares public keys of any of the supported types.
func publicEqual(a, b crypto.PublicKey) bool {
	if da, ok := a.(*dsa.PublicKey); ok {
		db, ok := b.(*dsa.PublicKey)
		return ok && dsaPublicEqual(da, db)
	}
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

func mustX25519(t testing.TB) any {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func p256() elliptic.Curve { return elliptic.P256() }

type bigInt = big.Int

func cbcDecrypt(b cipher.Block, iv, dst, src []byte) {
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(dst, src)
}
