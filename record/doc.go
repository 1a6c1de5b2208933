// Package record is the TLS record layer of SSL 3.0 and TLS 1.0-1.3: the
// layer between the transport and the handshake.
//
// A Conn frames records over any io.ReadWriter, checks their headers
// (content type, version, length limits), opens and seals them with the
// installed Protection, reassembles handshake messages across records and
// splits records holding several, fragments writes and coalesces a flight
// into few transport writes, and turns every malformed input into an
// Alert error naming the alert the RFCs prescribe.
//
// A Protection is one direction's record protection built from a
// version, a cipher suite and that direction's keys: NULL (MAC only), RC4
// with a MAC, CBC with MAC-then-encrypt (SSL 3.0 MAC or TLS HMAC, implicit
// IVs with BEAST mitigation in SSL 3.0 and TLS 1.0, explicit random IVs
// from TLS 1.1, padding and MAC checked in constant time), TLS 1.2 AEADs
// (AES-GCM, AES-CCM, ChaCha20-Poly1305) and TLS 1.3's.
//
// How a handshake drives it: a client makes a Conn, writes its ClientHello
// with WriteRecord(TypeHandshake, msg) and Flush, and reads with
// ReadHandshakeMessage. Once the server's version is known it calls
// SetVersion. When keys change, it builds a Protection with NewProtection
// from the version, the suite and the keys of each direction, and installs
// it with SetReadProtection or SetWriteProtection, at the points the
// protocol says: in TLS 1.2 after reading or writing change_cipher_spec
// (ReadChangeCipherSpec, WriteRecord(TypeChangeCipherSpec, []byte{1})); in
// TLS 1.3 after ServerHello, after Finished and after KeyUpdate, with a
// SetCompatCCS(false) once the peer's Finished is in (a server that
// rejects 0-RTT calls SkipEarlyData). A server reads the first message
// with ReadClientHello (which also accepts an SSL 2.0 CLIENT-HELLO when
// configured). After the handshake the application
// reads with ReadMessage and writes with Write. Errors come back as
// Alert values; the one place that sends fatal alerts calls SendAlert and
// closes the transport.
package record
