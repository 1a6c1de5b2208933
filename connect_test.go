package ssl

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
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
	useFake(t)
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
	useFake(t)
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
	useFake(t)
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
	useFake(t)
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
	useFake(t)
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
