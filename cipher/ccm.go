package cipher

import (
	stdcipher "crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// errOpen is the one error every failed CCM open returns, whatever failed.
var errOpen = errors.New("cipher: message authentication failed")

// ccm is Counter with CBC-MAC (RFC 3610, NIST SP 800-38C) over a 128-bit
// block cipher. The scratch blocks live in the value so that sealing and
// opening do not allocate; a ccm is therefore used by one goroutine at a
// time.
type ccm struct {
	b         stdcipher.Block
	nonceSize int
	tagSize   int
	x         [16]byte // CBC-MAC state
	ctr       [16]byte // counter block A_i
	ks        [16]byte // key stream block S_i
	s0        [16]byte // S_0, which masks the tag
}

// NewCCM returns the CCM mode of a 128-bit block cipher with the given
// nonce size (7 to 13 bytes; the length field takes the other 15-n bytes)
// and tag size (4 to 16, even). TLS uses 12-byte nonces and 16-byte (CCM)
// or 8-byte (CCM_8) tags (RFC 6655). The result must be used by one
// goroutine at a time.
func NewCCM(b stdcipher.Block, nonceSize, tagSize int) (stdcipher.AEAD, error) {
	if b.BlockSize() != 16 {
		return nil, errors.New("cipher: CCM needs a 128-bit block cipher")
	}
	if nonceSize < 7 || nonceSize > 13 {
		return nil, errors.New("cipher: CCM nonce size must be 7 to 13 bytes")
	}
	if tagSize < 4 || tagSize > 16 || tagSize%2 != 0 {
		return nil, errors.New("cipher: CCM tag size must be an even number from 4 to 16")
	}
	return &ccm{b: b, nonceSize: nonceSize, tagSize: tagSize}, nil
}

func (c *ccm) NonceSize() int { return c.nonceSize }
func (c *ccm) Overhead() int  { return c.tagSize }

// lenSize is L, the size of the message length field.
func (c *ccm) lenSize() int { return 15 - c.nonceSize }

// maxLen is the longest message the length field can express.
func (c *ccm) maxLen() uint64 {
	if l := c.lenSize(); l < 8 {
		return 1<<(8*uint(l)) - 1
	}
	return ^uint64(0)
}

// counter sets A_i = flags || nonce || i.
func (c *ccm) counter(nonce []byte, i uint64) {
	l := c.lenSize()
	c.ctr[0] = byte(l - 1)
	copy(c.ctr[1:], nonce)
	for j := 15; j > c.nonceSize; j-- {
		c.ctr[j] = byte(i)
		i >>= 8
	}
}

// crypt XORs src with the key stream S_1, S_2, ... into dst; dst and src
// may overlap exactly.
func (c *ccm) crypt(dst, src, nonce []byte) {
	var i uint64 = 1
	for len(src) > 0 {
		c.counter(nonce, i)
		c.b.Encrypt(c.ks[:], c.ctr[:])
		n := subtle.XORBytes(dst, src, c.ks[:])
		dst, src = dst[n:], src[n:]
		i++
	}
}

// absorb feeds data into the CBC-MAC, padding the last partial block with
// zeros.
func (c *ccm) absorb(data []byte) {
	for len(data) >= 16 {
		subtle.XORBytes(c.x[:], c.x[:], data[:16])
		c.b.Encrypt(c.x[:], c.x[:])
		data = data[16:]
	}
	if len(data) > 0 {
		subtle.XORBytes(c.x[:len(data)], c.x[:len(data)], data)
		c.b.Encrypt(c.x[:], c.x[:])
	}
}

// mac computes the unmasked tag T of the plaintext into c.x.
func (c *ccm) mac(nonce, plaintext, aad []byte) {
	l := c.lenSize()
	flags := byte((c.tagSize-2)/2)<<3 | byte(l-1)
	if len(aad) > 0 {
		flags |= 0x40
	}
	c.x[0] = flags
	copy(c.x[1:], nonce)
	n := uint64(len(plaintext))
	for j := 15; j > c.nonceSize; j-- {
		c.x[j] = byte(n)
		n >>= 8
	}
	c.b.Encrypt(c.x[:], c.x[:])

	if len(aad) > 0 {
		// The associated data is prefixed with its encoded length
		// (RFC 3610, Section 2.2) and the first block is completed from
		// the data itself.
		var first [16]byte
		var hdr int
		switch a := uint64(len(aad)); {
		case a < 0xff00:
			binary.BigEndian.PutUint16(first[:], uint16(a))
			hdr = 2
		case a <= 0xffffffff:
			first[0], first[1] = 0xff, 0xfe
			binary.BigEndian.PutUint32(first[2:], uint32(a))
			hdr = 6
		default:
			first[0], first[1] = 0xff, 0xff
			binary.BigEndian.PutUint64(first[2:], a)
			hdr = 10
		}
		k := copy(first[hdr:], aad)
		subtle.XORBytes(c.x[:], c.x[:], first[:])
		c.b.Encrypt(c.x[:], c.x[:])
		c.absorb(aad[k:])
	}
	c.absorb(plaintext)
}

func (c *ccm) mask(nonce []byte) {
	c.counter(nonce, 0)
	c.b.Encrypt(c.s0[:], c.ctr[:])
}

// Seal encrypts and authenticates plaintext and appends the result to dst.
// dst and plaintext may overlap exactly or not at all.
func (c *ccm) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != c.nonceSize {
		panic("cipher: incorrect CCM nonce length")
	}
	if uint64(len(plaintext)) > c.maxLen() {
		panic("cipher: message too large for CCM")
	}
	ret, out := grow(dst, len(plaintext)+c.tagSize)
	c.mac(nonce, plaintext, aad)
	c.crypt(out, plaintext, nonce)
	c.mask(nonce)
	subtle.XORBytes(out[len(plaintext):], c.x[:c.tagSize], c.s0[:c.tagSize])
	return ret
}

// Open authenticates and decrypts ciphertext and appends the plaintext to
// dst. dst and ciphertext may overlap exactly or not at all. On failure
// the output is zeroed and the one error errOpen is returned.
func (c *ccm) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != c.nonceSize {
		panic("cipher: incorrect CCM nonce length")
	}
	if len(ciphertext) < c.tagSize || uint64(len(ciphertext)-c.tagSize) > c.maxLen() {
		return nil, errOpen
	}
	body, tag := ciphertext[:len(ciphertext)-c.tagSize], ciphertext[len(ciphertext)-c.tagSize:]
	// Keep the tag: decrypting in place must not overwrite it, and it
	// lies beyond the output, so it is safe to read after crypt.
	ret, out := grow(dst, len(body))
	c.crypt(out, body, nonce)
	c.mac(nonce, out, aad)
	c.mask(nonce)
	subtle.XORBytes(c.x[:c.tagSize], c.x[:c.tagSize], c.s0[:c.tagSize])
	if subtle.ConstantTimeCompare(c.x[:c.tagSize], tag) != 1 {
		clear(out)
		return nil, errOpen
	}
	return ret, nil
}

// grow extends in by n bytes, reusing its capacity when it can, and
// returns the whole slice and the new tail.
func grow(in []byte, n int) (whole, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		whole = in[:total]
	} else {
		whole = make([]byte, total)
		copy(whole, in)
	}
	return whole, whole[len(in):]
}
