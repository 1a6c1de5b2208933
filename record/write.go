package record

import (
	"errors"

	"github.com/otpssl/ssl/cipher"
)

// Write sends application data: it splits p into records of at most the
// write limit (2^14 bytes unless SetWriteLimit lowered it), seals each in
// place in the Conn's buffer, and writes them to the transport, as few
// writes as the buffer allows. Under SSL 3.0 and TLS 1.0 CBC suites it
// applies Config.BeastMitigation to each call. It needs a write
// protection: application data is never sent in the clear. On error the
// count is 0 and the write side is unusable (errors stick).
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.writeApplicationData(p); err != nil {
		return 0, err
	}
	if err := c.Flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteRecord queues data of content type typ for sending, without
// writing to the transport (except when the buffer is full): Flush sends
// the queue. Handshake data is coalesced: consecutive handshake messages
// share records, and a record is sealed when it is full, when another
// content type is written, when the write protection changes, or at
// Flush. Other types are fragmented and sealed at once. In TLS 1.3 a
// change_cipher_spec is always written in the clear (RFC 8446, Section 5).
func (c *Conn) WriteRecord(typ ContentType, data []byte) error {
	if c.out.err != nil {
		return c.out.err
	}
	switch typ {
	case TypeHandshake:
		c.out.hs = append(c.out.hs, data...)
		return c.sealHandshake(false)
	case TypeApplicationData:
		return c.writeApplicationData(data)
	case TypeChangeCipherSpec, TypeAlert:
		if len(data) == 0 {
			return errors.New("record: empty " + typ.String() + " record")
		}
		if err := c.sealHandshake(true); err != nil {
			return err
		}
		return c.writeFragments(typ, data)
	}
	return errors.New("record: cannot write content type " + typ.String())
}

// Flush seals the queued handshake bytes and writes every sealed record
// to the transport in one write.
func (c *Conn) Flush() error {
	if c.out.err != nil {
		return c.out.err
	}
	if err := c.sealHandshake(true); err != nil {
		return err
	}
	return c.flushBuffer()
}

// SendAlert sends an alert at once (after what is queued). After a fatal
// alert or close_notify the write side is closed: later writes return
// ErrWriteClosed. The caller closes the transport after a fatal alert.
func (c *Conn) SendAlert(level Level, d Description) error {
	if c.out.err != nil {
		return c.out.err
	}
	a := Alert{Level: level, Description: d}.Marshal()
	if err := c.WriteRecord(TypeAlert, a[:]); err != nil {
		return err
	}
	if err := c.Flush(); err != nil {
		return err
	}
	if level == Fatal || d == CloseNotify {
		c.out.err = ErrWriteClosed
	}
	return nil
}

func (c *Conn) writeApplicationData(data []byte) error {
	if c.out.err != nil {
		return c.out.err
	}
	if c.out.prot == nil {
		return errors.New("record: application data before a write protection is installed")
	}
	if err := c.sealHandshake(true); err != nil {
		return err
	}
	if c.out.prot.implicitIV() && len(data) > 0 {
		switch c.cfg.BeastMitigation {
		case OneNMinusOne:
			if len(data) > 1 {
				if err := c.appendRecord(TypeApplicationData, data[:1]); err != nil {
					return err
				}
				data = data[1:]
			}
		case ZeroN:
			if err := c.appendRecord(TypeApplicationData, nil); err != nil {
				return err
			}
		}
	}
	return c.writeFragments(TypeApplicationData, data)
}

// writeFragments seals data as records of at most the write limit.
func (c *Conn) writeFragments(typ ContentType, data []byte) error {
	for len(data) > 0 {
		n := min(len(data), c.out.limit)
		if err := c.appendRecord(typ, data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// sealHandshake seals the queued handshake bytes: the full records only,
// or all of them.
func (c *Conn) sealHandshake(all bool) error {
	hs := c.out.hs
	done := 0
	for len(hs)-done >= c.out.limit || all && done < len(hs) {
		n := min(len(hs)-done, c.out.limit)
		if err := c.appendRecord(TypeHandshake, hs[done:done+n]); err != nil {
			return err
		}
		done += n
	}
	if done > 0 {
		c.out.hs = hs[:copy(hs, hs[done:])]
	}
	return nil
}

// appendRecord seals one record into the write buffer, flushing it first
// if the record would not fit.
func (c *Conn) appendRecord(typ ContentType, payload []byte) error {
	p := c.out.prot
	vers := c.out.version
	if typ == TypeChangeCipherSpec && (c.out.tls13 || p != nil && p.version == cipher.VersionTLS13) {
		p, vers = nil, uint16(cipher.VersionTLS12)
	}
	size := p.sealedLen(len(payload))
	if need := len(c.out.buf) + size; need > cap(c.out.buf) {
		if need > writeBufSize {
			if err := c.flushBuffer(); err != nil {
				return err
			}
			need = size
		}
		if need > cap(c.out.buf) {
			grown := make([]byte, len(c.out.buf), growSize(cap(c.out.buf), need, writeBufSize))
			copy(grown, c.out.buf)
			c.out.buf = grown
		}
	}
	start := len(c.out.buf)
	pre := p.prefixLen()
	rec := c.out.buf[start : start+HeaderLen+pre]
	if p == nil {
		rec = append(rec, payload...)
		Header{Type: typ, Version: vers, Length: len(payload)}.Append(rec[:0])
	} else {
		// The payload is the caller's data or the handshake queue, never
		// the write buffer.
		var err error
		if rec, err = p.sealFrom(rec, typ, payload); err != nil {
			c.out.err = err
			return err
		}
	}
	c.out.buf = c.out.buf[:start+len(rec)]
	return nil
}

func (c *Conn) flushBuffer() error {
	if len(c.out.buf) == 0 {
		return nil
	}
	_, err := c.w.Write(c.out.buf)
	c.out.buf = c.out.buf[:0]
	if err != nil {
		c.out.err = err
	}
	return err
}
