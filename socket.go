package ssl

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/otpssl/ssl/record"
)

// How says which direction Shutdown closes.
type How int

// Shutdown directions (Erlang read, write, read_write).
const (
	Read How = iota
	Write
	ReadWrite
)

// String returns the Erlang atom.
func (h How) String() string {
	switch h {
	case Read:
		return "read"
	case Write:
		return "write"
	case ReadWrite:
		return "read_write"
	}
	return "unknown"
}

// DefaultMailboxSize is the buffer of the channel Messages returns: how
// many messages an active socket may deliver before its owner takes them.
// When the channel is full the socket stops reading from the network until
// the owner takes a message (flow control, as Erlang's {active, once} and
// {active, N} give), so at most this many messages, each at most one
// record (16 KiB) of data, wait in the channel.
const DefaultMailboxSize = 8

// pollWait is how long a call with a timeout of 0 gives the transport to
// deliver what has already arrived. A deadline in the past would fail at
// once without looking at the socket.
const pollWait = time.Millisecond

// aLongTimeAgo is a deadline in the past: setting it interrupts blocked
// transport I/O.
var aLongTimeAgo = time.Unix(1, 0)

var (
	// ErrNotConnected is returned by the calls that need a finished
	// handshake (ConnectionInformation, Peercert, NegotiatedProtocol) on a
	// socket whose handshake has not run yet: Erlang's {error, enotconn}.
	ErrNotConnected error = &reasonError{"enotconn", "the TLS handshake has not completed"}

	errBadLength = &reasonError{"einval", "the length must be 0 or more"}
	errNotServer = &reasonError{"einval", "SSLAccept needs a server socket (from TransportAccept or Accept)"}
)

// closedError is a connection closed for a known cause: errors.Is(err,
// ErrClosed) holds, and errors.Is finds the cause too (io.EOF,
// net.ErrClosed, a transport error).
type closedError struct{ cause error }

// Error returns ErrClosed's text with the cause.
func (e *closedError) Error() string { return ErrClosed.Error() + ": " + e.cause.Error() }

// Is reports whether target is ErrClosed.
func (e *closedError) Is(target error) bool { return target == ErrClosed }

// Unwrap returns the cause.
func (e *closedError) Unwrap() error { return e.cause }

// Term returns the Erlang reason, closed.
func (e *closedError) Term() string { return "closed" }

// errUseOfClosed is what calls on a socket closed by its owner return:
// both ErrClosed and net.ErrClosed.
var errUseOfClosed error = &closedError{net.ErrClosed}

// Socket is a TLS connection: Erlang's sslsocket. Connect returns one with
// the handshake done; TransportAccept returns one whose handshake SSLAccept
// runs. It implements net.Conn.
//
// Data arrives in one of two ways, as Erlang's active option says: in
// active mode (the default) as messages on the owner channel (Messages,
// ControllingProcess), in passive mode by calling Recv (or Read). Setopts
// switches between them at any time without losing or reordering data.
//
// A Socket is safe for concurrent use: one goroutine may receive while
// another sends. Close releases it; an active socket's reading goroutine
// runs only while it is active and ends at Close.
type Socket struct {
	role      Role
	transport net.Conn
	stats     *statConn // the transport as the record layer sees it, counted (Getstat)
	rc        *record.Conn
	host      string // a client's Connect host; "" for upgrades and servers

	// established is set once the first handshake has succeeded, before
	// which only the handshake touches rc.
	established atomic.Bool
	hsMu        sync.Mutex // held while a handshake runs

	// The read side: rc's reading methods, rbuf and rerr. Held by the
	// active reader for as long as it runs, or by a passive reader for
	// one call.
	readMu sync.Mutex
	rbuf   []byte // application data received and not yet delivered (not yet cut into packets)
	rerr   error  // why no more data will come, once known
	rcause error  // for a closed read side: io.EOF (close_notify) or the transport's error
	// Packets (packet.go): the decoder, a packet already cut off (the
	// active reader could not deliver it, or Read took part of it) that
	// comes before rbuf, and a packet error the active reader delivers.
	dec        packetDecoder
	pending    []byte
	hasPending bool
	perr       error

	// The write side: rc's writing methods and wbuf.
	writeMu sync.Mutex
	wbuf    []byte
	werr    error // the first write failure: later sends return it

	mu              sync.Mutex
	cond            sync.Cond // on mu: signalled when a message send ends
	cfg             *config
	neg             *negotiated
	fatal           error // the first fatal error: every later call returns it
	closed          bool  // Close was called
	lazy            bool  // a server socket whose handshake runs at first use
	readShut        bool
	writeShut       bool
	peerClosed      bool // the peer ended the connection (close_notify or EOF)
	sentClose       bool // close_notify (or a fatal alert) was sent
	transportClosed bool
	active          activeMode
	passiveReaders  int // Recv and Read calls under way
	hib             hibernation
	hibWanted       bool      // a hibernation asks the waiting reader to give back its buffers
	activeGen       uint64    // counts the changes of the active mode by Setopts and passive reads
	sendingData     bool      // the message being sent is Data
	readDeadline    time.Time // the net.Conn deadlines
	writeDeadline   time.Time
	rdl, wdl        time.Time // the deadlines last set on the transport
	rdlSet, wdlSet  bool

	// Active delivery (active.go).
	mailbox        chan Message
	owner          chan<- Message
	wake           chan struct{} // closed to make a blocked message send look again
	reader         bool          // the reader goroutine runs
	stopReader     bool
	readerDone     chan struct{}
	sending        bool
	sendGen        uint64
	errorDelivered bool
	closeDelivered bool

	rn renegotiation // renegotiate.go; mu guards it
}

// newSocket returns a socket over conn with the resolved config cfg.
func newSocket(role Role, conn net.Conn, cfg *config, host string) *Socket {
	s := &Socket{role: role, transport: conn, cfg: cfg, host: host}
	s.stats = &statConn{conn: conn}
	s.rc = record.NewConn(s.stats, cfg.rec)
	s.cond.L = &s.mu
	s.mailbox = make(chan Message, DefaultMailboxSize)
	s.owner = s.mailbox
	s.wake = make(chan struct{})
	s.active = initialActive(cfg.sock.active)
	s.rn.wait, s.rn.timeout = renegotiationWait, renegotiationTimeout
	return s
}

// initialActive is the active mode a socket starts in: an {active, N} of 0
// or less is passive, as Erlang's update rule makes it.
func initialActive(a activeMode) activeMode {
	if a.kind == activeN && a.n <= 0 {
		return activeMode{kind: activeFalse}
	}
	return a
}

// on reports whether the mode delivers messages.
func (a activeMode) on() bool {
	switch a.kind {
	case activeTrue, activeOnce:
		return true
	case activeN:
		return a.n > 0
	}
	return false
}

// updateActive applies a requested active mode to the current one with
// Erlang's rule for {active, N}: N is added to the current count (to 0 when
// the socket is not in {active, N} mode), and a sum of 0 or less makes the
// socket passive.
func updateActive(cur, req activeMode) activeMode {
	if req.kind != activeN {
		return req
	}
	n := req.n
	if cur.kind == activeN {
		n += cur.n
	}
	if n <= 0 {
		return activeMode{kind: activeFalse}
	}
	return activeMode{kind: activeN, n: n}
}

// config returns the socket's current config.
func (s *Socket) config() *config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// setReadDeadlineLocked sets the transport's read deadline, unless it
// has that one already; mu held. Every change of the transport's
// deadlines goes through it or setWriteDeadlineLocked, with mu held, so
// that a change and the check of the flags that call for it (closed,
// stopReader, ...) are one step.
func (s *Socket) setReadDeadlineLocked(t time.Time) {
	if s.rdlSet && t.Equal(s.rdl) {
		return
	}
	s.rdl, s.rdlSet = t, true
	_ = s.transport.SetReadDeadline(t)
}

// setWriteDeadlineLocked sets the transport's write deadline, unless it
// has that one already; mu held.
func (s *Socket) setWriteDeadlineLocked(t time.Time) {
	if s.wdlSet && t.Equal(s.wdl) {
		return
	}
	s.wdl, s.wdlSet = t, true
	_ = s.transport.SetWriteDeadline(t)
}

// deadlineAfter returns the deadline of a timeout: none for Infinity (any
// negative duration), a moment from now for 0 (poll).
func deadlineAfter(timeout time.Duration) time.Time {
	switch {
	case timeout < 0:
		return time.Time{}
	case timeout == 0:
		return time.Now().Add(pollWait)
	}
	return time.Now().Add(timeout)
}

// earliest returns the earlier of two deadlines, where zero means none.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// isTimeout reports whether err is a transport time-out.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Send sends data, the pieces in order, as Erlang's send/2 sends iodata.
// With packet type 1, 2 or 4 the pieces are one packet, sent after its
// length header; data too long for the header is refused with an error
// matching ErrPacketTooLarge, nothing is sent and the connection goes on.
// With the other packet types the data is sent as it is: the application
// frames it. It blocks until the data is written to the transport or the send_timeout
// option (SendTimeout; none by default) or the write deadline runs out;
// then it returns an error for which errors.Is(err, ErrTimeout) holds, and
// the connection cannot send any more (the record layer cannot resume a
// record half written; with SendTimeoutClose(true) the socket is closed).
// On a server socket whose handshake has not run it runs it first. Sends
// after the connection ended return ErrClosed, or the fatal error that
// ended it. Send may be called while another goroutine receives.
func (s *Socket) Send(data ...[]byte) error {
	s.mu.Lock()
	cfg, wd := s.cfg, s.writeDeadline
	s.mu.Unlock()
	deadline := earliest(deadlineAfter(cfg.sock.sendTimeout), wd)
	if err := s.ensureHandshake(deadline); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.sendLocked(data)
}

// sendLocked writes data with writeMu held.
func (s *Socket) sendLocked(data [][]byte) error {
	s.mu.Lock()
	if err := s.writeErrLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	deadline := earliest(deadlineAfter(s.cfg.sock.sendTimeout), s.writeDeadline)
	packet := s.cfg.sock.packet
	s.setWriteDeadlineLocked(deadline)
	s.mu.Unlock()
	if packet != PacketRaw {
		var size int64
		for _, p := range data {
			size += int64(len(p))
		}
		h, err := packetHeader(packet, size)
		if err != nil {
			return err
		}
		if h != nil {
			data = append([][]byte{h}, data...)
		}
	}
	s.touch()
	if err := s.writePieces(data); err != nil {
		return s.writeFailed(err)
	}
	return nil
}

// writeErrLocked returns why nothing may be sent, or nil; mu held.
func (s *Socket) writeErrLocked() error {
	switch {
	case s.closed:
		return ErrClosed
	case s.fatal != nil:
		return s.fatal
	case s.werr != nil:
		return s.werr
	case s.writeShut || s.sentClose || s.transportClosed:
		return ErrClosed
	}
	return nil
}

// writePieces hands the data, framed already, to the record layer. Whole
// records' worth go straight from the caller's slices; smaller pieces (a
// packet header, iodata of many parts) are gathered so that they share
// records.
func (s *Socket) writePieces(data [][]byte) error {
	if len(data) == 1 {
		if len(data[0]) == 0 {
			return nil
		}
		return s.writeData(data[0])
	}
	const chunk = record.MaxPlaintext
	buf := s.wbuf[:0]
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := s.writeData(buf)
		buf = buf[:0]
		return err
	}
	for _, p := range data {
		for len(p) > 0 {
			if len(buf) == 0 && len(p) >= chunk {
				n := len(p) - len(p)%chunk
				if err := s.writeData(p[:n]); err != nil {
					return err
				}
				p = p[n:]
				continue
			}
			if buf == nil {
				buf = make([]byte, 0, chunk)
			}
			n := min(chunk-len(buf), len(p))
			buf = append(buf, p[:n]...)
			p = p[n:]
			if len(buf) == chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	err := flush()
	s.wbuf = buf[:0]
	return err
}

// writeData writes application data through the record layer (with TLS
// 1.3's automatic key updates, tls13.go); writeMu held.
func (s *Socket) writeData(p []byte) error {
	_, err := s.writeRecords(p)
	return err
}

// writeFailed turns a write error into what Send returns, and records it:
// the record layer's write side is unusable after any failure.
func (s *Socket) writeFailed(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.writeErrLocked(); e != nil {
		return e
	}
	if isTimeout(err) {
		s.werr = NewTimeoutError("send", err)
		if s.cfg.sock.sendTimeoutClose {
			s.closeTransportLocked()
		}
		return s.werr
	}
	switch {
	case errors.Is(err, record.ErrWriteClosed):
		s.werr = ErrClosed
	case s.cfg.sock.showEconnreset && errors.Is(err, syscall.ECONNRESET):
		s.werr = &econnresetError{err}
		s.closeTransportLocked()
	default:
		s.werr = &closedError{err}
		s.closeTransportLocked()
	}
	return s.werr
}

// closeTransportLocked closes the transport once; mu held.
func (s *Socket) closeTransportLocked() {
	if !s.transportClosed {
		s.transportClosed = true
		_ = s.transport.Close()
	}
}

// closeTransport closes the transport once.
func (s *Socket) closeTransport() {
	s.mu.Lock()
	s.closeTransportLocked()
	s.mu.Unlock()
}

// Recv receives data in passive mode, as Erlang's recv/3. With packet
// raw (0), length 0 returns what has arrived (at least one byte, waiting
// for it if need be) and length N > 0 exactly N bytes (at most
// MaxPacketSize; more is refused with Erlang's enomem). With the other
// packet types it returns the next whole packet, and length must be 0 (as
// gen_tcp, which refuses another length with einval; Erlang's ssl ignores
// it). A packet of length 0 is returned as an empty, non-nil slice.
// timeout bounds the wait (Infinity: none; 0: only what has arrived);
// when it runs out the error satisfies errors.Is(err, ErrTimeout) and the
// bytes received so far stay for the next call. When the peer closes the
// connection, Recv(0) returns what had arrived (in packet modes, the
// whole packets) and then ErrClosed; Recv(N) returns ErrClosed and drops
// the fewer than N bytes that had arrived (as a packet mode drops an
// incomplete packet), as Erlang does. A packet that cannot be decoded ends
// the connection with a *PacketError (see PacketSize). After a fatal
// alert, that *AlertError is returned. In active mode Recv fails with
// ErrActive. The net.Conn read deadline (SetReadDeadline) also applies.
// On a server socket whose handshake has not run it runs it first.
func (s *Socket) Recv(length int, timeout time.Duration) ([]byte, error) {
	if length < 0 {
		return nil, errBadLength
	}
	if p := s.config().sock.packet; p != PacketRaw && length != 0 {
		return nil, &reasonError{"einval", "the length must be 0 with packet type " + p.String()}
	}
	if length > MaxPacketSize {
		return nil, &reasonError{"enomem", "the length is above MaxPacketSize"}
	}
	deadline := deadlineAfter(timeout)
	if err := s.ensureHandshake(earliest(deadline, s.getReadDeadline())); err != nil {
		return nil, err
	}
	if err := s.enterPassive(); err != nil {
		return nil, err
	}
	defer s.leavePassive()
	s.readMu.Lock()
	defer s.readMu.Unlock()
	if s.isActive() {
		return nil, ErrActive
	}
	if s.isClosed() {
		return nil, ErrClosed
	}
	for {
		p, ok, err := s.extract(length)
		if err != nil {
			return nil, s.packetFailed(err)
		}
		if ok {
			return p, nil
		}
		if s.rerr != nil {
			s.rbuf = nil
			s.dec.scanned = 0
			return nil, s.rerr
		}
		if _, err := s.fill(deadline, nil, false); err != nil {
			return nil, NewTimeoutError("recv", err)
		}
	}
}

// getReadDeadline returns the net.Conn read deadline.
func (s *Socket) getReadDeadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readDeadline
}

// isActive reports whether the socket is in active mode.
func (s *Socket) isActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active.on()
}

// enterPassive registers a passive read, refused in active mode. While one
// is under way the active reader does not start: it starts when the last
// one leaves, so that data is never delivered out of order.
func (s *Socket) enterPassive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active.on() {
		return ErrActive
	}
	if s.reader && s.sending && s.sendingData {
		// The last message of an active once or N is on its way. Let
		// the send settle; if the owner has not taken the message, the
		// passive read takes it instead (stopping the reader hands it
		// back, in order).
		s.interruptSendLocked()
		if s.sending && s.sendingData {
			s.activeGen++
			s.stopReaderLocked()
		}
	}
	s.passiveReaders++
	return nil
}

// leavePassive ends a passive read.
func (s *Socket) leavePassive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passiveReaders--
	s.startReaderLocked()
}

// extract takes the next packet from the received bytes, if they hold
// one, with the packet type the socket has now: a packet cut off earlier
// (pending) first, then what rbuf holds. With packet raw, length 0 takes
// everything (at least one byte), length N exactly N bytes; the other
// types take one packet (length is 0). A packet that cannot be decoded is
// the error. readMu held.
func (s *Socket) extract(length int) ([]byte, bool, error) {
	sock := &s.config().sock
	if s.hasPending {
		p := s.pending
		s.pending, s.hasPending = nil, false
		if length == 0 || sock.packet != PacketRaw {
			return p, true, nil
		}
		// Recv(N) in raw mode counts those bytes too.
		s.rbuf = append(p, s.rbuf...)
		s.dec.scanned = 0
	}
	if sock.packet == PacketRaw {
		s.dec.scanned = 0
		switch {
		case len(s.rbuf) == 0 || len(s.rbuf) < length:
			return nil, false, nil
		case length == 0 || length == len(s.rbuf):
			p := s.rbuf
			s.rbuf = nil
			return p, true, nil
		}
		p := make([]byte, length)
		copy(p, s.rbuf)
		s.rbuf = s.rbuf[length:]
		return p, true, nil
	}
	d := &s.dec
	if d.typ != sock.packet || d.delim != sock.lineDelimiter {
		d.scanned = 0
	}
	d.typ, d.delim, d.limit = sock.packet, sock.lineDelimiter, packetLimit(sock.packetSize)
	d.trunc = lineTrunc(sock)
	if len(s.rbuf) == 0 {
		return nil, false, nil
	}
	total, strip, err := d.next(s.rbuf)
	if err != nil || total == 0 {
		return nil, false, err
	}
	var p []byte
	if total == len(s.rbuf) {
		// The packet is all there is: hand the buffer over.
		p = s.rbuf[strip:total:total]
		s.rbuf = nil
	} else {
		// Copy it, so that a small packet the owner keeps does not keep
		// the whole buffer.
		p = make([]byte, total-strip)
		copy(p, s.rbuf[strip:total])
		s.rbuf = s.rbuf[total:]
	}
	return p, true, nil
}

// packetFailed ends the connection for a packet that cannot be decoded,
// as Erlang's ssl does: the bytes received are dropped, close_notify is
// sent (within alert_timeout) and the transport closed. It returns err,
// for the caller to report once; later receives return ErrClosed. readMu
// held.
func (s *Socket) packetFailed(err error) error {
	s.rbuf = nil
	s.pending, s.hasPending = nil, false
	s.dec.scanned = 0
	s.endRead(ErrClosed, err)
	s.mu.Lock()
	notify := s.established.Load() && s.fatal == nil && !s.closed && !s.sentClose && !s.writeShut &&
		!s.transportClosed && s.werr == nil
	if notify {
		s.sentClose = true
		s.setWriteDeadlineLocked(time.Now().Add(s.cfg.alertTimeout))
	}
	s.mu.Unlock()
	if notify {
		s.writeMu.Lock()
		_ = s.rc.SendAlert(record.Warning, record.CloseNotify)
		s.writeMu.Unlock()
	}
	s.closeTransport()
	return err
}

// fill reads one message from the record layer, with readMu held, and
// deals with it: application data is added to rbuf (or, when dst is not
// nil and rbuf is empty, copied into dst first, n telling how much);
// handshake messages go to the handshake; warning alerts are logged. A
// condition that ends the read side is recorded in s.rerr and fill returns
// nil: the caller delivers what rbuf holds and then s.rerr. The error fill
// returns is a transport time-out (a passive deadline, or the interruption
// of the active reader), after which reading may go on. passiveDeadline is
// the call's own deadline (the net.Conn read deadline is added); the active
// reader passes zero and reads without one.
func (s *Socket) fill(passiveDeadline time.Time, dst []byte, activeReader bool) (n int, err error) {
	var m record.Message
	for {
		s.mu.Lock()
		hibernate := s.hibWanted
		s.hibWanted = false
		switch {
		case s.closed || s.readShut:
			s.mu.Unlock()
			s.endRead(ErrClosed, net.ErrClosed)
			return 0, nil
		case activeReader && s.stopReader:
			s.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		case s.renegotiationStartDueLocked():
			// A renegotiation asks for the read side (renegotiate.go).
			s.mu.Unlock()
			s.serveRenegotiation()
			return 0, nil
		case activeReader:
			s.setReadDeadlineLocked(time.Time{})
		default:
			s.setReadDeadlineLocked(earliest(passiveDeadline, s.readDeadline))
		}
		s.mu.Unlock()
		if hibernate {
			// Asked while this reader held the read side: it gives the
			// buffers back before it waits (hibernate.go).
			s.releaseReadBuffers()
		}

		m, err = s.rc.ReadMessage()
		if err == nil {
			break
		}
		if isTimeout(err) {
			s.mu.Lock()
			gone := s.closed || s.readShut
			again := (s.hibWanted || s.renegotiationStartDueLocked()) && !gone
			s.mu.Unlock()
			if again {
				continue // interrupted by a hibernation, not a deadline
			}
			if !gone {
				return 0, err
			}
			s.endRead(ErrClosed, net.ErrClosed)
			return 0, nil
		}
		s.readFailed(err)
		return 0, nil
	}
	s.touch()
	switch m.Type {
	case record.TypeApplicationData:
		if dst != nil && len(s.rbuf) == 0 {
			n = copy(dst, m.Data)
			m.Data = m.Data[n:]
		}
		if len(m.Data) > 0 {
			s.rbuf = append(s.rbuf, m.Data...)
		}
	case record.TypeHandshake:
		s.postHandshake(m.Data)
	case record.TypeAlert:
		s.logAlert(NewAlertError(m.Alert, s.role, "connection", nil))
		s.renegotiationAlert(m.Alert)
	default:
		s.endRead(s.fail(record.Alert{Level: record.Fatal, Description: record.UnexpectedMessage,
			Reason: m.Type.String() + " after the handshake"}, "connection"), nil)
	}
	return n, nil
}

// endRead records why the read side has ended, if nothing has yet; readMu
// held.
func (s *Socket) endRead(err, cause error) {
	if s.rerr == nil {
		s.rerr = err
		s.rcause = cause
		s.renegotiationEnded(err)
	}
}

// postHandshake hands a handshake message received after the handshake
// (a HelloRequest, a renegotiating ClientHello, TLS 1.3 tickets and key
// updates) to the handshake, which may answer it; readMu held.
func (s *Socket) postHandshake(msg []byte) {
	s.mu.Lock()
	neg := s.neg
	s.mu.Unlock()
	if neg == nil || neg.handle == nil {
		s.endRead(s.fail(record.Alert{Level: record.Fatal, Description: record.UnexpectedMessage,
			Reason: "handshake message after the handshake"}, "connection"), nil)
		return
	}
	if s.renegotiationMessage(neg, msg) {
		return
	}
	s.writeMu.Lock()
	s.mu.Lock()
	if err := s.writeErrLocked(); err != nil {
		s.mu.Unlock()
		s.writeMu.Unlock()
		return
	}
	s.setWriteDeadlineLocked(s.writeDeadline)
	s.mu.Unlock()
	err := neg.handle(s.rc, msg)
	s.writeMu.Unlock()
	if err != nil {
		s.readFailed(err)
		return
	}
	if neg.refresh != nil {
		fresh := neg.refresh()
		s.mu.Lock()
		s.neg = fresh
		s.mu.Unlock()
	}
}

// readFailed records a read error that ends the read side; readMu held.
// A close_notify from the peer (io.EOF) is answered with one, and with
// exit_on_close (the default) the transport is closed; the end of the
// transport is a close as well, without the answer. Alerts, received or
// raised, end the connection through fail.
func (s *Socket) readFailed(err error) {
	s.mu.Lock()
	closed := s.closed || s.readShut
	s.mu.Unlock()
	_, _, _, isAlert := alertOf(err)
	switch {
	case closed:
		s.endRead(ErrClosed, net.ErrClosed)
	case isAlert:
		s.endRead(s.fail(err, "connection"), nil)
	case errors.Is(err, io.EOF):
		s.endRead(ErrClosed, io.EOF)
		s.peerClose(true)
	case s.config().sock.showEconnreset && errors.Is(err, syscall.ECONNRESET):
		s.endRead(&econnresetError{err}, err)
		s.peerClose(false)
	default:
		s.endRead(ErrClosed, err)
		s.peerClose(false)
	}
}

// econnresetError is a connection reset by the peer, reported as Erlang's
// econnreset when show_econnreset is set; errors.Is finds
// syscall.ECONNRESET.
type econnresetError struct{ cause error }

// Error says the peer reset the connection.
func (e *econnresetError) Error() string { return "ssl: connection reset by peer: " + e.cause.Error() }

// Unwrap returns the transport's error.
func (e *econnresetError) Unwrap() error { return e.cause }

// Term returns the Erlang reason, econnreset.
func (e *econnresetError) Term() string { return "econnreset" }

// peerClose handles the end of the peer's side of the connection: with
// exit_on_close, answer a close_notify (when the peer sent one) and close
// the transport.
func (s *Socket) peerClose(notified bool) {
	s.mu.Lock()
	s.peerClosed = true
	if !s.cfg.sock.exitOnClose || s.closed {
		s.mu.Unlock()
		return
	}
	answer := notified && s.fatal == nil && !s.sentClose && !s.writeShut && !s.transportClosed && s.werr == nil
	if answer {
		s.sentClose = true
		s.setWriteDeadlineLocked(time.Now().Add(s.cfg.alertTimeout))
	}
	s.mu.Unlock()
	if answer {
		s.writeMu.Lock()
		_ = s.rc.SendAlert(record.Warning, record.CloseNotify)
		s.writeMu.Unlock()
	}
	s.closeTransport()
}

// Setopts sets socket options, as Erlang's setopts/2: Active (with
// Erlang's rule for ActiveN: the count is added to the current one, and
// reaching 0 or less makes the socket passive without a Passive message),
// Mode and Header (accepted and reported; data is always []byte, see
// Header), Packet, PacketSize and LineDelimiter (they apply to the next
// packet cut: see Packet), ExitOnClose, SendTimeout, SendTimeoutClose and
// ShowEconnreset (the socket's own behaviour, from the next event on),
// and the options of the operating system's socket, which are stored and,
// for a TCP transport, applied to it at once: nodelay, keepalive, recbuf,
// sndbuf, linger, and on Unix reuseaddr and tos (the traffic class on
// IPv6), and on Linux priority (SO_PRIORITY). buffer (the user-level
// buffer of Erlang's driver), delay_send and deliver have no counterpart
// here: they are checked, stored and reported. A transport other than
// *net.TCPConn (CBInfo, net.Pipe) keeps its own settings: the values are
// stored and reported only. As in Erlang, ssl options are refused (they
// were used by the handshake and cannot change: Reason "not_settable"),
// and so are the options fixed once the socket exists (ip, port, backlog,
// inet, inet6); the error's Term is OTP's for an option inet:setopts
// refuses, {options,{socket_options,[Opt],einval}}, or, for a bad value of
// an option the connection emulates (active, mode, packet, header,
// packet_size), {options,{socket_options,Opt}}. The HTTP packet types,
// which OTP takes, are refused (Reason "unsupported"). An option the system refuses (such
// as a priority above 6 without CAP_NET_ADMIN) is an *OptionError whose
// Reason is the system's (Erlang's {options,{socket_options,[Opt],Posix}});
// the system options applied before it stay applied. Otherwise, on error
// nothing changes.
//
// Switching to passive mode waits until the reading goroutine has stopped;
// data it had read and not delivered is kept for Recv. Switching to active
// mode delivers what was received and not yet read first.
func (s *Socket) Setopts(opts ...Option) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	cfg, err := s.cfg.setopts(opts...)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	active := s.active
	given := make(map[string]bool, len(opts))
	for _, o := range opts {
		given[o.Name] = true
		if o.Name == "active" {
			var tmp socketOptions
			if err := tmp.set(o); err == nil {
				active = updateActive(active, tmp.active)
			}
		}
	}
	if !s.transportClosed {
		if err := applySocketOptions(s.transport, &cfg.sock, given); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.cfg = cfg
	if given["active"] {
		s.activeGen++
	}
	s.active = active
	var wait chan struct{}
	if active.on() {
		s.startReaderLocked()
	} else {
		wait = s.stopReaderLocked()
	}
	s.mu.Unlock()
	if wait != nil {
		<-wait
	}
	return nil
}

// Getopts returns socket options by their Erlang names (all of them, in
// Erlang's order, when none are named): the values set, the live active
// mode (the remaining count for ActiveN), and, for options never set, what
// the transport has (reuseaddr, nodelay, keepalive, recbuf, sndbuf and tos
// where the system tells; ip and port from the local address). A value the
// socket cannot tell is nil. ssl options are refused (see
// ConnectionInformation); so are unknown names.
func (s *Socket) Getopts(names ...string) ([]Option, error) {
	s.mu.Lock()
	cfg, active, closed := s.cfg, s.active, s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	out, err := cfg.getopts(names...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		switch out[i].Name {
		case "active":
			out[i].Value = active.value()
		case "ip", "port":
			if out[i].Value == nil {
				if ap, err := addrPort(s.transport.LocalAddr()); err == nil {
					if out[i].Name == "ip" {
						out[i].Value = ap.Addr()
					} else {
						out[i].Value = int(ap.Port())
					}
				}
			}
		default:
			if out[i].Value == nil {
				if v, ok := liveSocketOption(s.transport, out[i].Name); ok {
					out[i].Value = v
				}
			}
		}
	}
	return out, nil
}

// Close closes the connection, as Erlang's close/1: it sends close_notify
// (unless the connection already ended, or the handshake has not run),
// waiting at most alert_timeout for the transport to take it, closes the
// transport and stops the active reader. Messages not yet delivered are
// dropped, and no Closed message is sent for a close by the owner. Calls
// blocked on the socket return ErrClosed. Close is idempotent: later calls
// return nil.
func (s *Socket) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.stopHibernationLocked()
	wait := s.stopReaderLocked()
	s.setReadDeadlineLocked(aLongTimeAgo)
	notify := s.established.Load() && s.fatal == nil && !s.sentClose && !s.writeShut &&
		!s.transportClosed && s.werr == nil
	if notify {
		s.sentClose = true
		s.setWriteDeadlineLocked(time.Now().Add(s.cfg.alertTimeout))
	}
	s.mu.Unlock()
	if notify {
		s.writeMu.Lock()
		_ = s.rc.SendAlert(record.Warning, record.CloseNotify)
		s.writeMu.Unlock()
	}
	s.closeTransport()
	if wait != nil {
		<-wait
	}
	return nil
}

// Shutdown closes one direction of the connection, as Erlang's
// shutdown/2. Write sends close_notify (within alert_timeout) and, for a
// transport that can (TCP, Unix sockets: a CloseWrite method), closes its
// sending side; later sends return ErrClosed, while data can still be
// received until the peer's close_notify. (OTP sends close_notify only for
// read_write and half-closes TCP alone for write, which a TLS peer cannot
// tell from a truncation; this library sends it for both.) Read stops
// receiving: the active reader stops, data not yet read is dropped, later
// receives return ErrClosed, and a transport with a CloseRead method has
// its receiving side shut; the peer is told nothing. ReadWrite does both.
// No Closed message is delivered for either. Close must still be called to
// release the socket. The error of a failed close_notify or half-close is
// reported (ErrClosed with the cause); the direction is shut anyway.
func (s *Socket) Shutdown(how How) error {
	if how != Read && how != Write && how != ReadWrite {
		return &reasonError{"einval", "the direction must be Read, Write or ReadWrite"}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	var wait chan struct{}
	if how == Read || how == ReadWrite {
		s.readShut = true
		wait = s.stopReaderLocked()
		s.setReadDeadlineLocked(aLongTimeAgo)
	}
	notify, closeWrite := false, false
	if (how == Write || how == ReadWrite) && !s.writeShut {
		s.writeShut = true
		closeWrite = !s.transportClosed
		notify = s.established.Load() && s.fatal == nil && !s.sentClose && closeWrite && s.werr == nil
		if notify {
			s.sentClose = true
			s.setWriteDeadlineLocked(time.Now().Add(s.cfg.alertTimeout))
		}
	}
	s.mu.Unlock()
	if wait != nil {
		<-wait
	}
	if how == Read || how == ReadWrite {
		s.readMu.Lock()
		s.rbuf, s.pending, s.hasPending = nil, nil, false
		s.dec.scanned = 0
		s.endRead(ErrClosed, net.ErrClosed)
		s.readMu.Unlock()
		s.mu.Lock()
		closeRead := !s.transportClosed
		s.mu.Unlock()
		if cr, ok := s.transport.(interface{ CloseRead() error }); ok && closeRead {
			_ = cr.CloseRead()
		}
	}
	var err error
	if notify {
		s.writeMu.Lock()
		err = s.rc.SendAlert(record.Warning, record.CloseNotify)
		s.writeMu.Unlock()
	}
	if cw, ok := s.transport.(interface{ CloseWrite() error }); ok && closeWrite {
		if e := cw.CloseWrite(); err == nil {
			err = e
		}
	}
	if err != nil {
		return &closedError{err}
	}
	return nil
}

// socketControl returns the function that sets options before a listening
// or dialing socket is bound: reuseaddr, when given (Go turns it on for
// listeners on Unix by default).
func socketControl(sock *socketOptions) func(network, address string, c syscall.RawConn) error {
	if !sock.reuseAddr.set {
		return nil
	}
	v := boolInt(sock.reuseAddr.v)
	return func(network, address string, c syscall.RawConn) error {
		return rawSet(c, "reuseaddr", v)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// applySocketOptions applies socket options to a TCP transport: those in
// given, or every one set when given is nil. It goes on after a failure
// and returns the first one, as an *OptionError naming the option and the
// system's reason; the callers setting up a socket ignore it (the options
// only tune the transport; the values stay recorded for Getopts), Setopts
// reports it. Other transports are left alone.
func applySocketOptions(conn net.Conn, sock *socketOptions, given map[string]bool) error {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	want := func(name string, set bool) bool {
		if given != nil {
			return given[name] && set
		}
		return set
	}
	var first error
	check := func(name string, v any, err error) {
		if err != nil && first == nil {
			first = systemOptionError(name, v, err)
		}
	}
	if want("nodelay", sock.nodelay.set) {
		check("nodelay", sock.nodelay.v, tc.SetNoDelay(sock.nodelay.v))
	}
	if want("keepalive", sock.keepalive.set) {
		check("keepalive", sock.keepalive.v, tc.SetKeepAlive(sock.keepalive.v))
	}
	if want("recbuf", sock.recbuf.set) {
		check("recbuf", sock.recbuf.v, tc.SetReadBuffer(sock.recbuf.v))
	}
	if want("sndbuf", sock.sndbuf.set) {
		check("sndbuf", sock.sndbuf.v, tc.SetWriteBuffer(sock.sndbuf.v))
	}
	if want("linger", sock.linger != nil) {
		if sock.linger.On {
			check("linger", *sock.linger, tc.SetLinger(int(sock.linger.Timeout/time.Second)))
		} else {
			check("linger", *sock.linger, tc.SetLinger(-1))
		}
	}
	raw := []struct {
		name string
		set  bool
		v    int
	}{
		{"reuseaddr", sock.reuseAddr.set, boolInt(sock.reuseAddr.v)},
		{"tos", sock.tos.set, sock.tos.v},
		{"priority", sock.priority.set, sock.priority.v},
	}
	for _, r := range raw {
		if want(r.name, r.set) {
			sc, err := tc.SyscallConn()
			if err == nil {
				err = rawSet(sc, rawName(tc, r.name), r.v)
			}
			check(r.name, r.v, err)
		}
	}
	return first
}

// systemOptionError is a socket option the system refused: Erlang's
// {options,{socket_options,[Opt],Posix}}.
func systemOptionError(name string, v any, err error) *OptionError {
	posix := "einval"
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if a := errnoAtom(errno); a != "" {
			posix = a
		}
	}
	o := Option{name, v}
	return &OptionError{Name: name, Value: v, Reason: posix, Detail: "the system refused it: " + err.Error(),
		term: "{options,{socket_options,[" + renderOption(o) + "]," + posix + "}}"}
}

// errnoAtom returns the Erlang name of the errors a setsockopt may give.
func errnoAtom(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "eperm"
	case syscall.EACCES:
		return "eacces"
	case syscall.EINVAL:
		return "einval"
	case syscall.ENOPROTOOPT:
		return "enoprotoopt"
	case syscall.EBADF:
		return "ebadf"
	case syscall.ENOBUFS:
		return "enobufs"
	}
	return ""
}

// rawName is the system option behind a socket option on conn: tos is the
// traffic class on an IPv6 socket.
func rawName(conn net.Conn, name string) string {
	if name == "tos" {
		if a, ok := conn.LocalAddr().(*net.TCPAddr); ok && a.IP.To4() == nil {
			return "tclass"
		}
	}
	return name
}

// liveSocketOption reads a socket option from a TCP transport, as Getopts
// reports an option never set.
func liveSocketOption(conn net.Conn, name string) (any, bool) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil, false
	}
	sc, err := tc.SyscallConn()
	if err != nil {
		return nil, false
	}
	v, ok := rawGet(sc, rawName(conn, name))
	if !ok {
		return nil, false
	}
	switch name {
	case "reuseaddr", "nodelay", "keepalive":
		return v != 0, true
	}
	return v, true
}
