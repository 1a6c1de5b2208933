package session

import (
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/otpssl/ssl/cipher"
)

// DefaultLifetime is how long a session may be resumed when nothing else
// is configured: 24 hours, Erlang's default session_lifetime.
const DefaultLifetime = 24 * time.Hour

// DefaultMaxSessions is how many sessions a cache holds when nothing else
// is configured: 1000, Erlang's default session_cache_client_max and
// session_cache_server_max.
const DefaultMaxSessions = 1000

// MaxIDLen is the longest session ID TLS allows (RFC 5246, Section
// 7.4.1.2).
const MaxIDLen = 32

// Role says which side of connections a cache serves.
type Role uint8

// The roles of Init: a client cache holds the sessions a client offers
// to resume, a server cache the sessions a server agrees to resume.
const (
	Client Role = iota + 1
	Server
)

// String returns the Erlang atom of the role ("client", "server").
func (r Role) String() string {
	switch r {
	case Client:
		return "client"
	case Server:
		return "server"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// PartialKey is the part of a Key that names the peer, Erlang's
// partialkey(): on a client the server's host (as given to Connect, or
// the server's address for an upgraded connection) and port; on a server
// the port it listens on, with Host empty.
type PartialKey struct {
	Host string
	Port int
}

// Key names one session in a cache, Erlang's {PartialKey, SessionId}: on
// a client {{Host, Port}, ID}, on a server {Port, ID}. ID holds the bytes
// of the session ID (at most 32), as a string so that Key is comparable
// and can be a map key.
//
// Keys come from the network: the ID is whatever a client sent in its
// ClientHello, so a cache must treat every part of a key as untrusted
// input (any bytes, any length up to MaxIDLen) and never use it as code,
// a path or a pattern without escaping it.
type Key struct {
	PartialKey
	ID string
}

// MakeKey returns the key of session ID id under pk.
func MakeKey(pk PartialKey, id []byte) Key {
	return Key{PartialKey: pk, ID: string(id)}
}

// SessionID returns a copy of the key's session ID.
func (k Key) SessionID() []byte { return []byte(k.ID) }

// String renders the key for logs: host, port and the session ID in
// hexadecimal. It holds nothing secret.
func (k Key) String() string {
	return k.Host + ":" + strconv.Itoa(k.Port) + "/" + hex.EncodeToString([]byte(k.ID))
}

// Session is a TLS session (RFC 5246, Section 7.3; Erlang's #session{}):
// what a client and a server keep of a full handshake so that later
// connections can resume it with an abbreviated handshake, and what an
// RFC 5077 ticket carries.
//
// A Session is a value that is never modified once it has been handed to a
// cache or taken from one: the library and caches share it between
// goroutines without copying. Code that wants to change one makes a copy
// with Clone first.
//
// MasterSecret is secret: a Session must not be logged, and a cache that
// stores sessions outside the process must protect them as it would a
// private key (MarshalBinary writes it in the clear).
type Session struct {
	// ID is the session ID the server gave (at most 32 bytes). On a
	// client whose server gave none but a ticket, it is an ID the client
	// chose, sent with the ticket (RFC 5077, Section 3.4).
	ID []byte
	// Version is the protocol version of the session.
	Version cipher.Version
	// CipherSuite is the IANA ID of the session's cipher suite.
	CipherSuite uint16
	// Compression is the compression method, always 0 (null).
	Compression uint8
	// MasterSecret is the 48-byte master secret of TLS 1.0-1.2 and SSL
	// 3.0; for a TLS 1.3 session, the resumption PSK.
	MasterSecret []byte
	// ExtendedMasterSecret says the master secret is the one of RFC 7627:
	// such a session is resumed only with the extension, and a session
	// without it only without (RFC 7627, Section 5.3).
	ExtendedMasterSecret bool
	// PeerCertificates is the peer's certificate chain as it was sent
	// (peer first, DER), empty when the peer sent none. A resumed
	// connection reports it as its peer's.
	PeerCertificates [][]byte
	// PeerVerified says, on a client, that the server's certificate was
	// checked with verify_peer when the session was made: a client that
	// verifies does not resume a session that was not verified. On a
	// server it says the client sent a certificate that was checked with
	// verify_peer (even when the session does not keep it, as a TLS 1.3
	// stateless ticket without the certificate): a server that verifies
	// resumes a session with a certificate only if it says so, and
	// validates the chain again.
	PeerVerified bool
	// LocalCertHash is the SHA-256 hash of this side's own certificate
	// in the handshake, empty when it sent none: a session is resumed
	// only with the same own certificate (as Erlang compares
	// own_certificate).
	LocalCertHash []byte
	// ServerName is the server name the client sent (RFC 6066): a
	// session is resumed only for the same name.
	ServerName string
	// ALPN is the application protocol of the connection that made the
	// session, if any (TLS 1.3 early data needs it; TLS 1.2 negotiates
	// ALPN again on resumption).
	ALPN string
	// Group is the named group (curve) of the key exchange that made the
	// session, 0 for none; a resumed connection reports it, as Erlang
	// reports the session's ecc.
	Group uint16
	// Created is when the full handshake that made the session finished;
	// the session may be resumed until Created plus the session lifetime.
	Created time.Time

	// Ticket is, on a client, the RFC 5077 (or TLS 1.3) ticket the server
	// gave for this session, sent to resume it; empty if none.
	Ticket []byte
	// TicketLifetime is the ticket's lifetime hint in seconds (0: none
	// given).
	TicketLifetime uint32
	// TicketAgeAdd and MaxEarlyData are TLS 1.3 ticket values
	// (ticket_age_add and max_early_data_size, RFC 8446, Section 4.6.1).
	TicketAgeAdd uint32
	MaxEarlyData uint32
}

// Clone returns a deep copy of s (nil for nil).
func (s *Session) Clone() *Session {
	if s == nil {
		return nil
	}
	c := *s
	c.ID = cloneBytes(s.ID)
	c.MasterSecret = cloneBytes(s.MasterSecret)
	c.LocalCertHash = cloneBytes(s.LocalCertHash)
	c.Ticket = cloneBytes(s.Ticket)
	if s.PeerCertificates != nil {
		c.PeerCertificates = make([][]byte, len(s.PeerCertificates))
		for i, der := range s.PeerCertificates {
			c.PeerCertificates[i] = cloneBytes(der)
		}
	}
	return &c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// ValidAt reports whether the session may still be resumed at now with
// the given lifetime (0 or less: DefaultLifetime): it was created less
// than lifetime ago. A session whose creation time is more than a minute
// after now (a peer's clock far ahead, or a forged value) is not valid
// either.
func (s *Session) ValidAt(now time.Time, lifetime time.Duration) bool {
	if s == nil || s.Created.IsZero() {
		return false
	}
	if lifetime <= 0 {
		lifetime = DefaultLifetime
	}
	if s.Created.After(now.Add(time.Minute)) {
		return false
	}
	return now.Sub(s.Created) < lifetime
}

// PeerCertificate returns the peer's certificate (the first of the
// chain), or nil.
func (s *Session) PeerCertificate() []byte {
	if s == nil || len(s.PeerCertificates) == 0 {
		return nil
	}
	return s.PeerCertificates[0]
}

// String describes s for logs and errors without its secrets: the
// version, suite, session ID, server name, ALPN protocol, creation time
// and the ticket's length, never the master secret or the ticket. It is
// what %v, %+v, %s and %#v print, and (LogValue) what log/slog records,
// so that a session that reaches a log line gives nothing away.
func (s Session) String() string {
	var b strings.Builder
	b.WriteString("session{")
	b.WriteString(s.Version.String())
	b.WriteString(" suite=0x")
	b.WriteString(strconv.FormatUint(uint64(s.CipherSuite), 16))
	b.WriteString(" id=")
	b.WriteString(hex.EncodeToString(s.ID))
	if s.ServerName != "" {
		b.WriteString(" server_name=" + strconv.Quote(s.ServerName))
	}
	if s.ALPN != "" {
		b.WriteString(" alpn=" + strconv.Quote(s.ALPN))
	}
	b.WriteString(" created=" + s.Created.UTC().Format(time.RFC3339))
	if len(s.Ticket) > 0 {
		b.WriteString(" ticket=" + strconv.Itoa(len(s.Ticket)) + "B")
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String: %#v prints no secret either.
func (s Session) GoString() string { return s.String() }

// LogValue is String for log/slog, whose JSON handler would otherwise
// write every field, the master secret among them.
func (s Session) LogValue() slog.Value { return slog.StringValue(s.String()) }
