// Package interop holds the acceptance tests of the library's TLS stack
// through its public API, against other implementations and against
// scripted peers. It has no code of its own: everything is in its tests.
//
//   - matrix_test.go: our server with their client and our client with
//     their server, for every protocol version × cipher suite of the
//     matrix that the peer supports (TLS 1.0-1.2 × seven suites, TLS 1.3 ×
//     its five suites, TLS 1.3 × its key share groups x25519, secp256r1,
//     secp384r1, secp521r1 and X25519MLKEM768, and a connection with
//     default options on both sides, which must be TLS 1.3), data both
//     ways, the protocol and suite (and group where the peer prints it)
//     checked on both sides. The peers are OpenSSL (s_server, s_client;
//     openssl_test.go), GnuTLS (gnutls-serv, gnutls-cli; gnutls_test.go),
//     Erlang/OTP's ssl (one escript per test driven over its standard
//     input; erlang_test.go) and Go's crypto/tls in process
//     (gotls_test.go). Each peer is asked what it supports when the test
//     runs; the outcome of every cell is logged as a table.
//   - features_test.go: ALPN, SNI (sni_hosts, sni_fun), client
//     certificates and certificate verification failures against the same
//     peers (fpeers_test.go), checked on both sides: our error with its
//     Erlang term, and what the peer reports.
//   - erlang_terms_test.go: our side and Erlang's ssl in the same failed
//     handshakes, their {tls_alert, ...} reasons compared.
//   - negative_test.go: scripted peers on raw TCP (script_test.go) that
//     break the protocol at one point (an unexpected message in each
//     state, malformed messages, a wrong Finished, downgrades, bad records,
//     renegotiation): the alert on the wire, the end of the transport, the
//     error our side returns, and no goroutine left behind.
//   - renegotiation_test.go, renegotiation_peers_test.go and
//     renegotiation_erlang_test.go: TLS 1.2 renegotiation, both sides
//     starting it, against scripted peers (wrong RFC 5746 signals,
//     refusals), OpenSSL (s_server's r and R, s_client's R, OpenSSL 3's
//     refusal of client-initiated renegotiation), GnuTLS (gnutls-cli
//     --rehandshake) and Erlang's ssl:renegotiate/1 (an escript of its
//     own, whose server's rate limit is checked too), data flowing before
//     and after.
//   - bench_test.go: handshakes and bulk transfer over loopback TCP,
//     TLS 1.2 and TLS 1.3, this library against crypto/tls in one run (go
//     test -bench only).
//   - pki_test.go and ours_test.go: the shared fixtures, a test PKI (its
//     certificates also as PEM files for the peers) and our side's
//     helpers (connect, listen, accept, receive, check what was
//     negotiated).
//
// Outside peer programs are found with internal/peertest: a missing one
// skips its tests, or fails them when OTPSSL_REQUIRE_PEERS=1 (as CI sets).
package interop
