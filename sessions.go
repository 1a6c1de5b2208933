package ssl

import (
	"errors"
	"net"
	"sync"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/session"
)

// Sessions of TLS 1.0-1.2 and SSL 3.0: the application's two session
// caches (Erlang's client and server session cache processes), the
// options that use them, and what a socket reports of its session.
//
// Clients resume by default (reuse_sessions true): a client offers the
// newest session it holds for the {Host, Port} it connects to (Host as
// given to Connect; for ConnectConn, the server's address), and stores
// the session of each full handshake. {reuse_sessions, save}
// (ReuseSessionsSave) stores without offering; reuse_session offers one
// given session (ReuseSessionID for a saved one, ReuseSessionData for
// one carried from elsewhere). Servers agree by default: a server stores
// each session under {Port, ID}, Port the one it listens on (the local
// port of the connection), and resumes it when the reuse_session fun
// agrees.
//
// RFC 5077 session tickets, beyond Erlang's ssl: a client asks for them
// by default (SessionTicketsTLS12(false) turns that off) and keeps them
// with its sessions; a server issues them only with
// SessionTicketsTLS12(true), sealed with the application's keys (rotated
// daily, kept in memory) or with TicketKeys for a fleet.
//
// With verify_peer, a side resumes a session that holds the peer's
// certificate (and a TLS 1.3 client offers a ticket) only if that
// certificate was verified when the session was made and its chain
// passes the connection's own validation again, the verify fun included:
// caches, tickets and ticket keys are shared by connections and
// listeners whose cacerts and verify funs may differ, and a certificate
// may expire or be revoked while its sessions live. A server with
// fail_if_no_peer_cert resumes no session of a client that sent no
// certificate. Anything else gives a full handshake. Erlang's ssl does
// not validate again; its session caches are per port.

// SessionTicketsTLS12 is the session_tickets_tls12 option (not Erlang's):
// RFC 5077 session tickets in TLS 1.0-1.2. On a client (default true) it
// sends the session_ticket extension and keeps the tickets servers give;
// on a server (default false) it issues tickets to clients that ask,
// sealed with TicketKeys, and resumes the sessions of the tickets it can
// open. It needs reuse_sessions (a server with {reuse_sessions, false}
// issues no ticket). It does not touch TLS 1.3, whose tickets the
// session_tickets option governs.
func SessionTicketsTLS12(b bool) Option { return Option{"session_tickets_tls12", b} }

// TicketKeys is a server's ticket_keys option (not Erlang's): the keys
// that seal and open the TLS 1.0-1.2 tickets of SessionTicketsTLS12.
// Without it a server uses the application's own keys, random and
// rotated every 24 hours, which only this process knows; servers behind
// one load balancer share a session.NewStaticTicketKeys set instead, so
// that each opens the others' tickets.
func TicketKeys(k *session.TicketKeys) Option { return Option{"ticket_keys", k} }

// SessionData is the value of a client's reuse_session option given with
// ReuseSessionData: a session made elsewhere (Erlang's {reuse_session,
// {SessionID, SessionData}}).
type SessionData struct {
	// ID is the session ID.
	ID []byte
	// Data is the session's encoding, as ConnectionInfo.SessionData
	// reports it (session.Session.MarshalBinary).
	Data []byte
}

// Term renders the value as {<<ID>>,<<Data>>} with the data cut short:
// it holds the master secret.
func (d SessionData) Term() string {
	return "{" + erlBinary(d.ID) + ",<<...>>}"
}

// session decodes the data and checks that it carries the ID.
func (d SessionData) session() (*session.Session, error) {
	if len(d.ID) == 0 || len(d.ID) > session.MaxIDLen {
		return nil, errors.New("the session ID must have 1 to 32 bytes")
	}
	s, err := session.Decode(d.Data)
	if err != nil {
		return nil, err
	}
	if string(s.ID) != string(d.ID) {
		return nil, errors.New("the session data is of another session ID")
	}
	return s, nil
}

// ReuseSessionData is a client's reuse_session option with the session
// itself (current OTP's {reuse_session, {SessionID, SessionData}}): data
// is what ConnectionInformation's session_data item gave on the
// connection that made the session, so that a session made by one
// process (or saved to disk) is resumed by another. The data holds the
// master secret: keep it as secret as a private key.
func ReuseSessionData(id, data []byte) Option {
	return Option{"reuse_session", SessionData{ID: id, Data: data}}
}

// stageTickets12 resolves session_tickets_tls12 and ticket_keys.
func (r *resolver) stageTickets12() error {
	c := r.c
	var err error
	if c.tickets12, _, err = r.getBool("session_tickets_tls12", r.role == RoleClient); err != nil {
		return err
	}
	if v, ok := r.get("ticket_keys"); ok {
		k, isKeys := v.(*session.TicketKeys)
		if !isKeys || k == nil {
			return invalid("ticket_keys", v, "the value must be a *session.TicketKeys")
		}
		c.ticketKeys = k
	}
	return nil
}

// The application's session caches.
var sessionCaches struct {
	mu             sync.Mutex
	env            *appEnv // the environment the caches were made for
	client, server session.Cache
	keys           *session.TicketKeys // the server's own ticket keys
}

// newSessionCaches makes and initialises the caches of env: the
// SessionCB factory's, or MemoryCache for a role it gives nil.
func newSessionCaches(env *appEnv) (client, server session.Cache, err error) {
	mk := func(role session.Role, max int) (session.Cache, error) {
		var c session.Cache
		if env.sessionCB != nil {
			c = env.sessionCB(role)
		}
		if c == nil {
			c = session.NewMemoryCache()
		}
		if err := c.Init(session.InitArgs{Role: role, Lifetime: env.sessionLifetime, Max: max, Args: env.sessionCBArgs}); err != nil {
			return nil, err
		}
		return c, nil
	}
	if client, err = mk(session.Client, env.sessionClientMax); err != nil {
		return nil, nil, err
	}
	if server, err = mk(session.Server, env.sessionServerMax); err != nil {
		client.Terminate()
		return nil, nil, err
	}
	return client, server, nil
}

// installSessionCaches replaces the caches with those of env (made by
// Start, which fails if one cannot be initialised); the old ones are
// terminated.
func installSessionCaches(env *appEnv, client, server session.Cache) {
	sessionCaches.mu.Lock()
	oldC, oldS := sessionCaches.client, sessionCaches.server
	sessionCaches.env, sessionCaches.client, sessionCaches.server = env, client, server
	sessionCaches.mu.Unlock()
	if oldC != nil {
		oldC.Terminate()
	}
	if oldS != nil {
		oldS.Terminate()
	}
}

// terminateSessionCaches terminates the caches (Stop); the next
// connection makes new ones.
func terminateSessionCaches() {
	installSessionCaches(nil, nil, nil)
}

// sessionCache returns the cache of a role and the lifetime in force,
// making the caches of the current environment when there are none.
func sessionCache(role Role) (session.Cache, *appEnv) {
	env := currentEnv()
	sessionCaches.mu.Lock()
	if sessionCaches.client == nil {
		c, s, err := newSessionCaches(env)
		if err != nil {
			// A factory failing outside Start: memory caches.
			c, s = session.NewMemoryCache(), session.NewMemoryCache()
			_ = c.Init(session.InitArgs{Role: session.Client, Lifetime: env.sessionLifetime, Max: env.sessionClientMax})
			_ = s.Init(session.InitArgs{Role: session.Server, Lifetime: env.sessionLifetime, Max: env.sessionServerMax})
		}
		sessionCaches.env, sessionCaches.client, sessionCaches.server = env, c, s
	}
	c := sessionCaches.server
	if role == RoleClient {
		c = sessionCaches.client
	}
	sessionCaches.mu.Unlock()
	return c, env
}

// appTicketKeys returns the application's own TLS 1.2 ticket keys.
func appTicketKeys() *session.TicketKeys {
	sessionCaches.mu.Lock()
	defer sessionCaches.mu.Unlock()
	if sessionCaches.keys == nil {
		k, err := session.NewTicketKeys(0)
		if err != nil {
			return nil
		}
		sessionCaches.keys = k
	}
	return sessionCaches.keys
}

// sessionSettings fills in the session settings of one handshake of s:
// the cache, the partial key, the lifetime, tickets and what
// reuse_sessions and reuse_session say. It applies to the configuration
// chosen by SNI too.
func (c *config) sessionSettings(hc *handshake.Config, s *Socket) {
	cache, env := sessionCache(s.role)
	hc.SessionLifetime = env.sessionLifetime
	if s.role == RoleClient {
		hc.SessionPeer = clientSessionPeer(s)
		hc.SessionCache = cache
		hc.OfferSessions = c.reuseSessions && !c.saveSessions && c.reuseSessionID == nil && c.reuseSessionData == nil
		hc.SaveSessions = c.saveSessions
		hc.SessionTickets12 = c.tickets12 && (c.reuseSessions || c.saveSessions)
		switch {
		case c.reuseSessionData != nil:
			hc.ResumeSession = c.reuseSessionData
		case c.reuseSessionID != nil:
			hc.ResumeSession = cache.Lookup(session.MakeKey(hc.SessionPeer, c.reuseSessionID))
		}
		return
	}
	peer := session.PartialKey{Port: localPort(s.transport)}
	set := func(hc *handshake.Config) {
		hc.SessionLifetime = env.sessionLifetime
		hc.SessionPeer = peer
		if hc.IssueSessionID {
			hc.SessionCache = cache
		}
	}
	set(hc)
	if sni := hc.SNI; sni != nil {
		hc.SNI = func(name string) (*handshake.Config, error) {
			nc, err := sni(name)
			if nc != nil && err == nil {
				set(nc)
			}
			return nc, err
		}
	}
}

// serverSessionOptions sets a server's reuse_session fun and TLS 1.2
// ticket keys in hc (handshakeConfig).
func (c *config) serverSessionOptions(hc *handshake.Config) {
	if f := c.reuseSessionFun; f != nil {
		hc.ReuseSession = func(id, peerCert []byte, compression int, s *cipher.Suite) bool {
			return f(id, peerCert, compression, suiteOf(s))
		}
	}
	if c.tickets12 && c.reuseSessions {
		hc.TicketKeys = c.ticketKeys
		if hc.TicketKeys == nil {
			hc.TicketKeys = appTicketKeys()
		}
	}
}

// clientSessionPeer is a client's partial key: the host given to Connect
// (or the server's address for an upgraded connection) and the server's
// port.
func clientSessionPeer(s *Socket) session.PartialKey {
	host := s.host
	var port int
	if ap, err := addrPort(s.transport.RemoteAddr()); err == nil {
		port = int(ap.Port())
		if host == "" {
			host = ap.Addr().Unmap().String()
		}
	}
	return session.PartialKey{Host: host, Port: port}
}

// localPort returns the local port of a connection, 0 when it has none.
func localPort(conn net.Conn) int {
	if ap, err := addrPort(conn.LocalAddr()); err == nil {
		return int(ap.Port())
	}
	return 0
}
