package session

import "time"

// Cache stores sessions: Erlang's ssl_session_cache_api behaviour. The
// library keeps one cache for its clients and one for its servers
// (ssl.Start's SessionCB chooses them; MemoryCache is the default), and a
// server may share its cache with the other servers of a fleet (the
// contrib/redissession module) so that a client resumes on any of them.
//
// The contract:
//
//   - Concurrency: every method may be called from any goroutine, many at
//     once (each handshake calls the cache in its own goroutine, Erlang's
//     "callable from any process" for every function), so an
//     implementation must be safe for concurrent use.
//   - Keys: on a client {{Host, Port}, ID}, Host and Port those of the
//     server connected to; on a server {Port, ID} with Host empty, Port the
//     one the server listens on. The session ID in a key is chosen by the
//     peer: keys are untrusted input (see Key).
//   - Values: the library passes each Session to Update once it is
//     complete and never changes it afterwards; a cache may keep the
//     pointer, copy it, or store its encoding (MarshalBinary). Sessions a
//     cache returns are not modified by the library either. What a cache
//     returns from outside the process is untrusted too: the library
//     checks every session it gets (lifetime, version, suite, own
//     certificate, server name, extended master secret) before resuming it,
//     and Decode refuses malformed encodings.
//   - Lifetime: a session is resumable for the lifetime Init gives,
//     counted from Session.Created. The library never resumes an expired
//     session whatever a cache returns, but a cache should forget expired
//     sessions so that it does not grow without bound, and should bound
//     its size (Init's Max; what happens when it is full is the cache's
//     choice and must be documented).
//   - What is inserted: only the sessions of completed handshakes. A
//     failed handshake inserts nothing. A server inserts a new session
//     before its last flight and deletes it again if that flight cannot be
//     sent; a client inserts after the server's Finished is verified, and
//     deletes a session it offered that the server declined to resume.
//   - Failures: the interface has no errors. A cache that cannot reach
//     its store answers Lookup and SelectSession with nothing (the
//     handshake is then a full one) and drops Update and Delete; it must
//     not block without bound (use time-outs).
//   - Life cycle: Init is called once, before any other method. Terminate
//     is called once, when the application stops (ssl.Stop) or the cache
//     is replaced; handshakes still running may call the other methods
//     after it, and those calls must be harmless (they may do nothing).
type Cache interface {
	// Init prepares the cache for one role (Erlang's init/1, whose
	// proplist holds {role, Role} and session_cb_init_args). An error
	// makes ssl.Start fail.
	Init(args InitArgs) error
	// Lookup returns the session stored under key, or nil (Erlang's
	// lookup/2 returning undefined).
	Lookup(key Key) *Session
	// Update stores s under key, replacing what was there (update/3).
	Update(key Key, s *Session)
	// Delete removes the session stored under key, if any (delete/2).
	Delete(key Key)
	// Foldl calls fn on each stored session with the accumulator, which
	// starts as acc0 and becomes what fn returns; it returns the last
	// accumulator, acc0 for an empty cache (foldl/3). The order is the
	// cache's. fn must not call the cache.
	Foldl(fn func(key Key, s *Session, acc any) any, acc0 any) any
	// SelectSession returns the sessions stored under the partial key,
	// newest first when the cache knows the order (select_session/2). A
	// client picks one to offer among them.
	SelectSession(pk PartialKey) []*Session
	// Terminate releases what the cache holds (terminate/1).
	Terminate()
}

// InitArgs are the arguments of Cache.Init.
type InitArgs struct {
	// Role is the side the cache serves.
	Role Role
	// Lifetime is the application's session_lifetime (DefaultLifetime
	// when not set).
	Lifetime time.Duration
	// Max is session_cache_client_max or session_cache_server_max, for
	// the role (DefaultMaxSessions when not set).
	Max int
	// Args are the application's session_cb_init_args, for the cache to
	// interpret.
	Args []any
}

// Factory makes the cache of a role: the value of ssl.Start's SessionCB
// (Erlang's session_cb, a module, which Erlang initialises once per role).
// Returning nil gives that role the default MemoryCache, so that a fleet
// can share its server sessions and keep its client sessions in memory.
type Factory func(role Role) Cache
