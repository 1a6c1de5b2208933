package ssl

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/otpssl/ssl/record"
)

// CloseDowngrade ends TLS on the connection and returns the transport for
// plain use, as Erlang's close/2 with {NewController, Timeout}: it sends
// close_notify, waits up to timeout (Infinity: no limit) for the peer's
// close_notify, and returns the transport, positioned exactly after the
// peer's close_notify: bytes the peer sent after it that this side had
// already read are delivered first by the returned conn's Read (the
// returned conn is the transport itself when there are none), so no byte
// is lost or read twice. The conn has no deadlines set and belongs to the
// caller, who closes it; in Erlang's words it is passive, packet 0,
// binary.
//
// Application data that arrives between this side's close_notify and the
// peer's, and data received earlier and not yet read, is dropped, as
// Erlang's close does; so are post-handshake handshake messages and
// warning alerts. A socket whose peer's close_notify was already received
// (with ExitOnClose(false); with the default the transport is closed then)
// hands the transport over at once.
//
// The socket is closed by the call, whatever its outcome: later calls
// return ErrClosed, and no Closed message is delivered. On failure the
// transport is closed too: a time-out (errors.Is(err, ErrTimeout), Erlang's
// {error, timeout}), the peer ending the transport without close_notify
// (ErrClosed), a fatal alert (*AlertError), or ErrNotConnected before the
// handshake (the socket is left as it was then).
func (s *Socket) CloseDowngrade(timeout time.Duration) (net.Conn, error) {
	deadline := deadlineAfter(timeout)
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return nil, ErrClosed
	case !s.established.Load():
		s.mu.Unlock()
		if err := s.fatalErr(); err != nil {
			return nil, err
		}
		return nil, ErrNotConnected
	}
	s.closed = true
	s.stopHibernationLocked()
	wait := s.stopReaderLocked()
	s.setReadDeadlineLocked(aLongTimeAgo)
	var failed error
	switch {
	case s.fatal != nil:
		failed = s.fatal
	case s.transportClosed:
		failed = ErrClosed
	}
	notify := failed == nil && !s.sentClose && !s.writeShut && s.werr == nil
	if notify {
		s.sentClose = true
		s.setWriteDeadlineLocked(deadline)
	}
	s.mu.Unlock()
	if wait != nil {
		<-wait
	}
	if failed != nil {
		s.closeTransport()
		return nil, failed
	}
	// The peer's close_notify is awaited while ours is sent, so that a
	// transport that takes a write only when the other side reads
	// (net.Pipe) does not stall two sides downgrading at once.
	s.readMu.Lock()
	defer s.readMu.Unlock()
	s.rbuf, s.pending, s.hasPending = nil, nil, false
	var read chan error
	if s.rerr == nil || !errors.Is(s.rcause, io.EOF) {
		read = make(chan error, 1)
		go func() { read <- s.awaitCloseNotify(deadline) }()
	}
	if notify {
		s.writeMu.Lock()
		err := s.rc.SendAlert(record.Warning, record.CloseNotify)
		s.writeMu.Unlock()
		if err != nil {
			if read != nil {
				s.mu.Lock()
				s.setReadDeadlineLocked(aLongTimeAgo)
				s.mu.Unlock()
				<-read
			}
			s.closeTransport()
			if isTimeout(err) {
				return nil, NewTimeoutError("close", err)
			}
			return nil, &closedError{err}
		}
	}
	if read != nil {
		if err := <-read; err != nil {
			s.closeTransport()
			return nil, err
		}
	}
	s.mu.Lock()
	// The transport is the caller's now: nothing here closes it or
	// touches its deadlines again.
	s.transportClosed = true
	s.mu.Unlock()
	_ = s.transport.SetDeadline(time.Time{})
	if rest := s.rc.Unread(); len(rest) > 0 {
		return &downgradedConn{Conn: s.transport, rest: rest}, nil
	}
	return s.transport, nil
}

// fatalErr returns the socket's fatal error, if any.
func (s *Socket) fatalErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatal
}

// awaitCloseNotify reads until the peer's close_notify, dropping what
// comes before it; it runs for CloseDowngrade, which holds readMu.
func (s *Socket) awaitCloseNotify(deadline time.Time) error {
	s.mu.Lock()
	s.setReadDeadlineLocked(deadline)
	s.mu.Unlock()
	for {
		m, err := s.rc.ReadMessage()
		switch {
		case err == nil:
			// Data, handshake messages and warnings after our
			// close_notify are dropped.
			_ = m
		case errors.Is(err, io.EOF):
			return nil
		case isTimeout(err):
			return NewTimeoutError("close", err)
		default:
			if _, _, _, isAlert := alertOf(err); isAlert {
				// Recorded and logged; nothing is sent after our
				// close_notify.
				return s.fail(err, "connection")
			}
			return &closedError{err}
		}
	}
}

// downgradedConn is a transport handed back by CloseDowngrade with bytes
// the record layer had read past the peer's close_notify: Read returns
// them first.
type downgradedConn struct {
	net.Conn
	rest []byte
}

// Read returns the bytes read ahead first, then reads the transport.
func (c *downgradedConn) Read(p []byte) (int, error) {
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite closes the sending side of the transport, when it has one
// (TCP, Unix sockets).
func (c *downgradedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return &reasonError{"enotsup", "the transport cannot close one direction"}
}

// CloseRead closes the receiving side of the transport, when it has one.
func (c *downgradedConn) CloseRead() error {
	if cr, ok := c.Conn.(interface{ CloseRead() error }); ok {
		return cr.CloseRead()
	}
	return &reasonError{"enotsup", "the transport cannot close one direction"}
}
