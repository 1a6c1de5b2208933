// Package x509path builds and validates certificate paths the way Erlang's
// ssl and public_key do (RFC 5280, Section 6.1), with Erlang's event model:
// a VerifyFun sees every problem, every extension path validation does not
// process, and every certificate that passed, and decides what to do.
//
// Validate takes the chain a peer sent, finds a path from the peer to a
// trusted root (the chain may be out of order, incomplete or padded),
// validates it, checks the host name and, per crl_check, revocation. Its
// errors are BadCertError values whose Reason prints as the Erlang term
// ({bad_cert,unknown_ca}, {bad_cert,{revoked,keyCompromise}}, ...).
//
// Certificates are parsed and signatures checked with crypto/x509; path
// building and validation are this package's own. Extensions crypto/x509
// does not expose completely (name constraints with directory names,
// subject alternative names of every form, authority key identifiers) are
// parsed here.
//
// Depth follows Erlang's depth option: the number of non-self-issued
// intermediate certificates that may follow the peer. DefaultVerifyPeer and
// DefaultVerifyNone are the default verify funs of verify_peer and
// verify_none.
package x509path
