package record

import (
	"errors"
	"io"

	"github.com/otpssl/ssl/cipher"
)

// ErrWriteClosed is returned by writes after this side has sent a fatal
// alert or close_notify: nothing more may be written (RFC 8446, Section
// 6.2; RFC 5246, Section 7.2.2).
var ErrWriteClosed = errors.New("record: write side closed by an alert")

// Buffer sizes. The read buffer grows to hold the largest record of any
// version and some read-ahead; the write buffer grows to hold two of the
// largest records we seal, so that a handshake flight usually goes out in
// one write. Both start small, so that a connection that only ever moves
// small messages holds little memory; they grow at most a few times, to
// their full sizes, on a connection that moves large ones.
const (
	readBufSize    = 20 * 1024
	writeBufSize   = 2 * maxRecord
	initialBufSize = 1024
	// maxV2Hello bounds an SSL 2.0 CLIENT-HELLO; real ones are a few
	// hundred bytes.
	maxV2Hello = MaxPlaintext
)

// Message is what Conn.ReadMessage delivers: one complete handshake
// message, one change_cipher_spec, one warning alert, or the payload of
// one application data record.
type Message struct {
	Type ContentType
	// Data is, for a handshake message, the whole message with its 4-byte
	// header, in memory the caller owns; for application data, the
	// record's payload, valid only until the next call that reads. It is
	// nil for change_cipher_spec and alerts.
	Data []byte
	// Alert is the warning alert received, for Type == TypeAlert.
	Alert Alert
}

// Conn is the record layer of one connection over a transport (a net.Conn
// or any io.ReadWriter): it frames, protects, fragments and reassembles
// records, and reports alerts. It knows nothing of the handshake: the
// handshake reads messages, installs protections when keys change, sets
// the version once negotiated, and writes its flights.
//
// The read side (the Read* methods, SetReadProtection, SetCompatCCS,
// SetReadLimit) and the write side (Write, WriteRecord, Flush, SendAlert,
// SetWriteProtection, SetWriteLimit) may be used by two goroutines at once,
// one each; each side is not safe for concurrent use by itself. SetVersion
// touches both sides.
//
// Errors stick: after a read fails (other than by a transport timeout),
// every later read returns the same error; after a write fails or a fatal
// alert or close_notify is sent, every later write fails. The Conn never
// sends an alert by itself: a read error that calls for one is an Alert,
// which the caller sends with SendAlert before closing the transport.
type Conn struct {
	r   io.Reader
	w   io.Writer
	cfg Config
	in  inState
	out outState
}

type inState struct {
	prot      *Protection
	version   cipher.Version // 0 until SetVersion
	buf       []byte         // bytes from the transport; buf[off:end] are unread
	off, end  int
	hs        []byte // handshake bytes not yet delivered
	err       error
	started   bool // a record has been read
	empty     int  // records in a row that delivered nothing
	warnings  int  // warning alerts in a row
	compatCCS bool
	limit     int
	skip      int  // bytes of rejected early data that may still be skipped
	lean      bool // buf was released: wait for the next bytes with a small buffer
}

type outState struct {
	prot    *Protection
	version uint16 // header version of records in the clear
	tls13   bool
	buf     []byte // sealed records not yet written
	hs      []byte // handshake bytes not yet sealed
	err     error
	limit   int
}

// NewConn returns the record layer over transport with the given
// settings. Until SetVersion, records are written with
// cfg.InitialVersion in their header and any 0x03XX version is accepted.
func NewConn(transport io.ReadWriter, cfg Config) *Conn {
	cfg = cfg.normalized()
	c := &Conn{r: transport, w: transport, cfg: cfg}
	c.in.compatCCS = true
	c.in.limit = MaxPlaintext
	c.out.limit = MaxPlaintext
	c.out.version = uint16(cfg.InitialVersion)
	return c
}

// SetVersion fixes the negotiated protocol version. From then on records
// are written with that version in their header (0x0303 for TLS 1.3), and
// a received record whose header version differs is a protocol_version
// error, except in TLS 1.3, where legacy_record_version is ignored (RFC
// 8446, Section 5.1). In TLS 1.3, change_cipher_spec records are never
// protected and follow SetCompatCCS.
func (c *Conn) SetVersion(v cipher.Version) error {
	if !knownVersion(v) {
		return errors.New("record: unknown protocol version " + v.String())
	}
	c.in.version = v
	c.out.version = wireVersion(v)
	c.out.tls13 = v == cipher.VersionTLS13
	return nil
}

// Version returns the version set by SetVersion, or 0 before.
func (c *Conn) Version() cipher.Version { return c.in.version }

// SetCompatCCS says whether a TLS 1.3 change_cipher_spec record (one byte,
// 1, in the clear) is dropped (on) or refused with unexpected_message
// (off). RFC 8446, Section 5 allows it from the first ClientHello until
// the peer's Finished; it is on when a Conn is made, and the handshake
// turns it off once it has received the peer's Finished. It has no effect
// before TLS 1.3.
func (c *Conn) SetCompatCCS(on bool) { c.in.compatCCS = on }

// SkipEarlyData makes the read side discard up to max bytes of records
// that are TLS 1.3 early data the server did not accept (RFC 8446, Section
// 4.2.10): records that fail to open under the current read protection,
// or, with no read protection (after a HelloRetryRequest), records of type
// application_data. Skipping ends at the first record that opens (or,
// with no read protection, at the first handshake record); more than max
// bytes of record bodies is a bad_record_mac. max is the max_early_data_size the
// server offered.
func (c *Conn) SkipEarlyData(max int) {
	if max < 0 {
		max = 0
	}
	c.in.skip = max
}

// SetReadLimit sets the largest payload accepted in one record (the
// max_fragment_length of RFC 6066, or the record_size_limit of RFC 8449
// minus one in TLS 1.3); a longer one is a record_overflow. n must be from
// 64 to MaxPlaintext.
func (c *Conn) SetReadLimit(n int) error {
	if n < 64 || n > MaxPlaintext {
		return errors.New("record: read limit out of range")
	}
	c.in.limit = n
	return nil
}

// SetWriteLimit sets the largest payload written in one record (see
// SetReadLimit). n must be from 64 to MaxPlaintext.
func (c *Conn) SetWriteLimit(n int) error {
	if n < 64 || n > MaxPlaintext {
		return errors.New("record: write limit out of range")
	}
	c.out.limit = n
	return nil
}

// SetReadProtection installs p (nil: none) for the records read from now
// on, with a fresh sequence number. A handshake message must not span a
// key change: if part of one, or a whole one not yet read, is buffered,
// it fails with unexpected_message (RFC 8446, Section 5.1). With
// Config.DisablePaddingCheck, a TLS 1.0 protection skips the padding
// value check.
func (c *Conn) SetReadProtection(p *Protection) error {
	if c.in.err != nil {
		return c.in.err
	}
	if p != nil {
		if p.used {
			return errors.New("record: protection already in use")
		}
		p.used = true
		p.paddingCheck = !(c.cfg.DisablePaddingCheck && p.version == cipher.VersionTLS10)
	}
	if len(c.in.hs) > 0 {
		c.in.err = fatal(UnexpectedMessage, "handshake message spans a key change")
		return c.in.err
	}
	c.in.prot = p
	return nil
}

// SetWriteProtection seals the buffered handshake bytes with the current
// protection, then installs p (nil: none) for the records written from now
// on, with a fresh sequence number. Nothing is written to the transport
// until Flush. With Config.PadTo, a TLS 1.3 protection pads its records.
func (c *Conn) SetWriteProtection(p *Protection) error {
	if c.out.err != nil {
		return c.out.err
	}
	if p != nil {
		if p.used {
			return errors.New("record: protection already in use")
		}
		p.used = true
		p.padTo = c.cfg.PadTo
	}
	if err := c.sealHandshake(true); err != nil {
		return err
	}
	c.out.prot = p
	return nil
}

// Unread returns a copy of the bytes read from the transport but not yet
// used: what follows the last record read. A caller that hands the plain
// transport back after close_notify (Erlang's close/2 downgrade) must
// deliver these bytes first.
func (c *Conn) Unread() []byte {
	return append([]byte(nil), c.in.buf[c.in.off:c.in.end]...)
}

// ReleaseReadBuffers lets go of the read side's buffers, for a connection
// that has been idle for a while (Erlang's hibernate_after): the read
// buffer (20 KiB) and the handshake reassembly buffer. Bytes they hold and
// that are not yet used are kept in buffers of their exact size. The next
// read waits for the transport with a small buffer and allocates the full
// one only once bytes have arrived, so that a connection blocked in a read
// does not hold it either. It belongs to the read side: call it from the
// goroutine that reads, never during a read.
func (c *Conn) ReleaseReadBuffers() {
	if c.in.end > c.in.off {
		c.in.buf = exactCopy(c.in.buf[c.in.off:c.in.end])
		c.in.off, c.in.end = 0, len(c.in.buf)
	} else {
		c.in.buf = nil
		c.in.off, c.in.end = 0, 0
	}
	if len(c.in.hs) > 0 {
		c.in.hs = exactCopy(c.in.hs)
	} else {
		c.in.hs = nil
	}
	c.in.lean = true
}

// growSize is the new size of a buffer of size cur that must hold need
// bytes: at least double and at least initialBufSize, and the full size
// once more than half of it is needed, so that a connection moving large
// records grows its buffers once or twice and then keeps them.
func growSize(cur, need, full int) int {
	size := max(need, 2*cur, initialBufSize)
	if size > full/2 {
		return max(full, need)
	}
	return size
}

// exactCopy returns a copy of b whose capacity is its length.
func exactCopy(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// ReleaseWriteBuffers lets go of the write side's buffers, for an idle
// connection: the sealing buffer (two records' worth) and the handshake
// queue, when they hold nothing. They are allocated again at the next
// write. It belongs to the write side: call it from the goroutine that
// writes, never during a write.
func (c *Conn) ReleaseWriteBuffers() {
	if len(c.out.buf) == 0 {
		c.out.buf = nil
	}
	if len(c.out.hs) == 0 {
		c.out.hs = nil
	}
}

// ReadBuffered reports the memory the read side's buffers hold (their
// capacities): what ReleaseReadBuffers gives back. It belongs to the read
// side.
func (c *Conn) ReadBuffered() int { return cap(c.in.buf) + cap(c.in.hs) }

// WriteBuffered reports the memory the write side's buffers hold: what
// ReleaseWriteBuffers gives back. It belongs to the write side.
func (c *Conn) WriteBuffered() int { return cap(c.out.buf) + cap(c.out.hs) }

// isTimeout reports whether err is a transport timeout, after which the
// connection may go on.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
