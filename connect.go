package ssl

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// negotiated is what a socket keeps of a finished handshake.
type negotiated struct {
	version      cipher.Version
	suite        *cipher.Suite
	peerCerts    [][]byte
	serverName   string
	alpn, npn    string
	sessionID    []byte
	session      *session.Session // the TLS 1.0-1.2 session, or nil
	clientRandom [32]byte
	serverRandom [32]byte
	masterSecret []byte
	group        NamedCurve // the ECDHE/ECDH curve or key exchange group; 0 if none
	resumed      bool       // the handshake resumed a session

	// state is the handshake's outcome (nil for a fake handshake of the
	// tests): TLS 1.3 key updates and exporters go through it, with
	// writeMu held. secrets are its TLS 1.3 secrets and key log lines,
	// for ConnectionInformation (tls13.go).
	state   *handshake.State
	secrets *secrets13

	// handle deals with a handshake message that arrives after the
	// handshake; it may write to rc. A non-nil error ends the connection.
	handle func(rc *record.Conn, msg []byte) error
	// refresh returns what the socket keeps after handle has run (a
	// renegotiation changes it), or is nil when nothing changes.
	refresh func() *negotiated
}

// handshakeStep runs the TLS handshake of s, in s's role, with the
// settings of cfg, over s.rc, in the caller's goroutine; ctx's deadline is
// already set on the transport, and the transport's deadlines are set in
// the past when ctx is done. It sends no alert and closes nothing: an
// error comes back to runHandshake. It is a variable so that the socket
// layer's tests can put a handshake of their own in its place.
var handshakeStep = tlsHandshake

// tlsHandshake runs the handshake package's client or server.
func tlsHandshake(ctx context.Context, s *Socket, cfg *config) (*negotiated, error) {
	var st *handshake.State
	var err error
	var hc *handshake.Config
	if s.role == RoleClient {
		hc = cfg.handshakeConfig(s.host, remoteIP(s.transport))
		cfg.wireTickets(hc, s)
		cfg.sessionSettings(hc, s)
		st, err = handshake.Client(ctx, s.rc, hc)
	} else {
		hc = cfg.handshakeConfig("", netip.Addr{})
		cfg.wireTickets(hc, s)
		cfg.sessionSettings(hc, s)
		st, err = handshake.Server(ctx, s.rc, hc)
	}
	if err == nil {
		err = s.afterHandshake13(hc, st)
	}
	if err != nil {
		return nil, err
	}
	return fromState(st), nil
}

// fromState keeps what the socket reports of a handshake's outcome.
func fromState(st *handshake.State) *negotiated {
	return &negotiated{
		version:      st.Version,
		suite:        st.Suite,
		peerCerts:    st.PeerCertificates,
		serverName:   st.ServerName,
		alpn:         st.ALPN,
		npn:          st.NPN,
		sessionID:    st.SessionID,
		session:      st.Session,
		clientRandom: st.ClientRandom,
		serverRandom: st.ServerRandom,
		masterSecret: st.MasterSecret,
		group:        st.Group,
		resumed:      st.Resumed,
		state:        st,
		// secrets stays nil: ConnectionInformation reads the live
		// state's secrets when there is a state (tls13.go), so they are
		// not gathered for every connection.
		handle:  st.HandleMessage,
		refresh: func() *negotiated { return fromState(st) },
	}
}

// timeoutContext returns a context that ends after timeout (Infinity:
// never, the background context, which runHandshake needs no watch for;
// 0: at once).
func timeoutContext(timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout < 0 {
		return context.Background(), func() {}
	}
	return context.WithDeadline(context.Background(), time.Now().Add(timeout))
}

// runHandshake runs the first handshake of s with cfg, bounded by ctx:
// the transport gets ctx's deadline, and a deadline in the past when ctx
// is done, which interrupts a blocked read or write. On success the socket
// is established with cfg and, if active, starts delivering. On failure
// the alert (if any) is sent, the transport closed, and the error kept for
// later calls. op names the call for time-out errors.
func (s *Socket) runHandshake(ctx context.Context, cfg *config, op string) error {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.established.Load() {
		return nil
	}
	s.mu.Lock()
	switch {
	case s.fatal != nil:
		err := s.fatal
		s.mu.Unlock()
		return err
	case s.closed || s.transportClosed:
		s.mu.Unlock()
		return ErrClosed
	}
	dl, _ := ctx.Deadline()
	s.setReadDeadlineLocked(dl)
	s.setWriteDeadlineLocked(dl)
	s.mu.Unlock()

	// A context that can end interrupts the handshake's reads and writes
	// when it does; one that never ends (Infinity) needs no watch.
	var neg *negotiated
	var err error
	if ctx.Done() == nil {
		neg, err = handshakeStep(ctx, s, cfg)
	} else {
		interrupted := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			s.mu.Lock()
			s.setReadDeadlineLocked(aLongTimeAgo)
			s.setWriteDeadlineLocked(aLongTimeAgo)
			s.mu.Unlock()
			close(interrupted)
		})
		neg, err = handshakeStep(ctx, s, cfg)
		if !stop() {
			<-interrupted
		}
	}

	s.mu.Lock()
	if err == nil && (s.closed || s.transportClosed) {
		err = ErrClosed
	}
	if err == nil {
		s.setReadDeadlineLocked(time.Time{})
		s.setWriteDeadlineLocked(time.Time{})
		s.cfg = cfg
		s.neg = neg
		s.armHibernationLocked(cfg.hibernateAfter)
		s.established.Store(true)
		s.startReaderLocked()
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	return s.handshakeFailed(ctx, err, op)
}

// handshakeFailed ends the connection after a failed handshake and returns
// the error the caller reports: the alert sent or received
// (*AlertError), a time-out, the context's error, or ErrClosed when the
// connection ended (the socket was closed or the peer went away).
func (s *Socket) handshakeFailed(ctx context.Context, err error, op string) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	var result error
	_, _, _, isAlert := alertOf(err)
	switch {
	case closed:
		result = ErrClosed
	case errors.Is(ctx.Err(), context.Canceled):
		result = ctx.Err()
	case ctx.Err() != nil || isTimeout(err):
		result = NewTimeoutError(op, err)
	case isAlert:
		return s.fail(err, "hello")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.ErrClosedPipe),
		errors.Is(err, ErrClosed), errors.Is(err, record.ErrWriteClosed):
		result = &closedError{err}
	default:
		var ne net.Error
		if errors.As(err, &ne) {
			result = &closedError{err}
		} else {
			return s.fail(err, "hello")
		}
	}
	// The socket is closed: later calls say so (an alert would have been
	// kept by fail and returned instead).
	s.mu.Lock()
	if s.fatal == nil {
		s.fatal = ErrClosed
	} else {
		result = s.fatal
	}
	s.closeTransportLocked()
	s.mu.Unlock()
	return result
}

// ensureHandshake makes sure the handshake has run before data moves: a
// server socket from TransportAccept or Accept runs it at first use, with
// the listen options, bounded by deadline (zero: none), as crypto/tls
// does. (Erlang refuses traffic before ssl_accept; here it starts the
// handshake.)
func (s *Socket) ensureHandshake(deadline time.Time) error {
	if s.established.Load() {
		return nil
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if deadline.IsZero() {
		ctx, cancel = context.WithCancel(context.Background())
	} else {
		ctx, cancel = context.WithDeadline(context.Background(), deadline)
	}
	defer cancel()
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	if s.role == RoleServer {
		if err := cfg.checkServerCredentials(); err != nil {
			return err
		}
	}
	return s.runHandshake(ctx, cfg, "handshake")
}

// Connect opens a TLS connection to host and port, as Erlang's
// connect/3,4: it dials TCP (or the cb_info transport), runs the client
// handshake and returns the socket, all within timeout (Infinity: no
// limit). host names the server for SNI and for the check of its
// certificate, unless ServerNameIndication says otherwise; an address
// literal is checked as an address. The ip and port options bind the
// local end; inet and inet6 choose the family. On failure nothing is left
// open: the error is an *OptionError, a dial error, an *AlertError (the
// handshake failed; errors.As also finds its cause, such as an
// x509path.BadCertError), a time-out (errors.Is(err, ErrTimeout)) or
// ErrClosed (the server closed the connection).
func Connect(host string, port int, opts []Option, timeout time.Duration) (*Socket, error) {
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	return connect(ctx, host, port, opts)
}

// ConnectContext is Connect bounded by ctx instead of a timeout: when ctx
// is done, dialing or the handshake stops and the error is a time-out
// (deadline) or ctx's error (cancellation).
func ConnectContext(ctx context.Context, host string, port int, opts ...Option) (*Socket, error) {
	return connect(ctx, host, port, opts)
}

func connect(ctx context.Context, host string, port int, opts []Option) (*Socket, error) {
	cfg, err := resolve(RoleClient, opts)
	if err != nil {
		return nil, err
	}
	if port < 0 || port > 65535 {
		return nil, invalid("port", port, "the port must be from 0 to 65535")
	}
	network := tcpNetwork(cfg.sock.family, cfg.sock.ip)
	addr := net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), strconv.Itoa(port))
	var conn net.Conn
	if cfg.cbInfo != nil && cfg.cbInfo.Dial != nil {
		conn, err = cfg.cbInfo.Dial(ctx, network, addr)
	} else {
		d := net.Dialer{Control: socketControl(&cfg.sock)}
		if cfg.sock.ip.IsValid() || cfg.sock.port.set {
			d.LocalAddr = &net.TCPAddr{IP: cfg.sock.ip.AsSlice(), Port: cfg.sock.port.v}
		}
		conn, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
			return nil, NewTimeoutError("connect", err)
		}
		return nil, err
	}
	if conn == nil {
		return nil, &closedError{errors.New("the cb_info dial function returned no connection")}
	}
	applySocketOptions(conn, &cfg.sock, nil)
	s := newSocket(RoleClient, conn, cfg, host)
	if err := s.runHandshake(ctx, cfg, "connect"); err != nil {
		return nil, err
	}
	return s, nil
}

// ConnectConn upgrades a connected transport to TLS, as Erlang's
// connect/2,3 on a gen_tcp socket: it runs the client handshake over conn
// within timeout and returns the socket, which owns conn from then on.
// Without ServerNameIndication no SNI is sent and the server's certificate
// is checked against conn's remote address, as Erlang does. The transport
// must not be read by anyone else: data already taken from it is lost to
// the handshake. On a handshake failure conn is closed; on an option error
// it is left as it was.
func ConnectConn(conn net.Conn, opts []Option, timeout time.Duration) (*Socket, error) {
	if conn == nil {
		return nil, invalid("socket", nil, "the connection must not be nil")
	}
	cfg, err := resolve(RoleClient, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	applySocketOptions(conn, &cfg.sock, nil)
	s := newSocket(RoleClient, conn, cfg, "")
	if err := s.runHandshake(ctx, cfg, "connect"); err != nil {
		return nil, err
	}
	return s, nil
}

// tcpNetwork returns the network to dial or listen on: tcp4 or tcp6 when
// the inet or inet6 option or the ip option says so, tcp otherwise.
func tcpNetwork(family string, ip netip.Addr) string {
	switch {
	case family == "inet" || ip.Is4():
		return "tcp4"
	case family == "inet6" || ip.Is6():
		return "tcp6"
	}
	return "tcp"
}

// remoteIP returns the address of conn's peer, or the zero Addr.
func remoteIP(conn net.Conn) netip.Addr {
	ap, err := addrPort(conn.RemoteAddr())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}
