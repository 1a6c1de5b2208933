package ssl

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
)

// TestCloseDowngradeBothSides: two sockets of ours downgrade at once
// (passive and active), then talk in plain TCP both ways; nothing leaks.
func TestCloseDowngradeBothSides(t *testing.T) {
	checkLeaks(t)
	for _, active := range []bool{false, true} {
		server, client := pair(t, newCreds(t), []Option{Active(active)}, []Option{Active(false)})
		if err := client.Send([]byte("last TLS data")); err != nil {
			t.Fatal(err)
		}
		if active {
			if got := nextData(t, server, server.Messages()); string(got) != "last TLS data" {
				t.Fatalf("got %q", got)
			}
		} else if got := recvExactly(t, server, 13); string(got) != "last TLS data" {
			t.Fatalf("got %q", got)
		}
		type res struct {
			c   net.Conn
			err error
		}
		ch := make(chan res, 1)
		go func() {
			c, err := server.CloseDowngrade(hangLimit)
			ch <- res{c, err}
		}()
		if active {
			// An active server reads on its own: had the client's
			// close_notify reached it before its CloseDowngrade stopped
			// the reader, it would have ended as a peer's close (as
			// Erlang's ssl does), so the client waits for that moment.
			waitDowngradeStarted(t, server)
		}
		cplain, err := client.CloseDowngrade(hangLimit)
		if err != nil {
			t.Fatalf("client CloseDowngrade: %v", err)
		}
		r := <-ch
		if r.err != nil {
			t.Fatalf("server CloseDowngrade: %v", r.err)
		}
		splain := r.c
		// The transports themselves, no bytes read ahead.
		if _, ok := splain.(*net.TCPConn); !ok {
			t.Errorf("server got a %T", splain)
		}
		plainExchange(t, cplain, splain)
		cplain.Close()
		splain.Close()
		// The sockets are closed; no Closed message is delivered.
		if err := server.Send([]byte("x")); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after the downgrade = %v", err)
		}
		if _, err := client.Recv(0, 0); !errors.Is(err, ErrClosed) {
			t.Errorf("Recv after the downgrade = %v", err)
		}
		if _, err := client.CloseDowngrade(0); !errors.Is(err, ErrClosed) {
			t.Errorf("a second CloseDowngrade = %v", err)
		}
		empty(t, server.Messages())
	}
}

// waitDowngradeStarted waits until s has begun a CloseDowngrade: closed
// for its owner, its reader told to stop at once.
func waitDowngradeStarted(t *testing.T, s *Socket) {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for {
		s.mu.Lock()
		started := s.closed
		s.mu.Unlock()
		if started {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("CloseDowngrade did not start")
		}
		time.Sleep(time.Millisecond)
	}
}

// plainExchange sends a line each way over two plain connections.
func plainExchange(t *testing.T, a, b net.Conn) {
	t.Helper()
	for _, c := range []net.Conn{a, b} {
		_ = c.SetDeadline(time.Now().Add(hangLimit))
	}
	go func() { _, _ = a.Write([]byte("plain a to b\n")) }()
	line, err := bufio.NewReader(b).ReadString('\n')
	if err != nil || line != "plain a to b\n" {
		t.Fatalf("b read %q, %v", line, err)
	}
	go func() { _, _ = b.Write([]byte("plain b to a\n")) }()
	line, err = bufio.NewReader(a).ReadString('\n')
	if err != nil || line != "plain b to a\n" {
		t.Fatalf("a read %q, %v", line, err)
	}
}

// batchConn passes writes through until hold is set; then it keeps them
// until flush writes them in one write.
type batchConn struct {
	net.Conn
	mu   sync.Mutex
	hold bool
	buf  []byte
}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *batchConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.Conn.Write(c.buf)
	c.buf, c.hold = nil, false
	return err
}

// TestCloseDowngradeKeepsBytesReadAhead: a crypto/tls peer sends its
// close_notify and plain bytes in one write; the record layer reads them
// together, and the conn CloseDowngrade returns delivers the plain bytes
// first. Then the exchange goes on both ways.
func TestCloseDowngradeKeepsBytesReadAhead(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	flushed := make(chan error, 1)
	peerSawClose := make(chan error, 1)
	peerGot := make(chan string, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			flushed <- err
			return
		}
		defer raw.Close()
		end := time.Now().Add(hangLimit)
		_ = raw.SetDeadline(end)
		bc := &batchConn{Conn: raw}
		tc := tls.Server(bc, c.goTLSConfig(t))
		buf := make([]byte, 7)
		if _, err := io.ReadFull(tc, buf); err != nil || string(buf) != "switch\n" {
			flushed <- errors.New("peer read " + strconv.Quote(string(buf)))
			return
		}
		bc.mu.Lock()
		bc.hold = true
		bc.mu.Unlock()
		if err := tc.CloseWrite(); err != nil { // close_notify, held
			flushed <- err
			return
		}
		// crypto/tls leaves a write deadline of now after close_notify.
		_ = raw.SetWriteDeadline(end)
		bc.mu.Lock()
		bc.buf = append(bc.buf, "plain right after close_notify\n"...)
		bc.mu.Unlock()
		flushed <- bc.flush()
		// Our close_notify ends the peer's TLS reading.
		_, err = tc.Read(make([]byte, 1))
		peerSawClose <- err
		line, _ := bufio.NewReader(raw).ReadString('\n')
		peerGot <- line
	}()
	s, err := Connect("127.0.0.1", ln.Addr().(*net.TCPAddr).Port, c.clientOpts(Active(false)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("switch\n")); err != nil {
		t.Fatal(err)
	}
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	plain, err := s.CloseDowngrade(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, ok := plain.(*downgradedConn); !ok {
		t.Fatalf("CloseDowngrade returned a %T: the plain bytes were not read with the close_notify", plain)
	}
	if err := <-peerSawClose; err != io.EOF {
		t.Fatalf("the peer's read after our close_notify: %v", err)
	}
	_ = plain.SetDeadline(time.Now().Add(hangLimit))
	r := bufio.NewReader(plain)
	line, err := r.ReadString('\n')
	if err != nil || line != "plain right after close_notify\n" {
		t.Fatalf("first plain line %q, %v", line, err)
	}
	if _, err := plain.Write([]byte("plain answer\n")); err != nil {
		t.Fatal(err)
	}
	if got := <-peerGot; got != "plain answer\n" {
		t.Fatalf("the peer got %q", got)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("after the peer closed: %d, %v", n, err)
	}
	if err := plain.(*downgradedConn).CloseWrite(); err != nil {
		t.Errorf("CloseWrite on the downgraded TCP conn: %v", err)
	}
}

// TestCloseDowngradeFailures: a peer that never answers (time-out), one
// that ends the transport (closed), a socket not yet connected; and the
// peer's close_notify already received.
func TestCloseDowngradeFailures(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)

	// No answer: a time-out; the transport is closed after our
	// close_notify.
	server, client := pair(t, c, []Option{Active(false)}, []Option{Active(false)})
	_, err := client.CloseDowngrade(50 * time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("CloseDowngrade without an answer = %v", err)
	}
	if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Errorf("the peer's Recv = %v, want ErrClosed", err)
	}

	// The peer ends the transport without close_notify.
	server, client = pair(t, c, []Option{Active(false), ExitOnClose(false)}, []Option{Active(false)})
	dropped := make(chan struct{})
	go func(srv *Socket) {
		defer close(dropped)
		// Wait for the client's close_notify, then drop the connection.
		_, _ = srv.Recv(0, hangLimit)
		srv.closeTransport()
	}(server)
	if _, err := client.CloseDowngrade(hangLimit); !errors.Is(err, ErrClosed) {
		t.Errorf("CloseDowngrade when the peer drops the connection = %v", err)
	}
	<-dropped

	// The peer's close_notify came first (exit_on_close false keeps the
	// transport): the hand-over is immediate.
	server, client = pair(t, c, []Option{Active(false), ExitOnClose(false)}, []Option{Active(false), ExitOnClose(false)})
	if err := client.Shutdown(Write); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv of the close_notify = %v", err)
	}
	splain, err := server.CloseDowngrade(hangLimit)
	if err != nil {
		t.Fatalf("CloseDowngrade after the peer's close_notify: %v", err)
	}
	defer splain.Close()
	cplain, err := client.CloseDowngrade(hangLimit)
	if err != nil {
		t.Fatalf("client CloseDowngrade after its own Shutdown(Write): %v", err)
	}
	defer cplain.Close()
	// The client half-closed TCP with its Shutdown: the server can still
	// send plain bytes to it.
	go func() { _, _ = splain.Write([]byte("one way\n")) }()
	_ = cplain.SetDeadline(time.Now().Add(hangLimit))
	if line, err := bufio.NewReader(cplain).ReadString('\n'); err != nil || line != "one way\n" {
		t.Errorf("plain after a half-close: %q, %v", line, err)
	}

	// Not connected yet.
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	raw, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CloseDowngrade(hangLimit); !errors.Is(err, ErrNotConnected) {
		t.Errorf("CloseDowngrade before the handshake = %v", err)
	}
	s.Close()
}

// TestExitOnCloseFalse: after the peer's close_notify the socket can still
// send, in passive and active mode; active mode delivers Closed, as
// gen_tcp does. With the default the socket answers and closes.
func TestExitOnCloseFalse(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, active := range []bool{false, true} {
		server, client := pair(t, c, []Option{Active(active), ExitOnClose(false)}, []Option{Active(false)})
		if err := client.Send([]byte("request")); err != nil {
			t.Fatal(err)
		}
		if err := client.Shutdown(Write); err != nil {
			t.Fatal(err)
		}
		if active {
			if got := nextData(t, server, server.Messages()); string(got) != "request" {
				t.Fatalf("got %q", got)
			}
			if m := next(t, server.Messages()); m != (Closed{Sock: server}) {
				t.Fatalf("got %v, want Closed", m)
			}
		} else {
			if got := recvExactly(t, server, 7); string(got) != "request" {
				t.Fatalf("got %q", got)
			}
			if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
				t.Fatalf("Recv after close_notify = %v", err)
			}
		}
		for i := 0; i < 3; i++ {
			if err := server.Send([]byte("reply ")); err != nil {
				t.Fatalf("Send %d after the peer's close_notify: %v", i, err)
			}
		}
		if got := recvExactly(t, client, 18); string(got) != "reply reply reply " {
			t.Errorf("client got %q", got)
		}
		server.Close()
		if _, err := client.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
			t.Errorf("client Recv after the server's Close = %v", err)
		}
	}

	// exit_on_close true: the server answers close_notify and closes;
	// sending fails.
	server, client := pair(t, c, []Option{Active(false)}, []Option{Active(false)})
	if err := client.Shutdown(Write); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := server.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after the peer's close with exit_on_close = %v", err)
	}
	if _, err := client.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Errorf("client Recv = %v, want the server's close_notify", err)
	}
}

// TestShutdownReadWrite: both directions at once: close_notify is sent,
// nothing more is received.
func TestShutdownReadWrite(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(true)}, []Option{Active(false), ExitOnClose(false)})
	if err := server.Shutdown(ReadWrite); err != nil {
		t.Fatal(err)
	}
	if err := server.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Shutdown(ReadWrite) = %v", err)
	}
	if _, err := client.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Errorf("the peer's Recv = %v, want the close_notify", err)
	}
	if err := client.Send([]byte("ignored")); err != nil {
		t.Errorf("the peer (exit_on_close false) can still send: %v", err)
	}
	empty(t, server.Messages())
	if err := server.Shutdown(Read); err != nil {
		t.Errorf("Shutdown(Read) again = %v", err)
	}
}

// writeOpenSSLCreds writes the server credentials for openssl.
func writeOpenSSLCreds(t *testing.T, c *creds) (cert, key, ca string) {
	t.Helper()
	dir := t.TempDir()
	cert, key, ca = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	for name, b := range map[string][]byte{cert: append(c.server.PEM(), c.root.PEM()...), key: c.server.KeyPEM(), ca: c.root.PEM()} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key, ca
}

// TestOpenSSLShutdownWrite: our Shutdown(Write) sends close_notify to
// openssl s_server, which answers with its own; data it sent before
// arrives first.
func TestOpenSSLShutdownWrite(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	cert, key, _ := writeOpenSSLCreds(t, c)
	port := peertest.FreePort(t)
	p := peertest.Start(t, "openssl", "s_server", "-accept", strconv.Itoa(port), "-cert", cert, "-key", key, "-tls1_2")
	p.WaitListening(t, port, hangLimit)
	s, err := Connect("127.0.0.1", port, c.clientOpts(Active(false)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send([]byte("hello openssl\n")); err != nil {
		t.Fatal(err)
	}
	p.WaitOutput(t, "hello openssl", hangLimit)
	if _, err := p.Stdin.Write([]byte("from openssl\n")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for !bytes.Contains(got, []byte("from openssl\n")) {
		b, err := s.Recv(0, hangLimit)
		if err != nil {
			t.Fatalf("Recv: %v (got %q)", err, got)
		}
		got = append(got, b...)
	}
	if err := s.Shutdown(Write); err != nil {
		t.Fatal(err)
	}
	_, err = s.Recv(0, hangLimit)
	if !errors.Is(err, ErrClosed) || !errors.Is(s.readCause(), io.EOF) {
		t.Fatalf("Recv after Shutdown(Write) = %v (cause %v), want openssl's close_notify", err, s.readCause())
	}
	p.WaitOutput(t, "DONE", hangLimit)
}

// readCause returns why the read side ended.
func (s *Socket) readCause() error {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	return s.rcause
}

// TestOpenSSLCloseDowngrade: openssl s_client answers our close_notify
// with its own and closes; CloseDowngrade hands over the transport, which
// then reads the end of the connection.
func TestOpenSSLCloseDowngrade(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	_, _, ca := writeOpenSSLCreds(t, c)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Active(false))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	p := peertest.Start(t, "openssl", "s_client", "-connect", ls.Addr().String(), "-tls1_2",
		"-CAfile", ca, "-servername", "localhost", "-verify_return_error")
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SSLAccept(hangLimit); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Stdin.Write([]byte("before downgrade\n")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, s, 17); string(got) != "before downgrade\n" {
		t.Fatalf("got %q", got)
	}
	plain, err := s.CloseDowngrade(hangLimit)
	if err != nil {
		t.Fatalf("CloseDowngrade: %v\n%s", err, p.Output())
	}
	defer plain.Close()
	_ = plain.SetReadDeadline(time.Now().Add(hangLimit))
	if b, err := io.ReadAll(plain); err != nil || len(b) != 0 {
		t.Errorf("after the downgrade: %q, %v", b, err)
	}
	if err := p.Wait(hangLimit); err != nil && !strings.Contains(err.Error(), "exit status") {
		t.Errorf("s_client: %v", err)
	}
}
