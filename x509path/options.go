package x509path

import (
	"crypto/x509"
	"net/netip"
	"time"

	"github.com/otpssl/ssl/crl"
)

// Purpose is what the peer certificate must be good for: its extended key
// usage, and that of the CAs above it, must allow it.
type Purpose int

// Purposes. The zero value is ServerAuth: a client validating a server.
const (
	// ServerAuth requires id-kp-serverAuth (a client validating a server;
	// Erlang role client).
	ServerAuth Purpose = iota
	// ClientAuth requires id-kp-clientAuth (a server validating a client;
	// Erlang role server).
	ClientAuth
	// AnyPurpose checks no extended key usage.
	AnyPurpose
)

// String returns "server_auth", "client_auth" or "any".
func (p Purpose) String() string {
	switch p {
	case ServerAuth:
		return "server_auth"
	case ClientAuth:
		return "client_auth"
	case AnyPurpose:
		return "any"
	}
	return "unknown"
}

// Profile selects how much of the certificate profile is enforced beyond
// what path validation needs.
type Profile int

// Profiles.
const (
	// ProfileDefault checks what Erlang's public_key and ssl check (RFC 5280
	// path validation, extended key usage, host name), with the safer
	// choices documented on Validate.
	ProfileDefault Profile = iota
	// ProfileStrict also enforces the "MUST" rules of the RFC 5280 and
	// CA/Browser Forum certificate profiles that web PKI validators such
	// as rustls-webpki enforce: version 3 certificates, serial numbers,
	// key identifiers, critical basic constraints on CAs, consistent key
	// usage, subject alternative names on the peer (and no common name
	// fallback for host names), RSA (2048 bits or more), ECDSA (P-256,
	// P-384, P-521) or Ed25519 keys, and the same checks on the trust
	// anchor as on the other CAs. Violations are BadCert events with a
	// ProfileViolation reason (or the Erlang reason where one fits).
	ProfileStrict
)

// DefaultMaxDepth is the depth used when Options.MaxDepth is 0, as current
// Erlang's default depth.
const DefaultMaxDepth = 10

// MaxChainCerts is the largest number of certificates Validate accepts in a
// chain.
const MaxChainCerts = 64

// Options configure Validate.
type Options struct {
	// TrustedCerts are the DER certificates trusted as roots (cacerts).
	// As in Erlang and OpenSSL, a trusted certificate ends a path only
	// when it is self-issued (its subject is its issuer); the others serve
	// as intermediates that may complete a chain the peer sent incomplete.
	// A certificate of TrustedCerts that does not parse is ignored. Their
	// parsed form is kept in a bounded cache shared by all calls, so that
	// a large root store is not parsed again on every handshake.
	TrustedCerts [][]byte
	// MaxDepth is Erlang's depth: the largest number of non-self-issued
	// intermediate certificates that may follow the peer. 0 means
	// DefaultMaxDepth (10); a negative value means none (Erlang depth 0:
	// the peer must be signed by the root).
	MaxDepth int
	// VerifyFun is called for every certificate of the path; nil means
	// DefaultVerifyPeer.
	VerifyFun VerifyFun
	// UserState is the initial user state passed to VerifyFun.
	UserState any
	// PartialChain, when set, may choose a trust anchor among the
	// certificates of a path that reaches no trusted root.
	PartialChain PartialChainFun
	// Hostname, when not empty, must be named by the peer certificate (see
	// VerifyHostname); a failure is a BadCert event hostname_check_failed
	// for the peer, in place of its ValidPeer event. An IP address literal
	// is checked as an IP address.
	Hostname string
	// IP, when valid, must be an iPAddress subject alternative name of the
	// peer. With both Hostname and IP set, a match of either suffices (as
	// Erlang's {fallback, Host} reference).
	IP netip.Addr
	// Time is the validation time; the zero value means now.
	Time time.Time
	// Purpose is what the peer must be good for; the zero value is
	// ServerAuth.
	Purpose Purpose
	// KeyUsage, when not zero, lists key usage bits the peer must assert
	// if it has a key usage extension (for example
	// x509.KeyUsageDigitalSignature for a signing key); a missing bit is
	// a BadCert event invalid_key_usage for the peer.
	KeyUsage x509.KeyUsage
	// CRLCheck is the crl_check mode. Revocation is checked for the
	// certificates of the path below the trust anchor (the anchor itself
	// is trusted as configured), after each certificate's Valid or
	// ValidPeer event, as Erlang does.
	CRLCheck crl.CheckMode
	// CRLCache supplies the CRLs; nil means a cache without CRLs (every
	// status is then undetermined).
	CRLCache crl.Cache
	// Profile selects the certificate profile checks; the zero value is
	// ProfileDefault.
	Profile Profile
}

// Result is a successful validation.
type Result struct {
	// Path is the validated path, peer first and the trust anchor last
	// (a single certificate when the peer is its own anchor). Trusted
	// certificates are parsed once and shared between calls, and so are
	// the peer's while one call still holds them (a certificate sent again
	// is not parsed again): do not modify the certificates.
	Path []*x509.Certificate
	// Anchor is the trust anchor, the last certificate of Path.
	Anchor *x509.Certificate
	// AnchorTrusted is true when the anchor is one of Options.TrustedCerts,
	// false when PartialChain chose it or the VerifyFun accepted an
	// unknown_ca or selfsigned_peer event for it.
	AnchorTrusted bool
	// UserState is the user state the last VerifyFun call returned.
	UserState any
}
