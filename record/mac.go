package record

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"github.com/otpssl/ssl/cipher"
)

// recordMAC computes the record MAC of SSL 3.0 (RFC 6101, Section 5.2.3.1)
// or TLS 1.0-1.2 (HMAC, RFC 5246, Section 6.2.3.1).
//
// It also knows how many compression function calls its hash spends on a
// message, so that a CBC record's MAC can be checked at a cost that does
// not depend on the (secret) padding length: see sumConstantTime.
type recordMAC struct {
	ssl3 bool
	size int

	// h is the HMAC for TLS, the bare inner hash for SSL 3.0.
	h hash.Hash
	// outer is the outer hash of the SSL 3.0 MAC.
	outer hash.Hash
	// secret and pad are the SSL 3.0 MAC secret and pad length (48 bytes
	// of pad_1/pad_2 with MD5, 40 with SHA-1).
	secret []byte
	pad    int

	// The hash's block size is 1<<blockShift; its padding ends with a
	// length field of lenBytes bytes (8 for MD5, SHA-1 and SHA-256, 16 for
	// SHA-384).
	blockShift uint
	lenBytes   int
	// prefix is how many bytes the inner hash has absorbed before the
	// pseudo-header: the ipad block for HMAC, secret and pad_1 for SSL 3.0.
	prefix int
	// hdrLen is the length of the pseudo-header: sequence number, type,
	// version (TLS only) and length.
	hdrLen int

	hdr   [13]byte
	inner [64]byte
	zeros [512]byte
}

var (
	ssl3Pad1 = [48]byte{0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36}
	ssl3Pad2 = [48]byte{0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c}
)

func newRecordMAC(v cipher.Version, m cipher.MAC, key []byte) (*recordMAC, error) {
	newHash := m.Hash()
	if newHash == nil {
		return nil, fmt.Errorf("record: %s is not a record MAC", m)
	}
	if len(key) != m.Size() {
		return nil, fmt.Errorf("record: %s MAC key is %d bytes, want %d", m, len(key), m.Size())
	}
	r := &recordMAC{size: m.Size(), blockShift: 6, lenBytes: 8}
	if m == cipher.MACSHA384 {
		r.blockShift, r.lenBytes = 7, 16
	}
	if v == cipher.VersionSSL30 {
		switch m {
		case cipher.MACMD5:
			r.pad = 48
		case cipher.MACSHA1:
			r.pad = 40
		default:
			return nil, errors.New("record: SSL 3.0 has a MAC for MD5 and SHA-1 only")
		}
		r.ssl3 = true
		r.h, r.outer = newHash(), newHash()
		r.secret = append([]byte(nil), key...)
		r.prefix = len(key) + r.pad
		r.hdrLen = 11
		return r, nil
	}
	r.h = hmac.New(newHash, key)
	r.prefix = 1 << r.blockShift
	r.hdrLen = 13
	return r, nil
}

// header fills the MAC's pseudo-header: seq_num, type, version (not in
// SSL 3.0) and length.
func (r *recordMAC) header(seq uint64, typ ContentType, vers uint16, n int) []byte {
	binary.BigEndian.PutUint64(r.hdr[:8], seq)
	r.hdr[8] = byte(typ)
	if r.ssl3 {
		binary.BigEndian.PutUint16(r.hdr[9:11], uint16(n))
		return r.hdr[:11]
	}
	binary.BigEndian.PutUint16(r.hdr[9:11], vers)
	binary.BigEndian.PutUint16(r.hdr[11:13], uint16(n))
	return r.hdr[:13]
}

// sum appends the MAC of one record to out.
func (r *recordMAC) sum(out []byte, seq uint64, typ ContentType, vers uint16, data []byte) []byte {
	return r.sumPadded(out, seq, typ, vers, data, 0)
}

// sumPadded is sum, then extra bytes fed to the inner hash after its
// digest was taken: they cost compression function calls and change
// nothing in the result.
func (r *recordMAC) sumPadded(out []byte, seq uint64, typ ContentType, vers uint16, data []byte, extra int) []byte {
	hdr := r.header(seq, typ, vers, len(data))
	if !r.ssl3 {
		r.h.Reset()
		r.h.Write(hdr)
		r.h.Write(data)
		out = r.h.Sum(out)
		r.h.Write(r.zeros[:extra])
		return out
	}
	r.h.Reset()
	r.h.Write(r.secret)
	r.h.Write(ssl3Pad1[:r.pad])
	r.h.Write(hdr)
	r.h.Write(data)
	inner := r.h.Sum(r.inner[:0])
	r.h.Write(r.zeros[:extra])
	r.outer.Reset()
	r.outer.Write(r.secret)
	r.outer.Write(ssl3Pad2[:r.pad])
	r.outer.Write(inner)
	return r.outer.Sum(out)
}

// sumConstantTime appends the MAC of data[:n] to out, where n is secret
// (it depends on a CBC record's padding) and at most len(data). It spends
// as many compression function calls of the inner hash as a MAC over all
// of data would: after the real digest is taken, it feeds the inner hash
// the bytes that complete exactly the missing number of blocks. This is
// the countermeasure of the Lucky Thirteen paper (AlFardan and Paterson,
// 2013, Section 7); n is only used in arithmetic, never in a branch or an
// index outside the hash's own processing of data[:n].
func (r *recordMAC) sumConstantTime(out []byte, seq uint64, typ ContentType, vers uint16, data []byte, n int) []byte {
	return r.sumPadded(out, seq, typ, vers, data[:n], r.extraBytes(len(data), n))
}

// extraBytes is how many bytes the inner hash must absorb after the digest
// of an n-byte record (n secret) so that its compression calls match
// those of a maxLen-byte record.
func (r *recordMAC) extraBytes(maxLen, n int) int {
	base := r.prefix + r.hdrLen
	// calls is the number of compression calls for an m-byte message:
	// ceil((m + 1 + lenBytes) / blockSize).
	calls := func(m int) int { return (m + r.lenBytes + 1<<r.blockShift) >> r.blockShift }
	missing := calls(base+maxLen) - calls(base+n)
	buffered := (base + n) & (1<<r.blockShift - 1)
	extra := missing<<r.blockShift - buffered
	return subtle.ConstantTimeSelect(subtle.ConstantTimeLessOrEq(1, missing), extra, 0)
}
