package ssl

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// silentServer accepts TCP connections and reads what comes without
// answering, until the test ends.
func silentServer(t *testing.T) (addr *net.TCPAddr, got chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got = make(chan []byte, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		b := readAll(t, conn)
		got <- b
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr), got
}

func TestConnectTimeout(t *testing.T) {
	checkLeaks(t)
	addr, got := silentServer(t)
	_, err := Connect("127.0.0.1", addr.Port, newCreds(t).clientOpts(), 100*time.Millisecond)
	var ne net.Error
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Connect to a silent server = %v, want a time-out", err)
	}
	// The client's hello, then nothing: the transport was closed.
	select {
	case b := <-got:
		if len(b) == 0 || b[0] != 22 {
			t.Errorf("the server read %x, want the hello record alone", b)
		}
	case <-time.After(hangLimit):
		t.Fatal("the connection was not closed")
	}
}

func TestConnectContextCancel(t *testing.T) {
	checkLeaks(t)
	addr, got := silentServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := ConnectContext(ctx, "127.0.0.1", addr.Port, newCreds(t).clientOpts()...)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ConnectContext cancelled = %v", err)
	}
	select {
	case <-got:
	case <-time.After(hangLimit):
		t.Fatal("the connection was not closed")
	}

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	addr2, _ := silentServer(t)
	if _, err := ConnectContext(ctx, "127.0.0.1", addr2.Port, newCreds(t).clientOpts()...); !errors.Is(err, ErrTimeout) {
		t.Fatalf("ConnectContext past its deadline = %v", err)
	}
}

func TestConnectErrors(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	var oe *OptionError
	if _, err := Connect("127.0.0.1", 70000, c.clientOpts(), time.Second); !errors.As(err, &oe) {
		t.Errorf("Connect to port 70000 = %v", err)
	}
	if _, err := Connect("127.0.0.1", 1, append(c.clientOpts(), FailIfNoPeerCert(true)), time.Second); !errors.As(err, &oe) || oe.Reason != "server_only" {
		t.Errorf("Connect with a server option = %v", err)
	}
	// Nobody listens.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := Connect("127.0.0.1", p, c.clientOpts(), hangLimit); err == nil {
		t.Error("Connect to a closed port succeeded")
	}
	if _, err := ConnectConn(nil, nil, time.Second); err == nil {
		t.Error("ConnectConn(nil) succeeded")
	}
	if _, err := SSLAcceptConn(nil, nil, time.Second); err == nil {
		t.Error("SSLAcceptConn(nil) succeeded")
	}
}

func TestConnectBindsLocalAddress(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := pair(t, c, nil, []Option{IP(mustAddr("127.0.0.1")), Inet()})
	local, err := client.Sockname()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := server.Peername()
	if err != nil {
		t.Fatal(err)
	}
	if local != peer || local.Addr() != mustAddr("127.0.0.1") {
		t.Errorf("client Sockname %v, server Peername %v", local, peer)
	}
}

// TestUpgrade runs the seed's upgrade example: plain TCP first, then
// SSLAcceptConn and ConnectConn.
func TestUpgrade(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		s   *Socket
		err error
	}
	ch := make(chan res, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			ch <- res{nil, err}
			return
		}
		// A plain exchange first.
		buf := make([]byte, 8)
		if _, err := conn.Read(buf[:7]); err != nil || string(buf[:7]) != "upgrade" {
			ch <- res{nil, errors.New("no upgrade request")}
			conn.Close()
			return
		}
		if _, err := conn.Write([]byte("ok")); err != nil {
			ch <- res{nil, err}
			conn.Close()
			return
		}
		s, err := SSLAcceptConn(conn, c.serverOpts(Active(false)), hangLimit)
		ch <- res{s, err}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("upgrade")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := conn.Read(buf); err != nil || string(buf) != "ok" {
		t.Fatalf("plain reply %q, %v", buf, err)
	}
	client, err := ConnectConn(conn, c.clientOpts(), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.s.Close()
	if err := client.Send([]byte("foo")); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Setopts(Active(true)); err != nil {
		t.Fatal(err)
	}
	if got := nextData(t, r.s, r.s.Messages()); string(got) != "foo" {
		t.Errorf("server got %q", got)
	}
	// An upgrade whose handshake fails closes the transport; one with a
	// bad option leaves it alone.
	a, b := net.Pipe()
	defer b.Close()
	var oe *OptionError
	if _, err := ConnectConn(a, []Option{Depth(-5)}, time.Second); !errors.As(err, &oe) {
		t.Fatalf("ConnectConn with a bad option = %v", err)
	}
	if err := a.SetDeadline(time.Time{}); err != nil {
		t.Errorf("the transport was closed after an option error: %v", err)
	}
	a.Close()
}

// Real handshakes: the handshake package's TLS 1.2, against itself, Go's
// crypto/tls (in process, as an outside peer) and openssl.

func TestRealHandshakeInformation(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	// TLS 1.2, which has a master secret (TLS 1.3's items are in
	// tls13_test.go).
	server, client := pair(t, c,
		[]Option{Active(false), ALPNPreferredProtocols("h2", "http/1.1"), Versions(TLSv1_2)},
		[]Option{Active(false), ALPNAdvertisedProtocols("http/1.1", "h2"), Versions(TLSv1_2)})
	for _, s := range []*Socket{client, server} {
		info, err := s.ConnectionInformation("protocol", "selected_cipher_suite", "sni_hostname", "ecc",
			"negotiated_protocol", "master_secret", "client_random", "server_random")
		if err != nil {
			t.Fatal(err)
		}
		if info.Protocol != TLSv1_2 || info.CipherSuite.Suite() == nil || info.SNIHostname != "localhost" ||
			info.ECC == 0 || info.NegotiatedProtocol != "h2" || len(info.MasterSecret) != 48 ||
			len(info.ClientRandom) != 32 || len(info.ServerRandom) != 32 {
			t.Errorf("%v: %+v", s.role, info)
		}
	}
	ci, _ := client.ConnectionInformation("master_secret", "client_random")
	si, _ := server.ConnectionInformation("master_secret", "client_random")
	if !bytes.Equal(ci.MasterSecret, si.MasterSecret) || !bytes.Equal(ci.ClientRandom, si.ClientRandom) {
		t.Error("the two sides report different secrets")
	}
	if cert, err := client.Peercert(); err != nil || !bytes.Equal(cert, c.server.DER) {
		t.Errorf("client Peercert: %v", err)
	}
	if _, err := server.Peercert(); err != ErrNoPeercert {
		t.Errorf("server Peercert = %v, want ErrNoPeercert", err)
	}
	if err := client.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, server, 4); string(got) != "ping" {
		t.Errorf("server got %q", got)
	}
}

// goTLSConfig is a crypto/tls configuration that trusts the test root.
func (c *creds) goTLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(c.root.Cert)
	return &tls.Config{
		RootCAs:      pool,
		ServerName:   "localhost",
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{c.server.DER, c.root.DER}, PrivateKey: c.server.Key}},
	}
}

func TestInteropGoTLSClient(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	clientDone := make(chan error, 1)
	go func() {
		conn, err := tls.Dial("tcp", ls.Addr().String(), c.goTLSConfig(t))
		if err != nil {
			clientDone <- err
			return
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("foo")); err != nil {
			clientDone <- err
			return
		}
		buf := make([]byte, 3)
		if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "bar" {
			clientDone <- fmt.Errorf("client read %q, %v", buf, err)
			return
		}
		clientDone <- nil
	}()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SSLAccept(hangLimit); err != nil {
		t.Fatal(err)
	}
	// Active mode (the default): the seed's {ssl, Socket, "foo"}.
	if got := nextData(t, s, s.Messages()); string(got) != "foo" {
		t.Errorf("server got %q", got)
	}
	if err := s.Send([]byte("bar")); err != nil {
		t.Fatal(err)
	}
	if err := <-clientDone; err != nil {
		t.Fatal(err)
	}
	// crypto/tls's Close sends close_notify: Closed.
	if m := next(t, s.Messages()); m != (Closed{Sock: s}) {
		t.Errorf("after the client closed: %v", m)
	}
}

func TestInteropGoTLSServer(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", c.goTLSConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer conn.Close()
		_, err = io.Copy(conn, conn) // echo until close_notify
		served <- err
	}()
	s, err := Connect("localhost", ln.Addr().(*net.TCPAddr).Port, c.clientOpts(Active(false)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	const total = 100 << 10
	if err := s.Send(numbered(0, total)); err != nil {
		t.Fatal(err)
	}
	checkNumbered(t, recvExactly(t, s, total), total)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("crypto/tls echo: %v", err)
	}
}

// TestRealHandshakeFailure: our client does not trust the server. It
// sends unknown_ca and nothing else, and reports the cause.
func TestRealHandshakeFailure(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	other := testpki.New(t).Root("Someone Else")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", c.goTLSConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer conn.Close()
		served <- conn.(*tls.Conn).Handshake()
	}()
	_, err = Connect("127.0.0.1", ln.Addr().(*net.TCPAddr).Port,
		[]Option{CACerts(other.DER), ServerNameIndication("localhost")}, hangLimit)
	var ae *AlertError
	if !errors.As(err, &ae) || ae.Remote || record.Description(ae.Description) != record.UnknownCA {
		t.Fatalf("Connect = %v, want an unknown_ca this side sent", err)
	}
	var bc x509path.BadCertError
	if !errors.As(err, &bc) || bc.Reason.String() != "unknown_ca" {
		t.Errorf("errors.As finds no {bad_cert,unknown_ca} in %v", err)
	}
	want := `{tls_alert,{unknown_ca,"TLS client: In state ` + ae.State + ` generated CLIENT ALERT: Fatal - Unknown CA\n {bad_cert,unknown_ca}"}}`
	if ae.Term() != want {
		t.Errorf("Term = %s, want %s", ae.Term(), want)
	}
	if serr := <-served; serr == nil || !strings.Contains(serr.Error(), "unknown certificate authority") {
		t.Errorf("crypto/tls server: %v, want the unknown_ca alert", serr)
	}
}

// TestRealHandshakeFailureOnTheWire sends a malformed ClientHello to our
// server: one decode_error alert, then the end of the connection.
func TestRealHandshakeFailureOnTheWire(t *testing.T) {
	checkLeaks(t)
	ls, err := Listen(0, newCreds(t).serverOpts(IP(mustAddr("127.0.0.1")), LogLevel(LevelNone))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	conn, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A ClientHello whose body is cut short.
	if _, err := conn.Write([]byte{22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3}); err != nil {
		t.Fatal(err)
	}
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.SSLAccept(hangLimit)
	var ae *AlertError
	if !errors.As(err, &ae) || ae.Remote || record.Description(ae.Description) != record.DecodeError || ae.State != "hello" {
		t.Fatalf("SSLAccept = %v, want a decode_error in state hello", err)
	}
	got := readAll(t, conn)
	if len(got) != 7 || got[0] != 21 || !bytes.Equal(got[3:], []byte{0, 2, 2, 50}) {
		t.Fatalf("the server wrote %x, want one decode_error alert and the end", got)
	}
}

// TestRealHandshakeFailureAtServer: crypto/tls does not trust our server
// and says so; our server reports the alert it received.
func TestRealHandshakeFailureAtServer(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	cfg := c.goTLSConfig(t)
	cfg.RootCAs = x509.NewCertPool()
	go func() {
		conn, err := tls.Dial("tcp", ls.Addr().String(), cfg)
		if err == nil {
			conn.Close()
		}
	}()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.SSLAccept(hangLimit)
	var ae *AlertError
	if !errors.As(err, &ae) || !ae.Remote || record.Description(ae.Description) != record.BadCertificate {
		t.Fatalf("SSLAccept = %v, want the client's bad_certificate", err)
	}
	want := `{tls_alert,{bad_certificate,"TLS server: In state ` + ae.State + ` received CLIENT ALERT: Fatal - Bad Certificate"}}`
	if ae.Term() != want {
		t.Errorf("Term = %s, want %s", ae.Term(), want)
	}
}

// TestInteropOpenSSLServer is a smoke test against openssl s_server.
func TestInteropOpenSSLServer(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, append(c.server.PEM(), c.root.PEM()...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, c.server.KeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	port := peertest.FreePort(t)
	p := peertest.Start(t, "openssl", "s_server", "-accept", strconv.Itoa(port), "-cert", certFile,
		"-key", keyFile, "-tls1_2", "-quiet")
	p.WaitListening(t, port, hangLimit)
	s, err := Connect("127.0.0.1", port, c.clientOpts(Active(false)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send([]byte("hello from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	p.WaitOutput(t, "hello from otpssl", hangLimit)
	if _, err := p.Stdin.Write([]byte("hello from openssl\n")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for !bytes.Contains(got, []byte("hello from openssl\n")) {
		b, err := s.Recv(0, hangLimit)
		if err != nil {
			t.Fatalf("Recv: %v (got %q)", err, got)
		}
		got = append(got, b...)
	}
	info, err := s.ConnectionInformation("protocol")
	if err != nil || info.Protocol != TLSv1_2 {
		t.Errorf("protocol %v, %v", info.Protocol, err)
	}
}

// TestInteropOpenSSLClient is a smoke test against openssl s_client.
func TestInteropOpenSSLClient(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, c.root.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	p := peertest.Start(t, "openssl", "s_client", "-connect", ls.Addr().String(), "-tls1_2",
		"-CAfile", caFile, "-servername", "localhost", "-verify_return_error", "-quiet", "-no_ign_eof")
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SSLAccept(hangLimit); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("hello from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	p.WaitOutput(t, "hello from otpssl", hangLimit)
	if _, err := p.Stdin.Write([]byte("hello from openssl\n")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for !bytes.Contains(got, []byte("hello from openssl\n")) {
		got = append(got, nextData(t, s, s.Messages())...)
	}
	p.Stdin.Close() // s_client ends and closes the connection
	for {
		if _, closed := next(t, s.Messages()).(Closed); closed {
			break
		}
	}
}
