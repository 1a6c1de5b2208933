package ssl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// netPair returns a socket from the net.Listener side (Accept) and a
// passive client connected to it. The server's handshake runs at its
// first Write, which sends "hi".
func netPair(t *testing.T, c *creds) (net.Conn, *Socket) {
	t.Helper()
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener = ls
	defer l.Close()
	type res struct {
		s   *Socket
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := Connect("127.0.0.1", port(ls), c.clientOpts(Active(false)), hangLimit)
		ch <- res{s, err}
	}()
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Write([]byte("hi")); err != nil {
		server.Close()
		t.Fatalf("the first Write (with the handshake): %v", err)
	}
	r := <-ch
	if r.err != nil {
		server.Close()
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.s.Close(); server.Close() })
	if got := recvExactly(t, r.s, 2); string(got) != "hi" {
		t.Fatalf("client got %q", got)
	}
	return server, r.s
}

func TestNetConnLazyHandshakeAndEcho(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	echoed := make(chan error, 1)
	go func() {
		conn, err := ls.Accept()
		if err != nil {
			echoed <- err
			return
		}
		defer conn.Close()
		// The handshake runs inside the first Read.
		_, err = io.Copy(conn, conn)
		echoed <- err
	}()
	client, err := Connect("127.0.0.1", port(ls), c.clientOpts(Active(false)), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	const total = 200 << 10
	go func() {
		data := numbered(0, total)
		for off := 0; off < total; off += 5000 {
			if client.Send(data[off:min(off+5000, total)]) != nil {
				return
			}
		}
		client.Shutdown(Write)
	}()
	var got []byte
	for len(got) < total {
		b, err := client.Recv(0, hangLimit)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	checkNumbered(t, got, total)
	// The client's close_notify ends io.Copy cleanly (Read returns io.EOF).
	select {
	case err := <-echoed:
		if err != nil {
			t.Errorf("io.Copy: %v", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("io.Copy did not end")
	}
	client.Close()
}

func TestNetConnReadDeadline(t *testing.T) {
	checkLeaks(t)
	server, client := netPair(t, newCreds(t))
	if err := client.Send([]byte("x")); err != nil { // lets the server's handshake run
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := server.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if err := server.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := server.Read(buf)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read past the deadline = %v", err)
	}
	// Data is not lost, and the deadline can be lifted.
	if err := server.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := client.Send([]byte("hello world")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	small := make([]byte, 3) // smaller than a record: the rest waits
	for len(got) < 11 {
		n, err := server.Read(small)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, small[:n]...)
	}
	if string(got) != "hello world" {
		t.Errorf("Read gave %q", got)
	}

	// A deadline set while a Read is blocked applies to it.
	done := make(chan error, 1)
	go func() {
		_, err := server.Read(buf)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let it block (not needed to pass)
	server.SetReadDeadline(time.Now())
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("blocked Read = %v", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("the new deadline did not end the blocked Read")
	}
}

func TestNetConnWriteDeadline(t *testing.T) {
	checkLeaks(t)
	server, client := netPair(t, newCreds(t))
	if err := client.Send([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	server.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	chunk := make([]byte, 1<<16)
	var err error
	for end := time.Now().Add(hangLimit); time.Now().Before(end); {
		if _, err = server.Write(chunk); err != nil {
			break
		}
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Write to a peer that does not read = %v", err)
	}
}

func TestNetConnCloseAndEOF(t *testing.T) {
	checkLeaks(t)
	server, client := netPair(t, newCreds(t))
	if err := client.Send([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	client.Close()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "bye" {
		t.Fatalf("ReadAll = %q, %v (want io.EOF at the close_notify)", got, err)
	}
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Write([]byte("x")); !errors.Is(err, net.ErrClosed) || !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
	if _, err := server.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close = %v", err)
	}
	if err := server.SetDeadline(time.Now()); err == nil {
		t.Error("SetDeadline after Close succeeded")
	}
	if server.LocalAddr() == nil || server.RemoteAddr() == nil {
		t.Error("addresses missing after Close")
	}
}

func TestNetConnTruncation(t *testing.T) {
	checkLeaks(t)
	server, client := netPair(t, newCreds(t))
	if err := client.Send([]byte("cut")); err != nil {
		t.Fatal(err)
	}
	client.transport.Close() // no close_notify
	got, err := io.ReadAll(server)
	if string(got) != "cut" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadAll = %q, %v; want the data and io.ErrUnexpectedEOF", got, err)
	}
}

func TestNetConnConcurrentReadWrite(t *testing.T) {
	checkLeaks(t)
	server, client := netPair(t, newCreds(t))
	const total = 512 << 10
	var wg sync.WaitGroup
	wg.Add(2)
	var received bytes.Buffer
	var readErr, writeErr error
	go func() {
		defer wg.Done()
		_, writeErr = io.Copy(server, bytes.NewReader(numbered(0, total)))
	}()
	go func() {
		defer wg.Done()
		_, readErr = io.CopyN(&received, server, total)
	}()
	go func() {
		data := numbered(0, total)
		for off := 0; off < total; off += 9000 {
			if client.Send(data[off:min(off+9000, total)]) != nil {
				return
			}
		}
	}()
	var fromServer []byte
	for len(fromServer) < total {
		b, err := client.Recv(0, hangLimit)
		if err != nil {
			t.Fatal(err)
		}
		fromServer = append(fromServer, b...)
	}
	wg.Wait()
	if readErr != nil || writeErr != nil {
		t.Fatal(readErr, writeErr)
	}
	checkNumbered(t, received.Bytes(), total)
	checkNumbered(t, fromServer, total)
}

// TestNetHTTPServer serves HTTPS with net/http on a ListenSocket and
// fetches from it with Go's HTTP client (crypto/tls).
func TestNetHTTPServer(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %d", r.Method, r.URL.Path, len(body))
		}),
		ReadHeaderTimeout: hangLimit,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ls) }()
	tr := &http.Transport{TLSClientConfig: c.goTLSConfig(t)}
	client := &http.Client{Transport: tr, Timeout: hangLimit}
	url := "https://localhost:" + strconv.Itoa(port(ls))
	for i := 0; i < 3; i++ { // keep-alive: several requests on one connection
		resp, err := client.Post(url+"/path", "text/plain", bytes.NewReader(make([]byte, 100000)))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "POST /path 100000" {
			t.Fatalf("response %q, %v", body, err)
		}
	}
	tr.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve = %v", err)
	}
}
