package interop_test

import (
	"errors"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
)

// Renegotiation against scripted peers: wrong RFC 5746 signals in a
// renegotiating hello end the connection with handshake_failure in state
// hello (where a renegotiation starts, as in Erlang); a peer declining a
// renegotiation leaves the connection as it was.

func TestRenegotiationNegative(t *testing.T) {
	p := newPKI(t)
	wrong := []byte("twelve bytes")
	server := []negCase{
		{name: "wrong-renegotiation_info", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run: func(s *script, _ *pki) {
				s.send(s.clientHello(func(ch *handshake.ClientHello) { ch.SecureRenegotiation = wrong }))
			}},
		{name: "no-renegotiation_info", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run: func(s *script, _ *pki) {
				s.send(s.clientHello(func(ch *handshake.ClientHello) { ch.SecureRenegotiationSupported = false }))
			}},
		{name: "empty-renegotiation_info", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run:   func(s *script, _ *pki) { s.send(s.clientHello(nil)) }},
		{name: "scsv", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run: func(s *script, _ *pki) {
				s.send(s.clientHello(func(ch *handshake.ClientHello) {
					ch.SecureRenegotiation = s.verify
					ch.CipherSuites = append(ch.CipherSuites, handshake.EmptyRenegotiationInfoSCSV)
				}))
			}},
	}
	for _, c := range server {
		t.Run("our-server/"+c.name, func(t *testing.T) { runNegative(t, p, c, true) })
	}
	// Our client answers the HelloRequest; the script's ServerHello is
	// wrong.
	client := []negCase{
		{name: "wrong-renegotiation_info", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run: func(s *script, _ *pki) {
				s.send(s.marshal(&handshake.HelloRequest{}))
				s.readClientHello()
				s.send(s.serverHello(func(sh *handshake.ServerHello) { sh.SecureRenegotiation = append(s.peerVerify, wrong...) }))
			}},
		{name: "only-client-verify_data", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run: func(s *script, _ *pki) {
				s.send(s.marshal(&handshake.HelloRequest{}))
				s.readClientHello()
				s.send(s.serverHello(func(sh *handshake.ServerHello) { sh.SecureRenegotiation = s.peerVerify }))
			}},
		{name: "no-renegotiation_info", after: true, alert: record.HandshakeFailure, state: "hello",
			cause: handshake.ErrInsecureRenegotiation,
			run: func(s *script, _ *pki) {
				s.send(s.marshal(&handshake.HelloRequest{}))
				s.readClientHello()
				s.send(s.serverHello(func(sh *handshake.ServerHello) { sh.SecureRenegotiationSupported = false }))
			}},
		{name: "other-version", after: true, alert: record.ProtocolVersion, state: "hello",
			cause: handshake.ErrNoCommonVersion,
			run: func(s *script, _ *pki) {
				s.send(s.marshal(&handshake.HelloRequest{}))
				s.readClientHello()
				s.send(s.serverHello(func(sh *handshake.ServerHello) {
					sh.Version = 0x0302
					sh.SecureRenegotiation = append(s.peerVerify, s.verify...)
				}))
			}},
	}
	for _, c := range client {
		c.opts = []ssl.Option{ssl.Versions(ssl.TLSv1_2, ssl.TLSv1_1)}
		t.Run("our-client/"+c.name, func(t *testing.T) { runNegative(t, p, c, false) })
	}
}

// TestRenegotiationDeclined: our client's Renegotiate gets
// ErrRenegotiationRejected from a server that answers with a
// no_renegotiation warning; our server's gets it from a client that
// answers its HelloRequest so. Data flows before and after.
func TestRenegotiationDeclined(t *testing.T) {
	p := newPKI(t)
	for _, ourServer := range []bool{true, false} {
		t.Run(map[bool]string{true: "our-server", false: "our-client"}[ourServer], func(t *testing.T) {
			leakcheck.Check(t)
			var s *script
			var ch <-chan accepted
			if ourServer {
				s, ch = scriptClient(t, p, ourServerOpts(p, ssl.Active(false)))
				s.clientHandshake()
			} else {
				s, ch = scriptServer(t, p, ourClientOpts(p, ssl.Active(false)))
				s.serverHandshake(p)
			}
			sock, err := waitAccepted(t, ch)
			if err != nil {
				t.Fatalf("the handshake failed: %v", err)
			}
			s.sendData([]byte("before"))
			res := make(chan error, 1)
			go func() { res <- sock.Renegotiate() }()
			if ourServer {
				s.expect(handshake.TypeHelloRequest)
			} else {
				s.readClientHello()
			}
			s.sendRecord(record.TypeAlert, []byte{byte(record.Warning), byte(record.NoRenegotiation)})
			select {
			case err := <-res:
				if !errors.Is(err, ssl.ErrRenegotiationRejected) {
					t.Fatalf("Renegotiate = %v, want ErrRenegotiationRejected", err)
				}
			case <-time.After(hang):
				t.Fatal("Renegotiate did not return")
			}
			// The data that came before the refusal is there, and the
			// connection goes on.
			s.sendData([]byte(" after"))
			if _, err := recvUntil(sock, "before after"); err != nil {
				t.Fatal(err)
			}
			if err := sock.Send([]byte("still there")); err != nil {
				t.Fatal(err)
			}
			s.readData("still there")
		})
	}
}
