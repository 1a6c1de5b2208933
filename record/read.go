package record

import (
	"errors"
	"io"
	"strconv"

	"github.com/otpssl/ssl/cipher"
)

// ReadMessage returns the next message from the peer:
//
//   - a handshake message, reassembled from as many records as it spans
//     and split from the others sharing its records, at most
//     Config.MaxHandshakeSize bytes of body (handshake_failure beyond);
//   - a change_cipher_spec (before TLS 1.3; in TLS 1.3 they are dropped or
//     refused, see SetCompatCCS);
//   - a warning alert (Config.MaxWarningAlerts in a row at most);
//   - the payload of an application data record (empty records are
//     skipped, Config.MaxEmptyRecords in a row at most).
//
// A fatal alert from the peer is returned as an error: an Alert with
// Remote set. So is any alert other than close_notify and user_canceled
// in TLS 1.3, whatever its level (RFC 8446, Section 6.2). close_notify
// gives io.EOF; the transport ending without one gives
// io.ErrUnexpectedEOF.
//
// Application data and change_cipher_spec between the records of one
// handshake message are an unexpected_message (RFC 8446, Section 5.1), and
// so is application data before a read protection is installed.
func (c *Conn) ReadMessage() (Message, error) {
	if c.in.err != nil {
		return Message{}, c.in.err
	}
	m, err := c.readMessage()
	if err != nil && !isTimeout(err) {
		c.in.err = err
	}
	return m, err
}

// ReadHandshakeMessage returns the next handshake message, with its 4-byte
// header, in memory the caller owns. A warning alert is returned as the
// error (an Alert with Remote set and Level Warning), which the handshake
// may accept (SSL 3.0's no_certificate, no_renegotiation) or not; the
// connection can go on after it. Application data or a
// change_cipher_spec is an unexpected_message: a handshake that may see
// either (a TLS 1.2 renegotiation, the change_cipher_spec before
// Finished) reads with ReadMessage or ReadChangeCipherSpec.
func (c *Conn) ReadHandshakeMessage() ([]byte, error) {
	m, err := c.ReadMessage()
	if err != nil {
		return nil, err
	}
	switch m.Type {
	case TypeHandshake:
		return m.Data, nil
	case TypeAlert:
		return nil, m.Alert
	}
	c.in.err = fatal(UnexpectedMessage, "expected a handshake message, got "+m.Type.String())
	return nil, c.in.err
}

// ReadChangeCipherSpec reads the change_cipher_spec that must come next
// (SSL 3.0 to TLS 1.2). A warning alert is returned as the error, as in
// ReadHandshakeMessage; anything else is an unexpected_message.
func (c *Conn) ReadChangeCipherSpec() error {
	m, err := c.ReadMessage()
	if err != nil {
		return err
	}
	switch m.Type {
	case TypeChangeCipherSpec:
		return nil
	case TypeAlert:
		return m.Alert
	}
	c.in.err = fatal(UnexpectedMessage, "expected change_cipher_spec, got "+m.Type.String())
	return c.in.err
}

// ReadClientHello is a server's first read. It returns the first
// handshake message, as ReadHandshakeMessage does (the handshake checks
// that it is a ClientHello); or, with Config.V2HelloCompatible, an SSL 2.0
// CLIENT-HELLO if the client sent one (RFC 5246, Appendix E.2), with msg
// nil.
func (c *Conn) ReadClientHello() (msg []byte, v2 *V2ClientHello, err error) {
	if c.in.err != nil {
		return nil, nil, c.in.err
	}
	if c.cfg.V2HelloCompatible && !c.in.started {
		v2, err = c.readV2Hello()
		if err != nil && !isTimeout(err) {
			c.in.err = err
		}
		if err != nil || v2 != nil {
			return nil, v2, err
		}
	}
	msg, err = c.ReadHandshakeMessage()
	return msg, nil, err
}

// readV2Hello reads an SSL 2.0 CLIENT-HELLO if the stream starts with one:
// a two-byte header with the high bit set, then msg_type 1. It returns nil
// and leaves the bytes in place if the stream starts otherwise.
func (c *Conn) readV2Hello() (*V2ClientHello, error) {
	if err := c.fill(3); err != nil {
		return nil, err
	}
	b := c.in.buf[c.in.off:c.in.end]
	if b[0]&0x80 == 0 || b[2] != v2ClientHelloType {
		return nil, nil
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	if n > maxV2Hello {
		return nil, fatal(RecordOverflow, "SSL 2.0 CLIENT-HELLO longer than 2^14 bytes")
	}
	if err := c.fill(2 + n); err != nil {
		return nil, err
	}
	raw := c.in.buf[c.in.off+2 : c.in.off+2+n]
	c.in.off += 2 + n
	c.in.started = true
	return ParseV2ClientHello(raw)
}

func (c *Conn) readMessage() (Message, error) {
	for {
		msg, err := c.bufferedHandshake()
		if err != nil || msg != nil {
			return Message{Type: TypeHandshake, Data: msg}, err
		}
		typ, data, err := c.readRecord()
		if err != nil {
			return Message{}, err
		}
		if typ == 0 {
			continue // skipped early data
		}
		tls13 := c.readTLS13()
		switch typ {
		case TypeHandshake:
			if len(data) == 0 {
				return Message{}, fatal(UnexpectedMessage, "empty handshake record")
			}
			c.in.hs = append(c.in.hs, data...)
			c.in.empty, c.in.warnings = 0, 0

		case TypeChangeCipherSpec:
			if len(data) != 1 || data[0] != 1 {
				if tls13 {
					return Message{}, fatal(UnexpectedMessage, "malformed change_cipher_spec")
				}
				return Message{}, fatal(DecodeError, "malformed change_cipher_spec")
			}
			if len(c.in.hs) > 0 {
				return Message{}, fatal(UnexpectedMessage, "change_cipher_spec inside a handshake message")
			}
			if tls13 {
				if !c.in.compatCCS {
					return Message{}, fatal(UnexpectedMessage, "change_cipher_spec in TLS 1.3 after the handshake")
				}
				if err := c.countEmpty(); err != nil {
					return Message{}, err
				}
				continue
			}
			c.in.empty, c.in.warnings = 0, 0
			return Message{Type: TypeChangeCipherSpec}, nil

		case TypeAlert:
			a, err := ParseAlert(data)
			if err != nil {
				return Message{}, err
			}
			if a.Description == CloseNotify {
				return Message{}, io.EOF
			}
			if a.Level == Fatal || tls13 && !a.Description.closure() {
				return Message{}, a
			}
			c.in.warnings++
			if c.in.warnings > c.cfg.MaxWarningAlerts {
				return Message{}, fatal(DecodeError, "too many warning alerts")
			}
			return Message{Type: TypeAlert, Alert: a}, nil

		case TypeApplicationData:
			if c.in.prot == nil {
				return Message{}, fatal(UnexpectedMessage, "application data before protection")
			}
			if len(c.in.hs) > 0 {
				return Message{}, fatal(UnexpectedMessage, "application data inside a handshake message")
			}
			if len(data) == 0 {
				if err := c.countEmpty(); err != nil {
					return Message{}, err
				}
				continue
			}
			c.in.empty, c.in.warnings = 0, 0
			return Message{Type: TypeApplicationData, Data: data}, nil
		}
	}
}

func (c *Conn) countEmpty() error {
	c.in.empty++
	if c.in.empty > c.cfg.MaxEmptyRecords {
		return fatal(UnexpectedMessage, "too many empty records")
	}
	return nil
}

// bufferedHandshake returns a copy of the next handshake message if the
// buffer holds all of it, or nil. It refuses a declared length above the
// limit as soon as the 4-byte header is there.
func (c *Conn) bufferedHandshake() ([]byte, error) {
	hs := c.in.hs
	if len(hs) < 4 {
		return nil, nil
	}
	n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	if n > c.cfg.MaxHandshakeSize {
		return nil, fatal(HandshakeFailure, "handshake message of "+strconv.Itoa(n)+" bytes exceeds max_handshake_size")
	}
	if len(hs) < 4+n {
		return nil, nil
	}
	msg := append([]byte(nil), hs[:4+n]...)
	rest := copy(hs, hs[4+n:])
	c.in.hs = hs[:rest]
	if rest == 0 && cap(hs) > 4*MaxPlaintext {
		c.in.hs = nil // let a large reassembly buffer go
	}
	return msg, nil
}

// readRecord reads one record and opens it. It checks the header against
// the connection's state: the version (protocol_version), the length
// against the version's limit (record_overflow), and, in TLS 1.3 once
// protected, that the outer type is application_data (unexpected_message),
// with two exceptions that RFC 8446 makes: change_cipher_spec is never
// protected (Section 5), and an alert in the clear may come before the
// first protected record, from a peer that could not process our
// ServerHello or ClientHello.
func (c *Conn) readRecord() (ContentType, []byte, error) {
	if err := c.fill(HeaderLen); err != nil {
		return 0, nil, err
	}
	h, err := ParseHeader(c.in.buf[c.in.off : c.in.off+HeaderLen])
	if err != nil {
		return 0, nil, err
	}
	switch v := c.in.version; {
	case v == 0:
		if h.Version>>8 != 3 {
			return 0, nil, fatal(ProtocolVersion, "record version "+cipher.Version(h.Version).String())
		}
	case v != cipher.VersionTLS13 && h.Version != uint16(v):
		return 0, nil, fatal(ProtocolVersion, "record version "+cipher.Version(h.Version).String()+" in a "+v.String()+" connection")
	}
	p := c.in.prot
	limit := MaxPlaintext
	if p != nil {
		limit = p.maxBody()
	}
	if h.Length > limit {
		return 0, nil, fatal(RecordOverflow, "record of "+strconv.Itoa(h.Length)+" bytes")
	}
	if err := c.fill(HeaderLen + h.Length); err != nil {
		return 0, nil, err
	}
	rec := c.in.buf[c.in.off : c.in.off+HeaderLen+h.Length]
	c.in.off += len(rec)
	c.in.started = true

	typ, data := h.Type, rec[HeaderLen:]
	if c.in.skip > 0 && p == nil {
		switch h.Type {
		case TypeApplicationData:
			// Early data the server did not accept, after a
			// HelloRetryRequest (RFC 8446, Section 4.2.10).
			return c.skipRecord(h.Length)
		case TypeHandshake:
			c.in.skip = 0 // the second ClientHello
		}
	}
	if p != nil {
		clear := false
		if c.readTLS13() {
			switch h.Type {
			case TypeApplicationData:
			case TypeChangeCipherSpec:
				clear = true
			case TypeAlert:
				if p.seq != 0 || p.lastUsed {
					return 0, nil, fatal(UnexpectedMessage, "alert in the clear after the key change")
				}
				clear = true
			default:
				return 0, nil, fatal(UnexpectedMessage, h.Type.String()+" record in the clear after the key change")
			}
		}
		if !clear {
			seq, last := p.seq, p.lastUsed
			typ, data, err = p.open(rec)
			if err != nil && c.in.skip > 0 && errors.Is(err, Alert{Description: BadRecordMAC}) {
				// Early data under keys the server did not accept
				// (RFC 8446, Section 4.2.10): it does not count.
				p.seq, p.lastUsed = seq, last
				return c.skipRecord(h.Length)
			}
			if err != nil {
				return 0, nil, err
			}
			c.in.skip = 0
			if p.version == cipher.VersionTLS13 && typ == TypeChangeCipherSpec {
				return 0, nil, fatal(UnexpectedMessage, "protected change_cipher_spec")
			}
		}
	}
	if len(data) > c.in.limit {
		return 0, nil, fatal(RecordOverflow, "record payload above the negotiated limit")
	}
	return typ, data, nil
}

// readTLS13 reports whether records read are TLS 1.3 records.
func (c *Conn) readTLS13() bool {
	return c.in.version == cipher.VersionTLS13 || c.in.prot != nil && c.in.prot.version == cipher.VersionTLS13
}

// skipRecord discards a record of early data while the skipping budget
// lasts (it returns content type 0); beyond it the record is a
// bad_record_mac.
func (c *Conn) skipRecord(n int) (ContentType, []byte, error) {
	if n > c.in.skip {
		c.in.skip = 0
		return 0, nil, fatal(BadRecordMAC, "more early data than max_early_data_size")
	}
	c.in.skip -= n
	if n == 0 {
		// Costs nothing of the budget: bounded as an empty record.
		if err := c.countEmpty(); err != nil {
			return 0, nil, err
		}
	}
	return 0, nil, nil
}

// fill makes sure n unread bytes are in the read buffer (n <= readBufSize),
// growing it if need be.
// The transport ending first is io.ErrUnexpectedEOF: a truncation,
// whether at a record boundary (no close_notify) or within a record.
func (c *Conn) fill(n int) error {
	if c.in.end-c.in.off >= n {
		return nil
	}
	if c.in.lean && c.in.end == c.in.off {
		// After ReleaseReadBuffers: wait for the peer without holding a
		// full buffer.
		if err := c.wake(); err != nil {
			return err
		}
		if c.in.end-c.in.off >= n {
			return nil
		}
	}
	if len(c.in.buf) < n || len(c.in.buf) < initialBufSize {
		buf := make([]byte, growSize(len(c.in.buf), n, readBufSize))
		c.in.end = copy(buf, c.in.buf[c.in.off:c.in.end])
		c.in.off = 0
		c.in.buf = buf
	}
	c.in.lean = false
	if c.in.off+n > len(c.in.buf) {
		c.in.end = copy(c.in.buf, c.in.buf[c.in.off:c.in.end])
		c.in.off = 0
	}
	for empty := 0; c.in.end-c.in.off < n; {
		m, err := c.r.Read(c.in.buf[c.in.end:])
		if m < 0 || m > len(c.in.buf)-c.in.end {
			return errors.New("record: transport returned an invalid count")
		}
		c.in.end += m
		if c.in.end-c.in.off >= n {
			return nil
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		if m == 0 {
			if empty++; empty > 100 {
				return io.ErrNoProgress
			}
		}
	}
	return nil
}

// wakeReadSize is the buffer a released read side waits for the peer with.
const wakeReadSize = HeaderLen

// wake reads the first bytes after ReleaseReadBuffers into a small buffer,
// which fill then replaces with a full one. Errors are fill's: the
// transport ending is io.ErrUnexpectedEOF.
func (c *Conn) wake() error {
	small := make([]byte, wakeReadSize)
	for empty := 0; ; {
		m, err := c.r.Read(small)
		if m < 0 || m > len(small) {
			return errors.New("record: transport returned an invalid count")
		}
		if m > 0 {
			c.in.buf = small[:m]
			c.in.off, c.in.end = 0, m
			return nil
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		if empty++; empty > 100 {
			return io.ErrNoProgress
		}
	}
}
