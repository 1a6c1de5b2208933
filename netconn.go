package ssl

import (
	"errors"
	"io"
	"net"
	"time"
)

var (
	_ net.Conn     = (*Socket)(nil)
	_ net.Listener = (*ListenSocket)(nil)
)

// Accept waits for a connection and returns its socket, for net.Listener:
// TransportAccept(Infinity) with the socket made passive (net.Conn reads
// with Read). The handshake runs at the socket's first Read or Write, or
// at an explicit SSLAccept, within the deadlines set on it. After Close
// the error satisfies errors.Is(err, net.ErrClosed), as net/http expects.
func (ls *ListenSocket) Accept() (net.Conn, error) {
	s, err := ls.TransportAccept(Infinity)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.lazy = true
	s.active = activeMode{kind: activeFalse}
	s.mu.Unlock()
	return s, nil
}

// Read reads data in passive mode, for net.Conn: it returns what has
// arrived, up to len(p) bytes, waiting for at least one (as Recv(0), but
// into p; what does not fit stays for the next call). With a packet type
// other than raw it returns the bytes of the packets as Recv would deliver
// them, in order, without their boundaries (use Recv to keep those); a
// packet that cannot be decoded is a *PacketError. It honours the read
// deadline (the error wraps os.ErrDeadlineExceeded and is a net.Error
// with Timeout() true; data is not lost). A close_notify from the peer is
// io.EOF; the transport ending without one is io.ErrUnexpectedEOF; a
// fatal alert is its *AlertError; after Close the error satisfies
// errors.Is(err, net.ErrClosed). In active mode Read fails with ErrActive.
// On a server socket whose handshake has not run it runs it first.
func (s *Socket) Read(p []byte) (int, error) {
	s.mu.Lock()
	deadline := s.readDeadline
	s.mu.Unlock()
	if err := s.ensureHandshake(deadline); err != nil {
		return 0, s.connErr(err)
	}
	if err := s.enterPassive(); err != nil {
		return 0, err
	}
	defer s.leavePassive()
	s.readMu.Lock()
	defer s.readMu.Unlock()
	if s.isActive() {
		return 0, ErrActive
	}
	if s.isClosed() {
		return 0, errUseOfClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		b, ok, err := s.extract(0)
		if err != nil {
			return 0, s.packetFailed(err)
		}
		if ok && len(b) > 0 {
			n := copy(p, b)
			if n < len(b) {
				s.pending, s.hasPending = b[n:], true
			}
			return n, nil
		}
		if ok {
			continue // an empty packet: nothing for a byte stream
		}
		if s.rerr != nil {
			return 0, s.readConnErr()
		}
		var dst []byte
		if s.config().sock.packet == PacketRaw {
			dst = p
		}
		n, err := s.fill(time.Time{}, dst, false)
		if err != nil {
			return 0, NewTimeoutError("read", err)
		}
		if n > 0 {
			return n, nil
		}
	}
}

// readConnErr maps the end of the read side to net.Conn's conventions;
// readMu held.
func (s *Socket) readConnErr() error {
	if s.rerr != ErrClosed {
		return s.rerr
	}
	switch {
	case errors.Is(s.rcause, io.EOF):
		return io.EOF
	case errors.Is(s.rcause, net.ErrClosed):
		return s.connErr(ErrClosed)
	case s.rcause == nil || errors.Is(s.rcause, io.ErrUnexpectedEOF):
		return io.ErrUnexpectedEOF
	}
	return &closedError{s.rcause}
}

// connErr maps ErrClosed, after the owner closed the socket, to an error
// that also satisfies errors.Is(err, net.ErrClosed).
func (s *Socket) connErr(err error) error {
	if err == ErrClosed {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return errUseOfClosed
		}
	}
	return err
}

// Write sends p, for net.Conn: Send(p), honouring the write deadline
// (and the send_timeout option). It returns len(p) on success and 0 with
// the error otherwise. On a server socket whose handshake has not run it
// runs it first.
func (s *Socket) Write(p []byte) (int, error) {
	if err := s.Send(p); err != nil {
		return 0, s.connErr(err)
	}
	return len(p), nil
}

// LocalAddr returns the transport's local address.
func (s *Socket) LocalAddr() net.Addr { return s.transport.LocalAddr() }

// RemoteAddr returns the transport's remote address.
func (s *Socket) RemoteAddr() net.Addr { return s.transport.RemoteAddr() }

// SetDeadline sets the read and write deadlines, for net.Conn.
func (s *Socket) SetDeadline(t time.Time) error {
	if err := s.SetReadDeadline(t); err != nil {
		return err
	}
	return s.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of passive reads (Read, Recv, and a
// handshake they start), for net.Conn; zero means none. It applies to a
// read already blocked. Recv's own timeout and this deadline both apply,
// the earlier one winning; setting a deadline while a Recv waits replaces
// the Recv's for that wait. The active reader does not honour it.
func (s *Socket) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errUseOfClosed
	}
	s.readDeadline = t
	if !s.reader && !s.readShut {
		s.setReadDeadlineLocked(t)
	}
	return nil
}

// SetWriteDeadline sets the deadline of writes (Write, Send, and a
// handshake they start), for net.Conn; zero means none. It applies to a
// write already blocked; a write that times out leaves the connection
// unable to send (see Send).
func (s *Socket) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errUseOfClosed
	}
	s.writeDeadline = t
	if s.fatal == nil && !s.sentClose {
		s.setWriteDeadlineLocked(t)
	}
	return nil
}
