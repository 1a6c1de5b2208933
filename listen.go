package ssl

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

// ListenSocket is a listening socket: Erlang's listen socket from
// listen/2. TransportAccept takes connections from it; it also implements
// net.Listener, whose Accept returns passive sockets that run their
// handshake at first use. It is safe for concurrent use: several
// goroutines may accept at once, each with its own timeout; they take
// connections one at a time, in no set order.
type ListenSocket struct {
	cfg *config
	ln  net.Listener

	turn      chan struct{} // held by the accept calling ln.Accept
	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

// Listen opens a listening socket on port (0 picks a free one; Addr tells
// which), as Erlang's listen/2. The options are resolved once, here, and
// every accepted socket starts from them; an invalid option is an
// *OptionError. The socket options ip (the address to listen on; all by
// default), inet and inet6 (the family) and reuseaddr (applied on Unix;
// elsewhere Go's default stands) shape the listener; backlog is accepted
// and reported but the queue length is the system's, which Go chooses. A
// certificate is not needed yet: SSLAccept checks for one (Erlang's
// {options,{certs_keys,cert_and_key_required}}), so that SNIFun or the
// options given to SSLAccept can provide it. With CBInfo's Listen function
// the listener comes from it.
func Listen(port int, opts ...Option) (*ListenSocket, error) {
	cfg, err := resolve(RoleServer, opts)
	if err != nil {
		return nil, err
	}
	if port < 0 || port > 65535 {
		return nil, invalid("port", port, "the port must be from 0 to 65535")
	}
	network := tcpNetwork(cfg.sock.family, cfg.sock.ip)
	host := ""
	if cfg.sock.ip.IsValid() {
		host = cfg.sock.ip.String()
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var ln net.Listener
	if cfg.cbInfo != nil && cfg.cbInfo.Listen != nil {
		ln, err = cfg.cbInfo.Listen(network, addr)
	} else {
		lc := net.ListenConfig{Control: socketControl(&cfg.sock)}
		ln, err = lc.Listen(context.Background(), network, addr)
	}
	if err != nil {
		return nil, err
	}
	if ln == nil {
		return nil, &closedError{errors.New("the cb_info listen function returned no listener")}
	}
	cfg.ticketState = &serverTicketState{}
	return &ListenSocket{cfg: cfg, ln: ln, turn: make(chan struct{}, 1), done: make(chan struct{})}, nil
}

// Addr returns the address the socket listens on.
func (ls *ListenSocket) Addr() net.Addr { return ls.ln.Addr() }

// Close stops listening, as Erlang's close/1 on a listen socket: accepts
// under way return ErrClosed; sockets already accepted stay open. It is
// idempotent.
func (ls *ListenSocket) Close() error {
	var err error
	ls.closeOnce.Do(func() {
		close(ls.done)
		err = ls.ln.Close()
	})
	return err
}

// TransportAccept waits for a connection, as Erlang's transport_accept/2,
// and returns its socket with the handshake not run yet: SSLAccept runs it
// (a first Send, Recv, Read or Write runs it too). The socket has the
// listen options. timeout bounds the wait (Infinity: none; 0: only a
// connection already waiting); when it runs out the error satisfies
// errors.Is(err, ErrTimeout). A listener from CBInfo must have a
// SetDeadline method for a timeout other than Infinity. After Close, or
// when Close interrupts it, the error is ErrClosed (and net.ErrClosed).
func (ls *ListenSocket) TransportAccept(timeout time.Duration) (*Socket, error) {
	conn, err := ls.acceptConn(deadlineAfter(timeout))
	if err != nil {
		return nil, err
	}
	applySocketOptions(conn, &ls.cfg.sock, nil)
	return newSocket(RoleServer, conn, ls.cfg, ""), nil
}

// acceptConn accepts one connection before deadline (zero: none). One
// accept at a time calls the listener's Accept, with its own deadline
// set on the listener; the others wait for their turn, each until its own
// deadline.
func (ls *ListenSocket) acceptConn(deadline time.Time) (net.Conn, error) {
	dl, canDeadline := ls.ln.(interface{ SetDeadline(time.Time) error })
	var expired <-chan time.Time
	if !deadline.IsZero() {
		if !canDeadline {
			return nil, &reasonError{"einval", "the listener has no SetDeadline method: only an infinite timeout is possible"}
		}
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case ls.turn <- struct{}{}:
	case <-expired:
		return nil, NewTimeoutError("transport_accept", nil)
	case <-ls.done:
		return nil, errUseOfClosed
	}
	defer func() { <-ls.turn }()
	select {
	case <-ls.done:
		return nil, errUseOfClosed
	default:
	}
	if canDeadline {
		_ = dl.SetDeadline(deadline)
	}
	conn, err := ls.ln.Accept()
	switch {
	case err == nil:
		return conn, nil
	case ls.isClosed() || errors.Is(err, net.ErrClosed):
		return nil, errUseOfClosed
	case isTimeout(err):
		return nil, NewTimeoutError("transport_accept", err)
	}
	return nil, err
}

func (ls *ListenSocket) isClosed() bool {
	select {
	case <-ls.done:
		return true
	default:
		return false
	}
}

// SSLAccept runs the server handshake on a socket from TransportAccept, as
// Erlang's ssl_accept/1,2,3 (handshake/1,2,3 in later OTP), within timeout
// (Infinity: no limit). extra options are merged over the listen options
// (they win); the result must give the server a certificate unless its
// suites need none (an *OptionError otherwise, and the socket stays open
// for the caller to close). On a handshake failure the alert is sent, the
// transport closed, and the error returned: an *AlertError (errors.As also
// finds its cause), a time-out, or ErrClosed. On success the socket is in
// the mode the options give (active by default) and data flows. Calling it
// again after success does nothing.
func (s *Socket) SSLAccept(timeout time.Duration, extra ...Option) error {
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	return s.sslAccept(ctx, extra)
}

// SSLAcceptContext is SSLAccept bounded by ctx instead of a timeout: when
// ctx is done the handshake stops and the error is a time-out (deadline)
// or ctx's error (cancellation).
func (s *Socket) SSLAcceptContext(ctx context.Context, extra ...Option) error {
	return s.sslAccept(ctx, extra)
}

func (s *Socket) sslAccept(ctx context.Context, extra []Option) error {
	if s.role != RoleServer {
		return errNotServer
	}
	if s.established.Load() {
		return nil
	}
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	cfg, err := cfg.merge(extra)
	if err == nil {
		err = cfg.checkServerCredentials()
	}
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		given := make(map[string]bool, len(extra))
		for _, o := range extra {
			given[o.Name] = true
		}
		applySocketOptions(s.transport, &cfg.sock, given)
		s.mu.Lock()
		if given["active"] && !s.lazy {
			s.active = initialActive(cfg.sock.active)
		}
		s.mu.Unlock()
	}
	return s.runHandshake(ctx, cfg, "ssl_accept")
}

// SSLAcceptConn upgrades a connected transport to TLS on the server side,
// as Erlang's ssl_accept/2,3 on a gen_tcp socket: it runs the server
// handshake over conn with opts within timeout and returns the socket,
// which owns conn from then on. The transport must not be read by anyone
// else before (Erlang's warning: set it passive before telling the client
// to start). On an option error conn is left as it was; on a handshake
// failure it is closed.
func SSLAcceptConn(conn net.Conn, opts []Option, timeout time.Duration) (*Socket, error) {
	if conn == nil {
		return nil, invalid("socket", nil, "the connection must not be nil")
	}
	cfg, err := resolve(RoleServer, opts)
	if err == nil {
		err = cfg.checkServerCredentials()
	}
	if err != nil {
		return nil, err
	}
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	applySocketOptions(conn, &cfg.sock, nil)
	s := newSocket(RoleServer, conn, cfg, "")
	if err := s.runHandshake(ctx, cfg, "ssl_accept"); err != nil {
		return nil, err
	}
	return s, nil
}
