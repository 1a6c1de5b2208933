package handshake

// TLS 1.3 session tickets (RFC 8446, Section 4.6.1): a server issues
// NewSessionTicket messages after its handshake, a client turns each one
// into a session.Session it may offer later (psk13.go).
//
// The server keeps the session in one of two ways, Erlang's
// session_tickets modes:
//
//   - stateless: the ticket is the session's encoding sealed with the
//     server's rotating ticket keys (session.TicketKeys); the server keeps
//     nothing, and a ticket opens as often as it is sent back until its
//     lifetime ends.
//   - stateful: the ticket is a random 32-byte identifier of the session
//     in a bounded store (TicketStore); a ticket is taken out of the
//     store when it is used, so it resumes at most one connection
//     (RFC 8446, Section 8.1), and the oldest tickets give way when the
//     store is full.
//
// The session a ticket stands for holds the resumption PSK (RFC 8446,
// Section 4.6.1: HKDF-Expand-Label(resumption_master_secret,
// "resumption", ticket_nonce)) in MasterSecret, the suite, the server
// name and ALPN protocol of the connection, ticket_age_add, the time the
// ticket was issued in Created, and, with WithCert, the client's
// certificate chain.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/session"
)

// Defaults of the ticket settings, Erlang's application environment
// defaults: server_session_ticket_lifetime (7200 seconds),
// server_session_tickets_amount (3) and server_session_ticket_store_size
// (1000).
const (
	DefaultTicketLifetime  = 7200 * time.Second
	DefaultTicketsAmount   = 3
	DefaultTicketStoreSize = 1000
)

// MaxTicketAgeSkew is how far the age of a ticket as the client tells it
// (obfuscated_ticket_age minus ticket_age_add) may be from the age the
// server sees (now minus the time it issued the ticket) for the server
// to accept it: 10 seconds, the default window of Erlang's anti_replay.
// A ticket outside the window gives a full handshake (RFC 8446, Section
// 8.3).
const MaxTicketAgeSkew = 10 * time.Second

// stateful ticket identifiers are random bytes of this length.
const statefulTicketLen = 32

// ServerTickets is how a TLS 1.3 server issues session tickets and takes
// them back. Exactly one of Keys (stateless tickets) and Store (stateful
// tickets) is set. A ServerTickets is shared by every handshake of a
// listener and is safe for concurrent use.
type ServerTickets struct {
	// Keys seal stateless tickets.
	Keys *session.TicketKeys
	// Store keeps the sessions of stateful tickets.
	Store *TicketStore
	// Lifetime is the ticket_lifetime sent and enforced (Erlang's
	// server_session_ticket_lifetime); 0 means DefaultTicketLifetime, and
	// it is capped at seven days (RFC 8446, Section 4.6.1).
	Lifetime time.Duration
	// Amount is how many tickets are sent after each handshake (Erlang's
	// server_session_tickets_amount); 0 means DefaultTicketsAmount, and
	// a negative value sends none (the server still resumes the tickets
	// it sent before).
	Amount int
	// WithCert keeps the client's certificate chain with the session, so
	// that a resumed connection reports the client's certificate as the
	// full handshake did (Erlang's stateful_with_cert and
	// stateless_with_cert). Without it a resumed connection has no peer
	// certificate.
	WithCert bool

	testOpen func([]byte) *session.Session // set by tests only
}

func (t *ServerTickets) lifetime() time.Duration {
	d := t.Lifetime
	if d <= 0 {
		d = DefaultTicketLifetime
	}
	if d > MaxTicketLifetime*time.Second {
		d = MaxTicketLifetime * time.Second
	}
	return d
}

func (t *ServerTickets) amount() int {
	switch {
	case t.Amount < 0:
		return 0
	case t.Amount == 0:
		return DefaultTicketsAmount
	}
	return t.Amount
}

// seal makes the ticket of sess: the sealed encoding, or a new
// identifier in the store.
func (t *ServerTickets) seal(sess *session.Session) ([]byte, error) {
	if t.Keys != nil {
		enc, err := sess.MarshalBinary()
		if err != nil {
			return nil, causef(ErrConfig, "ticket: %v", err)
		}
		defer clear(enc)
		ticket, err := t.Keys.Seal(enc)
		if err != nil {
			return nil, causef(ErrConfig, "ticket: %v", err)
		}
		return ticket, nil
	}
	if t.Store == nil {
		return nil, causef(ErrConfig, "session tickets without keys or a store")
	}
	id := make([]byte, statefulTicketLen)
	if _, err := rand.Read(id); err != nil {
		return nil, causef(ErrConfig, "ticket: %v", err)
	}
	t.Store.put(id, sess)
	return id, nil
}

// open returns the session of a ticket a client sent, or nil for a
// ticket this server cannot use (unknown, foreign, altered, or already
// used): such a ticket is ignored. A stateful ticket is taken out of the
// store, so that it resumes one connection at most.
func (t *ServerTickets) open(ticket []byte) *session.Session {
	if t.testOpen != nil {
		return t.testOpen(ticket)
	}
	if t.Keys != nil {
		enc, _, err := t.Keys.Open(ticket)
		if err != nil {
			return nil
		}
		defer clear(enc)
		sess, err := session.Decode(enc)
		if err != nil {
			return nil
		}
		return sess
	}
	if t.Store == nil || len(ticket) != statefulTicketLen {
		return nil
	}
	return t.Store.take(ticket)
}

// TicketStore is the bounded store of a stateful ticket server: a
// ticket's session can be taken out once. It is safe for concurrent use.
type TicketStore struct {
	mu    sync.Mutex
	max   int
	m     map[string]*session.Session
	order []string // identifiers, oldest first (some already taken)
}

// NewTicketStore returns a store of at most max sessions (0 or less:
// DefaultTicketStoreSize, Erlang's server_session_ticket_store_size).
func NewTicketStore(max int) *TicketStore {
	if max <= 0 {
		max = DefaultTicketStoreSize
	}
	return &TicketStore{max: max, m: make(map[string]*session.Session)}
}

// Len returns how many tickets the store holds.
func (s *TicketStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *TicketStore) put(id []byte, sess *session.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.m) >= s.max && len(s.order) > 0 {
		old := s.order[0]
		s.order = s.order[1:]
		delete(s.m, old)
	}
	// Drop identifiers of taken tickets from the front, so that order
	// stays bounded by the store size plus what was taken since.
	if len(s.order) > 2*s.max {
		live := s.order[:0]
		for _, k := range s.order {
			if _, ok := s.m[k]; ok {
				live = append(live, k)
			}
		}
		s.order = live
	}
	k := string(id)
	s.m[k] = sess
	s.order = append(s.order, k)
}

func (s *TicketStore) take(id []byte) *session.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(id)
	sess, ok := s.m[k]
	if !ok {
		return nil
	}
	delete(s.m, k)
	return sess
}

// issueTickets sends the server's NewSessionTicket messages after a TLS
// 1.3 handshake, under the application write keys (RFC 8446, Section
// 4.6.1). Each ticket gets its own nonce (its index), ticket_age_add and
// PSK. peer is the client's chain, kept only with WithCert; base is the
// session the handshake resumed, nil after a full handshake: a resumed
// connection's tickets keep its peer certificate.
func (c *server13) issueTickets(rms []byte, peer [][]byte, now time.Time) error {
	t := c.cfg.Tickets
	if t == nil {
		return nil
	}
	life := t.lifetime()
	// PeerVerified: this server verifies and the client authenticated,
	// in this handshake or in the one of the session resumed.
	verified := c.cfg.VerifyPeer && (len(peer) > 0 || c.psk != nil && c.psk.sess.PeerVerified)
	if !t.WithCert {
		peer = nil
	}
	for i := 0; i < t.amount(); i++ {
		var nonce [8]byte
		binary.BigEndian.PutUint64(nonce[:], uint64(i))
		psk, err := cipher.ResumptionPSK(c.suite, rms, nonce[:])
		if err != nil {
			return causef(ErrConfig, "ticket PSK: %v", err)
		}
		var add [4]byte
		if err := c.cfg.randomBytes(add[:]); err != nil {
			return err
		}
		sess := &session.Session{
			Version: cipher.VersionTLS13, CipherSuite: c.suite.ID, MasterSecret: psk,
			PeerCertificates: peer, PeerVerified: verified, ServerName: c.ch.ServerName, ALPN: c.alpn, Group: uint16(c.group),
			Created: now, TicketLifetime: uint32(life / time.Second), TicketAgeAdd: binary.BigEndian.Uint32(add[:]),
			LocalCertHash: c.credHash(),
		}
		if c.cfg.AcceptEarlyData {
			sess.MaxEarlyData = c.cfg.maxEarlyData()
		}
		ticket, err := t.seal(sess)
		if err != nil {
			return err
		}
		nst := &NewSessionTicket{
			Version: cipher.VersionTLS13, Lifetime: sess.TicketLifetime, AgeAdd: sess.TicketAgeAdd,
			Nonce: nonce[:], Ticket: ticket,
		}
		if c.cfg.AcceptEarlyData {
			nst.EarlyData, nst.MaxEarlyDataSize = true, sess.MaxEarlyData
		}
		if err := c.hc.write(nst); err != nil {
			return err
		}
	}
	return c.hc.flush()
}

// credHash is the SHA-256 hash of the server's certificate: a session is
// resumed only by a server with the same certificate (Erlang compares
// own_certificate), so that a ticket one configuration issued does not
// open a connection of another that shares its ticket keys.
func (c *server13) credHash() []byte {
	if c.cred == nil || len(c.cred.Chain) == 0 {
		return nil
	}
	h := sha256.Sum256(c.cred.Chain[0])
	return h[:]
}

// now returns the configured time.
func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// clientTicket turns a NewSessionTicket into the session a client may
// offer later: the PSK of the ticket's nonce, the ticket, its lifetime
// and ticket_age_add, and what the connection settled (suite, server
// name, ALPN protocol, the server's chain and whether it was verified).
// Created is when the ticket arrived, the start of its age.
func (s *State) clientTicket(nst *NewSessionTicket) (*session.Session, error) {
	c := s.tls13
	psk, err := cipher.ResumptionPSK(c.suite, c.resumption, nst.Nonce)
	if err != nil {
		return nil, causef(ErrConfig, "ticket PSK: %v", err)
	}
	sess := &session.Session{
		Version: cipher.VersionTLS13, CipherSuite: c.suite.ID, MasterSecret: psk,
		PeerCertificates: s.PeerCertificates, PeerVerified: s.cfg.VerifyPeer,
		ServerName: s.ServerName, ALPN: s.ALPN, Group: uint16(s.Group), Created: s.cfg.now(),
		Ticket: append([]byte(nil), nst.Ticket...), TicketLifetime: nst.Lifetime, TicketAgeAdd: nst.AgeAdd,
	}
	if nst.EarlyData {
		sess.MaxEarlyData = nst.MaxEarlyDataSize
	}
	return sess, nil
}
