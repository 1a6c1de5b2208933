package handshake

// Renegotiation of an SSL 3.0 to TLS 1.2 connection (RFC 5246, Section
// 7.4.1.1 and 7.4.1.2; RFC 5746): a new full handshake run over the
// protection of the current one, after which the new keys take over at
// each side's ChangeCipherSpec.
//
//	Client                                               Server
//
//	                             <--------        HelloRequest*
//	ClientHello (renegotiation_info: client_verify_data)
//	                             -------->
//	          ServerHello (renegotiation_info: client_verify_data
//	                                          + server_verify_data)
//	                                        ... the flow of client12.go
//	                                            and server12.go ...
//	Application Data             <------->     Application Data
//
// The states are those of the first handshake (hello, certify, cipher,
// connection), entered again from connection. Application data may come
// between the messages of the new handshake, except between a
// ChangeCipherSpec and the Finished after it; it goes to the caller in
// the order it came (Renegotiation.AppData).
//
// A renegotiation keeps the version the connection has: the client
// offers that version alone. Our client's renegotiation is a full
// handshake (it offers no session to resume: new keys from a new key
// exchange are what a renegotiation is for, as OpenSSL's
// SSL_renegotiate also decides); the session changes (the server may
// issue a new ID). Our server resumes a session a renegotiating client
// offers, as Erlang's and OpenSSL's servers do, with the same
// renegotiation_info (resume12.go). The configuration is the one of the
// first handshake; the peer's certificate is validated again and may
// differ.

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"os"
	"slices"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// ErrRenegotiationRejected is what RenegotiateClient returns when the
// server answers its ClientHello with a no_renegotiation warning alert,
// or does not answer before the context ends: the connection goes on
// with its keys (Erlang's {error, renegotiation_rejected}).
var ErrRenegotiationRejected = errors.New("handshake: the peer rejected the renegotiation")

// ErrNoRenegotiation is what the Renegotiate functions return on a
// connection that cannot renegotiate: TLS 1.3 (which has none), SSL 3.0
// (not supported here) or a State that is not the outcome of a handshake
// of this package.
var ErrNoRenegotiation = errors.New("handshake: this connection cannot renegotiate")

// Renegotiation is what the caller gives a renegotiation.
type Renegotiation struct {
	// AppData receives the application data that arrives between the
	// messages of the handshake, in order, as the record layer delivers
	// it (the slice is valid only during the call). An error ends the
	// handshake with it.
	AppData func([]byte) error
}

// renegConn is the renegotiation part of an hsConn.
type renegConn struct {
	appData func([]byte) error
	// secure says the connection so far has RFC 5746 secure
	// renegotiation; clientVD and serverVD are the verify_data of the
	// last handshake's Finished messages.
	secure             bool
	clientVD, serverVD []byte
	// insecureAllowed says secure_renegotiate is off: an insecure
	// renegotiation is allowed.
	insecureAllowed bool
	// answered says the server has answered the client's ClientHello
	// (a client side before which a no_renegotiation warning or a time-out
	// is a rejection, not a failure).
	answered bool
	// afterCCS says a ChangeCipherSpec was read: the Finished must come
	// next, and application data is refused.
	afterCCS bool
	// peerLeaf and ems are the peer's certificate (nil for none) and the
	// extended master secret of the handshake being replaced: a client
	// checks the server's identity against them (checkPeerChange).
	peerLeaf []byte
	ems      bool
}

// renegotiable returns the renegotiation state of s, or
// ErrNoRenegotiation.
func (s *State) renegotiable() error {
	if s == nil || s.cfg == nil || s.tls13 != nil || s.Version >= cipher.VersionTLS13 || s.Version < cipher.VersionTLS10 {
		return ErrNoRenegotiation
	}
	return nil
}

// renegotiationConfig is the configuration of a renegotiation: the
// first handshake's, with the connection's version alone and no
// fallback signal.
func (s *State) renegotiationConfig() *Config {
	return restrictVersion(s.cfg, s.Version)
}

// restrictVersion returns a copy of cfg for a renegotiation of version v,
// with the configurations its SNI gives restricted too.
func restrictVersion(cfg *Config, v cipher.Version) *Config {
	c := *cfg
	c.Versions = []cipher.Version{v}
	c.Fallback = false
	if sni := cfg.SNI; sni != nil {
		c.SNI = func(name string) (*Config, error) {
			nc, err := sni(name)
			if nc != nil {
				nc = restrictVersion(nc, v)
			}
			return nc, err
		}
	}
	return &c
}

func (s *State) renegConn(r Renegotiation) *renegConn {
	return &renegConn{
		appData:         r.AppData,
		secure:          s.SecureRenegotiation,
		clientVD:        s.ClientFinished,
		serverVD:        s.ServerFinished,
		insecureAllowed: !s.cfg.SecureRenegotiate,
		peerLeaf:        leafOf(s.PeerCertificates),
		ems:             s.ExtendedMasterSecret,
	}
}

// checkPeerChange is a renegotiating client's check of the server's
// certificate (leaf, nil for an anonymous suite) against the one of the
// handshake it replaces. A server whose identity changes in a
// renegotiation is the triple handshake attack (RFC 7627, Section 1)
// unless both handshakes have the extended master secret, which binds the
// master secret to the handshake that made it: so a change is accepted
// (and the new certificate validated as in a first handshake) only when
// the connection had the extended master secret and the renegotiation
// negotiates it again; otherwise the renegotiation ends with
// bad_certificate, as crypto/tls and BoringSSL end any change. Erlang's
// ssl and OpenSSL accept a change; a server that rotates its certificate
// between handshakes still renegotiates with peers that have RFC 7627.
func leafOf(chain [][]byte) []byte {
	if len(chain) == 0 {
		return nil
	}
	return chain[0]
}

func (r *renegConn) checkPeerChange(leaf []byte, ems bool) error {
	if r == nil || string(leaf) == string(r.peerLeaf) {
		return nil
	}
	if r.peerLeaf != nil && leaf != nil && r.ems && ems {
		return nil
	}
	return alertf(record.BadCertificate, "server's certificate changed in a renegotiation without the extended master secret on both handshakes")
}

// CanRenegotiate reports whether the connection of s may renegotiate:
// TLS 1.0 to 1.2, from a handshake of this package.
func (s *State) CanRenegotiate() bool { return s.renegotiable() == nil }

// RenegotiateClient runs a client's renegotiation over rc: it sends a
// ClientHello under the current protection and runs the handshake to its
// end, synchronously, as Client does. It is what a client does when it
// renegotiates on its own and when it answers a HelloRequest. On success
// it returns the new State, which replaces s (s itself is unchanged). A
// no_renegotiation warning in answer to the ClientHello, or ctx ending
// before the server answers it, is ErrRenegotiationRejected, after which
// the connection goes on under the keys it had. Other failures are as
// Client's: a *Error naming the alert to send, or an error of the
// transport or of ctx. The caller holds whatever serializes rc's reads
// and writes for the whole handshake.
func (s *State) RenegotiateClient(ctx context.Context, rc *record.Conn, r Renegotiation) (*State, error) {
	if err := s.renegotiable(); err != nil || !s.client {
		return nil, ErrNoRenegotiation
	}
	cfg := s.renegotiationConfig()
	// A client's renegotiation offers no session: it is a full
	// handshake. It still asks for tickets as the first handshake did
	// (GnuTLS servers send one in a renegotiation when the first
	// handshake asked, whatever the new ClientHello says); with no cache
	// the session is not stored.
	cfg.SessionCache, cfg.ResumeSession = nil, nil
	rn := s.renegConn(r)
	c := &clientHandshake{
		cfg: cfg,
		hc:  &hsConn{ctx: ctx, rc: rc, tr: newTranscript(), client: true, reneg: rn},
	}
	st, err := c.run()
	if err != nil {
		if !rn.answered && (errors.Is(err, ErrRenegotiationRejected) || isTimeoutErr(err)) {
			return nil, ErrRenegotiationRejected
		}
		return nil, wrap(c.state, err)
	}
	logMasterSecret(cfg, st)
	st.cfg = s.cfg // the next renegotiation starts from the same settings
	return st, nil
}

// RenegotiateServer runs a server's renegotiation over rc, from the
// ClientHello the client sent after the handshake (clientHello is the
// whole message with its header, as HandleMessage receives it), to the
// end, synchronously, as Server does. It does not decide whether a
// renegotiation the client started is welcome (Erlang's
// client_renegotiation and its rate limit are the caller's); the
// ClientHello must carry the right renegotiation_info (RFC 5746, Section
// 3.7) or, on a connection without secure renegotiation, the
// configuration must allow an insecure one (SecureRenegotiate false):
// otherwise it fails with handshake_failure.
func (s *State) RenegotiateServer(ctx context.Context, rc *record.Conn, clientHello []byte, r Renegotiation) (*State, error) {
	if err := s.renegotiable(); err != nil || s.client {
		return nil, ErrNoRenegotiation
	}
	cfg := s.renegotiationConfig()
	ch, err := UnmarshalClientHello(clientHello)
	if err != nil {
		return nil, wrap(stateHello, err)
	}
	sv := &serverHandshake{
		cfg:      cfg,
		hc:       &hsConn{ctx: ctx, rc: rc, tr: newTranscript(), reneg: s.renegConn(r)},
		received: ch,
	}
	sv.hc.tr.add(clientHello)
	st, err := sv.run()
	if err != nil {
		return nil, wrap(sv.state, err)
	}
	logMasterSecret(sv.cfg, st)
	st.cfg = s.cfg
	return st, nil
}

// SendHelloRequest asks the client to renegotiate (RFC 5246, Section
// 7.4.1.1): it writes a HelloRequest under the current protection and
// flushes it. The HelloRequest is not part of any transcript. The
// caller holds whatever serializes rc's writes.
func (s *State) SendHelloRequest(rc *record.Conn) error {
	if err := s.renegotiable(); err != nil || s.client {
		return ErrNoRenegotiation
	}
	data, err := (&HelloRequest{}).Marshal()
	if err != nil {
		return err
	}
	if err := rc.WriteRecord(record.TypeHandshake, data); err != nil {
		return err
	}
	return rc.Flush()
}

// isTimeoutErr reports whether err is a deadline of the transport or of
// the context.
func isTimeoutErr(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readHandshakeMessage is hsConn.read's read: the record layer's, and in
// a renegotiation one that hands application data to the caller and
// turns a no_renegotiation warning before the server's answer into
// ErrRenegotiationRejected.
func (c *hsConn) readHandshakeMessage() ([]byte, error) {
	r := c.reneg
	if r == nil {
		return c.rc.ReadHandshakeMessage()
	}
	for {
		m, err := c.rc.ReadMessage()
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case record.TypeHandshake:
			if c.client {
				r.answered = true
			}
			return m.Data, nil
		case record.TypeAlert:
			if c.client && !r.answered && m.Alert.Description == record.NoRenegotiation {
				// RFC 5246, Section 7.2.2: the server declines.
				return nil, ErrRenegotiationRejected
			}
			return nil, m.Alert
		case record.TypeApplicationData:
			if err := r.data(m.Data); err != nil {
				return nil, err
			}
			continue
		}
		return nil, unexpected(m.Type.String(), "expected a handshake message")
	}
}

// readChangeCipherSpec is hsConn.readCCS's read, with application data
// handed to the caller in a renegotiation until the ChangeCipherSpec.
func (c *hsConn) readChangeCipherSpec() error {
	r := c.reneg
	if r == nil {
		return c.rc.ReadChangeCipherSpec()
	}
	for {
		m, err := c.rc.ReadMessage()
		if err != nil {
			return err
		}
		switch m.Type {
		case record.TypeChangeCipherSpec:
			r.afterCCS = true
			return nil
		case record.TypeAlert:
			return m.Alert
		case record.TypeApplicationData:
			if err := r.data(m.Data); err != nil {
				return err
			}
			continue
		}
		return unexpected(m.Type.String(), "expected change_cipher_spec")
	}
}

// data hands application data received during a renegotiation to the
// caller; between ChangeCipherSpec and Finished it is an
// unexpected_message (RFC 5246, Section 7.4.9: Finished comes right after
// ChangeCipherSpec).
func (r *renegConn) data(b []byte) error {
	if r.afterCCS {
		return unexpected("application_data", "application data between change_cipher_spec and finished")
	}
	if r.appData == nil {
		return unexpected("application_data", "application data during the handshake")
	}
	return r.appData(b)
}

// renegotiationHello sets the renegotiation signals of a client's
// renegotiating ClientHello: RFC 5746, Section 3.5, renegotiation_info
// with the client_verify_data and never the SCSV; on a connection without
// secure renegotiation (Section 4.2) the SCSV alone, which a legacy server
// ignores.
func (r *renegConn) renegotiationHello(h *ClientHello) {
	if r == nil {
		return
	}
	h.CipherSuites = slices.DeleteFunc(h.CipherSuites, func(id uint16) bool { return id == EmptyRenegotiationInfoSCSV })
	if r.secure {
		h.SecureRenegotiationSupported = true
		h.SecureRenegotiation = slices.Clone(r.clientVD)
		return
	}
	h.SecureRenegotiationSupported = false
	h.SecureRenegotiation = nil
	h.CipherSuites = append(h.CipherSuites, EmptyRenegotiationInfoSCSV)
}

// clientRenegotiationInfo checks the renegotiation_info of a ServerHello
// and reports whether the new handshake has secure renegotiation: on a
// first handshake (RFC 5746, Section 3.4) it must be empty, and its
// absence is refused with secure_renegotiate; in a secure renegotiation
// (Section 3.5) it must hold client_verify_data and server_verify_data;
// in an insecure one (Section 4.2) it must be absent.
func clientRenegotiationInfo(cfg *Config, r *renegConn, sh *ServerHello) (bool, error) {
	switch {
	case r == nil && sh.SecureRenegotiationSupported:
		if len(sh.SecureRenegotiation) != 0 {
			return false, causef(ErrInsecureRenegotiation, "non-empty renegotiation_info on an initial handshake")
		}
		return true, nil
	case r == nil:
		if cfg.SecureRenegotiate {
			return false, causef(ErrInsecureRenegotiation, "server sent no renegotiation_info (RFC 5746) and secure_renegotiate is set")
		}
		return false, nil
	case r.secure:
		if !sh.SecureRenegotiationSupported {
			return false, causef(ErrInsecureRenegotiation, "renegotiating server sent no renegotiation_info")
		}
		want := append(slices.Clone(r.clientVD), r.serverVD...)
		if !constantTimeEqual(sh.SecureRenegotiation, want) {
			return false, causef(ErrInsecureRenegotiation, "server's renegotiation_info does not hold the previous verify_data")
		}
		return true, nil
	}
	if sh.SecureRenegotiationSupported {
		return false, causef(ErrInsecureRenegotiation, "renegotiation_info in an insecure renegotiation")
	}
	if !r.insecureAllowed {
		return false, causef(ErrInsecureRenegotiation, "insecure renegotiation and secure_renegotiate is set")
	}
	return false, nil
}

// serverRenegotiationInfo checks the renegotiation signals of a
// ClientHello and reports whether the new handshake has secure
// renegotiation: on a first handshake (RFC 5746, Section 3.6) the SCSV or
// an empty renegotiation_info, whose absence secure_renegotiate refuses;
// in a secure renegotiation (Section 3.7) no SCSV and a
// renegotiation_info holding client_verify_data; in an insecure one
// (Section 4.4) no renegotiation_info, and only with secure_renegotiate
// off.
func serverRenegotiationInfo(cfg *Config, r *renegConn, ch *ClientHello) (bool, error) {
	if r == nil {
		if ch.SecureRenegotiationSupported && len(ch.SecureRenegotiation) != 0 {
			return false, causef(ErrInsecureRenegotiation, "non-empty renegotiation_info on an initial handshake")
		}
		secure := ch.SecureRenegotiationSupported || ch.HasRenegotiationSCSV()
		if !secure && cfg.SecureRenegotiate {
			return false, causef(ErrInsecureRenegotiation, "client signals no RFC 5746 support and secure_renegotiate is set")
		}
		return secure, nil
	}
	if r.secure {
		switch {
		case ch.HasRenegotiationSCSV():
			return false, causef(ErrInsecureRenegotiation, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a renegotiating ClientHello")
		case !ch.SecureRenegotiationSupported:
			return false, causef(ErrInsecureRenegotiation, "renegotiating ClientHello without renegotiation_info")
		case !constantTimeEqual(ch.SecureRenegotiation, r.clientVD):
			return false, causef(ErrInsecureRenegotiation, "client's renegotiation_info does not hold the previous client verify_data")
		}
		return true, nil
	}
	if ch.SecureRenegotiationSupported {
		return false, causef(ErrInsecureRenegotiation, "renegotiation_info in an insecure renegotiation")
	}
	if !r.insecureAllowed {
		return false, causef(ErrInsecureRenegotiation, "insecure renegotiation and secure_renegotiate is set")
	}
	return false, nil
}

// serverRenegotiationReply is the renegotiation_info of the ServerHello
// of a secure renegotiation: client_verify_data and server_verify_data
// (RFC 5746, Section 3.7); empty otherwise.
func serverRenegotiationReply(r *renegConn) []byte {
	if r == nil || !r.secure {
		return nil
	}
	return append(slices.Clone(r.clientVD), r.serverVD...)
}

// constantTimeEqual compares verify_data without leaking where they
// differ.
func constantTimeEqual(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}
