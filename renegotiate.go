package ssl

import (
	"context"
	"errors"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// Renegotiation of TLS 1.0-1.2 connections (Erlang's renegotiate/1 and
// the renegotiations a peer starts).
//
// A renegotiation handshake runs in whichever goroutine holds the read
// side (readMu) when it is due: the active reader, a passive Recv, or
// Renegotiate itself when nobody reads. It takes the write side (writeMu)
// for as long as it runs, so data this side sends meanwhile waits and then
// goes under the new keys; data the peer sends between the handshake's
// messages is added to the received bytes in order and delivered as
// usual once the handshake is over.

const (
	// DefaultRenegotiateTimeout bounds a renegotiation: a server's wait
	// for the client's ClientHello after its HelloRequest, a client's
	// wait for the server's answer, and the handshake itself.
	DefaultRenegotiateTimeout = 30 * time.Second
	// ClientRenegotiationWait is how long a server refuses further
	// client-initiated renegotiations after accepting one, as OTP's
	// ?WAIT_TO_ALLOW_RENEGOTIATION (12 s) does.
	ClientRenegotiationWait = 12 * time.Second
	// maxRenegotiationData bounds the application data the socket keeps
	// while a renegotiation runs and before the owner can take it; more is
	// a failed renegotiation.
	maxRenegotiationData = 16 << 20
	// renegotiatePoll is how often a Renegotiate that waits for another
	// goroutine to let go of the read side looks again.
	renegotiatePoll = 20 * time.Millisecond
)

// The renegotiation settings of new sockets (tests shorten them).
var (
	renegotiationWait    = ClientRenegotiationWait
	renegotiationTimeout = DefaultRenegotiateTimeout
)

var (
	// errAlreadyRenegotiating is Erlang's {error, already_renegotiating}.
	errAlreadyRenegotiating error = &reasonError{"already_renegotiating", "a renegotiation is already under way"}
	// errRenegotiateTLS13 is what Renegotiate returns on TLS 1.3, as
	// current OTP returns {error, notsup}: errors.Is(err,
	// ErrNotSupported) holds.
	errRenegotiateTLS13 error = &notSupportedError{"TLS 1.3 has no renegotiation (UpdateKeys changes the keys)"}
	// errRenegotiateSSL30 is what Renegotiate returns on SSL 3.0.
	errRenegotiateSSL30 error = &notSupportedError{"renegotiation of SSL 3.0 connections is not supported"}
)

// notSupportedError is an {error, notsup} with its own text; errors.Is
// finds ErrNotSupported.
type notSupportedError struct{ text string }

func (e *notSupportedError) Error() string        { return "ssl: " + e.text }
func (e *notSupportedError) Term() string         { return "notsup" }
func (e *notSupportedError) Is(target error) bool { return target == ErrNotSupported }

// renegotiation is a socket's renegotiation state; mu guards it.
type renegotiation struct {
	req *renegRequest // this side's renegotiation under way, or nil
	// clientAllowedAt is when a server accepts a client-initiated
	// renegotiation again (zero: now).
	clientAllowedAt time.Time
	wait, timeout   time.Duration
	// running says a renegotiation handshake runs (whoever started it):
	// its reads must not be interrupted for a request.
	running bool
}

// renegRequest is a renegotiation Renegotiate asked for.
type renegRequest struct {
	server   bool      // a HelloRequest was sent; the ClientHello is awaited
	started  bool      // the handshake runs
	deadline time.Time // for the peer to start answering
	done     chan struct{}
	err      error
}

// Renegotiate renegotiates the connection, as Erlang's renegotiate/1: a
// new full handshake under the protection of the current one, after which
// the new keys protect each direction from its ChangeCipherSpec on. A
// client sends a ClientHello; a server sends a HelloRequest and the
// client answers with one. It returns when the handshake is over.
//
// Only secure renegotiation (RFC 5746) is done, unless SecureRenegotiate
// is false, which allows an insecure one with a peer lacking RFC 5746, as
// OTP allows it. The renegotiation keeps the connection's version. Our
// client's is a full handshake (it offers no session to resume); our
// server resumes a session a renegotiating client offers (Erlang's client
// may), as its first handshakes do. The server may issue a new session
// ID, choose another suite (within the configured ones) and another
// certificate; the peer's certificate is validated again, and
// Peercert and ConnectionInformation report the new handshake. Our
// client accepts another server certificate only when the first
// handshake and the renegotiation both have the extended master secret
// (RFC 7627; without it a change of identity is the triple handshake
// attack) and ends the connection with bad_certificate otherwise, where
// OTP accepts any change and crypto/tls none. Our server accepts a client
// certificate that appears or changes in a renegotiation (asking for one
// only then is the usual reason to renegotiate), as OpenSSL and OTP do:
// on a connection without the extended master secret (a peer lacking RFC
// 7627, such as Erlang's ssl before OTP 27) that client authentication is
// open to the triple handshake attack with RSA or DHE key exchange. The
// options are those of the first handshake (ssl options cannot change):
// a server with verify_peer asks for the client's certificate again, and
// our client answers a peer that asks for one only in the renegotiation
// (OpenSSL's s_server R) with its certificate.
//
// Data keeps flowing: what the peer sends during the handshake is
// delivered in order (active messages or Recv) after it; what this side
// sends meanwhile waits for the handshake and goes under the new keys.
//
// It returns ErrRenegotiationRejected when the peer declines (a
// no_renegotiation warning alert, as a server with client_renegotiation
// false or within OTP's rate limit answers), or does not start answering
// within DefaultRenegotiateTimeout (a server's HelloRequest that a client
// ignores, which RFC 5246 allows); the connection goes on with its keys.
// A handshake that fails after it started ends the connection, with the
// alert as a first handshake's failure. On TLS 1.3 it returns an error
// for which errors.Is(err, ErrNotSupported) holds, as current OTP's
// {error, notsup} (UpdateKeys is TLS 1.3's way to change keys), and on
// SSL 3.0 too. A second call while one is under way is Erlang's {error,
// already_renegotiating}. Before the handshake it returns
// ErrNotConnected, after Close ErrClosed.
//
// In active mode the reader goroutine runs the handshake; while a
// HelloRequest's answer is awaited it reads without delivering, so an
// owner that calls Renegotiate need not take messages meanwhile.
//
// OTP also renegotiates on its own before a TLS 1.0-1.2 write sequence
// number reaches renegotiate_at (2^28 records by default); this library
// does not: its record layer's sequence numbers are 64 bits wide, never
// reached in practice, and the record layer ends the connection rather
// than let one wrap (RFC 5246, Section 6.1). A passive socket takes part
// in a renegotiation the peer starts when it reads (Recv), as it reads
// nothing otherwise.
func (s *Socket) Renegotiate() error {
	neg, _, err := s.negotiatedInfo()
	if err != nil {
		return err
	}
	switch {
	case neg.state == nil:
		return errRenegotiateSSL30
	case neg.version == cipher.VersionTLS13:
		return errRenegotiateTLS13
	case !neg.state.CanRenegotiate():
		return errRenegotiateSSL30
	}
	s.mu.Lock()
	if err := s.writeErrLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	if s.rn.req != nil {
		s.mu.Unlock()
		return errAlreadyRenegotiating
	}
	req := &renegRequest{server: s.role == RoleServer, done: make(chan struct{}),
		deadline: time.Now().Add(s.rn.timeout)}
	s.rn.req = req
	s.mu.Unlock()

	if req.server {
		if err := s.sendHelloRequest(neg, req); err != nil {
			return err
		}
	}
	return s.awaitRenegotiation(req)
}

// sendHelloRequest writes a server's HelloRequest.
func (s *Socket) sendHelloRequest(neg *negotiated, req *renegRequest) error {
	s.writeMu.Lock()
	s.mu.Lock()
	if err := s.writeErrLocked(); err != nil {
		s.mu.Unlock()
		s.writeMu.Unlock()
		s.finishRenegotiation(req, err)
		return err
	}
	s.setWriteDeadlineLocked(earliest(deadlineAfter(s.cfg.sock.sendTimeout), s.writeDeadline))
	s.mu.Unlock()
	err := neg.state.SendHelloRequest(s.rc)
	s.writeMu.Unlock()
	if err != nil {
		err = s.writeFailed(err)
		s.finishRenegotiation(req, err)
		return err
	}
	return nil
}

// awaitRenegotiation waits for req to end. When nobody holds the read
// side it drives the connection itself; otherwise it makes the holder
// look (renegotiationDue) and waits for it.
func (s *Socket) awaitRenegotiation(req *renegRequest) error {
	for {
		if s.readMu.TryLock() {
			s.driveRenegotiation(req)
			s.readMu.Unlock()
			<-req.done
			return req.err
		}
		s.mu.Lock()
		if !req.started && !req.server && !s.rn.running {
			// Wake the holder of the read side: a blocked read or
			// message send gives up and looks at the request. The
			// deadline comes first: interruptSendLocked lets go of mu
			// while it waits, and the handshake may start meanwhile
			// and set its own.
			s.setReadDeadlineLocked(aLongTimeAgo)
			if s.reader {
				s.interruptSendLocked()
			}
		} else if req.server && !req.started && s.reader {
			s.interruptSendLocked()
		}
		s.mu.Unlock()
		t := time.NewTimer(renegotiatePoll)
		select {
		case <-req.done:
			t.Stop()
			return req.err
		case <-t.C:
		}
		s.mu.Lock()
		expired := !req.started && time.Now().After(req.deadline)
		s.mu.Unlock()
		if expired {
			s.finishRenegotiation(req, ErrRenegotiationRejected)
		}
	}
}

// driveRenegotiation reads for req until it ends; readMu held.
func (s *Socket) driveRenegotiation(req *renegRequest) {
	for {
		select {
		case <-req.done:
			return
		default:
		}
		if s.rerr != nil {
			s.finishRenegotiation(req, s.readEndError())
			return
		}
		if !req.server {
			s.serveRenegotiation()
			continue
		}
		if _, err := s.fill(req.deadline, nil, false); err != nil {
			s.mu.Lock()
			waiting := !req.started
			expired := waiting && !time.Now().Before(req.deadline)
			s.mu.Unlock()
			switch {
			case expired:
				s.finishRenegotiation(req, ErrRenegotiationRejected)
			case waiting:
				// The net.Conn read deadline (SetReadDeadline) ran out
				// first: the wait ends with it.
				s.finishRenegotiation(req, NewTimeoutError("renegotiate", err))
			}
		}
	}
}

// readEndError is what a renegotiation reports when the read side has
// ended: the fatal error, or ErrClosed.
func (s *Socket) readEndError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fatal != nil {
		return s.fatal
	}
	return ErrClosed
}

// renegotiationDueLocked reports whether the holder of the read side has
// something to do for a request: start a client's handshake, or read for
// a server's HelloRequest's answer rather than wait for the owner to take
// a message (while what it keeps is below maxRenegotiationData). mu and
// readMu held.
func (s *Socket) renegotiationDueLocked() bool {
	req := s.rn.req
	return req != nil && !req.started && (!req.server || len(s.rbuf) < maxRenegotiationData)
}

// renegotiationStartDueLocked reports whether a client's request waits
// for the holder of the read side to start its handshake; mu held.
func (s *Socket) renegotiationStartDueLocked() bool {
	req := s.rn.req
	return req != nil && !req.started && !req.server
}

// serveRenegotiation does what a request asks of the holder of the read
// side: a client's handshake starts; for a server's request the active
// reader reads one message instead of delivering (a ClientHello starts
// the handshake, postHandshake). readMu held.
func (s *Socket) serveRenegotiation() {
	s.mu.Lock()
	req, neg := s.rn.req, s.neg
	s.mu.Unlock()
	if req == nil || req.started {
		return
	}
	if !req.server {
		s.runRenegotiation(neg, nil)
		return
	}
	if len(s.rbuf) >= maxRenegotiationData {
		return
	}
	// Only the active reader comes here for a server's request: it reads
	// as it always does, without a deadline (Renegotiate ends the request
	// when it expires).
	_, _ = s.fill(time.Time{}, nil, true)
}

// finishRenegotiation ends req with err, once.
func (s *Socket) finishRenegotiation(req *renegRequest, err error) {
	if req == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rn.req == req {
		s.rn.req = nil
	}
	select {
	case <-req.done:
	default:
		req.err = err
		close(req.done)
	}
}

// renegotiationMessage handles a HelloRequest received by a client or a
// ClientHello received by a server after the handshake, when the
// connection can renegotiate; it reports false for postHandshake to hand
// the message to the handshake state, which refuses it with a
// no_renegotiation warning (or an alert for a malformed message). A
// server refuses a renegotiation the client starts when
// client_renegotiation is false, and for ClientRenegotiationWait after it
// accepted one (OTP's counter-measure against computational denial of
// service); one that answers this side's HelloRequest is always
// accepted. readMu held.
func (s *Socket) renegotiationMessage(neg *negotiated, msg []byte) bool {
	if neg.state == nil || !neg.state.CanRenegotiate() || len(msg) < 4 {
		return false
	}
	typ := handshake.MessageType(msg[0])
	switch {
	case s.role == RoleClient && typ == handshake.TypeHelloRequest:
		if len(msg) != 4 || msg[1]|msg[2]|msg[3] != 0 {
			return false // decode_error from the handshake state
		}
	case s.role == RoleServer && typ == handshake.TypeClientHello:
		s.mu.Lock()
		req := s.rn.req
		invited := req != nil && req.server && !req.started
		if !invited {
			now := time.Now()
			if !s.cfg.clientReneg || now.Before(s.rn.clientAllowedAt) {
				s.mu.Unlock()
				return false
			}
			s.rn.clientAllowedAt = now.Add(s.rn.wait)
		}
		s.mu.Unlock()
	default:
		return false
	}
	s.runRenegotiation(neg, msg)
	return true
}

// renegotiationEnded ends a request under way when the read side ends,
// with the error that ended it; readMu held, mu not.
func (s *Socket) renegotiationEnded(err error) {
	s.mu.Lock()
	req := s.rn.req
	s.mu.Unlock()
	s.finishRenegotiation(req, err)
}

// renegotiationAlert looks at a warning alert received after the
// handshake: a no_renegotiation while this server's HelloRequest awaits
// its answer rejects the request. readMu held.
func (s *Socket) renegotiationAlert(a record.Alert) {
	if a.Description != record.NoRenegotiation {
		return
	}
	s.mu.Lock()
	req := s.rn.req
	s.mu.Unlock()
	if req != nil && req.server && !req.started {
		s.finishRenegotiation(req, ErrRenegotiationRejected)
	}
}

// runRenegotiation runs a renegotiation handshake: a client's (hello is
// nil, or the HelloRequest it answers) or a server's (hello is the
// client's ClientHello). readMu held; it takes writeMu for the
// handshake.
func (s *Socket) runRenegotiation(neg *negotiated, hello []byte) {
	s.mu.Lock()
	req := s.rn.req
	if req != nil && req.server == (s.role == RoleServer) {
		req.started = true
	} else {
		req = nil
	}
	deadline := time.Now().Add(s.rn.timeout)
	// From here on a request no longer interrupts the reads
	// (awaitRenegotiation), and the deadline is the handshake's.
	s.rn.running = true
	s.setReadDeadlineLocked(deadline)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.rn.running = false
		s.mu.Unlock()
	}()

	s.writeMu.Lock()
	s.mu.Lock()
	if err := s.writeErrLocked(); err != nil {
		s.mu.Unlock()
		s.writeMu.Unlock()
		s.finishRenegotiation(req, err)
		return
	}
	s.setReadDeadlineLocked(deadline)
	s.setWriteDeadlineLocked(deadline)
	s.mu.Unlock()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	r := handshake.Renegotiation{AppData: s.renegotiationData}
	var st *handshake.State
	var err error
	if s.role == RoleClient {
		st, err = neg.state.RenegotiateClient(ctx, s.rc, r)
	} else {
		st, err = neg.state.RenegotiateServer(ctx, s.rc, hello, r)
	}
	cancel()
	s.mu.Lock()
	s.setWriteDeadlineLocked(s.writeDeadline)
	gone := s.closed || s.readShut
	if err == nil {
		s.neg = fromState(st)
	}
	s.mu.Unlock()
	s.writeMu.Unlock()
	s.touch()

	switch {
	case err == nil:
		s.finishRenegotiation(req, nil)
	case errors.Is(err, handshake.ErrRenegotiationRejected) && !gone:
		s.finishRenegotiation(req, ErrRenegotiationRejected)
	default:
		if errors.Is(err, handshake.ErrRenegotiationRejected) {
			err = ErrClosed
		}
		s.readFailed(err)
		e := s.rerr
		if e == nil {
			e = ErrClosed
		}
		s.finishRenegotiation(req, e)
	}
}

// renegotiationData keeps application data that arrives during a
// renegotiation; readMu held.
func (s *Socket) renegotiationData(b []byte) error {
	if len(s.rbuf)+len(b) > maxRenegotiationData {
		return record.Alert{Level: record.Fatal, Description: record.InternalError,
			Reason: "too much application data during a renegotiation"}
	}
	s.rbuf = append(s.rbuf, b...)
	return nil
}
