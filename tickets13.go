package ssl

// TLS 1.3 session tickets at the socket layer: the application
// environment settings of current OTP, the ticket keys and store of a
// server, the ticket store of clients in auto mode, and the SessionTicket
// message of manual mode.
//
// A server with session_tickets stateless or stateful issues
// server_session_tickets_amount tickets after each TLS 1.3 handshake, each
// valid for server_session_ticket_lifetime. A listen socket has its own
// ticket keys (stateless) or its own ticket store of at most
// server_session_ticket_store_size tickets (stateful), made when it is
// created, as each Erlang listener has its own ticket server; the sockets
// of SSLAcceptConn share one set for the whole process. A ticket opens a
// session only with the server certificate that made it, so listeners
// sharing keys do not resume each other's sessions unless they are the
// same server.
//
// A client with session_tickets auto keeps the tickets it receives in one
// store for the process, at most client_session_ticket_store_size of them,
// each for client_session_ticket_lifetime at most (and no longer than its
// ticket's lifetime), under the host and port it connected to and the
// server name it sent. Connect offers the newest ticket of that server and
// drops it: a ticket is offered once (RFC 8446, Appendix C.4), and the
// connection it resumes brings new ones. With session_tickets manual each
// ticket comes to the owner channel as a SessionTicket message, and
// UseTicket gives tickets back to Connect; a value that is not such a
// ticket (or whose lifetime has run out) is skipped, and the handshake is
// a full one, as with a ticket the server no longer takes.
//
// Early data (0-RTT): a client's early_data goes with the ClientHello when
// the ticket offered allows that much (its max_early_data_size); when it
// cannot go as early data (no ticket, too much, or the server does not
// take it) it is sent as the first application data right after the
// handshake, so that it is never lost. A server with {early_data,
// enabled} allows server_session_ticket_max_early_data bytes per
// connection (default 16384) and delivers the early data it accepts
// before anything else, as ordinary data; with anti_replay the binders of
// the ClientHello messages it took early data with are remembered in a
// Bloom filter pair of the listen socket.

import (
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/session"
)

// ticketEnv are the session ticket settings of the application
// environment.
type ticketEnv struct {
	serverLifetime  time.Duration
	serverAmount    int
	serverStoreSize int
	clientLifetime  time.Duration
	clientStoreSize int
	maxEarlyData    int
}

func defaultTicketEnv() ticketEnv {
	return ticketEnv{
		serverLifetime:  handshake.DefaultTicketLifetime,
		serverAmount:    handshake.DefaultTicketsAmount,
		serverStoreSize: handshake.DefaultTicketStoreSize,
		clientLifetime:  7200 * time.Second,
		clientStoreSize: 1000,
		maxEarlyData:    handshake.DefaultMaxEarlyData,
	}
}

// ServerSessionTicketLifetime is server_session_ticket_lifetime: how long
// a TLS 1.3 session ticket a server issues may be used (default 7200
// seconds, at most seven days; integers are seconds).
func ServerSessionTicketLifetime(d time.Duration) EnvOption {
	return EnvOption{"server_session_ticket_lifetime", d}
}

// ServerSessionTicketsAmount is server_session_tickets_amount: how many
// tickets a server sends after each TLS 1.3 handshake (default 3).
func ServerSessionTicketsAmount(n int) EnvOption {
	return EnvOption{"server_session_tickets_amount", n}
}

// ServerSessionTicketStoreSize is server_session_ticket_store_size: how
// many tickets the store of a server with stateful tickets holds (default
// 1000); the oldest give way.
func ServerSessionTicketStoreSize(n int) EnvOption {
	return EnvOption{"server_session_ticket_store_size", n}
}

// ClientSessionTicketLifetime is client_session_ticket_lifetime: how long
// a client in auto mode keeps a ticket (default 7200 seconds; integers are
// seconds).
func ClientSessionTicketLifetime(d time.Duration) EnvOption {
	return EnvOption{"client_session_ticket_lifetime", d}
}

// ClientSessionTicketStoreSize is client_session_ticket_store_size: how
// many tickets the clients in auto mode keep in all (default 1000).
func ClientSessionTicketStoreSize(n int) EnvOption {
	return EnvOption{"client_session_ticket_store_size", n}
}

// ServerSessionTicketMaxEarlyData is server_session_ticket_max_early_data:
// the most early data a server with {early_data, enabled} takes per
// connection, the max_early_data_size of its tickets (default 16384).
func ServerSessionTicketMaxEarlyData(n int) EnvOption {
	return EnvOption{"server_session_ticket_max_early_data", n}
}

// setTicketEnv takes one ticket setting; it reports whether name is one,
// and why the value is refused.
func (t *ticketEnv) set(name string, v any) (bool, string) {
	switch name {
	case "server_session_ticket_lifetime", "client_session_ticket_lifetime":
		d, ok := v.(time.Duration)
		if !ok {
			n, isInt := asInt(v)
			if !isInt || n > int64(1<<31) {
				return true, "the value must be a duration (integers are seconds)"
			}
			d = time.Duration(n) * time.Second
		}
		if d < time.Second {
			return true, "the lifetime must be a second or more"
		}
		if name == "server_session_ticket_lifetime" {
			if d > handshake.MaxTicketLifetime*time.Second {
				return true, "a ticket lifetime is at most seven days (RFC 8446)"
			}
			t.serverLifetime = d
		} else {
			t.clientLifetime = d
		}
	case "server_session_ticket_max_early_data":
		n, ok := asInt(v)
		if !ok || n < 1 || n > 1<<31-1 {
			return true, "the value must be a positive integer"
		}
		t.maxEarlyData = int(n)
	case "server_session_tickets_amount", "server_session_ticket_store_size", "client_session_ticket_store_size":
		n, ok := asInt(v)
		if !ok || n < 1 || n > 1<<31-1 {
			return true, "the value must be a positive integer"
		}
		switch name {
		case "server_session_tickets_amount":
			if n > 255 {
				return true, "a server sends at most 255 tickets after a handshake"
			}
			t.serverAmount = int(n)
		case "server_session_ticket_store_size":
			t.serverStoreSize = int(n)
		default:
			t.clientStoreSize = int(n)
		}
	default:
		return false, ""
	}
	return true, ""
}

// serverTicketState is the ticket keys and the ticket store of one
// listen socket (or of the process, for upgraded sockets), made at first
// use.
type serverTicketState struct {
	once  sync.Once
	keys  *session.TicketKeys
	store *handshake.TicketStore
	err   error

	filterOnce sync.Once
	filter     *handshake.ReplayFilter
}

// replayFilter returns the anti-replay filter, made with b at first use.
func (st *serverTicketState) replayFilter(b *BloomFilter) *handshake.ReplayFilter {
	st.filterOnce.Do(func() {
		st.filter = handshake.NewReplayFilter(b.Window, b.K, uint64(b.M))
	})
	return st.filter
}

func (st *serverTicketState) init() error {
	st.once.Do(func() {
		st.keys, st.err = session.NewTicketKeys(0)
		st.store = handshake.NewTicketStore(currentEnv().tickets.serverStoreSize)
	})
	return st.err
}

// processTickets serves the server sockets that no listen socket made.
var processTickets = &serverTicketState{}

// serverTickets returns the ticket settings of a server handshake, nil
// without session tickets or when the ticket keys cannot be made (no
// tickets are issued then, and the handshake goes on).
func (c *config) serverTickets() *handshake.ServerTickets {
	if c.role != RoleServer || c.sessionTickets == TicketsDisabled {
		return nil
	}
	st := c.ticketState
	if st == nil {
		st = processTickets
	}
	if st.init() != nil {
		return nil
	}
	env := currentEnv().tickets
	t := &handshake.ServerTickets{Lifetime: env.serverLifetime, Amount: env.serverAmount}
	switch c.sessionTickets {
	case TicketsStateless, TicketsStatelessWithCert:
		t.Keys = st.keys
	default:
		t.Store = st.store
	}
	t.WithCert = c.sessionTickets == TicketsStatefulWithCert || c.sessionTickets == TicketsStatelessWithCert
	return t
}

// ticketStateOf returns the ticket state of a server config.
func (c *config) ticketStateOf() *serverTicketState {
	if c.ticketState != nil {
		return c.ticketState
	}
	return processTickets
}

// SessionTicket is a TLS 1.3 session ticket received by a client with
// SessionTickets(TicketsManual): Erlang's {ssl, session_ticket, {SNI,
// Ticket}}. Ticket is opaque; UseTicket takes it back to resume the
// session. It holds the session's resumption secret, so it is as secret
// as a private key while it is valid.
//
// It comes to the owner channel whatever the active mode (as OTP sends it
// to the owner process), when the server sends it, before the data
// after it. Unlike an Erlang mailbox the channel is bounded: a ticket that
// finds it full is dropped, which costs only a full handshake later.
type SessionTicket struct {
	Sock       *Socket // the socket that received it
	ServerName string  // the server name the client sent, or ""
	Ticket     []byte  // the ticket, for UseTicket
}

// Socket returns the socket the message comes from.
func (m SessionTicket) Socket() *Socket { return m.Sock }

// String renders the message as the Erlang tuple, with the ticket's
// length: {ssl,session_ticket,{"example.com",<<300 bytes>>}}.
func (m SessionTicket) String() string {
	sni := "undefined"
	if m.ServerName != "" {
		sni = erlString(m.ServerName)
	}
	return "{ssl,session_ticket,{" + sni + ",<<" + strconv.Itoa(len(m.Ticket)) + " bytes>>}}"
}

// clientTicketKey names the server a client's tickets are for.
type clientTicketKey struct {
	host string
	port int
	sni  string
}

// clientTicketStore is the ticket store of clients in auto mode.
type clientTicketStore struct {
	mu    sync.Mutex
	m     map[clientTicketKey][]*session.Session // oldest first
	total int
}

var clientTickets = &clientTicketStore{m: make(map[clientTicketKey][]*session.Session)}

// add keeps a ticket for k, dropping the oldest tickets of the fullest
// server beyond the store size.
func (s *clientTicketStore) add(k clientTicketKey, sess *session.Session, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.m[k]
	if len(list) >= max {
		s.total -= len(list) - max + 1
		list = list[len(list)-max+1:]
	}
	s.m[k] = append(list, sess)
	s.total++
	for s.total > max {
		// Over the limit: drop one ticket from the server holding the
		// most.
		var worst clientTicketKey
		n := 0
		for key, l := range s.m {
			if len(l) > n {
				worst, n = key, len(l)
			}
		}
		if n == 0 {
			break
		}
		s.m[worst] = s.m[worst][1:]
		if len(s.m[worst]) == 0 {
			delete(s.m, worst)
		}
		s.total--
	}
}

// take returns the newest ticket for k still valid at now, and drops it
// and the expired ones.
func (s *clientTicketStore) take(k clientTicketKey, now time.Time, lifetime time.Duration) *session.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.m[k]
	var live []*session.Session
	for _, sess := range list {
		life := time.Duration(sess.TicketLifetime) * time.Second
		if lifetime < life {
			life = lifetime
		}
		if sess.ValidAt(now, life) {
			live = append(live, sess)
		}
	}
	s.total -= len(list) - len(live)
	if len(live) == 0 {
		delete(s.m, k)
		return nil
	}
	out := live[len(live)-1]
	live = live[:len(live)-1]
	s.total--
	if len(live) == 0 {
		delete(s.m, k)
	} else {
		s.m[k] = live
	}
	return out
}

// count returns how many tickets the store holds for k.
func (s *clientTicketStore) count(k clientTicketKey) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m[k])
}

// len returns how many tickets the store holds.
func (s *clientTicketStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// wireTickets sets the session ticket parts of a handshake configuration
// for socket s: the server's ticket settings, or the client's tickets to
// offer and where received tickets go.
func (c *config) wireTickets(hc *handshake.Config, s *Socket) {
	if c.role == RoleServer {
		hc.Tickets = c.serverTickets()
		if hc.Tickets != nil && c.earlyDataEnabled {
			hc.AcceptEarlyData = true
			hc.MaxEarlyData = uint32(currentEnv().tickets.maxEarlyData)
			if c.antiReplay != nil {
				hc.ReplayFilter = c.ticketStateOf().replayFilter(c.antiReplay)
			}
		}
		if sni := hc.SNI; sni != nil && hc.Tickets != nil {
			// A configuration chosen by server name issues and takes
			// the tickets of this one, and takes early data as it does.
			parent := hc
			hc.SNI = func(name string) (*handshake.Config, error) {
				sub, err := sni(name)
				if sub != nil {
					sub.Tickets = parent.Tickets
					sub.AcceptEarlyData, sub.MaxEarlyData, sub.ReplayFilter = parent.AcceptEarlyData, parent.MaxEarlyData, parent.ReplayFilter
				}
				return sub, err
			}
		}
		return
	}
	if c.sessionTickets != TicketsDisabled {
		hc.EarlyData = c.earlyData
	}
	switch c.sessionTickets {
	case TicketsAuto:
		key := clientTicketKey{host: s.host, sni: hc.ServerName}
		if addr, err := netip.ParseAddrPort(remoteAddrString(s.transport)); err == nil {
			if key.host == "" {
				key.host = addr.Addr().String()
			}
			key.port = int(addr.Port())
		}
		env := currentEnv().tickets
		now := time.Now()
		if hc.Now != nil {
			now = hc.Now()
		}
		if sess := clientTickets.take(key, now, env.clientLifetime); sess != nil {
			hc.PSKs = []*session.Session{sess}
		}
		hc.OnTicket = func(sess *session.Session) { clientTickets.add(key, sess, currentEnv().tickets.clientStoreSize) }
	case TicketsManual:
		for _, t := range c.useTicket {
			if sess, err := session.Decode(t); err == nil {
				hc.PSKs = append(hc.PSKs, sess)
			}
		}
		sni := hc.ServerName
		hc.OnTicket = func(sess *session.Session) {
			enc, err := sess.MarshalBinary()
			if err != nil {
				return
			}
			s.deliverTicket(SessionTicket{Sock: s, ServerName: sni, Ticket: enc})
		}
	}
}

// afterHandshake13 does what the socket owes 0-RTT data once the
// handshake is done: a server keeps the early data it accepted as the
// first data received; a client whose early data did not go as such sends
// it now.
func (s *Socket) afterHandshake13(hc *handshake.Config, st *handshake.State) error {
	if len(st.EarlyData) > 0 {
		// No reader runs before the socket is established.
		s.readMu.Lock()
		s.rbuf = append(append([]byte(nil), st.EarlyData...), s.rbuf...)
		s.readMu.Unlock()
	}
	if s.role == RoleClient && len(hc.EarlyData) > 0 && !st.EarlyDataAccepted {
		if _, err := st.WriteApplicationData(s.rc, hc.EarlyData); err != nil {
			return err
		}
	}
	return nil
}

// deliverTicket puts a ticket on the owner channel if it has room, without
// waiting: it is called while the socket's reads and writes are held.
func (s *Socket) deliverTicket(m SessionTicket) {
	s.mu.Lock()
	owner, closed := s.owner, s.closed
	s.mu.Unlock()
	if closed {
		return
	}
	select {
	case owner <- m:
	default:
	}
}

// remoteAddrString returns the peer's address of a transport as
// host:port, or "".
func remoteAddrString(conn net.Conn) string {
	if conn == nil || conn.RemoteAddr() == nil {
		return ""
	}
	return conn.RemoteAddr().String()
}
