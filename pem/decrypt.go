package pem

import (
	"crypto/cipher"
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Scheme is how an entry is encrypted.
type Scheme int

// The encryption schemes.
const (
	// Legacy is OpenSSL's traditional PEM encryption: "Proc-Type:
	// 4,ENCRYPTED" and "DEK-Info: <cipher>,<IV>" headers, the key derived
	// with EVP_BytesToKey (MD5, one iteration, the first 8 bytes of the IV
	// as salt).
	Legacy Scheme = iota + 1
	// PBES2 is PKCS#8 "ENCRYPTED PRIVATE KEY" with PBES2 (RFC 8018,
	// section 6.2) and PBKDF2.
	PBES2
)

// String returns "legacy" or "PBES2".
func (s Scheme) String() string {
	switch s {
	case Legacy:
		return "legacy"
	case PBES2:
		return "PBES2"
	}
	return "unknown"
}

// Encryption describes how an entry is encrypted, as the {Cipher, Params}
// of an Erlang pem_entry().
type Encryption struct {
	Scheme Scheme
	// Cipher is the OpenSSL name of the cipher: "DES-CBC",
	// "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC" or "AES-256-CBC".
	Cipher string
	// IV is the initialisation vector of the cipher.
	IV []byte

	// The PBKDF2 parameters, for PBES2 only.

	// PRF is the PBKDF2 pseudo-random function: "hmacWithSHA1",
	// "hmacWithSHA224", "hmacWithSHA256", "hmacWithSHA384",
	// "hmacWithSHA512", "hmacWithSHA512-224" or "hmacWithSHA512-256".
	PRF        string
	Salt       []byte
	Iterations int
	// KeyLength is the key length the file states, in bytes; 0 when the
	// optional field is absent (the cipher's key length is used).
	KeyLength int

	keyLen int
	block  func(key []byte) (cipher.Block, error)
	data   []byte // the ciphertext
	prf    prfFunc
}

// Encryption returns how the entry is encrypted, or nil for an entry that
// is not. It fails when the encryption parameters are malformed, or with an
// *UnsupportedError naming the algorithm when they use one this package
// does not implement.
func (e *Entry) Encryption() (*Encryption, error) {
	if !e.Encrypted() {
		return nil, nil
	}
	if e.Type == "ENCRYPTED PRIVATE KEY" {
		return parseEncryptedPrivateKeyInfo(e.Bytes)
	}
	return parseLegacyHeaders(e.Headers, e.Bytes)
}

// Decrypt returns the entry decrypted with password, as Erlang's
// public_key:pem_entry_decode/2 minus the final parse: same Kind, Bytes
// the plaintext DER, no encryption headers, and for an "ENCRYPTED PRIVATE
// KEY" the Type "PRIVATE KEY". An entry that is not encrypted is returned
// as it is, whatever the password.
//
// A wrong password gives an error for which errors.Is(err,
// ErrIncorrectPassword) holds: the padding is checked strictly (in
// constant time), and then that the plaintext is exactly one DER SEQUENCE,
// since bad padding passes by chance once in 256 tries. A key that
// decrypts to a well-formed SEQUENCE but then does not parse is reported by
// Entry.PrivateKey as a parse error, not as a wrong password.
func (e *Entry) Decrypt(password []byte) (Entry, error) {
	if !e.Encrypted() {
		return *e, nil
	}
	enc, err := e.Encryption()
	if err != nil {
		return Entry{}, err
	}
	plain, err := enc.decrypt(password)
	if err != nil {
		return Entry{}, err
	}
	out := Entry{Kind: e.Kind, Type: e.Type, Bytes: plain}
	if e.Type == "ENCRYPTED PRIVATE KEY" {
		out.Type = "PRIVATE KEY"
	}
	for k, v := range e.Headers {
		if k == "Proc-Type" || k == "DEK-Info" {
			continue
		}
		if out.Headers == nil {
			out.Headers = make(map[string]string)
		}
		out.Headers[k] = v
	}
	return out, nil
}

// decrypt derives the key from password and decrypts the data.
func (enc *Encryption) decrypt(password []byte) ([]byte, error) {
	var key []byte
	switch enc.Scheme {
	case Legacy:
		key = bytesToKey(password, enc.IV[:8], enc.keyLen)
	case PBES2:
		var err error
		key, err = enc.pbkdf2Key(password)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errorf("unknown encryption scheme")
	}
	block, err := enc.block(key)
	if err != nil {
		return nil, errorf("%s: %v", enc.Cipher, err)
	}
	bs := block.BlockSize()
	if len(enc.data) == 0 || len(enc.data)%bs != 0 {
		return nil, errorf("encrypted data of %d bytes is not a whole number of %d-byte %s blocks", len(enc.data), bs, enc.Cipher)
	}
	plain := make([]byte, len(enc.data))
	cipher.NewCBCDecrypter(block, enc.IV).CryptBlocks(plain, enc.data)
	plain, ok := unpad(plain, bs)
	if !ok || !isOneSequence(plain) {
		if len(password) == 0 {
			return nil, fmt.Errorf("%w: the key is encrypted and no password was given", ErrIncorrectPassword)
		}
		return nil, ErrIncorrectPassword
	}
	return plain, nil
}

// unpad removes PKCS#7 padding, checking every padding byte. It takes the
// same time whatever the padding is; only its verdict tells.
func unpad(b []byte, blockSize int) ([]byte, bool) {
	n := len(b)
	if n == 0 || n%blockSize != 0 {
		return nil, false
	}
	pad := int(b[n-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, blockSize)
	for i := 0; i < blockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i+1, pad)
		same := subtle.ConstantTimeByteEq(b[n-1-i], byte(pad))
		good &= same | (inPad ^ 1)
	}
	if good != 1 {
		return nil, false
	}
	return b[:n-pad], true
}

// isOneSequence reports whether b is exactly one DER SEQUENCE.
func isOneSequence(b []byte) bool {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	return s.ReadASN1(&seq, asn1.SEQUENCE) && s.Empty()
}
