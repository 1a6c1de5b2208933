package session

import (
	"container/list"
	"slices"
	"sync"
	"time"
)

// MemoryCache is the default Cache: sessions in the process's memory,
// Erlang's ssl_client_session_cache_db and ssl_server_session_cache_db.
// It is safe for concurrent use, and its memory is bounded:
//
//   - Lifetime: a session is returned only while it is younger than the
//     lifetime (counted from Session.Created); an expired session found
//     by Lookup or SelectSession is deleted then, and Update deletes all
//     expired sessions at most once a minute (and always when the cache is
//     full), as Erlang's session validator does.
//   - Size: at most Max sessions. When a new key is added to a full cache,
//     the expired sessions go first; if none was expired, every session
//     in the cache is invalidated, whatever its remaining lifetime, as
//     the seed (OTP 20's session_cache_client_max and
//     session_cache_server_max) says. WithDropOldest chooses the gentler
//     rule of newer OTP releases instead: only the oldest session (the
//     least recently added or updated) goes.
//   - Memory: at most Max sessions, each as large as its peer
//     certificate chain allows (the handshake bounds it with
//     max_handshake_size), plus a small per-entry overhead.
//
// Its zero value is not usable: make one with NewMemoryCache.
type MemoryCache struct {
	mu        sync.Mutex
	role      Role
	lifetime  time.Duration
	max       int
	fixedLife bool // set by an option: Init keeps it
	fixedMax  bool
	dropOne   bool // WithDropOldest
	now       func() time.Time
	entries   map[Key]*list.Element // of *memEntry
	order     *list.List            // oldest first
	byPeer    map[PartialKey]map[string]*list.Element
	seq       uint64
	lastSweep time.Time
}

type memEntry struct {
	key Key
	s   *Session
	seq uint64
}

// MemoryOption configures a MemoryCache.
type MemoryOption func(*MemoryCache)

// WithLifetime sets the lifetime of the sessions (0 or less:
// DefaultLifetime); it wins over the one Init gives.
func WithLifetime(d time.Duration) MemoryOption {
	return func(c *MemoryCache) {
		if d > 0 {
			c.lifetime, c.fixedLife = d, true
		}
	}
}

// WithMax sets how many sessions the cache holds (0 or less:
// DefaultMaxSessions); it wins over the Max Init gives.
func WithMax(n int) MemoryOption {
	return func(c *MemoryCache) {
		if n > 0 {
			c.max, c.fixedMax = n, true
		}
	}
}

// WithDropOldest makes a full cache drop only its oldest session for a
// new one, instead of invalidating all of its sessions (the seed's rule,
// the default).
func WithDropOldest() MemoryOption {
	return func(c *MemoryCache) { c.dropOne = true }
}

// WithClock sets the clock the cache reads (nil: time.Now), for tests.
func WithClock(now func() time.Time) MemoryOption {
	return func(c *MemoryCache) { c.now = now }
}

// NewMemoryCache returns an empty cache with DefaultLifetime and
// DefaultMaxSessions unless options say otherwise. It works before Init;
// Init sets its role and, unless options set them, its lifetime and size.
func NewMemoryCache(opts ...MemoryOption) *MemoryCache {
	c := &MemoryCache{
		lifetime: DefaultLifetime,
		max:      DefaultMaxSessions,
		entries:  make(map[Key]*list.Element),
		order:    list.New(),
		byPeer:   make(map[PartialKey]map[string]*list.Element),
	}
	for _, o := range opts {
		o(c)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Init sets the role, and the lifetime and size unless options set them.
func (c *MemoryCache) Init(args InitArgs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.role = args.Role
	if args.Lifetime > 0 && !c.fixedLife {
		c.lifetime = args.Lifetime
	}
	if args.Max > 0 && !c.fixedMax {
		c.max = args.Max
		for c.order.Len() > c.max {
			c.removeLocked(c.order.Front())
		}
	}
	return nil
}

// Len returns how many sessions the cache holds, expired ones included
// until they are cleaned.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Lookup returns the session under key if it has not expired.
func (c *MemoryCache) Lookup(key Key) *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil
	}
	me := e.Value.(*memEntry)
	if !me.s.ValidAt(c.now(), c.lifetime) {
		c.removeLocked(e)
		return nil
	}
	return me.s
}

// Update stores s under key. A nil s, or a key whose ID is longer than
// MaxIDLen, is ignored.
func (c *MemoryCache) Update(key Key, s *Session) {
	if s == nil || len(key.ID) > MaxIDLen {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if old, ok := c.entries[key]; ok {
		c.removeLocked(old)
	}
	if now.Sub(c.lastSweep) >= time.Minute || c.order.Len() >= c.max {
		c.sweepLocked(now)
	}
	if c.order.Len() >= c.max && !c.dropOne {
		// The seed's rule: a full cache is invalidated.
		clear(c.entries)
		clear(c.byPeer)
		c.order.Init()
	}
	for c.order.Len() >= c.max {
		c.removeLocked(c.order.Front())
	}
	c.seq++
	e := c.order.PushBack(&memEntry{key: key, s: s, seq: c.seq})
	c.entries[key] = e
	peer := c.byPeer[key.PartialKey]
	if peer == nil {
		peer = make(map[string]*list.Element)
		c.byPeer[key.PartialKey] = peer
	}
	peer[key.ID] = e
}

// Delete removes the session under key.
func (c *MemoryCache) Delete(key Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.removeLocked(e)
	}
}

// Foldl calls fn on each session that has not expired, oldest first.
// fn runs without the cache's lock held, on a snapshot taken at the
// start, so it may call the cache.
func (c *MemoryCache) Foldl(fn func(key Key, s *Session, acc any) any, acc0 any) any {
	c.mu.Lock()
	now := c.now()
	snap := make([]*memEntry, 0, c.order.Len())
	for e := c.order.Front(); e != nil; e = e.Next() {
		if me := e.Value.(*memEntry); me.s.ValidAt(now, c.lifetime) {
			snap = append(snap, me)
		}
	}
	c.mu.Unlock()
	acc := acc0
	for _, me := range snap {
		acc = fn(me.key, me.s, acc)
	}
	return acc
}

// SelectSession returns the sessions under pk that have not expired,
// newest first.
func (c *MemoryCache) SelectSession(pk PartialKey) []*Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	peer := c.byPeer[pk]
	if len(peer) == 0 {
		return nil
	}
	now := c.now()
	found := make([]*memEntry, 0, len(peer))
	var expired []*list.Element
	for _, e := range peer {
		me := e.Value.(*memEntry)
		if me.s.ValidAt(now, c.lifetime) {
			found = append(found, me)
		} else {
			expired = append(expired, e)
		}
	}
	for _, e := range expired {
		c.removeLocked(e)
	}
	slices.SortFunc(found, func(a, b *memEntry) int {
		switch {
		case a.seq > b.seq:
			return -1
		case a.seq < b.seq:
			return 1
		}
		return 0
	})
	out := make([]*Session, len(found))
	for i, me := range found {
		out[i] = me.s
	}
	return out
}

// Terminate empties the cache. It stays usable.
func (c *MemoryCache) Terminate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	clear(c.byPeer)
	c.order.Init()
}

// sweepLocked deletes the expired sessions.
func (c *MemoryCache) sweepLocked(now time.Time) {
	c.lastSweep = now
	for e := c.order.Front(); e != nil; {
		next := e.Next()
		if !e.Value.(*memEntry).s.ValidAt(now, c.lifetime) {
			c.removeLocked(e)
		}
		e = next
	}
}

func (c *MemoryCache) removeLocked(e *list.Element) {
	me := e.Value.(*memEntry)
	c.order.Remove(e)
	delete(c.entries, me.key)
	if peer := c.byPeer[me.key.PartialKey]; peer != nil {
		delete(peer, me.key.ID)
		if len(peer) == 0 {
			delete(c.byPeer, me.key.PartialKey)
		}
	}
}
