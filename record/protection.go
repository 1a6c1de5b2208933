package record

import (
	stdcipher "crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"

	"github.com/otpssl/ssl/cipher"
)

// Keys are the keys of one direction of a connection, as the key block
// expansion (TLS 1.0-1.2) or the traffic key derivation (TLS 1.3) gives
// them.
type Keys struct {
	// Key is the bulk encryption key.
	Key []byte
	// IV is the fixed IV: the first CBC IV in SSL 3.0 and TLS 1.0, the
	// 4-byte salt of AES-GCM and AES-CCM in TLS 1.2 (RFC 5288, RFC 6655),
	// the 12-byte IV of ChaCha20-Poly1305 in TLS 1.2 (RFC 7905) and of
	// every TLS 1.3 AEAD (RFC 8446, Section 5.3). TLS 1.1 and 1.2 CBC
	// suites have none; stream and NULL ciphers have none.
	IV []byte
	// MAC is the MAC key of CBC, stream and NULL suites (TLS 1.0-1.2 and
	// SSL 3.0); AEAD suites have none.
	MAC []byte
}

// Protection protects the records of one direction of a connection: it
// seals (MAC and encrypt) records on the writing side or opens (decrypt
// and verify) them on the reading side, and keeps that direction's
// sequence number and cipher state (RC4 key stream, CBC residue).
//
// A Protection is built for one version, one suite and one direction's
// keys, and serves one direction of one connection: install it with
// exactly one of Conn.SetReadProtection and Conn.SetWriteProtection, or
// use Seal or Open directly, not both. It is not safe for concurrent use.
// A nil *Protection is the initial null protection (records in the clear).
type Protection struct {
	version cipher.Version
	bulk    cipher.Bulk
	kind    cipher.BulkKind

	seq      uint64
	used     bool
	lastUsed bool // seq has reached its last value: refuse further records

	// AEAD suites.
	aead     stdcipher.AEAD
	iv       [12]byte // the TLS 1.3 or ChaCha20 IV, or the GCM/CCM salt in iv[:4]
	nonce    [12]byte
	explicit int // explicit nonce length in the record (8 for TLS 1.2 GCM/CCM)
	tagLen   int

	// CBC suites.
	block      stdcipher.Block
	blockSize  int
	enc, dec   cbcMode
	explicitIV bool // TLS 1.1 and later: a random IV leads each record

	// Stream suites.
	stream stdcipher.Stream

	// CBC, stream and NULL suites.
	mac    *recordMAC
	macBuf [2 * 64]byte

	// Options a Conn sets when it installs the protection.
	paddingCheck bool // check the values of CBC padding bytes (TLS 1.0 may turn it off)
	padTo        int  // TLS 1.3: pad TLSInnerPlaintext to a multiple of padTo bytes

	ad [13]byte
}

// cbcMode is the CBC block mode of crypto/cipher, whose IV can be set
// again for each record.
type cbcMode interface {
	stdcipher.BlockMode
	SetIV([]byte)
}

// NewProtection returns the protection of one direction for the cipher
// suite s in protocol version v, with that direction's keys. The suite
// must be valid in v (s.MinVersion <= v <= s.MaxVersion, when the suite
// gives a range).
func NewProtection(v cipher.Version, s *cipher.Suite, k Keys) (*Protection, error) {
	if s == nil {
		return nil, errors.New("record: nil cipher suite")
	}
	if s.MinVersion != 0 && v < s.MinVersion || s.MaxVersion != 0 && v > s.MaxVersion {
		return nil, fmt.Errorf("record: suite %s is not valid in %s", s.IANAName, v)
	}
	return NewBulkProtection(v, s.Cipher, s.MAC, k)
}

// NewBulkProtection returns the protection of one direction for a bulk
// cipher and MAC in protocol version v:
//
//   - TLS 1.3: an AEAD (AES-GCM, ChaCha20-Poly1305, AES-CCM), any MAC value;
//   - TLS 1.2: an AEAD with MACAEAD, or a CBC, stream or NULL cipher with an
//     HMAC;
//   - TLS 1.0 and 1.1: a CBC, stream or NULL cipher with an HMAC;
//   - SSL 3.0: a CBC, stream or NULL cipher with the SSL 3.0 MAC on MD5 or
//     SHA-1.
//
// BulkNull with MACNull is not a protection: records in the clear are
// what a nil *Protection gives.
func NewBulkProtection(v cipher.Version, bulk cipher.Bulk, mac cipher.MAC, k Keys) (*Protection, error) {
	if !knownVersion(v) {
		return nil, fmt.Errorf("record: unknown protocol version %s", v)
	}
	params := bulk.Params()
	if params.Kind == cipher.KindNull && bulk != cipher.BulkNull {
		return nil, fmt.Errorf("record: unknown bulk cipher %d", bulk)
	}
	p := &Protection{version: v, bulk: bulk, kind: params.Kind, paddingCheck: true}
	if v == cipher.VersionTLS13 && params.Kind != cipher.KindAEAD {
		return nil, fmt.Errorf("record: TLS 1.3 needs an AEAD, not %s", bulk)
	}
	switch params.Kind {
	case cipher.KindAEAD:
		if v < cipher.VersionTLS12 {
			return nil, fmt.Errorf("record: %s needs TLS 1.2 or later", bulk)
		}
		if v < cipher.VersionTLS13 && mac != cipher.MACAEAD {
			return nil, fmt.Errorf("record: %s takes no MAC, not %s", bulk, mac)
		}
		a, err := bulk.NewAEAD(k.Key)
		if err != nil {
			return nil, err
		}
		if a.NonceSize() != 12 {
			return nil, fmt.Errorf("record: %s nonce is %d bytes, want 12", bulk, a.NonceSize())
		}
		p.aead, p.tagLen = a, a.Overhead()
		ivLen := params.FixedIVLen
		if v == cipher.VersionTLS13 {
			ivLen = 12
		} else {
			p.explicit = params.ExplicitNonceLen
		}
		if len(k.IV) != ivLen {
			return nil, fmt.Errorf("record: %s IV is %d bytes in %s, want %d", bulk, len(k.IV), v, ivLen)
		}
		copy(p.iv[:], k.IV)
		return p, nil

	case cipher.KindBlock:
		b, err := bulk.NewBlock(k.Key)
		if err != nil {
			return nil, err
		}
		p.block, p.blockSize = b, b.BlockSize()
		p.explicitIV = v >= cipher.VersionTLS11
		iv := make([]byte, p.blockSize)
		if !p.explicitIV {
			if len(k.IV) != p.blockSize {
				return nil, fmt.Errorf("record: %s IV is %d bytes in %s, want %d", bulk, len(k.IV), v, p.blockSize)
			}
			copy(iv, k.IV)
		}
		enc, ok1 := stdcipher.NewCBCEncrypter(b, iv).(cbcMode)
		dec, ok2 := stdcipher.NewCBCDecrypter(b, iv).(cbcMode)
		if !ok1 || !ok2 {
			return nil, errors.New("record: CBC mode without SetIV")
		}
		p.enc, p.dec = enc, dec

	case cipher.KindStream:
		s, err := bulk.NewStream(k.Key)
		if err != nil {
			return nil, err
		}
		p.stream = s

	case cipher.KindNull:
		if mac == cipher.MACNull {
			return nil, errors.New("record: NULL cipher with NULL MAC is no protection; use a nil *Protection")
		}
		if len(k.Key) != 0 {
			return nil, errors.New("record: NULL cipher takes no key")
		}

	default:
		return nil, fmt.Errorf("record: unknown bulk cipher %s", bulk)
	}
	if mac == cipher.MACAEAD || mac == cipher.MACNull {
		return nil, fmt.Errorf("record: %s needs a MAC", bulk)
	}
	m, err := newRecordMAC(v, mac, k.MAC)
	if err != nil {
		return nil, err
	}
	p.mac = m
	return p, nil
}

// Version returns the protocol version the protection was built for.
func (p *Protection) Version() cipher.Version { return p.version }

// Sequence returns the sequence number of the next record this protection
// will seal or open. A TLS 1.3 endpoint uses it to decide when to update
// its keys.
func (p *Protection) Sequence() uint64 { return p.seq }

// prefixLen is how many bytes of a record body come before the payload:
// the explicit CBC IV or the explicit AEAD nonce.
func (p *Protection) prefixLen() int {
	if p == nil {
		return 0
	}
	if p.explicitIV {
		return p.blockSize
	}
	return p.explicit
}

// sealedLen is the length of the record that sealing an n-byte payload
// gives, header included.
func (p *Protection) sealedLen(n int) int {
	if p == nil {
		return HeaderLen + n
	}
	switch {
	case p.version == cipher.VersionTLS13:
		return HeaderLen + n + 1 + p.padding(n) + p.tagLen
	case p.kind == cipher.KindAEAD:
		return HeaderLen + p.explicit + n + p.tagLen
	case p.kind == cipher.KindBlock:
		return HeaderLen + p.prefixLen() + (n+p.mac.size+p.blockSize)/p.blockSize*p.blockSize
	}
	return HeaderLen + n + p.mac.size
}

// maxBody is the longest record body this protection accepts.
func (p *Protection) maxBody() int {
	if p.version == cipher.VersionTLS13 {
		return MaxCiphertextTLS13
	}
	return MaxCiphertext
}

// implicitIV reports whether the protection chains CBC IVs from record to
// record (SSL 3.0 and TLS 1.0), which is what BEAST exploits.
func (p *Protection) implicitIV() bool {
	return p != nil && p.kind == cipher.KindBlock && !p.explicitIV
}

// nextSeq returns the sequence number for the record being sealed or
// opened and advances it. The sequence number never wraps (RFC 5246,
// Section 6.1; RFC 8446, Section 5.3): after 2^64 records the protection
// refuses further ones.
func (p *Protection) nextSeq() (uint64, error) {
	if p.lastUsed {
		return 0, fatal(InternalError, "sequence number exhausted")
	}
	s := p.seq
	if s == math.MaxUint64 {
		p.lastUsed = true
	} else {
		p.seq++
	}
	return s, nil
}

// Seal appends to dst one protected record of type typ carrying payload
// (at most MaxPlaintext bytes) and returns the extended slice. The header
// carries the protection's version (0x0303 in TLS 1.3). When dst has room
// for the record, Seal does not allocate.
func (p *Protection) Seal(dst []byte, typ ContentType, payload []byte) ([]byte, error) {
	if p == nil {
		return dst, errors.New("record: Seal on a nil protection")
	}
	if len(payload) > MaxPlaintext {
		return dst, errors.New("record: payload longer than 2^14 bytes")
	}
	need := p.sealedLen(len(payload))
	if cap(dst)-len(dst) < need {
		grown := make([]byte, len(dst), len(dst)+need)
		copy(grown, dst)
		dst = grown
	}
	start := len(dst)
	rec := dst[start : start+HeaderLen+p.prefixLen()+len(payload)]
	copy(rec[HeaderLen+p.prefixLen():], payload)
	out, err := p.seal(rec, typ)
	if err != nil {
		return dst, err
	}
	return dst[:start+len(out)], nil
}

// seal protects the record in rec in place: rec holds the header (filled
// here), the room for the explicit IV or nonce, and the payload; rec's
// capacity has room for the whole sealed record (sealedLen). It returns the whole
// record.
func (p *Protection) seal(rec []byte, typ ContentType) ([]byte, error) {
	seq, err := p.nextSeq()
	if err != nil {
		return nil, err
	}
	switch {
	case p.version == cipher.VersionTLS13:
		return p.sealTLS13(rec, typ, seq), nil
	case p.kind == cipher.KindAEAD:
		return p.sealAEAD(rec, typ, seq), nil
	case p.kind == cipher.KindBlock:
		return p.sealCBC(rec, typ, seq)
	}
	// Stream and NULL: payload || MAC, then the key stream over both.
	vers := wireVersion(p.version)
	payload := rec[HeaderLen:]
	rec = p.mac.sum(rec, seq, typ, vers, payload)
	if p.stream != nil {
		p.stream.XORKeyStream(rec[HeaderLen:], rec[HeaderLen:])
	}
	Header{Type: typ, Version: vers, Length: len(rec) - HeaderLen}.Append(rec[:0])
	return rec, nil
}

// sealFrom is seal for a payload held outside rec, in memory that does
// not overlap rec's array: rec holds the header and the room for the
// explicit IV or nonce, and has capacity for the sealed record. TLS 1.2
// AEADs seal straight from the payload; the others copy it in first.
func (p *Protection) sealFrom(rec []byte, typ ContentType, payload []byte) ([]byte, error) {
	if p.kind == cipher.KindAEAD && p.version != cipher.VersionTLS13 {
		seq, err := p.nextSeq()
		if err != nil {
			return nil, err
		}
		return p.sealAEADFrom(rec, typ, seq, payload), nil
	}
	return p.seal(append(rec, payload...), typ)
}

// Open opens the protected record rec (header and body) in place and
// returns its content type and payload, a subslice of rec. Any failure to
// authenticate is a bad_record_mac; an oversized payload a record_overflow;
// a TLS 1.3 record with no content type an unexpected_message. Open
// checks the body length against the version's limit but not the header's
// version, which is the Conn's business.
func (p *Protection) Open(rec []byte) (ContentType, []byte, error) {
	if p == nil {
		return 0, nil, errors.New("record: Open on a nil protection")
	}
	if len(rec) < HeaderLen {
		return 0, nil, fatal(DecodeError, "short record")
	}
	if n := int(rec[3])<<8 | int(rec[4]); n != len(rec)-HeaderLen {
		return 0, nil, fatal(DecodeError, "record length does not match its header")
	}
	if len(rec)-HeaderLen > p.maxBody() {
		return 0, nil, fatal(RecordOverflow, "record body too long")
	}
	return p.open(rec)
}

// open is Open without the header checks the Conn has already made.
func (p *Protection) open(rec []byte) (ContentType, []byte, error) {
	seq, err := p.nextSeq()
	if err != nil {
		return 0, nil, err
	}
	var (
		typ     ContentType
		payload []byte
	)
	switch {
	case p.version == cipher.VersionTLS13:
		typ, payload, err = p.openTLS13(rec, seq)
	case p.kind == cipher.KindAEAD:
		typ, payload, err = p.openAEAD(rec, seq)
	case p.kind == cipher.KindBlock:
		typ, payload, err = p.openCBC(rec, seq)
	default:
		typ, payload, err = p.openStream(rec, seq)
	}
	if err != nil {
		return 0, nil, err
	}
	if len(payload) > MaxPlaintext {
		return 0, nil, fatal(RecordOverflow, "record payload longer than 2^14 bytes")
	}
	return typ, payload, nil
}

// openStream opens a stream (RC4) or NULL record: decrypt, then check the
// MAC at the end. Nothing here depends on secret lengths.
func (p *Protection) openStream(rec []byte, seq uint64) (ContentType, []byte, error) {
	typ := ContentType(rec[0])
	body := rec[HeaderLen:]
	if len(body) < p.mac.size {
		return 0, nil, fatal(BadRecordMAC, "record shorter than its MAC")
	}
	if p.stream != nil {
		p.stream.XORKeyStream(body, body)
	}
	n := len(body) - p.mac.size
	local := p.mac.sum(p.macBuf[:0], seq, typ, uint16(rec[1])<<8|uint16(rec[2]), body[:n])
	if subtle.ConstantTimeCompare(local, body[n:]) != 1 {
		return 0, nil, fatal(BadRecordMAC, "record MAC mismatch")
	}
	return typ, body[:n], nil
}
