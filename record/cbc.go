package record

import (
	"crypto/rand"
	"crypto/subtle"
)

// sealCBC seals a CBC record in place, MAC then encrypt (RFC 5246,
// Section 6.2.3.2; RFC 6101, Section 5.2.3.2): payload || MAC || padding,
// each padding byte and the length byte holding the padding length. TLS
// 1.1 and later lead the record with a fresh random IV; SSL 3.0 and TLS
// 1.0 continue the CBC chain from the previous record.
func (p *Protection) sealCBC(rec []byte, typ ContentType, seq uint64) ([]byte, error) {
	vers := wireVersion(p.version)
	bs := p.blockSize
	payload := rec[HeaderLen+p.prefixLen():]
	rec = p.mac.sum(rec, seq, typ, vers, payload)
	padLen := bs - 1 - (len(payload)+p.mac.size)%bs
	for i := 0; i <= padLen; i++ {
		rec = append(rec, byte(padLen))
	}
	body := rec[HeaderLen:]
	if p.explicitIV {
		iv := body[:bs]
		if _, err := rand.Read(iv); err != nil {
			return nil, fatal(InternalError, "no randomness for the record IV: "+err.Error())
		}
		p.enc.SetIV(iv)
		body = body[bs:]
	}
	p.enc.CryptBlocks(body, body)
	Header{Type: typ, Version: vers, Length: len(rec) - HeaderLen}.Append(rec[:0])
	return rec, nil
}

// openCBC opens a CBC record in place.
//
// Everything after decryption runs in time independent of the padding
// length and the padding bytes (the Lucky Thirteen countermeasure): the
// padding is checked over a fixed window of 256 bytes, bad padding is
// folded into one flag and then treated as no padding (RFC 5246, Section
// 6.2.3.2), the MAC is computed with a fixed number of hash compressions
// (recordMAC.sumConstantTime), the received MAC is extracted from the
// window with masks and a rotation by a secret amount done in fixed steps,
// and the comparison is crypto/subtle's. Bad padding and a bad MAC give
// the same bad_record_mac alert; decryption_failed is never used.
func (p *Protection) openCBC(rec []byte, seq uint64) (ContentType, []byte, error) {
	typ := ContentType(rec[0])
	vers := uint16(rec[1])<<8 | uint16(rec[2])
	bs, macSize := p.blockSize, p.mac.size
	body := rec[HeaderLen:]
	var iv []byte
	if p.explicitIV {
		if len(body) < bs {
			return 0, nil, fatal(BadRecordMAC, "record shorter than its IV")
		}
		iv, body = body[:bs], body[bs:]
	}
	// Public length checks: whole blocks, room for the MAC and the
	// padding length byte.
	if len(body)%bs != 0 || len(body) < (macSize+bs)/bs*bs {
		return 0, nil, fatal(BadRecordMAC, "record is not a valid CBC length")
	}
	if iv != nil {
		p.dec.SetIV(iv)
	}
	p.dec.CryptBlocks(body, body)

	n := len(body)
	padLen := int(body[n-1])
	good := subtle.ConstantTimeLessOrEq(padLen+1+macSize, n)
	if p.mac.ssl3 {
		// SSL 3.0 padding bytes are arbitrary; only the length is bounded
		// by the block size (RFC 6101, Section 5.2.3.2).
		good &= subtle.ConstantTimeLessOrEq(padLen+1, bs)
	} else if p.paddingCheck {
		window := 256
		if window > n {
			window = n
		}
		bad := 0
		for i := 1; i < window; i++ {
			inPad := subtle.ConstantTimeLessOrEq(i, padLen)
			same := subtle.ConstantTimeByteEq(body[n-1-i], byte(padLen))
			bad |= inPad & (same ^ 1)
		}
		good &= bad ^ 1
	}
	padLen = subtle.ConstantTimeSelect(good, padLen, 0)
	dataMax := n - macSize - 1
	dataLen := dataMax - padLen

	local := p.mac.sumConstantTime(p.macBuf[:0], seq, typ, vers, body[:dataMax], dataLen)
	remote := p.macBuf[macSize : 2*macSize]
	extractMAC(remote, body, dataLen)
	if good&subtle.ConstantTimeCompare(local, remote) != 1 {
		return 0, nil, fatal(BadRecordMAC, "record MAC or padding mismatch")
	}
	return typ, body[:dataLen], nil
}

// extractMAC copies body[start:start+len(out)] to out without an index
// or a branch that depends on start, which is secret. start lies within
// the last len(out)+256 bytes of body.
//
// Every byte of that window is read; the bytes of the MAC are masked into
// out at position (i - windowStart) mod len(out), which leaves out
// rotated by (start - windowStart) mod len(out); that rotation is undone
// in log2(len(out)) steps, each a fixed pass over out with a masked
// select.
func extractMAC(out []byte, body []byte, start int) {
	size := len(out)
	var rotated, tmp [64]byte
	n := len(body)
	windowStart := 0
	if n > size+256 {
		windowStart = n - size - 256
	}
	end := start + size
	rot, j := 0, 0
	for i := windowStart; i < n; i++ {
		atStart := subtle.ConstantTimeEq(int32(i), int32(start))
		rot = subtle.ConstantTimeSelect(atStart, j, rot)
		in := subtle.ConstantTimeLessOrEq(start, i) & (subtle.ConstantTimeLessOrEq(end, i) ^ 1)
		rotated[j] |= body[i] & byte(-in)
		j++
		if j == size {
			j = 0
		}
	}
	for shift := 1; shift < size; shift <<= 1 {
		m := byte(-(subtle.ConstantTimeEq(int32(rot&shift), int32(shift))))
		for t := 0; t < size; t++ {
			k := t + shift
			if k >= size {
				k -= size
			}
			tmp[t] = rotated[k]&m | rotated[t]&^m
		}
		rotated = tmp
	}
	copy(out, rotated[:size])
}
