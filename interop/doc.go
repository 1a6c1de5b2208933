// Package interop holds the acceptance tests of the library's TLS 1.0-1.2
// stack through its public API, against other implementations and against
// scripted peers. It has no code of its own: everything is in its tests.
//
//   - matrix_test.go: our server with their client and our client with
//     their server, for every protocol version × cipher suite of the
//     matrix that the peer supports: OpenSSL (s_server, s_client), GnuTLS
//     (gnutls-serv, gnutls-cli), Erlang/OTP's ssl (an escript driven over
//     its standard input) and Go's crypto/tls in process. Each peer's
//     support is asked of the peer when the test runs.
//   - features_test.go: ALPN, SNI (sni_hosts and sni_fun), client
//     certificates and certificate verification failures against the same
//     peers, checked on both sides.
//   - negative_test.go: scripted peers on raw TCP that break the protocol
//     at one point (an unexpected message in each state, malformed
//     messages, a wrong Finished, downgrades, bad records, renegotiation):
//     the alert on the wire, the end of the transport, the error our side
//     returns, and no goroutine left behind.
//   - bench_test.go: handshakes and bulk transfer over loopback TCP,
//     this library against crypto/tls in one run (go test -bench).
//
// Outside peer programs are found with internal/peertest: a missing one
// skips its tests, or fails them when OTPSSL_REQUIRE_PEERS=1 (as CI sets).
package interop
