package interop_test

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
)

// Negative tests through the public API: a script on raw TCP breaks the
// protocol at one point; our side must send the alert the RFC names and
// then close the transport without sending anything more, return an
// AlertError naming the alert, the state and the cause, and leave no
// goroutine behind.

// negCase is one way of breaking the protocol.
type negCase struct {
	name string
	// opts are our side's options after the defaults.
	opts []ssl.Option
	// setup changes the script before it starts (its version or suite).
	setup func(s *script)
	// run plays the script up to and including the offending message.
	run func(s *script, p *pki)
	// after: the offence comes after the handshake, so our side finds
	// it reading with Recv.
	after bool
	alert record.Description
	state string
	cause error
}

// ourServerOpts are our server's defaults in these tests: TLS 1.2, the RSA
// key exchange the script speaks, no alert logging.
func ourServerOpts(p *pki, extra ...ssl.Option) []ssl.Option {
	return append(append(ourCert(p.serverRSA), ssl.Versions(ssl.TLSv1_2), ssl.LogLevel(ssl.LevelNone),
		ssl.Ciphers(mustSuites("AES128-GCM-SHA256:AES128-SHA")...)), extra...)
}

func ourClientOpts(p *pki, extra ...ssl.Option) []ssl.Option {
	return p.clientOpts(append([]ssl.Option{ssl.Versions(ssl.TLSv1_2), ssl.LogLevel(ssl.LevelNone),
		ssl.Ciphers(mustSuites("AES128-GCM-SHA256:AES128-SHA")...)}, extra...)...)
}

func mustSuites(names string) []ssl.CipherSuite {
	s, err := ssl.ParseCipherSuites(names)
	if err != nil {
		panic(err)
	}
	return s
}

// scriptClient starts our server with opts and connects a client script
// to it; the channel gives SSLAccept's outcome.
func scriptClient(t *testing.T, p *pki, opts []ssl.Option) (*script, <-chan accepted) {
	ls, port := listen(t, opts...)
	ch := acceptOne(t, ls)
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	return newScript(t, conn, true, p), ch
}

// scriptServer starts our client with opts against a server script; the
// channel gives Connect's outcome.
func scriptServer(t *testing.T, p *pki, opts []ssl.Option) (*script, <-chan accepted) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan accepted, 1)
	go func() {
		s, err := connect(ln.Addr().(*net.TCPAddr).Port, opts)
		ch <- accepted{s: s, err: err}
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return newScript(t, conn, false, p), ch
}

// runNegative runs c against our server (ourServer) or our client.
func runNegative(t *testing.T, p *pki, c negCase, ourServer bool) {
	leakcheck.Check(t)
	var s *script
	var ch <-chan accepted
	if ourServer {
		s, ch = scriptClient(t, p, ourServerOpts(p, c.opts...))
	} else {
		s, ch = scriptServer(t, p, ourClientOpts(p, c.opts...))
	}
	if c.setup != nil {
		c.setup(s)
	}
	var err error
	if c.after {
		if ourServer {
			s.clientHandshake()
		} else {
			s.serverHandshake(p)
		}
		sock, herr := waitAccepted(t, ch)
		if herr != nil {
			t.Fatalf("the handshake failed: %v", herr)
		}
		recvd := make(chan error, 1)
		go func() {
			_, err := sock.Recv(0, hang)
			recvd <- err
		}()
		c.run(s, p)
		s.expectAlert(c.alert)
		err = <-recvd
		// The failure sticks: sending fails with it too.
		if serr := sock.Send([]byte("x")); !errors.Is(serr, err) {
			t.Errorf("Send after the failure = %v, want %v", serr, err)
		}
	} else {
		c.run(s, p)
		s.expectAlert(c.alert)
		_, err = waitAccepted(t, ch)
	}
	ae := alertOf(t, err)
	if ae.Remote || record.Description(ae.Description) != c.alert || ae.Level != uint8(record.Fatal) || ae.State != c.state {
		t.Fatalf("our side: %v (remote %v, state %q); want a %v we sent in state %q", err, ae.Remote, ae.State, c.alert, c.state)
	}
	if c.cause != nil && !errors.Is(err, c.cause) {
		t.Fatalf("our side: %v; want the cause %v", err, c.cause)
	}
}

// TestNegativeOurServer breaks the protocol against our server in each
// of its states: hello, certify, cipher, connection.
func TestNegativeOurServer(t *testing.T) {
	p := newPKI(t)
	finished12 := func(s *script) []byte { return s.marshal(&handshake.Finished{VerifyData: make([]byte, 12)}) }
	upToKX := func(s *script) {
		s.send(s.clientHello(nil))
		s.readServerFlight()
	}
	cases := []negCase{
		{name: "hello/server-hello-first", alert: record.UnexpectedMessage, state: "hello", cause: handshake.ErrUnexpectedMessage,
			run: func(s *script, _ *pki) {
				s.send(s.marshal(&handshake.ServerHello{Version: s.v, CipherSuite: s.suite.ID}))
			}},
		{name: "hello/change-cipher-spec-first", alert: record.UnexpectedMessage, state: "hello",
			run: func(s *script, _ *pki) { s.sendRecord(record.TypeChangeCipherSpec, []byte{1}) }},
		{name: "hello/application-data-first", alert: record.UnexpectedMessage, state: "hello",
			run: func(s *script, _ *pki) {
				_, err := s.conn.Write([]byte{23, 3, 3, 0, 5, 'h', 'e', 'l', 'l', 'o'})
				s.check(err)
			}},
		{name: "hello/truncated-client-hello", alert: record.DecodeError, state: "hello",
			run: func(s *script, _ *pki) {
				ch := s.clientHello(nil)
				ch = ch[:len(ch)-3]
				n := len(ch) - handshake.HeaderLen
				ch[1], ch[2], ch[3] = byte(n>>16), byte(n>>8), byte(n)
				s.sendRaw(ch)
			}},
		{name: "hello/oversized-client-hello", alert: record.HandshakeFailure, state: "hello",
			run: func(s *script, _ *pki) {
				// A header declaring 300000 bytes, above the default
				// max_handshake_size of 256 KiB.
				s.sendRaw([]byte{byte(handshake.TypeClientHello), 0x04, 0x93, 0xe0, 3, 3})
			}},
		{name: "hello/fallback-scsv", alert: record.InappropriateFallback, state: "hello", cause: handshake.ErrInappropriateFallback,
			opts:  []ssl.Option{ssl.Versions(ssl.TLSv1_2, ssl.TLSv1_1)},
			setup: func(s *script) { s.v, s.suite = cipher.VersionTLS11, cipher.SuiteByName("AES128-SHA") },
			run: func(s *script, _ *pki) {
				s.send(s.clientHello(func(ch *handshake.ClientHello) {
					ch.CipherSuites = append(ch.CipherSuites, handshake.FallbackSCSV)
				}))
			}},
		{name: "hello/fallback-scsv-below-tls13", alert: record.InappropriateFallback, state: "hello", cause: handshake.ErrInappropriateFallback,
			opts: []ssl.Option{ssl.Versions(ssl.TLSv1_3, ssl.TLSv1_2), ssl.Ciphers(mustSuites("TLS_AES_128_GCM_SHA256:AES128-GCM-SHA256")...)},
			run: func(s *script, _ *pki) {
				s.send(s.clientHello(func(ch *handshake.ClientHello) {
					ch.CipherSuites = append(ch.CipherSuites, handshake.FallbackSCSV)
				}))
			}},
		{name: "certify/finished-instead-of-client-key-exchange", alert: record.UnexpectedMessage, state: "certify",
			cause: handshake.ErrUnexpectedMessage,
			run:   func(s *script, _ *pki) { upToKX(s); s.send(finished12(s)) }},
		{name: "certify/client-hello-again", alert: record.UnexpectedMessage, state: "certify",
			run: func(s *script, _ *pki) { upToKX(s); s.send(s.clientHello(nil)) }},
		{name: "certify/change-cipher-spec", alert: record.UnexpectedMessage, state: "certify",
			run: func(s *script, _ *pki) { upToKX(s); s.sendRecord(record.TypeChangeCipherSpec, []byte{1}) }},
		{name: "cipher/finished-without-change-cipher-spec", alert: record.UnexpectedMessage, state: "cipher",
			run: func(s *script, _ *pki) { upToKX(s); s.write(s.clientKX()); s.send(s.finishedMsg()) }},
		{name: "cipher/client-key-exchange-twice", alert: record.UnexpectedMessage, state: "cipher",
			run: func(s *script, _ *pki) { upToKX(s); kx := s.clientKX(); s.send(kx, kx) }},
		{name: "cipher/wrong-finished", alert: record.DecryptError, state: "cipher", cause: handshake.ErrBadFinished,
			run: func(s *script, _ *pki) {
				upToKX(s)
				s.write(s.clientKX())
				s.sendCCS()
				vd := s.finished(true)
				vd[0] ^= 1
				s.send(s.marshal(&handshake.Finished{VerifyData: vd}))
			}},
		{name: "connection/bad-record-mac", alert: record.BadRecordMAC, state: "connection", after: true,
			run: func(s *script, _ *pki) { s.sendBadMAC([]byte("hello")) }},
		{name: "connection/bad-cbc-padding", alert: record.BadRecordMAC, state: "connection", after: true,
			setup: func(s *script) { s.suite = cipher.SuiteByName("AES128-SHA") },
			run:   func(s *script, _ *pki) { s.sendCBC([]byte("hello"), true) }},
		{name: "connection/certificate", alert: record.UnexpectedMessage, state: "connection", after: true,
			run: func(s *script, p *pki) { s.send(s.marshal(handshake.NewCertificate(s.v, [][]byte{p.client.DER}))) }},
		{name: "connection/change-cipher-spec", alert: record.UnexpectedMessage, state: "connection", after: true,
			run: func(s *script, _ *pki) { s.sendRecord(record.TypeChangeCipherSpec, []byte{1}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runNegative(t, p, c, true) })
	}
}

// TestNegativeOurClient breaks the protocol against our client in each of
// its states.
func TestNegativeOurClient(t *testing.T) {
	p := newPKI(t)
	cases := []negCase{
		{name: "hello/certificate-first", alert: record.UnexpectedMessage, state: "hello", cause: handshake.ErrUnexpectedMessage,
			run: func(s *script, p *pki) { s.readClientHello(); s.send(s.certificate(p)) }},
		{name: "hello/server-hello-done-first", alert: record.UnexpectedMessage, state: "hello",
			run: func(s *script, _ *pki) { s.readClientHello(); s.send(s.helloDone()) }},
		{name: "hello/change-cipher-spec-first", alert: record.UnexpectedMessage, state: "hello",
			run: func(s *script, _ *pki) { s.readClientHello(); s.sendRecord(record.TypeChangeCipherSpec, []byte{1}) }},
		{name: "hello/truncated-server-hello", alert: record.DecodeError, state: "hello",
			run: func(s *script, _ *pki) {
				s.readClientHello()
				sh := s.serverHello(nil)
				sh = sh[:len(sh)-3]
				n := len(sh) - handshake.HeaderLen
				sh[1], sh[2], sh[3] = byte(n>>16), byte(n>>8), byte(n)
				s.sendRaw(sh)
			}},
		{name: "hello/oversized-server-hello", alert: record.HandshakeFailure, state: "hello",
			run: func(s *script, _ *pki) {
				s.readClientHello()
				s.sendRaw([]byte{byte(handshake.TypeServerHello), 0x04, 0x93, 0xe0, 3, 3})
			}},
		{name: "hello/downgrade-sentinel", alert: record.IllegalParameter, state: "hello", cause: handshake.ErrDowngrade,
			opts:  []ssl.Option{ssl.Versions(ssl.TLSv1_2, ssl.TLSv1_1)},
			setup: func(s *script) { s.v, s.suite = cipher.VersionTLS11, cipher.SuiteByName("AES128-SHA") },
			run: func(s *script, _ *pki) {
				s.readClientHello()
				// RFC 8446, Section 4.1.3: a TLS 1.2 server negotiating
				// TLS 1.1 or below marks its random; our client offered
				// TLS 1.2, so this is a downgrade.
				s.send(s.serverHello(func(sh *handshake.ServerHello) { copy(sh.Random[24:], "DOWNGRD\x00") }))
			}},
		{name: "hello/downgrade-sentinel-tls13", alert: record.IllegalParameter, state: "hello", cause: handshake.ErrDowngrade,
			opts: []ssl.Option{ssl.Versions(ssl.TLSv1_3, ssl.TLSv1_2), ssl.Ciphers(mustSuites("TLS_AES_128_GCM_SHA256:AES128-GCM-SHA256")...)},
			run: func(s *script, _ *pki) {
				s.readClientHello()
				// Our client offered TLS 1.3: a TLS 1.2 answer from a
				// server that marks it as a downgrade is refused.
				s.send(s.serverHello(func(sh *handshake.ServerHello) { copy(sh.Random[24:], "DOWNGRD\x01") }))
			}},
		{name: "certify/server-hello-done-without-certificate", alert: record.UnexpectedMessage, state: "certify",
			run: func(s *script, _ *pki) { s.readClientHello(); s.send(s.serverHello(nil), s.helloDone()) }},
		{name: "certify/server-key-exchange-in-rsa", alert: record.UnexpectedMessage, state: "certify",
			run: func(s *script, p *pki) {
				s.readClientHello()
				s.send(s.serverHello(nil), s.certificate(p), s.marshal(&handshake.ServerKeyExchange{Body: []byte{1, 2, 3}}), s.helloDone())
			}},
		{name: "cipher/finished-without-change-cipher-spec", alert: record.UnexpectedMessage, state: "cipher",
			run: func(s *script, p *pki) { s.serverUntilFinished(p); s.send(s.finishedMsg()) }},
		{name: "cipher/wrong-finished", alert: record.DecryptError, state: "cipher", cause: handshake.ErrBadFinished,
			run: func(s *script, p *pki) {
				s.serverUntilFinished(p)
				s.sendCCS()
				vd := s.finished(false)
				vd[11] ^= 1
				s.send(s.marshal(&handshake.Finished{VerifyData: vd}))
			}},
		{name: "connection/bad-record-mac", alert: record.BadRecordMAC, state: "connection", after: true,
			run: func(s *script, _ *pki) { s.sendBadMAC([]byte("hello")) }},
		{name: "connection/bad-cbc-padding", alert: record.BadRecordMAC, state: "connection", after: true,
			setup: func(s *script) { s.suite = cipher.SuiteByName("AES128-SHA") },
			run:   func(s *script, _ *pki) { s.sendCBC([]byte("hello"), true) }},
		{name: "connection/server-hello", alert: record.UnexpectedMessage, state: "connection", after: true,
			run: func(s *script, _ *pki) { s.send(s.serverHello(nil)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runNegative(t, p, c, false) })
	}
}

// TestRenegotiationRefused: our server with client_renegotiation false
// answers a client's renegotiating ClientHello with a no_renegotiation
// warning; our client answers a server's HelloRequest with a renegotiating
// ClientHello (its renegotiation_info holding its last verify_data, RFC
// 5746, Section 3.5), which the script declines with a no_renegotiation
// warning. Either way the connection goes on, data flowing both ways. The
// scripts complete correct handshakes and exchange data first, which also
// checks them.
func TestRenegotiationRefused(t *testing.T) {
	p := newPKI(t)
	for _, ourServer := range []bool{true, false} {
		name := map[bool]string{true: "our-server/client-hello", false: "our-client/hello-request-declined"}[ourServer]
		t.Run(name, func(t *testing.T) {
			leakcheck.Check(t)
			var s *script
			var ch <-chan accepted
			if ourServer {
				s, ch = scriptClient(t, p, ourServerOpts(p, ssl.ClientRenegotiation(false)))
				s.clientHandshake()
			} else {
				s, ch = scriptServer(t, p, ourClientOpts(p))
				s.serverHandshake(p)
			}
			sock, err := waitAccepted(t, ch)
			if err != nil {
				t.Fatalf("the handshake failed: %v", err)
			}
			exchange := func(what string) {
				t.Helper()
				recvd := make(chan error, 1)
				go func() {
					_, err := recvUntil(sock, "to otpssl "+what)
					recvd <- err
				}()
				s.sendData([]byte("to otpssl " + what))
				if err := <-recvd; err != nil {
					t.Fatalf("our side: %v", err)
				}
				if err := sock.Send([]byte("to script " + what)); err != nil {
					t.Fatal(err)
				}
				s.readData("to script " + what)
			}
			exchange("before")
			recvd := make(chan error, 1)
			go func() {
				_, err := recvUntil(sock, "to otpssl after")
				recvd <- err
			}()
			if ourServer {
				// RFC 5746, Section 3.5: a renegotiating ClientHello
				// carries the client's last verify_data.
				s.send(s.clientHello(func(ch *handshake.ClientHello) { ch.SecureRenegotiation = s.verify }))
				s.expectWarning(record.NoRenegotiation)
			} else {
				s.send(s.marshal(&handshake.HelloRequest{}))
				ch := s.readClientHello()
				if !ch.SecureRenegotiationSupported || !bytes.Equal(ch.SecureRenegotiation, s.peerVerify) || ch.HasRenegotiationSCSV() {
					t.Fatalf("our renegotiating ClientHello: renegotiation_info %v %x (want %x), SCSV %v",
						ch.SecureRenegotiationSupported, ch.SecureRenegotiation, s.peerVerify, ch.HasRenegotiationSCSV())
				}
				s.sendRecord(record.TypeAlert, []byte{byte(record.Warning), byte(record.NoRenegotiation)})
			}
			s.sendData([]byte("to otpssl after"))
			if err := <-recvd; err != nil {
				t.Fatalf("our side after refusing: %v", err)
			}
			if err := sock.Send([]byte("to script after")); err != nil {
				t.Fatal(err)
			}
			s.readData("to script after")
		})
	}
}

// TestHandSealedCBCRecord is the control of the bad-cbc-padding cases: the
// same hand-sealed record with its padding right is accepted by our side
// (so those cases fail on the padding, not on a MAC the script got wrong).
func TestHandSealedCBCRecord(t *testing.T) {
	p := newPKI(t)
	for _, ourServer := range []bool{true, false} {
		t.Run(map[bool]string{true: "our-server", false: "our-client"}[ourServer], func(t *testing.T) {
			leakcheck.Check(t)
			var s *script
			var ch <-chan accepted
			if ourServer {
				s, ch = scriptClient(t, p, ourServerOpts(p))
				s.suite = cipher.SuiteByName("AES128-SHA")
				s.clientHandshake()
			} else {
				s, ch = scriptServer(t, p, ourClientOpts(p))
				s.suite = cipher.SuiteByName("AES128-SHA")
				s.serverHandshake(p)
			}
			sock, err := waitAccepted(t, ch)
			if err != nil {
				t.Fatalf("the handshake failed: %v", err)
			}
			s.sendCBC([]byte("sealed by hand"), false)
			s.sendCBC([]byte(", twice"), false)
			if _, err := recvUntil(sock, "sealed by hand, twice"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
