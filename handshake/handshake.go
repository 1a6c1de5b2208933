package handshake

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"io"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
	"github.com/otpssl/ssl/x509path"
)

// Config is everything one handshake needs: the resolved options of one
// side of one connection. A Config is read, never modified, by Client and
// Server, and may be shared by any number of handshakes at once (with its
// callbacks safe for concurrent use).
//
// TLS 1.3 is negotiated when both sides list it and a TLS 1.3 suite of
// Suites; a client offering TLS 1.3 and older versions sends one
// ClientHello for all of them, and a server that supports TLS 1.3 but
// negotiates an older version marks its random with the downgrade
// sentinel of RFC 8446, Section 4.1.3, which such a client refuses.
type Config struct {
	// Versions are the protocol versions this side accepts, in any order
	// (Erlang's versions). SSL 3.0 is used only when listed. A client
	// offers the highest and accepts any listed version the server
	// chooses; a server chooses the highest it shares with the client.
	Versions []cipher.Version

	// Suites are the cipher suites this side accepts, in preference
	// order (Erlang's ciphers). Suites are used only in the versions they
	// are valid for; the anonymous ones (dh_anon, ecdh_anon) only when
	// listed here. A server follows the client's order unless
	// HonorCipherOrder.
	Suites []*cipher.Suite
	// HonorCipherOrder makes a server prefer its own order of Suites
	// (Erlang's honor_cipher_order).
	HonorCipherOrder bool

	// Eccs are the elliptic curves of ECDHE and ECDH in TLS 1.0-1.2, in
	// preference order (Erlang's eccs); nil means DefaultEccs. A client
	// offers them in supported_groups; a server chooses among the
	// client's, in the client's order unless HonorEccOrder.
	Eccs []NamedGroup
	// HonorEccOrder makes a server prefer its own order of Eccs (Erlang's
	// honor_ecc_order).
	HonorEccOrder bool

	// SignatureAlgs are the TLS 1.2 signature schemes this side accepts
	// and uses, in preference order (Erlang's signature_algs); nil means
	// DefaultSignatureSchemes. A client sends them in
	// signature_algorithms, a server in CertificateRequest; the peer's
	// signatures must use one of them.
	SignatureAlgs []SignatureScheme

	// Certificates are this side's certificates with their keys (Erlang's
	// cert/certfile and key/keyfile). A server picks the first that
	// fits the chosen suite and the client's curves and signature
	// algorithms; a client asked for a certificate picks the first whose
	// key fits the server's request and whose chain names one of the
	// server's certificate authorities, or else the first whose key fits,
	// or sends none.
	Certificates []Credential

	// DHParams are a server's parameters for dhe_rsa, dhe_dss and dh_anon
	// (Erlang's dh and dhfile); nil means DefaultDHParams (ffdhe2048).
	DHParams *pem.DHParams
	// MinDHBits is the smallest DH prime a client accepts; 0 means
	// DefaultMinDHBits. Weaker parameters are refused with
	// insufficient_security.
	MinDHBits int

	// VerifyPeer is Erlang's verify_peer: a server asks the client for a
	// certificate. The peer's certificate, when one is sent, is always
	// validated with PathOptions; with verify_none the options carry a
	// VerifyFun that accepts every problem (x509path.DefaultVerifyNone),
	// so the chain is still parsed but no validation failure ends the
	// handshake.
	VerifyPeer bool
	// FailIfNoPeerCert makes a server with VerifyPeer refuse a client
	// that sends no certificate (handshake_failure; Erlang's
	// fail_if_no_peer_cert).
	FailIfNoPeerCert bool
	// PathOptions are the settings of peer certificate validation
	// (trusted certificates, depth, verify_fun and its user state,
	// partial_chain, CRL checking, the purpose, and on a client the host
	// name or address the server must match). A zero Time means Now()
	// when Now is set.
	PathOptions x509path.Options
	// OmitCANames leaves the certificate_authorities of a server's
	// CertificateRequest empty; by default they are the subjects of
	// PathOptions.TrustedCerts, as Erlang sends them.
	OmitCANames bool

	// ServerName is the host name a client sends in server_name (RFC
	// 6066, Section 3); empty sends none. It is not checked against the
	// certificate here: PathOptions.Hostname is.
	ServerName string
	// SNI, on a server, gives the configuration to use for the server
	// name a client sent (Erlang's sni_hosts and sni_fun). It returns nil
	// to keep the current configuration, and an error to fail the
	// handshake (internal_error). It is called once per handshake, with a
	// non-empty name, before anything else is chosen.
	SNI func(serverName string) (*Config, error)

	// ALPN is, on a client, the protocols offered (Erlang's
	// alpn_advertised_protocols) and, on a server, the protocols accepted
	// in preference order (alpn_preferred_protocols). A server chooses
	// the first of its protocols the client offered, and refuses a client
	// that offered none of them with no_application_protocol; with either
	// list empty there is no ALPN.
	ALPN []string
	// NextProtocols configures a client's Next Protocol Negotiation
	// (Erlang's client_preferred_next_protocols); nil means none.
	NextProtocols *NextProtocols
	// NextProtocolsAdvertised are the protocols a server advertises to a
	// client that asks for Next Protocol Negotiation (Erlang's
	// next_protocols_advertised). A server does not advertise them when
	// ALPN chose a protocol.
	NextProtocolsAdvertised []string

	// SecureRenegotiate makes either side refuse a peer that does not
	// support RFC 5746 secure renegotiation (no renegotiation_info, no
	// TLS_EMPTY_RENEGOTIATION_INFO_SCSV) with handshake_failure, from the
	// first handshake on. (Erlang applies secure_renegotiate only when a
	// renegotiation starts; refusing at once is what OpenSSL 3 clients
	// do, and shuts out only peers from before 2010.) Both sides always
	// signal the support themselves.
	SecureRenegotiate bool
	// Fallback makes a client send TLS_FALLBACK_SCSV (RFC 7507; Erlang's
	// fallback): it is retrying with lower versions after a failure.
	Fallback bool
	// IssueSessionID makes a server give the session a random 32-byte
	// session ID (Erlang's reuse_sessions), reported in State.SessionID.
	// With a SessionCache the server also stores its sessions there and
	// resumes them (resume12.go); without IssueSessionID it resumes
	// nothing, RFC 5077 tickets included.
	IssueSessionID bool

	// Groups are the TLS 1.3 key exchange groups, in preference order
	// (Erlang's supported_groups); nil means DefaultGroups. A client
	// lists them in supported_groups (before the Eccs of TLS 1.2, when it
	// offers both versions) and sends key shares for the first one and,
	// when that one is a hybrid post-quantum group, for the first
	// classical group after it as well, as Go's crypto/tls does: a server
	// without the hybrid then needs no HelloRetryRequest. A server chooses
	// among the client's groups in the client's order, preferring a group
	// the client sent a share for, unless HonorEccOrder, with which its
	// own first common group wins even at the cost of a
	// HelloRetryRequest.
	Groups []NamedGroup
	// SignatureAlgsCert are the signature schemes this side accepts in
	// the peer's certificates (Erlang's signature_algs_cert), sent in
	// TLS 1.3's signature_algorithms_cert; nil sends none, and then
	// SignatureAlgs applies to certificates too (RFC 8446, Section
	// 4.2.3).
	SignatureAlgsCert []SignatureScheme
	// DisableMiddleboxCompat turns TLS 1.3 middlebox compatibility mode
	// off (Erlang's {middlebox_comp_mode, false}; on by default, RFC
	// 8446, Appendix D.4): with it on, a client sends a 32-byte
	// legacy_session_id and both sides send a dummy change_cipher_spec.
	DisableMiddleboxCompat bool
	// NoCookie makes a TLS 1.3 server send its HelloRetryRequest without
	// a cookie (Erlang's {cookie, false}).
	NoCookie bool
	// KeyUpdateAt is how many bytes of application data a TLS 1.3
	// connection sends under one set of keys before it updates them
	// (Erlang's key_update_at); 0 means DefaultKeyUpdateAt. The keys are
	// also updated before the record count reaches the AEAD limit of RFC
	// 8446, Section 5.5, whatever this value.
	KeyUpdateAt int64
	// KeepSecrets keeps the TLS 1.3 handshake and traffic secrets in the
	// State (Erlang's keep_secrets), for ConnectionInformation and
	// State.KeyLog. The TLS 1.0-1.2 master secret is kept in any case.
	KeepSecrets bool
	// KeyLog receives the connection's secrets as NSS key log lines
	// (the SSLKEYLOGFILE format Wireshark reads): CLIENT_RANDOM for TLS
	// 1.0-1.2; CLIENT_HANDSHAKE_TRAFFIC_SECRET,
	// SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
	// SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET for TLS 1.3, and
	// CLIENT_TRAFFIC_SECRET_N and SERVER_TRAFFIC_SECRET_N after key
	// updates. Each line is one Write. A writer shared by connections
	// must be safe for concurrent use; its errors are ignored. Anyone who
	// reads it can decrypt the traffic.
	KeyLog io.Writer

	// Tickets, on a server, makes it send TLS 1.3 session tickets after
	// each handshake and resume the sessions of the tickets clients send
	// back (Erlang's session_tickets stateless and stateful); nil sends
	// none and resumes none.
	Tickets *ServerTickets
	// PSKs, on a client, are the TLS 1.3 sessions (from session tickets)
	// it offers to resume, in preference order; the ones it cannot use
	// (another server name, another suite, an expired ticket, or one not
	// verified when VerifyPeer is set) are left out (psk13.go).
	PSKs []*session.Session
	// OnTicket, on a client, receives a session for each TLS 1.3
	// NewSessionTicket the server sends after the handshake (Erlang's
	// session_tickets auto and manual); nil drops them. It is called
	// from HandleMessage, on the goroutine reading the connection, and
	// owns the session.
	OnTicket func(*session.Session)
	// PSKModes are the TLS 1.3 PSK key exchange modes (PSKModeDHEKE,
	// PSKModeKE) of both roles: a client lists them in
	// psk_key_exchange_modes in this order, a server resumes with
	// psk_dhe_ke when both sides allow it, with psk_ke when only that is
	// common (psk13.go). nil means PSKModeDHEKE alone: every resumption
	// runs an (EC)DHE exchange, for forward secrecy.
	PSKModes []uint8

	// Session resumption of SSL 3.0 and TLS 1.0-1.2 (resume12.go).

	// SessionCache is where sessions are stored and looked up: a
	// client's sessions to offer, a server's sessions to resume. nil:
	// none is stored or resumed.
	SessionCache session.Cache
	// SessionPeer is the partial key of this connection's sessions in
	// SessionCache: on a client the server's {Host, Port}, on a server
	// {"", Port} with the port it listens on.
	SessionPeer session.PartialKey
	// SessionLifetime is how long a session may be resumed after the
	// full handshake that made it; 0 means session.DefaultLifetime.
	SessionLifetime time.Duration
	// OfferSessions makes a client offer a session of SessionCache for
	// SessionPeer and store the sessions of its full handshakes there
	// (Erlang's {reuse_sessions, true}).
	OfferSessions bool
	// SaveSessions makes a client store the sessions of its full
	// handshakes without offering any by itself (Erlang's
	// {reuse_sessions, save}): ResumeSession offers them.
	SaveSessions bool
	// ResumeSession is, on a client, the one session to offer (Erlang's
	// reuse_session on a client), whatever OfferSessions says. It is
	// offered only if it still fits the configuration (version, suite,
	// server name, lifetime, verification).
	ResumeSession *session.Session
	// ReuseSession is, on a server, Erlang's reuse_session fun: given the
	// session ID the client suggested, the peer certificate of the
	// session (nil if none), the compression method and the suite, it
	// says whether the session may be resumed; false gives a full
	// handshake. nil agrees to every session.
	ReuseSession func(sessionID, peerCert []byte, compression int, suite *cipher.Suite) bool
	// SessionTickets12 makes a client send an empty RFC 5077
	// session_ticket extension (or the ticket of the session it offers)
	// and keep the tickets servers give.
	SessionTickets12 bool
	// TicketKeys, on a server with IssueSessionID, turns RFC 5077
	// session tickets on for TLS 1.0-1.2 clients that ask for them: the
	// server seals the session into a NewSessionTicket and resumes the
	// sessions of tickets it can open. nil: no tickets.
	TicketKeys *session.TicketKeys
	// AcceptEarlyData makes a server with Tickets accept TLS 1.3 0-RTT
	// data (Erlang's {early_data, enabled}), up to MaxEarlyData bytes (0:
	// DefaultMaxEarlyData) per connection, the max_early_data_size of its
	// tickets; ReplayFilter, when set, refuses early data replayed within
	// its window (Erlang's anti_replay). See early_data13.go.
	AcceptEarlyData bool
	MaxEarlyData    uint32
	ReplayFilter    *ReplayFilter
	// EarlyData is the data a client sends as TLS 1.3 0-RTT data with
	// the first of PSKs, when that session allows it (Erlang's client
	// early_data); State.EarlyDataAccepted says whether the server took
	// it.
	EarlyData []byte

	// Rand is the source of randomness; nil means crypto/rand. Tests set
	// it for reproducible handshakes.
	Rand io.Reader
	// Now gives the time for certificate validation; nil means
	// time.Now.
	Now func() time.Time

	hooks *testHooks // set by tests only
}

// Credential is one certificate chain with its private key.
type Credential struct {
	// Chain is the DER chain sent to the peer, this side's certificate
	// first.
	Chain [][]byte
	// Key is the private key of Chain[0]: any crypto.Signer (an RSA key
	// must also be a crypto.Decrypter for the rsa key exchange).
	Key crypto.Signer
	// Leaf is Chain[0] parsed, or nil to have it parsed when needed.
	Leaf *x509.Certificate
}

// NextProtocols is a client's Next Protocol Negotiation configuration
// (draft-agl-tls-nextprotoneg; Erlang's client_preferred_next_protocols).
type NextProtocols struct {
	// Protocols are the client's protocols in its order of preference.
	Protocols []string
	// ServerPrecedence chooses the first protocol of the server's list
	// that the client knows; otherwise the first of the client's list
	// that the server advertises.
	ServerPrecedence bool
	// Default is chosen when no protocol is common; empty means the
	// handshake fails (handshake_failure), as Erlang's no_next_protocol.
	Default string
}

// State is the outcome of a handshake: what was negotiated and the
// secrets the connection and later handshakes need. It belongs to the
// connection; the socket layer reads it and hands post-handshake messages
// to HandleMessage.
type State struct {
	// Version is the negotiated protocol version.
	Version cipher.Version
	// Suite is the negotiated cipher suite.
	Suite *cipher.Suite
	// PeerCertificates is the peer's certificate chain as sent, peer
	// first; empty when the peer sent none (an anonymous suite, or a
	// client that was not asked or had none).
	PeerCertificates [][]byte
	// ServerName is the server name: the one a client sent, the one a
	// server received.
	ServerName string
	// ALPN is the application protocol ALPN chose, or "".
	ALPN string
	// NPN is the protocol Next Protocol Negotiation chose, or "".
	NPN string
	// SessionID is the session ID the server gave, possibly empty.
	SessionID []byte
	// ClientRandom and ServerRandom are the hello randoms.
	ClientRandom, ServerRandom [32]byte
	// MasterSecret is the master secret (48 bytes).
	MasterSecret []byte
	// ExtendedMasterSecret says the master secret is the one of RFC 7627.
	ExtendedMasterSecret bool
	// Group is the elliptic curve of an ECDHE or ECDH key exchange; 0 for
	// other key exchanges.
	Group NamedGroup
	// DHBits is the size of the prime of a DHE key exchange, 0 otherwise.
	DHBits int
	// SecureRenegotiation says both sides support RFC 5746.
	SecureRenegotiation bool
	// ClientFinished and ServerFinished are the verify_data of the two
	// Finished messages: the renegotiated_connection of RFC 5746 in the
	// next handshake of the connection.
	ClientFinished, ServerFinished []byte

	// Session is the connection's TLS 1.0-1.2 session: the one made by
	// the full handshake or the one resumed; nil when the handshake made
	// no resumable session.
	Session *session.Session

	// HelloRetry says a TLS 1.3 server sent a HelloRetryRequest.
	HelloRetry bool
	// Resumed says the handshake resumed a session: in TLS 1.3 with a
	// PSK from a session ticket, in TLS 1.0-1.2 with an abbreviated
	// handshake (resume12.go); Erlang's session_resumption item.
	Resumed bool
	// EarlyData is, on a server, the 0-RTT data it accepted, which comes
	// before any other application data; EarlyDataAccepted says, on both
	// sides, that the server accepted the client's early data.
	EarlyData         []byte
	EarlyDataAccepted bool
	// ClientHandshakeTrafficSecret and ServerHandshakeTrafficSecret are
	// the TLS 1.3 handshake traffic secrets, kept only with
	// Config.KeepSecrets.
	ClientHandshakeTrafficSecret, ServerHandshakeTrafficSecret []byte
	// ClientTrafficSecret and ServerTrafficSecret are the current TLS 1.3
	// application traffic secrets (application_traffic_secret_N, N being
	// ClientKeyUpdates and ServerKeyUpdates, the key updates of each
	// direction so far), kept only with Config.KeepSecrets.
	ClientTrafficSecret, ServerTrafficSecret []byte
	ClientKeyUpdates, ServerKeyUpdates       int

	client bool
	cfg    *Config
	tls13  *conn13 // the TLS 1.3 connection state, nil before TLS 1.3

	sessKey    session.Key // where Session is stored in cfg.SessionCache
	sessStored bool        // whether it is stored there
}

// Error is a failed handshake: the state it failed in, the fatal alert
// the socket layer sends (none when Alert.Remote: the peer sent it), and
// the cause.
type Error struct {
	// State is the handshake state, named as Erlang names it: "hello",
	// "certify", "cipher", "abbreviated" or "connection".
	State string
	// Alert is the fatal alert to send; with Remote set it is the alert
	// the peer sent, and nothing is to be sent.
	Alert record.Alert
	// Err is the cause: one of the Err* values of this package wrapped
	// with details, a record.Alert raised while reading or parsing, an
	// x509path.BadCertError, or the peer's alert.
	Err error
}

// Error describes the failure: the state, the alert and the cause.
func (e *Error) Error() string {
	s := "handshake: in state " + e.State + ": "
	if e.Alert.Remote {
		s += "received "
	} else {
		s += "generated "
	}
	s += e.Alert.Level.Text() + e.Alert.Description.Text()
	if e.Err != nil && !e.Alert.Remote {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Erlang's state names of the TLS 1.0-1.2 handshake ("abbreviated" is
// the state of a resumed handshake).
const (
	stateHello       = "hello"
	stateCertify     = "certify"
	stateCipher      = "cipher"
	stateAbbreviated = "abbreviated"
	stateConnection  = "connection"
)

var errNilConfig = errors.New("handshake: nil Config or record.Conn")

// Client runs the full handshake of a client over rc, synchronously, and
// returns what was negotiated. On failure the error is a *Error naming the
// alert to send, or an error of the transport or of ctx as it is. Client
// never sends a fatal alert and never closes the transport; ctx is checked
// between messages, and a read blocked in the transport ends only when the
// caller makes it (with a deadline on the transport, or by closing it).
func Client(ctx context.Context, rc *record.Conn, cfg *Config) (*State, error) {
	if rc == nil || cfg == nil {
		return nil, wrap(stateHello, causef(ErrConfig, "%v", errNilConfig))
	}
	c := &clientHandshake{
		cfg: cfg,
		hc:  &hsConn{ctx: ctx, rc: rc, tr: newTranscript(), client: true},
	}
	st, err := c.run()
	if err != nil {
		return nil, wrap(c.state, err)
	}
	logMasterSecret(cfg, st)
	return st, nil
}

// Server runs the full handshake of a server over rc, synchronously, as
// Client does for a client.
func Server(ctx context.Context, rc *record.Conn, cfg *Config) (*State, error) {
	if rc == nil || cfg == nil {
		return nil, wrap(stateHello, causef(ErrConfig, "%v", errNilConfig))
	}
	s := &serverHandshake{
		cfg: cfg,
		hc:  &hsConn{ctx: ctx, rc: rc, tr: newTranscript()},
	}
	st, err := s.run()
	if err != nil {
		return nil, wrap(s.state, err)
	}
	logMasterSecret(cfg, st)
	return st, nil
}

// logMasterSecret writes the CLIENT_RANDOM key log line of a TLS 1.0-1.2
// handshake (TLS 1.3 handshakes log their secrets as they derive them).
func logMasterSecret(cfg *Config, st *State) {
	if st.Version < cipher.VersionTLS13 {
		writeKeyLog(cfg.KeyLog, KeyLogClientRandom, st.ClientRandom[:], st.MasterSecret)
	}
}

// Helpers on Config shared by both sides.

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// versions returns the configured versions this package negotiates, highest
// first: SSL 3.0 to TLS 1.3.
func (c *Config) versions() []cipher.Version {
	var out []cipher.Version
	for _, v := range []cipher.Version{cipher.VersionTLS13, cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10, cipher.VersionSSL30} {
		for _, x := range c.Versions {
			if x == v {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

func (c *Config) eccs() []NamedGroup {
	if c.Eccs == nil {
		return DefaultEccs()
	}
	return c.Eccs
}

func (c *Config) sigAlgs() []SignatureScheme {
	if c.SignatureAlgs == nil {
		return DefaultSignatureSchemes()
	}
	return c.SignatureAlgs
}

func (c *Config) minDHBits() int { return c.MinDHBits }

// pathOptions returns PathOptions with the validation time filled in.
func (c *Config) pathOptions() x509path.Options {
	o := c.PathOptions
	if o.Time.IsZero() && c.Now != nil {
		o.Time = c.Now()
	}
	return o
}

// randomBytes fills b from the configured source.
func (c *Config) randomBytes(b []byte) error {
	if _, err := io.ReadFull(c.rand(), b); err != nil {
		return causef(ErrConfig, "random source failed: %v", err)
	}
	return nil
}

// leaf returns the parsed certificate of a credential.
func (cr *Credential) leaf() (*x509.Certificate, error) {
	if cr.Leaf != nil {
		return cr.Leaf, nil
	}
	if len(cr.Chain) == 0 {
		return nil, causef(ErrConfig, "credential without a certificate")
	}
	l, err := x509.ParseCertificate(cr.Chain[0])
	if err != nil {
		return nil, causef(ErrConfig, "own certificate does not parse: %v", err)
	}
	return l, nil
}

// installKeys builds the protection of one direction from the key block.
func installKeys(v cipher.Version, s *cipher.Suite, k cipher.Keys, client, write bool, rc *record.Conn) error {
	rk := record.Keys{Key: k.ServerKey, IV: k.ServerIV, MAC: k.ServerMAC}
	if client == write {
		rk = record.Keys{Key: k.ClientKey, IV: k.ClientIV, MAC: k.ClientMAC}
	}
	p, err := record.NewProtection(v, s, rk)
	if err != nil {
		return causef(ErrConfig, "record protection: %v", err)
	}
	if write {
		return rc.SetWriteProtection(p)
	}
	return rc.SetReadProtection(p)
}
