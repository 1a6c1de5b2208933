package ssl

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

func TestListenPortZeroAndAddr(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), ReuseAddr(true), Backlog(16))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	a, ok := ls.Addr().(*net.TCPAddr)
	if !ok || a.Port == 0 || !a.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("Addr = %v", ls.Addr())
	}
	if isUnix {
		// Listen applied reuseaddr; its socket must say so.
		tl := ls.ln.(*net.TCPListener)
		sc, _ := tl.SyscallConn()
		if v, ok := rawGet(sc, "reuseaddr"); !ok || v == 0 {
			t.Errorf("SO_REUSEADDR = %d, %v", v, ok)
		}
	}
	var oe *OptionError
	if _, err := Listen(-1, c.serverOpts()...); !errors.As(err, &oe) {
		t.Errorf("Listen(-1) = %v", err)
	}
	if _, err := Listen(0, Verify(VerifyType(99))); !errors.As(err, &oe) {
		t.Errorf("Listen with a bad option = %v", err)
	}
	if _, err := Listen(0, ServerNameIndication("x")); !errors.As(err, &oe) || oe.Reason != "client_only" {
		t.Errorf("Listen with a client option = %v", err)
	}
	// A port in use.
	if _, err := Listen(a.Port, c.serverOpts(IP(mustAddr("127.0.0.1")))...); err == nil {
		t.Error("Listen on a port in use succeeded")
	}
}

func TestTransportAcceptTimeouts(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()

	_, err = ls.TransportAccept(50 * time.Millisecond)
	var ne net.Error
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("TransportAccept with no client = %v, want a time-out", err)
	}
	if _, err := ls.TransportAccept(0); !errors.Is(err, ErrTimeout) {
		t.Fatalf("TransportAccept(0) with no client = %v", err)
	}

	// Several accepts at once, with different timeouts: the short ones
	// time out, the long one gets the connection.
	var wg sync.WaitGroup
	results := make(chan error, 3)
	got := make(chan *Socket, 1)
	for _, d := range []time.Duration{30 * time.Millisecond, 80 * time.Millisecond} {
		wg.Add(1)
		go func(d time.Duration) {
			defer wg.Done()
			_, err := ls.TransportAccept(d)
			results <- err
		}(d)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s, err := ls.TransportAccept(Infinity)
		if err != nil {
			results <- err
			return
		}
		got <- s
	}()
	for i := 0; i < 2; i++ {
		if err := <-results; !errors.Is(err, ErrTimeout) {
			t.Fatalf("a short accept returned %v", err)
		}
	}
	conn, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	select {
	case s := <-got:
		if pn, _ := s.Peername(); pn.Port() != uint16(conn.LocalAddr().(*net.TCPAddr).Port) {
			t.Errorf("accepted socket's peer %v, the client is %v", pn, conn.LocalAddr())
		}
		s.Close()
	case err := <-results:
		t.Fatalf("the infinite accept failed: %v", err)
	case <-time.After(hangLimit):
		t.Fatal("the infinite accept got nothing")
	}
	wg.Wait()

	// A connection already waiting is taken by a poll.
	conn2, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	var s *Socket
	for end := time.Now().Add(hangLimit); s == nil && time.Now().Before(end); {
		if s, err = ls.TransportAccept(0); err != nil && !errors.Is(err, ErrTimeout) {
			t.Fatal(err)
		}
	}
	if s == nil {
		t.Fatal("polling never took the waiting connection")
	}
	s.Close()
}

func TestListenSocketCloseUnblocksAccept(t *testing.T) {
	checkLeaks(t)
	ls, err := Listen(0, newCreds(t).serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { _, err := ls.TransportAccept(Infinity); done <- err }()
	go func() { _, err := ls.Accept(); done <- err }()
	time.Sleep(20 * time.Millisecond) // let them block (not needed to pass)
	if err := ls.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ls.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	for i := 0; i < 2; i++ {
		err := <-done
		if !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("accept after Close = %v, want ErrClosed and net.ErrClosed", err)
		}
	}
	if _, err := ls.TransportAccept(0); !errors.Is(err, ErrClosed) {
		t.Errorf("TransportAccept on a closed listener = %v", err)
	}
}

func TestSSLAcceptOptions(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	// No certificate at Listen: SSLAccept refuses, unless its own options
	// bring one.
	ls, err := Listen(0, IP(mustAddr("127.0.0.1")), Active(false))
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	clientErr := make(chan error, 2)
	dial := func() {
		s, err := Connect("127.0.0.1", port(ls), c.clientOpts(Active(false)), hangLimit)
		if err == nil {
			_, err = s.Recv(2, hangLimit)
			s.Close()
		}
		clientErr <- err
	}
	go dial()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	var oe *OptionError
	if err := s.SSLAccept(hangLimit); !errors.As(err, &oe) || oe.Term() != "{options,{certs_keys,cert_and_key_required}}" {
		t.Fatalf("SSLAccept without a certificate = %v", err)
	}
	if err := s.SSLAccept(hangLimit, Verify(VerifyType(42))); !errors.As(err, &oe) {
		t.Fatalf("SSLAccept with a bad option = %v", err)
	}
	// The socket is still usable: SSLAccept with the certificate.
	if err := s.SSLAccept(hangLimit, c.serverOpts()...); err != nil {
		t.Fatalf("SSLAccept with the certificate: %v", err)
	}
	if err := s.SSLAccept(hangLimit); err != nil {
		t.Errorf("SSLAccept again = %v", err)
	}
	if err := s.Send([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := <-clientErr; err != nil {
		t.Fatalf("client: %v", err)
	}
	s.Close()

	// Options given to SSLAccept win over the listen options.
	go dial()
	s, err = ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SSLAccept(hangLimit, c.serverOpts(Active(true))...); err != nil {
		t.Fatal(err)
	}
	if opts, _ := s.Getopts("active"); opts[0].Value != true {
		t.Errorf("active after SSLAccept(Active(true)) = %v", opts[0].Value)
	}
	if err := s.Send([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := <-clientErr; err != nil {
		t.Fatalf("client: %v", err)
	}

	// A client socket cannot SSLAccept.
	server, client := passivePair(t, c)
	_ = server
	if err := client.SSLAccept(time.Second); err == nil {
		t.Error("SSLAccept on a client socket succeeded")
	}
}

func TestSSLAcceptTimeoutClosesTransport(t *testing.T) {
	checkLeaks(t)
	ls, err := Listen(0, newCreds(t).serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	conn, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	// The client sends nothing: the handshake times out.
	err = s.SSLAccept(50 * time.Millisecond)
	var ne net.Error
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("SSLAccept with a silent client = %v, want a time-out", err)
	}
	if b := readAll(t, conn); len(b) != 0 {
		t.Errorf("the server wrote %x after a time-out", b)
	}
	if err := s.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after the failed handshake = %v", err)
	}
	s.Close()
}
