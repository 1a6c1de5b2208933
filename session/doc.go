// Package session holds the TLS session value, the session cache interface
// (Erlang's ssl_session_cache_api) and the default in-memory cache.
package session
