package interop_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/cipher"
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

// noRI drops renegotiation_info from a hello.
func noRIClient(ch *handshake.ClientHello) { ch.SecureRenegotiationSupported = false }
func noRIServer(sh *handshake.ServerHello) { sh.SecureRenegotiationSupported = false }

// scriptClientHandshake runs a full client handshake of the script, the
// first or a renegotiation, with its ClientHello changed by mut; it
// returns our server's ServerHello.
func (s *script) clientHandshakeWith(mut func(*handshake.ClientHello)) *handshake.ServerHello {
	s.t.Helper()
	s.msgs = nil
	s.send(s.clientHello(mut))
	sh := s.readServerFlight()
	s.write(s.clientKX())
	s.sendCCS()
	s.send(s.finishedMsg())
	s.readCCS()
	s.readFinished()
	return sh
}

// serverHandshakeWith runs a full server handshake of the script, the
// first or a renegotiation, with its ServerHello changed by mut; it
// returns our client's ClientHello.
func (s *script) serverHandshakeWith(p *pki, mut func(*handshake.ServerHello)) *handshake.ClientHello {
	s.t.Helper()
	s.msgs = nil
	ch := s.readClientHello()
	s.send(s.serverHello(mut), s.certificate(p), s.helloDone())
	s.readClientKX()
	s.readCCS()
	s.readFinished()
	s.sendCCS()
	s.send(s.finishedMsg())
	return ch
}

// TestInsecureRenegotiation: with secure_renegotiate false, a peer
// without RFC 5746 connects and renegotiates (insecurely, as OTP allows
// it): our server accepts the script's renegotiation and answers without
// renegotiation_info; our client renegotiates with the SCSV alone. With
// the default (true) such a peer is refused at once, with handshake_failure
// (see SecureRenegotiate in the handshake package: this library applies
// it from the first handshake, as OpenSSL 3 clients do).
func TestInsecureRenegotiation(t *testing.T) {
	p := newPKI(t)
	t.Run("our-server", func(t *testing.T) {
		leakcheck.Check(t)
		s, ch := scriptClient(t, p, ourServerOpts(p, ssl.SecureRenegotiate(false)))
		if sh := s.clientHandshakeWith(noRIClient); sh.SecureRenegotiationSupported {
			t.Fatal("our ServerHello has renegotiation_info for a client without it")
		}
		sock, err := waitAccepted(t, ch)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		go func() {
			_, err := recvUntil(sock, "after")
			got <- err
		}()
		sh := s.clientHandshakeWith(noRIClient)
		if sh.SecureRenegotiationSupported {
			t.Fatal("renegotiation_info in an insecure renegotiation")
		}
		s.sendData([]byte("after"))
		if err := <-got; err != nil {
			t.Fatal(err)
		}
		if info, _ := sock.ConnectionInformation("client_random"); string(info.ClientRandom) != string(s.cr[:]) {
			t.Fatal("our server does not report the renegotiated handshake")
		}
	})
	t.Run("our-client", func(t *testing.T) {
		leakcheck.Check(t)
		s, ch := scriptServer(t, p, ourClientOpts(p, ssl.SecureRenegotiate(false)))
		s.serverHandshakeWith(p, noRIServer)
		sock, err := waitAccepted(t, ch)
		if err != nil {
			t.Fatal(err)
		}
		res := make(chan error, 1)
		go func() { res <- sock.Renegotiate() }()
		hello := s.serverHandshakeWith(p, noRIServer)
		if hello.SecureRenegotiationSupported || !hello.HasRenegotiationSCSV() {
			t.Fatalf("our insecure renegotiation's ClientHello: renegotiation_info %v, SCSV %v",
				hello.SecureRenegotiationSupported, hello.HasRenegotiationSCSV())
		}
		if err := <-res; err != nil {
			t.Fatalf("Renegotiate: %v", err)
		}
		s.sendData([]byte("after"))
		if _, err := recvUntil(sock, "after"); err != nil {
			t.Fatal(err)
		}
	})
	// The default refuses such a peer in the first handshake.
	runNegative(t, p, negCase{name: "our-server", alert: record.HandshakeFailure, state: "hello",
		cause: handshake.ErrInsecureRenegotiation,
		run:   func(s *script, _ *pki) { s.send(s.clientHello(noRIClient)) }}, true)
}

// TestRenegotiationResumed: a client may offer the connection's session
// in its renegotiating ClientHello; our server resumes it (an abbreviated
// handshake) with the renegotiation_info of RFC 5746, Section 3.7, and
// the new keys derived from the session's master secret and the new
// randoms.
func TestRenegotiationResumed(t *testing.T) {
	p := newPKI(t)
	leakcheck.Check(t)
	s, ch := scriptClient(t, p, ourServerOpts(p, ssl.Active(false)))
	first := s.clientHandshakeWith(nil)
	if len(first.SessionID) == 0 {
		t.Skip("our server issued no session ID")
	}
	sock, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := recvUntil(sock, "after")
		got <- err
	}()
	clientVD, serverVD := s.verify, s.peerVerify
	s.msgs = nil
	s.send(s.clientHello(func(ch *handshake.ClientHello) {
		ch.SessionID = first.SessionID
		ch.SecureRenegotiation = clientVD
	}))
	sh, err := handshake.UnmarshalServerHello(s.expect(handshake.TypeServerHello))
	s.check(err)
	if !bytes.Equal(sh.SessionID, first.SessionID) {
		t.Fatalf("our server did not resume: session ID %x, offered %x", sh.SessionID, first.SessionID)
	}
	if !bytes.Equal(sh.SecureRenegotiation, append(append([]byte{}, clientVD...), serverVD...)) {
		t.Fatalf("renegotiation_info %x, want the two verify_data", sh.SecureRenegotiation)
	}
	s.sr = sh.Random
	s.keys = cipher.DeriveKeys(s.v, s.suite, s.master, s.cr[:], s.sr[:])
	s.readCCS()
	s.readFinished()
	s.sendCCS()
	s.send(s.finishedMsg())
	s.sendData([]byte("after"))
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	info, err := sock.ConnectionInformation("session_resumption", "client_random")
	if err != nil || !info.SessionResumption || !bytes.Equal(info.ClientRandom, s.cr[:]) {
		t.Fatalf("our server reports %+v, %v", info, err)
	}
	if err := sock.Send([]byte("back")); err != nil {
		t.Fatal(err)
	}
	s.readData("back")
}
