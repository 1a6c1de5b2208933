package pem

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// cbcCipher is a block cipher in CBC mode that encrypted keys use.
type cbcCipher struct {
	name      string // OpenSSL name
	keyLen    int
	blockSize int
	block     func(key []byte) (cipher.Block, error)
}

var (
	desCBC     = cbcCipher{"DES-CBC", 8, des.BlockSize, des.NewCipher}
	desEDE3CBC = cbcCipher{"DES-EDE3-CBC", 24, des.BlockSize, des.NewTripleDESCipher}
	aes128CBC  = cbcCipher{"AES-128-CBC", 16, aes.BlockSize, aes.NewCipher}
	aes192CBC  = cbcCipher{"AES-192-CBC", 24, aes.BlockSize, aes.NewCipher}
	aes256CBC  = cbcCipher{"AES-256-CBC", 32, aes.BlockSize, aes.NewCipher}
)

// legacyCiphers are the DEK-Info ciphers of OpenSSL's traditional
// encryption that this package decrypts.
var legacyCiphers = map[string]cbcCipher{
	desCBC.name:     desCBC,
	desEDE3CBC.name: desEDE3CBC,
	aes128CBC.name:  aes128CBC,
	aes192CBC.name:  aes192CBC,
	aes256CBC.name:  aes256CBC,
}

// parseLegacyHeaders reads the DEK-Info header of a traditionally
// encrypted entry ("DEK-Info: AES-256-CBC,<hex IV>").
func parseLegacyHeaders(headers map[string]string, data []byte) (*Encryption, error) {
	dek, ok := headers["DEK-Info"]
	if !ok {
		return nil, errorf("encrypted entry has no DEK-Info header")
	}
	name, ivHex, ok := strings.Cut(dek, ",")
	if !ok {
		return nil, errorf("malformed DEK-Info header %q", shorten(dek))
	}
	name = strings.ToUpper(trimSpace(name))
	c, ok := legacyCiphers[name]
	if !ok {
		return nil, &UnsupportedError{What: "cipher", Name: shorten(name)}
	}
	ivHex = trimSpace(ivHex)
	if len(ivHex) != 2*c.blockSize {
		return nil, errorf("DEK-Info IV for %s must be %d hex digits, not %d", c.name, 2*c.blockSize, len(ivHex))
	}
	iv, err := hex.DecodeString(ivHex)
	if err != nil {
		return nil, errorf("DEK-Info IV is not hex: %v", err)
	}
	return &Encryption{
		Scheme: Legacy,
		Cipher: c.name,
		IV:     iv,
		keyLen: c.keyLen,
		block:  c.block,
		data:   data,
	}, nil
}

// bytesToKey is OpenSSL's EVP_BytesToKey with MD5 and one iteration, as
// the traditional PEM encryption uses it: D_1 = MD5(password || salt),
// D_i = MD5(D_{i-1} || password || salt), the key the first keyLen bytes
// of D_1 || D_2 || ....
func bytesToKey(password, salt []byte, keyLen int) []byte {
	key := make([]byte, 0, keyLen+md5.Size)
	var prev []byte
	for len(key) < keyLen {
		h := md5.New()
		h.Write(prev)
		h.Write(password)
		h.Write(salt)
		prev = h.Sum(nil)
		key = append(key, prev...)
	}
	return key[:keyLen]
}

// shorten makes a string taken from a file fit for an error message:
// printable ASCII, cut to a readable length.
func shorten(s string) string {
	const max = 64
	if len(s) > max {
		return sanitize([]byte(s[:max])) + "..."
	}
	return sanitize([]byte(s))
}
