// Package redissession is a session.Cache (Erlang's
// ssl_session_cache_api) kept in Redis, so that the servers of a fleet
// behind a load balancer resume each other's TLS 1.0-1.2 sessions: a
// client that made its session with one server resumes it with whichever
// server it reaches next.
//
// It is a module of its own (github.com/otpssl/ssl/contrib/redissession)
// so that the library does not depend on it; it speaks Redis's protocol
// itself (RESP2: AUTH, SELECT, GET, SET with PX, DEL, SCAN) and has no
// dependency beyond the library.
//
// Use it as the server cache of the application environment:
//
//	cache := redissession.New("redis.internal:6379", redissession.SharedAcrossPorts())
//	err := ssl.Start(ssl.SessionCB(func(role session.Role) session.Cache {
//		if role == session.Server {
//			return cache
//		}
//		return nil // clients keep the default in-memory cache
//	}))
//
// # What is stored
//
// Each session is stored under its own key with
// session.Session.MarshalBinary as the value and, as the key's time to
// live, what is left of the session lifetime (Init's Lifetime, counted
// from the session's creation), so that Redis forgets expired sessions
// by itself. Keys are
//
//	<prefix><role>:<host in hex>:<port>:<session ID in hex>
//
// with the prefix "otpssl:session:" unless WithPrefix says otherwise;
// every part that comes from the network is hex-encoded, so no key can
// reach outside the prefix or act as a SCAN pattern.
//
// The master secret of every session is stored in the clear: whoever
// reads the Redis keys (or its dumps, replicas and backups) can decrypt
// every connection of those sessions. Protect the server as a store of
// private keys: a network only the TLS servers reach, a password
// (WithPassword), TLS to Redis where the network is not trusted (a Dialer
// given with WithDialer), and persistence off or encrypted.
//
// Whoever can write the keys can also plant sessions whose master secret
// they know: a server resumes such a session as the client certificate
// it names (certificates are public, and the library validates the chain
// again but cannot tell who made the session), and a client using the
// cache would resume one with the server it names. Writing to this Redis
// is therefore as powerful as holding every client's private key: give
// the TLS servers, and nothing else, write access.
//
// # Keys of a fleet
//
// The library's server keys are {Port, ID}. Servers of a fleet that
// listen on different ports (or behind port-mapping load balancers) must
// share their keys without the port: SharedAcrossPorts stores server
// sessions under port 0, whatever port the key names. Each server still
// resumes only sessions made with its own certificate and server name
// (the library checks both).
//
// # Limits and failures
//
// Every command has a time-out (WithTimeout, default 500 ms). A Redis
// that cannot be reached makes Lookup and SelectSession return nothing
// (a full handshake) and Update and Delete drop their work: the
// connection goes on. Init's Max is not enforced, as Redis has no cheap
// count of a key pattern: bound the memory with Redis's maxmemory (with a
// volatile-ttl or allkeys-lru policy, sessions are the first to go).
// Values read back are decoded with session.Decode, which refuses
// malformed or oversized data, and the library checks every session
// again before resuming it.
package redissession

import (
	"bytes"
	"context"
	"encoding/hex"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/otpssl/ssl/session"
)

// DefaultPrefix starts every key unless WithPrefix says otherwise.
const DefaultPrefix = "otpssl:session:"

// DefaultTimeout bounds each Redis command unless WithTimeout says
// otherwise.
const DefaultTimeout = 500 * time.Millisecond

// scanLimit bounds how many keys Foldl and SelectSession look at, so
// that one call never reads a whole large database.
const scanLimit = 10000

// maxScanRounds bounds the SCAN commands of one Foldl or SelectSession:
// a server whose cursor never comes back to 0 (or a database far larger
// than the sessions in it) cannot keep a call going for ever. With COUNT
// 200 it covers a database of about 800,000 keys.
const maxScanRounds = 4096

// Cache is a session.Cache in Redis. It is safe for concurrent use.
type Cache struct {
	cl          *client
	prefix      string
	sharedPorts bool
	now         func() time.Time

	mu       sync.Mutex
	role     session.Role
	lifetime time.Duration
}

// Option configures a Cache.
type Option func(*Cache)

// WithPrefix sets the prefix of every key, to keep the sessions of
// several fleets (or several roles of a test) apart in one Redis
// database.
func WithPrefix(p string) Option { return func(c *Cache) { c.prefix = p } }

// WithTimeout sets the time-out of each command (0 or less:
// DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(c *Cache) {
		if d > 0 {
			c.cl.timeout = d
		}
	}
}

// WithPassword sends AUTH with the password (and, when username is not
// empty, the ACL user name) on each new connection.
func WithPassword(username, password string) Option {
	return func(c *Cache) { c.cl.username, c.cl.password = username, password }
}

// WithDB selects a database other than 0 on each new connection.
func WithDB(db int) Option { return func(c *Cache) { c.cl.db = db } }

// WithDialer sets how connections to Redis are made, for example
// through TLS; the default is a net.Dialer.
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *Cache) {
		if dial != nil {
			c.cl.dial = dial
		}
	}
}

// SharedAcrossPorts stores server sessions without their port (under
// port 0), so that servers listening on different ports resume each
// other's sessions. Client keys keep their port: it names the server.
func SharedAcrossPorts() Option { return func(c *Cache) { c.sharedPorts = true } }

// WithClock sets the clock used for the keys' time to live and for
// expiry checks (nil: time.Now), for tests.
func WithClock(now func() time.Time) Option {
	return func(c *Cache) {
		if now != nil {
			c.now = now
		}
	}
}

// New returns a cache on the Redis server at addr (host:port). It
// connects when first used.
func New(addr string, opts ...Option) *Cache {
	var d net.Dialer
	c := &Cache{
		cl:       &client{addr: addr, timeout: DefaultTimeout, dial: d.DialContext},
		prefix:   DefaultPrefix,
		now:      time.Now,
		lifetime: session.DefaultLifetime,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Init records the role and the session lifetime. It does not contact
// Redis: a Redis that is down when the application starts gives full
// handshakes until it is back, not a failed start.
func (c *Cache) Init(args session.InitArgs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cl.reopen()
	c.role = args.Role
	if args.Lifetime > 0 {
		c.lifetime = args.Lifetime
	}
	return nil
}

func (c *Cache) settings() (session.Role, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.role, c.lifetime
}

// rolePrefix is the prefix of the keys of one role.
func (c *Cache) rolePrefix(role session.Role) string {
	r := "server"
	if role == session.Client {
		r = "client"
	}
	return c.prefix + r + ":"
}

// peerPrefix is the prefix of the keys of one partial key.
func (c *Cache) peerPrefix(role session.Role, pk session.PartialKey) string {
	port := pk.Port
	if c.sharedPorts && role != session.Client {
		port = 0
	}
	return c.rolePrefix(role) + hex.EncodeToString([]byte(pk.Host)) + ":" + strconv.Itoa(port) + ":"
}

func (c *Cache) redisKey(role session.Role, k session.Key) []byte {
	return []byte(c.peerPrefix(role, k.PartialKey) + hex.EncodeToString([]byte(k.ID)))
}

// Lookup returns the session under key, or nil when Redis has none, the
// value does not decode, the session has expired, or Redis cannot be
// reached.
func (c *Cache) Lookup(key session.Key) *session.Session {
	if len(key.ID) > session.MaxIDLen {
		return nil
	}
	role, life := c.settings()
	v, err := c.cl.do([]byte("GET"), c.redisKey(role, key))
	if err != nil {
		return nil
	}
	return c.decode(v, life)
}

func (c *Cache) decode(v any, life time.Duration) *session.Session {
	b, ok := v.([]byte)
	if !ok {
		return nil
	}
	s, err := session.Decode(b)
	if err != nil || !s.ValidAt(c.now(), life) {
		return nil
	}
	return s
}

// Update stores s under key with the rest of its lifetime as time to
// live; a session already expired, or a key whose ID is longer than
// session.MaxIDLen, is not stored.
func (c *Cache) Update(key session.Key, s *session.Session) {
	if s == nil || len(key.ID) > session.MaxIDLen {
		return
	}
	role, life := c.settings()
	ttl := s.Created.Add(life).Sub(c.now())
	if ttl <= 0 || !s.ValidAt(c.now(), life) {
		return
	}
	enc, err := s.MarshalBinary()
	if err != nil {
		return
	}
	ms := max(int64(ttl/time.Millisecond), 1)
	_, _ = c.cl.do([]byte("SET"), c.redisKey(role, key), enc, []byte("PX"), []byte(strconv.FormatInt(ms, 10)))
	clear(enc)
}

// Delete removes the session under key.
func (c *Cache) Delete(key session.Key) {
	if len(key.ID) > session.MaxIDLen {
		return
	}
	role, _ := c.settings()
	_, _ = c.cl.do([]byte("DEL"), c.redisKey(role, key))
}

// Foldl calls fn on each session of the cache's role that has not
// expired (at most scanLimit keys are looked at), in Redis's order. fn
// runs while no connection is held, so it may call the cache.
func (c *Cache) Foldl(fn func(key session.Key, s *session.Session, acc any) any, acc0 any) any {
	role, life := c.settings()
	acc := acc0
	for _, e := range c.scan(role, c.rolePrefix(role), life) {
		acc = fn(e.key, e.s, acc)
	}
	return acc
}

// SelectSession returns the sessions under pk that have not expired,
// newest first.
func (c *Cache) SelectSession(pk session.PartialKey) []*session.Session {
	role, life := c.settings()
	found := c.scan(role, c.peerPrefix(role, pk), life)
	slices.SortFunc(found, func(a, b entry) int { return b.s.Created.Compare(a.s.Created) })
	out := make([]*session.Session, len(found))
	for i, e := range found {
		out[i] = e.s
	}
	return out
}

type entry struct {
	key session.Key
	s   *session.Session
}

// scan returns the valid sessions whose keys start with prefix.
func (c *Cache) scan(role session.Role, prefix string, life time.Duration) []entry {
	pattern := []byte(globEscape(prefix) + "*")
	cursor := []byte("0")
	var keys [][]byte
	for range maxScanRounds {
		v, err := c.cl.do([]byte("SCAN"), cursor, []byte("MATCH"), pattern, []byte("COUNT"), []byte("200"))
		if err != nil {
			return nil
		}
		arr, ok := v.([]any)
		if !ok || len(arr) != 2 {
			return nil
		}
		next, _ := arr[0].([]byte)
		batch, _ := arr[1].([]any)
		for _, k := range batch {
			if kb, ok := k.([]byte); ok && bytes.HasPrefix(kb, []byte(prefix)) && len(keys) < scanLimit {
				keys = append(keys, kb)
			}
		}
		if len(next) == 0 || string(next) == "0" || len(keys) >= scanLimit {
			break
		}
		cursor = next
	}
	var out []entry
	for _, k := range keys {
		key, ok := c.parseKey(role, string(k))
		if !ok {
			continue
		}
		v, err := c.cl.do([]byte("GET"), k)
		if err != nil {
			continue
		}
		if s := c.decode(v, life); s != nil {
			out = append(out, entry{key, s})
		}
	}
	return out
}

// parseKey reads a Redis key back into a session key.
func (c *Cache) parseKey(role session.Role, k string) (session.Key, bool) {
	rest, ok := strings.CutPrefix(k, c.rolePrefix(role))
	if !ok {
		return session.Key{}, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 {
		return session.Key{}, false
	}
	host, err1 := hex.DecodeString(parts[0])
	port, err2 := strconv.Atoi(parts[1])
	id, err3 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(id) > session.MaxIDLen {
		return session.Key{}, false
	}
	return session.MakeKey(session.PartialKey{Host: string(host), Port: port}, id), true
}

// globEscape escapes the characters SCAN's MATCH gives a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Terminate closes the connections to Redis. The sessions stay in Redis
// for the other servers; calls after Terminate do nothing, until Init
// makes the cache usable again (a later ssl.Start).
func (c *Cache) Terminate() { c.cl.close() }
