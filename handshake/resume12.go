package handshake

// Session resumption of SSL 3.0 and TLS 1.0-1.2: the abbreviated
// handshake of RFC 5246, Section 7.3, by session ID or by an RFC 5077
// session ticket.
//
//	Client                                                Server
//
//	ClientHello                   -------->
//	  (session_id, session_ticket*)
//	                                                  ServerHello
//	                                           NewSessionTicket*
//	                                           [ChangeCipherSpec]
//	                              <--------              Finished
//	[ChangeCipherSpec]
//	NextProtocol*
//	Finished                      -------->
//	Application Data              <------->      Application Data
//
// Both sides are in Erlang's state abbreviated from the ServerHello on.
// The keys come from the session's master secret and the new randoms
// (RFC 5246, Section 6.3); the server's Finished comes first.
//
// A client offers one session (Config.ResumeSession, or with
// OfferSessions the newest fitting one of SessionCache for SessionPeer):
// its ID, or, for a session that came with a ticket, the ticket and a
// fresh random ID (RFC 5077, Section 3.4). It knows the server resumes
// when the ServerHello echoes that ID; a ServerHello with another ID is a
// full handshake, and the offered session is deleted from the cache.
//
// A server resumes when the ticket opens (TicketKeys) or SessionCache has
// the ID under {SessionPeer, ID}, and the session fits the new hello:
// same version, a suite the client offers again, the same server name
// (RFC 6066, Section 3), this server's certificate, a client certificate
// if fail_if_no_peer_cert asks for one, not expired, and
// Config.ReuseSession agrees. Anything else gives a full handshake, but
// for the extended master secret (RFC 7627, Section 5.3): a session made
// with it and a ClientHello without it end the handshake
// (handshake_failure); a session made without it and a ClientHello with
// it give a full handshake. A session made without it is resumed for a
// ClientHello without it, as OpenSSL does: the RFC lets a server go on
// this way to interoperate with peers that lack the extension (Erlang's
// ssl before OTP 27 among them), which costs the protection against
// triple handshake attacks that a resumed non-EMS session never had.
//
// Sessions enter a cache only from completed handshakes: the server
// stores a new session after the client's Finished is verified, just
// before its last flight, and deletes it if that flight cannot be sent;
// the client after the server's Finished is verified. A resumed handshake
// that fails deletes its session (RFC 5246, Section 7.2.2), and so does
// State.InvalidateSession after a fatal alert on the connection.

import (
	"crypto/sha256"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// nowTime returns the configured time.
func (c *Config) nowTime() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// certHash returns the hash a session keeps of a certificate.
func certHash(der []byte) []byte {
	h := sha256.Sum256(der)
	return h[:]
}

// ticketLifetimeHint is the lifetime hint of a ticket in seconds (RFC
// 5077, Section 3.3): the session lifetime, at most a week.
func (c *Config) ticketLifetimeHint() uint32 {
	d := c.SessionLifetime
	if d <= 0 {
		d = session.DefaultLifetime
	}
	return uint32(min(int64(d/time.Second), MaxTicketLifetime))
}

// --- The client. ---

// offerSession chooses the session the ClientHello h offers, if any, and
// turns on session_ticket: the client's part of resumption in the hello
// state. st is the hello state under construction.
func (c *clientHandshake) offerSession(st *clientHello, h *ClientHello) error {
	cfg := c.cfg
	// Tickets and resumption need TLS 1.0-1.2 in the offer; SSL 3.0
	// hellos have no extensions.
	if len(st.suites) == 0 {
		return nil
	}
	extensions := h.Version > cipher.VersionSSL30
	st.tickets = extensions && cfg.SessionTickets12 && (cfg.OfferSessions || cfg.SaveSessions || cfg.ResumeSession != nil)
	h.TicketSupported = st.tickets
	sess := cfg.ResumeSession
	fromCache := false
	if sess == nil && cfg.OfferSessions && cfg.SessionCache != nil {
		for _, s := range cfg.SessionCache.SelectSession(cfg.SessionPeer) {
			if st.canOffer(s) {
				sess, fromCache = s, true
				break
			}
		}
	}
	// The server chain is validated again for the one session chosen:
	// an older one of the same server fails as the newest does.
	if sess == nil || (!fromCache && !st.canOffer(sess)) || !cfg.resumableServer(sess) {
		return nil
	}
	id := sess.ID
	if len(sess.Ticket) > 0 && st.tickets {
		// RFC 5077, Section 3.4: a fresh session ID with the ticket; the
		// server echoes it when it accepts the ticket.
		id = make([]byte, 32)
		if err := cfg.randomBytes(id); err != nil {
			return err
		}
		h.SessionTicket = sess.Ticket
	} else if len(id) == 0 {
		return nil
	}
	h.SessionID = id
	if st.offer13 != nil {
		// A TLS 1.3 server echoes legacy_session_id whatever it is.
		st.offer13.sessionID = id
	}
	st.offered, st.offeredID, st.offeredFromCache = sess, id, fromCache
	return nil
}

// canOffer reports whether the client may offer session s in this hello:
// a TLS 1.0-1.2 or SSL 3.0 session of an offered version and suite, for
// the same server name, not expired, and verified if the client
// verifies. A session made without the extended master secret is
// offered too (the server of such a session lacks the extension); the
// ServerHello must then resume it without the extension (RFC 7627,
// Section 5.3, checkResumption).
func (h *clientHello) canOffer(s *session.Session) bool {
	cfg := h.cfg
	if s == nil || s.Version >= cipher.VersionTLS13 || !containsVersion(h.versions, s.Version) ||
		len(s.MasterSecret) != 48 || s.Compression != CompressionNull {
		return false
	}
	if !s.ValidAt(cfg.nowTime(), cfg.SessionLifetime) {
		return false
	}
	suiteOK := false
	for _, x := range h.suites {
		if x.ID == s.CipherSuite && x.ValidFor(s.Version) {
			suiteOK = true
			break
		}
	}
	if !suiteOK || s.ServerName != h.hello.ServerName {
		return false
	}
	return !cfg.VerifyPeer || s.PeerVerified
}

func containsVersion(vs []cipher.Version, v cipher.Version) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// checkResumption decides, at the ServerHello, whether the server resumes
// the offered session, and checks the ServerHello against it.
func (h *clientHello) checkResumption(n *clientNegotiated, sh *ServerHello) error {
	n.ticketExpected = sh.TicketSupported
	off := h.offered
	if off == nil {
		return nil
	}
	if len(sh.SessionID) == 0 || string(sh.SessionID) != string(h.offeredID) {
		// A full handshake: the server declined the session.
		if h.offeredFromCache && h.cfg.SessionCache != nil {
			h.cfg.SessionCache.Delete(session.MakeKey(h.cfg.SessionPeer, off.ID))
		}
		return nil
	}
	// RFC 5246, Section 7.4.1.3: a resumed session keeps its version and
	// suite.
	if n.version != off.Version {
		return causef(ErrIllegalParameter, "server resumes a %s session in %s", off.Version, n.version)
	}
	if n.suite.ID != off.CipherSuite {
		return causef(ErrIllegalParameter, "server resumes a session of suite %#04x with suite %s", off.CipherSuite, n.suite)
	}
	// RFC 7627, Section 5.3: the extended master secret of the session
	// and of the ServerHello must agree.
	if off.ExtendedMasterSecret != n.ems {
		return alertf(record.HandshakeFailure, "server resumes a session with extended_master_secret %v, and its ServerHello says %v",
			off.ExtendedMasterSecret, n.ems)
	}
	n.resumed = off
	return nil
}

// clientAbbreviated runs the client's abbreviated handshake after the
// ServerHello that resumed the session.
func (c *clientCertify) abbreviated() (*State, error) {
	hc, v, suite, sess := c.hc, c.version, c.suite, c.resumed
	hc.tr.release()
	master := sess.MasterSecret
	ticket, err := c.readTicket()
	if err != nil {
		return nil, err
	}
	keys := cipher.DeriveKeys(v, suite, master, c.clientRandom[:], c.serverRandom[:])
	if err := hc.readCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(v, suite, keys, true, false, hc.rc); err != nil {
		return nil, err
	}
	want, err := hc.tr.snap().finished(suite, master, false)
	if err != nil {
		return nil, err
	}
	fin, err := hc.readFinished("abbreviated")
	if err != nil {
		return nil, err
	}
	serverOK, err := checkFinished(fin, want)
	if err != nil {
		return nil, err
	}
	if err := hc.writeCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(v, suite, keys, true, true, hc.rc); err != nil {
		return nil, err
	}
	if c.npn != "" {
		if err := hc.write(&NextProtocol{Protocol: c.npn}); err != nil {
			return nil, err
		}
	}
	vd, err := hc.tr.snap().finished(suite, master, true)
	if err != nil {
		return nil, err
	}
	if err := hc.write(&Finished{VerifyData: vd}); err != nil {
		return nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, err
	}
	st := &State{
		Version: v, Suite: suite, ServerName: c.serverName, ALPN: c.alpn, NPN: c.npn,
		SessionID: c.sessionID, ClientRandom: c.clientRandom, ServerRandom: c.serverRandom,
		MasterSecret: append([]byte(nil), master...), ExtendedMasterSecret: c.ems, SecureRenegotiation: c.secureRenegotiate,
		ClientFinished: vd, ServerFinished: serverOK.verifyData, client: true, cfg: c.cfg,
		PeerCertificates: sess.PeerCertificates, Group: NamedGroup(sess.Group),
		Resumed: true, Session: sess,
	}
	st.sessKey = session.MakeKey(c.cfg.SessionPeer, sess.ID)
	st.sessStored = c.cfg.SessionCache != nil && (c.cfg.OfferSessions || c.cfg.SaveSessions)
	if ticket != nil && len(ticket.Ticket) > 0 && st.sessStored {
		// The server renewed the ticket: keep the new one.
		ns := sess.Clone()
		ns.Ticket, ns.TicketLifetime = ticket.Ticket, ticket.Lifetime
		c.cfg.SessionCache.Update(st.sessKey, ns)
		st.Session = ns
	}
	return st, nil
}

// readTicket reads the NewSessionTicket the server announced with an
// empty session_ticket in its ServerHello (RFC 5077, Section 3.3): it
// comes before the server's ChangeCipherSpec. It returns nil when none
// was announced.
func (c *clientNegotiated) readTicket() (*NewSessionTicket, error) {
	if !c.ticketExpected {
		return nil, nil
	}
	typ, msg, err := c.hc.read(readOpts{})
	if err != nil {
		return nil, err
	}
	if typ != TypeNewSessionTicket {
		return nil, unexpected(typ.String(), "expected new_session_ticket")
	}
	return UnmarshalNewSessionTicket(msg, c.version)
}

// saveSession stores the session of the client's full handshake (st)
// when the configuration asks for it: after the server's Finished is
// verified. A session without an ID or a ticket cannot be resumed and is
// not stored; a session with a ticket but no ID gets a random one, its
// name in the cache.
func (c *clientNegotiated) saveSession(st *State, ticket *NewSessionTicket, cred *Credential) error {
	cfg := c.cfg
	id := c.sessionID
	var tk []byte
	var hint uint32
	if ticket != nil && len(ticket.Ticket) > 0 {
		tk, hint = ticket.Ticket, ticket.Lifetime
	}
	if len(id) == 0 && tk == nil {
		return nil
	}
	if len(id) == 0 {
		id = make([]byte, 32)
		if err := cfg.randomBytes(id); err != nil {
			return err
		}
	}
	s := &session.Session{
		ID: append([]byte(nil), id...), Version: c.version, CipherSuite: c.suite.ID,
		MasterSecret: append([]byte(nil), st.MasterSecret...), ExtendedMasterSecret: c.ems,
		PeerCertificates: st.PeerCertificates, PeerVerified: cfg.VerifyPeer,
		ServerName: c.serverName, ALPN: c.alpn, Group: uint16(st.Group),
		Created: cfg.nowTime(), Ticket: tk, TicketLifetime: hint,
	}
	if cred != nil && len(cred.Chain) > 0 {
		s.LocalCertHash = certHash(cred.Chain[0])
	}
	st.Session = s
	st.sessKey = session.MakeKey(cfg.SessionPeer, s.ID)
	if cfg.SessionCache != nil && (cfg.OfferSessions || cfg.SaveSessions) {
		cfg.SessionCache.Update(st.sessKey, s)
		st.sessStored = true
	}
	return nil
}

// --- The server. ---

// serverResume is the server's abbreviated state: the session to resume.
type serverResume struct {
	hello      *serverHello
	sess       *session.Session
	suite      *cipher.Suite
	fromTicket bool
	renew      bool // send a new ticket
}

// resumption looks at the ClientHello's session ID and ticket and
// returns the session to resume, or nil for a full handshake. It also
// settles whether a full handshake sends a ticket.
func (h *serverHello) resumption() (*serverResume, error) {
	ch, cfg := h.ch, h.cfg
	if !cfg.IssueSessionID {
		return nil, nil
	}
	h.sendTicket = ch.TicketSupported && cfg.TicketKeys != nil && h.version >= cipher.VersionTLS10
	var sess *session.Session
	fromTicket, renew := false, false
	if h.sendTicket && len(ch.SessionTicket) > 0 {
		if plain, current, err := cfg.TicketKeys.Open(ch.SessionTicket); err == nil {
			if s, err := session.Decode(plain); err == nil {
				sess, fromTicket, renew = s, true, !current
			}
		}
		// A ticket that does not open gives a full handshake, with a new
		// ticket (RFC 5077, Section 3.3).
	}
	if sess == nil && cfg.SessionCache != nil && len(ch.SessionID) > 0 && len(ch.SessionID) <= session.MaxIDLen {
		sess = cfg.SessionCache.Lookup(session.MakeKey(cfg.SessionPeer, ch.SessionID))
	}
	if sess == nil {
		return nil, nil
	}
	suite, err := h.fits(sess)
	if err != nil || suite == nil {
		return nil, err
	}
	return &serverResume{hello: h, sess: sess, suite: suite, fromTicket: fromTicket, renew: renew && h.sendTicket}, nil
}

// fits checks a session against the ClientHello and this server, and
// returns its suite when it may be resumed.
func (h *serverHello) fits(s *session.Session) (*cipher.Suite, error) {
	ch, cfg := h.ch, h.cfg
	if s.Version != h.version || s.Compression != CompressionNull || len(s.MasterSecret) != 48 ||
		!s.ValidAt(cfg.nowTime(), cfg.SessionLifetime) {
		return nil, nil
	}
	// RFC 7627, Section 5.3.
	if h.version >= cipher.VersionTLS10 {
		if s.ExtendedMasterSecret && !ch.ExtendedMasterSecret {
			return nil, alertf(record.HandshakeFailure, "client resumes a session made with extended_master_secret without the extension")
		}
		if !s.ExtendedMasterSecret && ch.ExtendedMasterSecret {
			return nil, nil
		}
	}
	var suite *cipher.Suite
	for _, x := range cfg.Suites {
		if x != nil && x.ID == s.CipherSuite {
			suite = x
			break
		}
	}
	if suite == nil || suite.TLS13() || !suite.ValidFor(h.version) || !ch.HasCipherSuite(suite.ID) || !kxImplemented(suite.KeyExchange) {
		return nil, nil
	}
	// RFC 6066, Section 3: the same server name, or a full handshake.
	if s.ServerName != ch.ServerName {
		return nil, nil
	}
	// This server's certificate (Erlang compares own_certificate).
	if len(s.LocalCertHash) == 0 {
		if !suite.KeyExchange.Anonymous() {
			return nil, nil
		}
	} else {
		own := false
		for i := range cfg.Certificates {
			if ch := cfg.Certificates[i].Chain; len(ch) > 0 && string(certHash(ch[0])) == string(s.LocalCertHash) {
				own = true
				break
			}
		}
		if !own {
			return nil, nil
		}
	}
	if !cfg.resumablePeer(s) {
		return nil, nil
	}
	if cfg.ReuseSession != nil && !cfg.ReuseSession(append([]byte(nil), ch.SessionID...), s.PeerCertificate(), int(s.Compression), suite) {
		return nil, nil
	}
	return suite, nil
}

// resumablePeer reports whether a server with cfg may resume s as far as
// the client's certificate goes. Without verify_peer it may. With it, a
// session without a client certificate is resumed unless
// fail_if_no_peer_cert asks for one, and one with a certificate only if
// the certificate was verified when the session was made and its chain
// passes this configuration's path validation again: a ticket may come
// from another listener of the process (the TLS 1.2 ticket keys are the
// application's, the TLS 1.3 ones of upgraded sockets the process's) or
// from another server of a fleet, with other trusted certificates or a
// verify fun that accepted what this one refuses, and the certificate
// may have expired or been revoked since. A session that fails gives a
// full handshake, which asks for the certificate. The verify fun is
// called again for it.
func (c *Config) resumablePeer(s *session.Session) bool {
	if !c.VerifyPeer {
		return true
	}
	if len(s.PeerCertificates) == 0 {
		// A TLS 1.3 ticket without the certificate (stateless rather than
		// stateless_with_cert) still says whether the client had one;
		// TLS 1.0-1.2 sessions always keep it, whatever PeerVerified says
		// (sessions stored by earlier releases set it for any session of a
		// server with verify_peer).
		return !c.FailIfNoPeerCert || (s.Version == cipher.VersionTLS13 && s.PeerVerified)
	}
	if !s.PeerVerified {
		return false
	}
	_, err := verifyPeer(c, s.PeerCertificates, false)
	return err == nil
}

// resumableServer reports whether a client with cfg may offer s as far
// as the server's certificate goes. Without verify_peer it may. With
// it, only a session whose server certificate was verified when it was
// made (or a session of an anonymous suite made with verify_peer), and
// whose chain passes this configuration's path validation again: the
// trusted certificates, the host name and the verify fun of this
// connection, which may differ from those of the connection that made
// the session (the session caches and the ticket store are the
// process's, keyed by host and port), and the certificate may have
// expired or been revoked since. The verify fun is called again for it.
func (c *Config) resumableServer(s *session.Session) bool {
	if !c.VerifyPeer {
		return true
	}
	if !s.PeerVerified {
		return false
	}
	if len(s.PeerCertificates) == 0 {
		return true
	}
	_, err := verifyPeer(c, s.PeerCertificates, true)
	return err == nil
}

// run is the server's abbreviated handshake.
func (r *serverResume) run() (st *State, err error) {
	h, sess, suite := r.hello, r.sess, r.suite
	hc, v, cfg := h.hc, h.version, h.cfg
	defer func() {
		// RFC 5246, Section 7.2.2: a failed resumption invalidates the
		// session.
		if err != nil && !r.fromTicket && cfg.SessionCache != nil {
			cfg.SessionCache.Delete(session.MakeKey(cfg.SessionPeer, h.ch.SessionID))
		}
	}()
	sh := &ServerHello{
		Version:           v,
		Random:            h.serverRandom,
		SessionID:         h.ch.SessionID,
		CipherSuite:       suite.ID,
		CompressionMethod: CompressionNull,
		TicketSupported:   r.renew,
	}
	if h.secureReneg {
		sh.SecureRenegotiationSupported = true
		sh.SecureRenegotiation = serverRenegotiationReply(h.hc.reneg) // renegotiation.go
	}
	if v >= cipher.VersionTLS10 {
		// RFC 6066, Section 3: no server_name in a resuming ServerHello.
		sh.ExtendedMasterSecret = h.ems
		sh.ALPNProtocol = h.alpn
		if h.npnAdvertise {
			sh.NextProtoNeg = true
			sh.NextProtos = cfg.NextProtocolsAdvertised
		}
	}
	if cfg.hooks != nil && cfg.hooks.serverHello != nil {
		cfg.hooks.serverHello(sh)
	}
	hc.tr.setSuite(v, suite)
	hc.tr.release()
	if err := hc.write(sh); err != nil {
		return nil, err
	}
	if r.renew {
		if err := h.writeTicket(sess); err != nil {
			return nil, err
		}
	}
	master := sess.MasterSecret
	keys := cipher.DeriveKeys(v, suite, master, h.clientRandom[:], h.serverRandom[:])
	if err := hc.writeCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(v, suite, keys, false, true, hc.rc); err != nil {
		return nil, err
	}
	vd, err := hc.tr.snap().finished(suite, master, false)
	if err != nil {
		return nil, err
	}
	if err := hc.write(&Finished{VerifyData: vd}); err != nil {
		return nil, err
	}
	if err := hc.flush(); err != nil {
		return nil, err
	}
	if err := hc.readCCS(); err != nil {
		return nil, err
	}
	if err := installKeys(v, suite, keys, false, false, hc.rc); err != nil {
		return nil, err
	}
	var npn string
	if h.npnAdvertise {
		typ, msg, err := hc.read(readOpts{})
		if err != nil {
			return nil, err
		}
		if typ != TypeNextProtocol {
			return nil, unexpected(typ.String(), "expected next_protocol in state abbreviated")
		}
		np, err := UnmarshalNextProtocol(msg)
		if err != nil {
			return nil, err
		}
		npn = np.Protocol
	}
	want, err := hc.tr.snap().finished(suite, master, true)
	if err != nil {
		return nil, err
	}
	fin, err := hc.readFinished("abbreviated")
	if err != nil {
		return nil, err
	}
	clientOK, err := checkFinished(fin, want)
	if err != nil {
		return nil, err
	}
	st = &State{
		Version: v, Suite: suite, ServerName: h.serverNameSeen, ALPN: h.alpn, NPN: npn,
		SessionID: append([]byte(nil), h.ch.SessionID...), ClientRandom: h.clientRandom, ServerRandom: h.serverRandom,
		MasterSecret: append([]byte(nil), master...), ExtendedMasterSecret: h.ems, SecureRenegotiation: h.secureReneg,
		ClientFinished: clientOK.verifyData, ServerFinished: vd, cfg: cfg,
		PeerCertificates: sess.PeerCertificates, Group: NamedGroup(sess.Group),
		Resumed: true, Session: sess,
	}
	if !r.fromTicket && cfg.SessionCache != nil {
		st.sessKey = session.MakeKey(cfg.SessionPeer, h.ch.SessionID)
		st.sessStored = true
	}
	return st, nil
}

// writeTicket seals s into a NewSessionTicket and writes it (RFC 5077,
// Section 3.3). A ticket that cannot be sealed, or would not fit the
// message's 16-bit length (a session with a very long client certificate
// chain), is sent empty: the client then has none, and the handshake
// goes on.
func (h *serverHello) writeTicket(s *session.Session) error {
	var ticket []byte
	if enc, err := s.MarshalBinary(); err == nil {
		if sealed, err := h.cfg.TicketKeys.Seal(enc); err == nil && len(sealed) <= 0xffff {
			ticket = sealed
		}
		clear(enc)
	}
	return h.hc.write(&NewSessionTicket{Version: h.version, Lifetime: h.cfg.ticketLifetimeHint(), Ticket: ticket})
}

// newSession is the session of the server's full handshake.
func (h *serverHello) newSession(master []byte, peer *provenKey) *session.Session {
	s := &session.Session{
		ID: append([]byte(nil), h.sessionID...), Version: h.version, CipherSuite: h.choice.suite.ID,
		MasterSecret: append([]byte(nil), master...), ExtendedMasterSecret: h.ems,
		PeerVerified: h.cfg.VerifyPeer && peer != nil, ServerName: h.serverNameSeen, ALPN: h.alpn,
		Group: uint16(h.choice.group), Created: h.cfg.nowTime(),
	}
	if peer != nil {
		s.PeerCertificates = peer.peer.chain
	}
	if cr := h.choice.cred; cr != nil && len(cr.Chain) > 0 {
		s.LocalCertHash = certHash(cr.Chain[0])
	}
	return s
}

// issuedSession is the session of a server's full handshake once it is
// stored and its ticket written.
type issuedSession struct {
	s      *session.Session
	key    session.Key
	stored bool
	cache  session.Cache
}

// issueSession stores the session of the server's full handshake and
// writes its ticket, before the server's ChangeCipherSpec: after the
// client's Finished is verified. It returns nil when the server issues
// no session.
func (h *serverHello) issueSession(master []byte, peer *provenKey) (*issuedSession, error) {
	cfg := h.cfg
	if !cfg.IssueSessionID {
		return nil, nil
	}
	is := &issuedSession{s: h.newSession(master, peer), cache: cfg.SessionCache}
	if cfg.SessionCache != nil && len(is.s.ID) > 0 {
		is.key = session.MakeKey(cfg.SessionPeer, is.s.ID)
		cfg.SessionCache.Update(is.key, is.s)
		is.stored = true
	}
	if h.sendTicket {
		if err := h.writeTicket(is.s); err != nil {
			is.undo()
			return nil, err
		}
	}
	return is, nil
}

// undo deletes the stored session again: the server's last flight could
// not be sent.
func (is *issuedSession) undo() {
	if is != nil && is.stored {
		is.cache.Delete(is.key)
		is.stored = false
	}
}

// apply records the session in the handshake's outcome.
func (is *issuedSession) apply(st *State) {
	if is == nil {
		return
	}
	st.Session, st.sessKey, st.sessStored = is.s, is.key, is.stored
}

// InvalidateSession deletes the connection's session from the cache it
// is stored in, so that no later connection resumes it: RFC 5246, Section
// 7.2.2, for a connection ended by a fatal alert (sent or received). A
// session carried only by a ticket cannot be recalled; it stays
// resumable until it expires.
func (s *State) InvalidateSession() {
	if s == nil || !s.sessStored || s.cfg == nil || s.cfg.SessionCache == nil {
		return
	}
	s.cfg.SessionCache.Delete(s.sessKey)
}
