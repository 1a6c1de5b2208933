package record

import (
	"encoding/binary"

	"github.com/otpssl/ssl/cipher"
)

// xorNonce sets p.nonce to the IV XOR the sequence number left-padded to
// 12 bytes: the TLS 1.3 nonce (RFC 8446, Section 5.3) and the TLS 1.2
// ChaCha20-Poly1305 nonce (RFC 7905, Section 2).
func (p *Protection) xorNonce(seq uint64) []byte {
	copy(p.nonce[:4], p.iv[:4])
	binary.BigEndian.PutUint64(p.nonce[4:], binary.BigEndian.Uint64(p.iv[4:])^seq)
	return p.nonce[:]
}

// nonceTLS12 returns the TLS 1.2 AEAD nonce of a record: the 4-byte salt
// and the record's 8-byte explicit nonce for GCM and CCM, the IV XOR the
// sequence number for ChaCha20-Poly1305.
func (p *Protection) nonceTLS12(seq uint64, explicit []byte) []byte {
	if p.explicit == 0 {
		return p.xorNonce(seq)
	}
	copy(p.nonce[:4], p.iv[:4])
	copy(p.nonce[4:], explicit)
	return p.nonce[:]
}

// additionalData fills the TLS 1.2 AEAD additional data (RFC 5246,
// Section 6.2.3.3): seq_num || type || version || length of the plaintext.
func (p *Protection) additionalData(seq uint64, typ ContentType, vers uint16, n int) []byte {
	binary.BigEndian.PutUint64(p.ad[:8], seq)
	p.ad[8] = byte(typ)
	binary.BigEndian.PutUint16(p.ad[9:11], vers)
	binary.BigEndian.PutUint16(p.ad[11:13], uint16(n))
	return p.ad[:]
}

// sealAEAD seals a TLS 1.2 AEAD record in place. GCM and CCM carry the
// sequence number as the 8-byte explicit nonce after the 4-byte salt
// (RFC 5288, Section 3; RFC 6655, Section 3); ChaCha20-Poly1305 has no
// explicit nonce (RFC 7905).
func (p *Protection) sealAEAD(rec []byte, typ ContentType, seq uint64) []byte {
	start := HeaderLen + p.explicit
	return p.sealAEADFrom(rec[:start], typ, seq, rec[start:])
}

// sealAEADFrom seals a TLS 1.2 AEAD record whose payload is either right
// after the header and explicit nonce in rec's array, or in memory that
// does not overlap rec's array at all; rec holds the header and the room
// for the explicit nonce.
func (p *Protection) sealAEADFrom(rec []byte, typ ContentType, seq uint64, payload []byte) []byte {
	vers := wireVersion(p.version)
	if p.explicit > 0 {
		binary.BigEndian.PutUint64(rec[HeaderLen:], seq)
	}
	nonce := p.nonceTLS12(seq, rec[HeaderLen:HeaderLen+p.explicit])
	ad := p.additionalData(seq, typ, vers, len(payload))
	rec = p.aead.Seal(rec, nonce, payload, ad)
	Header{Type: typ, Version: vers, Length: len(rec) - HeaderLen}.Append(rec[:0])
	return rec
}

// openAEAD opens a TLS 1.2 AEAD record in place.
func (p *Protection) openAEAD(rec []byte, seq uint64) (ContentType, []byte, error) {
	typ := ContentType(rec[0])
	body := rec[HeaderLen:]
	if len(body) < p.explicit+p.tagLen {
		return 0, nil, fatal(BadRecordMAC, "record shorter than its nonce and tag")
	}
	nonce := p.nonceTLS12(seq, body[:p.explicit])
	ct := body[p.explicit:]
	n := len(ct) - p.tagLen
	if n > MaxPlaintext {
		return 0, nil, fatal(RecordOverflow, "record payload longer than 2^14 bytes")
	}
	ad := p.additionalData(seq, typ, uint16(rec[1])<<8|uint16(rec[2]), n)
	out, err := p.aead.Open(ct[:0], nonce, ct, ad)
	if err != nil {
		return 0, nil, fatal(BadRecordMAC, "record authentication failed")
	}
	return typ, out, nil
}

// padding is how many zero bytes a TLS 1.3 record with an n-byte payload
// carries after its content type: enough to make the inner plaintext a
// multiple of padTo, never taking it past 2^14 + 1 bytes (RFC 8446,
// Section 5.4).
func (p *Protection) padding(n int) int {
	if p.padTo <= 1 || p.version != cipher.VersionTLS13 {
		return 0
	}
	inner := n + 1
	pad := (p.padTo - inner%p.padTo) % p.padTo
	if inner+pad > MaxPlaintext+1 {
		pad = MaxPlaintext + 1 - inner
	}
	return pad
}

// sealTLS13 seals a TLS 1.3 record in place: TLSInnerPlaintext is the
// payload, the real content type and the zero padding; the outer type is
// application_data and the additional data is the record header (RFC
// 8446, Sections 5.2 and 5.4).
func (p *Protection) sealTLS13(rec []byte, typ ContentType, seq uint64) []byte {
	n := len(rec) - HeaderLen
	pad := p.padding(n)
	rec = append(rec, byte(typ))
	for i := 0; i < pad; i++ {
		rec = append(rec, 0)
	}
	inner := rec[HeaderLen:]
	hdr := Header{Type: TypeApplicationData, Version: uint16(cipher.VersionTLS12), Length: len(inner) + p.tagLen}.Append(rec[:0])
	sealed := p.aead.Seal(inner[:0], p.xorNonce(seq), inner, hdr)
	return rec[:HeaderLen+len(sealed)]
}

// openTLS13 opens a TLS 1.3 record in place and strips the padding.
func (p *Protection) openTLS13(rec []byte, seq uint64) (ContentType, []byte, error) {
	body := rec[HeaderLen:]
	if len(body) < p.tagLen {
		return 0, nil, fatal(BadRecordMAC, "record shorter than its tag")
	}
	if len(body)-p.tagLen > MaxPlaintext+1 {
		return 0, nil, fatal(RecordOverflow, "inner plaintext longer than 2^14 + 1 bytes")
	}
	inner, err := p.aead.Open(body[:0], p.xorNonce(seq), body, rec[:HeaderLen])
	if err != nil {
		return 0, nil, fatal(BadRecordMAC, "record authentication failed")
	}
	// The content type is the last non-zero byte (RFC 8446, Section 5.4).
	i := len(inner) - 1
	for i >= 0 && inner[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, fatal(UnexpectedMessage, "TLS 1.3 record with no content type")
	}
	typ := ContentType(inner[i])
	if !typ.Valid() {
		return 0, nil, fatal(UnexpectedMessage, "unknown inner content type")
	}
	return typ, inner[:i], nil
}
