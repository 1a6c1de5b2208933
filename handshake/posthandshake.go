package handshake

import (
	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// HandleMessage handles a handshake message that arrives after the
// handshake (msg is the whole message with its header, as
// record.Conn.ReadMessage delivers it), in the connection state.
//
// A renegotiation (renegotiation.go) is started by the caller, which
// decides whether it is welcome (RenegotiateClient for a HelloRequest,
// RenegotiateServer for a ClientHello); HandleMessage is what refuses one,
// as Erlang's ssl does when it does not renegotiate (a server's
// client_renegotiation false or its rate limit, an SSL 3.0 connection):
//
//   - a client receiving a HelloRequest answers with a no_renegotiation
//     warning alert (RFC 5746, Section 4.2; RFC 5246, Section 7.4.1.1) and
//     the connection goes on; under SSL 3.0, which has no such alert, it
//     ignores the request (RFC 6101, Section 5.6.1.1 lets it);
//   - a server receiving a ClientHello answers with a no_renegotiation
//     warning alert and the connection goes on; under SSL 3.0 it fails
//     the connection with handshake_failure.
//
// Anything else (or a malformed HelloRequest or ClientHello) is a *Error
// with the alert to send: unexpected_message for a message that has no
// place after a TLS 1.0-1.2 handshake, decode_error for one that does not
// parse. A TLS 1.3 connection's NewSessionTicket, KeyUpdate and
// CertificateRequest go to handle13 (posthandshake13.go).
//
// HandleMessage may write to rc (the warning alert): the caller holds
// whatever serializes the writes of rc.
func (s *State) HandleMessage(rc *record.Conn, msg []byte) error {
	return wrap(stateConnection, s.handle(rc, msg))
}

func (s *State) handle(rc *record.Conn, msg []byte) error {
	typ, _, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	if s.tls13 != nil {
		return s.handle13(rc, msg)
	}
	switch {
	case typ == TypeHelloRequest && s.client:
		if _, err := UnmarshalHelloRequest(msg); err != nil {
			return err
		}
		if s.Version == cipher.VersionSSL30 {
			return nil
		}
		return rc.SendAlert(record.Warning, record.NoRenegotiation)
	case typ == TypeClientHello && !s.client:
		if _, err := UnmarshalClientHello(msg); err != nil {
			return err
		}
		if s.Version == cipher.VersionSSL30 {
			return alertf(record.HandshakeFailure, "renegotiation refused (SSL 3.0 has no no_renegotiation alert)")
		}
		return rc.SendAlert(record.Warning, record.NoRenegotiation)
	}
	return unexpected(typ.String(), "no renegotiation and no post-handshake message of this type")
}
