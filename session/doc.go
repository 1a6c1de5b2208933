// Package session holds the TLS session value, the session cache interface
// (Erlang's ssl_session_cache_api) and the default in-memory cache, and
// the keys that seal RFC 5077 session tickets.
//
//   - Session is what a full handshake leaves for later connections to
//     resume (RFC 5246, Section 7.3), with a bounded, versioned binary
//     encoding (MarshalBinary, Decode) for caches outside the process and
//     for tickets.
//   - Cache is the pluggable store, with its contract: safe for
//     concurrent use, keys {{Host, Port}, ID} on a client and {Port, ID}
//     on a server, keys and stored values untrusted. MemoryCache is the
//     default: a session lifetime, a maximum size, the sessions of a full
//     cache invalidated as the seed says (or only the oldest, with
//     WithDropOldest).
//   - TicketKeys seal and open tickets (AES-256-GCM, random nonces), with
//     rotation (current and previous key) or a key set given by the
//     caller for a fleet of servers.
//
// The root package wires these to the application environment
// (ssl.Start's SessionLifetime, SessionCB, SessionCacheClientMax,
// SessionCacheServerMax) and the handshake package resumes sessions
// with them.
package session
