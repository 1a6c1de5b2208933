package ssl

import (
	"bytes"
	"context"
	"crypto"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// The socket tests run the socket layer over real TCP connections on the
// loopback interface. Unless a test says otherwise the handshake is
// fakeHandshake, which exchanges one message each way and installs
// AES-128-GCM protections from fixed keys: the socket machinery (data,
// modes, close, alerts after the handshake) is what is under test.

const hangLimit = 20 * time.Second // an upper bound for anything to happen

type creds struct {
	root, server *testpki.Cert
}

// checkLeaks fails the test if it leaves goroutines behind, other than
// the process-wide PEM cache cleaner (started when options read the
// system's CA file).
func checkLeaks(t *testing.T, ignore ...string) {
	t.Helper()
	leakcheck.Check(t, append([]string{"pem.(*FileCache).cleaner"}, ignore...)...)
}

func newCreds(t testing.TB) *creds {
	t.Helper()
	pki := testpki.New(t)
	root := pki.Root("Socket Test Root")
	server := root.Issue("localhost", testpki.DNS("localhost"), testpki.IP("127.0.0.1"))
	return &creds{root: root, server: server}
}

func (c *creds) serverOpts(extra ...Option) []Option {
	return append([]Option{Cert(c.server.DER, c.root.DER), Key(c.server.Key.(crypto.Signer))}, extra...)
}

func (c *creds) clientOpts(extra ...Option) []Option {
	return append([]Option{CACerts(c.root.DER), ServerNameIndication("localhost")}, extra...)
}

// fake is the state of the fake handshake of one test.
type fake struct {
	mu sync.Mutex
	// serverErr, when set, is returned by the server after reading the
	// client's message.
	serverErr error
	// block makes the server wait this long (or until its transport
	// fails) instead of answering.
	block bool
	// neg fills in what the handshake reports.
	neg func(role Role, n *negotiated)
	// handled counts post-handshake messages handled.
	handled int
}

var (
	fakeSuite = cipher.SuiteByID(0xc02f) // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	fakeKeyC  = record.Keys{Key: bytes.Repeat([]byte{0xc1}, 16), IV: []byte{1, 2, 3, 4}}
	fakeKeyS  = record.Keys{Key: bytes.Repeat([]byte{0x5e}, 16), IV: []byte{5, 6, 7, 8}}
)

// useFake installs the fake handshake for the duration of the test.
func useFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{}
	old := handshakeStep
	handshakeStep = f.run
	t.Cleanup(func() { handshakeStep = old })
	return f
}

func (f *fake) run(ctx context.Context, s *Socket, cfg *config) (*negotiated, error) {
	rc := s.rc
	hello := []byte{1, 0, 0, 4, 'f', 'a', 'k', 'e'}
	if s.role == RoleClient {
		if err := rc.WriteRecord(record.TypeHandshake, hello); err != nil {
			return nil, err
		}
		if err := rc.Flush(); err != nil {
			return nil, err
		}
		msg, err := rc.ReadHandshakeMessage()
		if err != nil {
			return nil, err
		}
		if msg[0] != 2 {
			return nil, record.Alert{Level: record.Fatal, Description: record.UnexpectedMessage, Reason: "not a server hello"}
		}
	} else {
		msg, err := rc.ReadHandshakeMessage()
		if err != nil {
			return nil, err
		}
		if msg[0] != 1 {
			return nil, record.Alert{Level: record.Fatal, Description: record.UnexpectedMessage, Reason: "not a client hello"}
		}
		f.mu.Lock()
		serverErr, block := f.serverErr, f.block
		f.mu.Unlock()
		if serverErr != nil {
			return nil, serverErr
		}
		if block {
			_, err := rc.ReadHandshakeMessage()
			return nil, err
		}
		if err := rc.WriteRecord(record.TypeHandshake, []byte{2, 0, 0, 0}); err != nil {
			return nil, err
		}
		if err := rc.Flush(); err != nil {
			return nil, err
		}
	}
	if err := rc.SetVersion(cipher.VersionTLS12); err != nil {
		return nil, err
	}
	in, out := fakeKeyS, fakeKeyC
	if s.role == RoleServer {
		in, out = out, in
	}
	rp, err := record.NewProtection(cipher.VersionTLS12, fakeSuite, in)
	if err != nil {
		return nil, err
	}
	wp, err := record.NewProtection(cipher.VersionTLS12, fakeSuite, out)
	if err != nil {
		return nil, err
	}
	if err := rc.SetReadProtection(rp); err != nil {
		return nil, err
	}
	if err := rc.SetWriteProtection(wp); err != nil {
		return nil, err
	}
	n := &negotiated{
		version:   cipher.VersionTLS12,
		suite:     fakeSuite,
		sessionID: []byte{9, 9, 9},
		handle: func(rc *record.Conn, msg []byte) error {
			f.mu.Lock()
			f.handled++
			f.mu.Unlock()
			if msg[0] == 0 { // HelloRequest: refused politely
				return rc.SendAlert(record.Warning, record.NoRenegotiation)
			}
			return record.Alert{Level: record.Fatal, Description: record.UnexpectedMessage, Reason: "unexpected handshake message"}
		},
	}
	f.mu.Lock()
	fill := f.neg
	f.mu.Unlock()
	if fill != nil {
		fill(s.role, n)
	}
	return n, nil
}

// pair returns a connected server and client socket.
func pair(t *testing.T, c *creds, serverOpts, clientOpts []Option) (server, client *Socket) {
	t.Helper()
	ls, err := Listen(0, c.serverOpts(append([]Option{IP(mustAddr("127.0.0.1"))}, serverOpts...)...)...)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer ls.Close()
	type res struct {
		s   *Socket
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := ls.TransportAccept(hangLimit)
		if err == nil {
			if err = s.SSLAccept(hangLimit); err != nil {
				s.Close()
			}
		}
		ch <- res{s, err}
	}()
	client, err = Connect("127.0.0.1", port(ls), c.clientOpts(clientOpts...), hangLimit)
	r := <-ch
	if err != nil || r.err != nil {
		if client != nil {
			client.Close()
		}
		t.Fatalf("Connect: %v; SSLAccept: %v", err, r.err)
	}
	t.Cleanup(func() {
		client.Close()
		r.s.Close()
	})
	return r.s, client
}

func port(ls *ListenSocket) int { return ls.Addr().(*net.TCPAddr).Port }

// passivePair is pair with both sockets passive.
func passivePair(t *testing.T, c *creds) (server, client *Socket) {
	return pair(t, c, []Option{Active(false)}, []Option{Active(false)})
}

// numbered returns n bytes of a numbered sequence from start: 4-byte
// big-endian counters, so that a lost, duplicated or reordered byte shows.
func numbered(start, n int) []byte {
	b := make([]byte, 0, n+4)
	for i := start / 4; len(b) < n+(start%4); i++ {
		b = binary.BigEndian.AppendUint32(b, uint32(i))
	}
	return b[start%4 : start%4+n]
}

// checkNumbered fails unless got is the numbered sequence from 0.
func checkNumbered(t *testing.T, got []byte, want int) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("received %d bytes, want %d", len(got), want)
	}
	if exp := numbered(0, want); !bytes.Equal(got, exp) {
		i := 0
		for i < len(got) && got[i] == exp[i] {
			i++
		}
		t.Fatalf("received bytes differ from the sequence at offset %d", i)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// isUnix says whether the socket options are read from the system.
var isUnix = runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1"

func recvExactly(t *testing.T, s *Socket, n int) []byte {
	t.Helper()
	b, err := s.Recv(n, hangLimit)
	if err != nil {
		t.Fatalf("Recv(%d): %v", n, err)
	}
	return b
}

func TestNumberedHelper(t *testing.T) {
	all := numbered(0, 100)
	for _, start := range []int{0, 1, 3, 4, 5, 37} {
		if got := numbered(start, 20); !bytes.Equal(got, all[start:start+20]) {
			t.Errorf("numbered(%d, 20) is not a slice of the sequence", start)
		}
	}
}

func TestSendRecvPassive(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))

	if err := client.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, server, 5); string(got) != "hello" {
		t.Errorf("Recv(5) = %q", got)
	}

	// Pieces arrive in order, whatever their sizes.
	pieces := [][]byte{[]byte("a"), nil, []byte("bc"), bytes.Repeat([]byte("x"), 40000), []byte("end")}
	if err := server.Send(pieces...); err != nil {
		t.Fatal(err)
	}
	want := bytes.Join(pieces, nil)
	if got := recvExactly(t, client, len(want)); !bytes.Equal(got, want) {
		t.Errorf("Recv(%d) returned other bytes", len(want))
	}

	// Recv(0) returns what has arrived: at least one byte, never more
	// than was sent.
	if err := client.Send([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for len(got) < 10 {
		b, err := server.Recv(0, hangLimit)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Fatal("Recv(0) returned no data")
		}
		got = append(got, b...)
	}
	if string(got) != "0123456789" {
		t.Errorf("Recv(0) gave %q", got)
	}

	// Recv(N) takes exactly N, leaving the rest for the next call.
	if err := client.Send([]byte("abcdefgh")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, server, 3); string(got) != "abc" {
		t.Errorf("Recv(3) = %q", got)
	}
	if got := recvExactly(t, server, 5); string(got) != "defgh" {
		t.Errorf("Recv(5) = %q", got)
	}

	if _, err := server.Recv(-1, 0); err == nil {
		t.Error("Recv(-1) succeeded")
	}
}

func TestRecvTimeoutKeepsData(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))

	if err := client.Send([]byte("12345")); err != nil {
		t.Fatal(err)
	}
	_, err := server.Recv(10, 100*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Recv(10) with 5 bytes sent = %v, want a time-out", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("the time-out %v is not a net.Error with Timeout()", err)
	}
	if err := client.Send([]byte("67890")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, server, 10); string(got) != "1234567890" {
		t.Errorf("after the time-out Recv(10) = %q", got)
	}

	// Timeout 0 polls: nothing there is a time-out at once, and data that
	// has arrived is returned.
	if _, err := server.Recv(0, 0); !errors.Is(err, ErrTimeout) {
		t.Errorf("Recv(0, 0) with nothing sent = %v", err)
	}
	if err := client.Send([]byte("polled")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for end := time.Now().Add(hangLimit); len(got) < 6 && time.Now().Before(end); {
		b, err := server.Recv(0, 0)
		if err != nil && !errors.Is(err, ErrTimeout) {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	if string(got) != "polled" {
		t.Errorf("polling gave %q", got)
	}
}

func TestRecvPeerClose(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)

	// Recv(N): fewer than N bytes then close: ErrClosed, the bytes dropped.
	server, client := passivePair(t, c)
	if err := client.Send([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	client.Close()
	if _, err := server.Recv(5, hangLimit); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv(5) after 3 bytes and close = %v, want ErrClosed", err)
	}
	if b, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) || b != nil {
		t.Fatalf("Recv(0) after the partial data was dropped = %q, %v", b, err)
	}
	if err := server.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after the peer closed = %v, want ErrClosed (exit_on_close)", err)
	}

	// Recv(0): the bytes first, then ErrClosed.
	server, client = passivePair(t, c)
	if err := client.Send([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	client.Close()
	var got []byte
	for {
		b, err := server.Recv(0, hangLimit)
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("Recv(0) = %v, want ErrClosed at the end", err)
			}
			break
		}
		got = append(got, b...)
	}
	if string(got) != "abc" {
		t.Errorf("Recv(0) before the close gave %q", got)
	}
}

func TestRecvInActiveMode(t *testing.T) {
	checkLeaks(t)
	server, _ := pair(t, newCreds(t), nil, []Option{Active(false)})
	if _, err := server.Recv(0, 0); !errors.Is(err, ErrActive) {
		t.Errorf("Recv in active mode = %v, want ErrActive", err)
	}
	if _, err := server.Read(make([]byte, 1)); !errors.Is(err, ErrActive) {
		t.Errorf("Read in active mode = %v, want ErrActive", err)
	}
}

// TestSendRecvConcurrently sends both ways at once, each socket receiving
// in one goroutine while it sends in another (run with -race).
func TestSendRecvConcurrently(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))
	const total = 1 << 20
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	send := func(s *Socket) {
		defer wg.Done()
		data := numbered(0, total)
		for off := 0; off < total; {
			n := min(7919, total-off)
			if err := s.Send(data[off : off+n]); err != nil {
				errs <- err
				return
			}
			off += n
		}
	}
	recv := func(s *Socket, out *[]byte) {
		defer wg.Done()
		for len(*out) < total {
			b, err := s.Recv(0, hangLimit)
			if err != nil {
				errs <- err
				return
			}
			*out = append(*out, b...)
		}
	}
	var atServer, atClient []byte
	wg.Add(4)
	go send(client)
	go send(server)
	go recv(server, &atServer)
	go recv(client, &atClient)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkNumbered(t, atServer, total)
	checkNumbered(t, atClient, total)
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := client.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v", err)
	}
	if _, err := client.Recv(0, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Recv after Close = %v", err)
	}
	if err := client.Setopts(Active(true)); !errors.Is(err, ErrClosed) {
		t.Errorf("Setopts after Close = %v", err)
	}
	if _, err := client.Getopts("active"); !errors.Is(err, ErrClosed) {
		t.Errorf("Getopts after Close = %v", err)
	}
	// The peer saw a close_notify: ErrClosed, not an alert.
	if _, err := server.Recv(0, hangLimit); err != ErrClosed {
		t.Errorf("the peer's Recv = %v, want ErrClosed", err)
	}
}

func TestCloseUnblocksRecvAndSend(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false), AlertTimeoutOption(100 * time.Millisecond)}, []Option{Active(false)})
	done := make(chan error, 2)
	go func() {
		_, err := server.Recv(1, Infinity)
		done <- err
	}()
	go func() {
		// The client never reads: the sender blocks when the buffers are
		// full.
		chunk := make([]byte, 1<<16)
		for {
			if err := server.Send(chunk); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond) // let both block (not required for the test to pass)
	server.Close()
	for i := 0; i < 2; i++ {
		select {
		case err := <-done:
			if !errors.Is(err, ErrClosed) {
				t.Errorf("blocked call returned %v, want ErrClosed", err)
			}
		case <-time.After(hangLimit):
			t.Fatal("Close did not unblock the calls")
		}
	}
	_ = client
}

func TestShutdownWrite(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false), ExitOnClose(false)}, []Option{Active(false)})
	if err := client.Send([]byte("request")); err != nil {
		t.Fatal(err)
	}
	if err := client.Shutdown(Write); err != nil {
		t.Fatalf("Shutdown(Write): %v", err)
	}
	if err := client.Send([]byte("more")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Shutdown(Write) = %v", err)
	}
	var got []byte
	for {
		b, err := server.Recv(0, hangLimit)
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("server Recv = %v", err)
			}
			break
		}
		got = append(got, b...)
	}
	if string(got) != "request" {
		t.Errorf("server received %q", got)
	}
	// exit_on_close false: the server may still answer.
	if err := server.Send([]byte("reply")); err != nil {
		t.Fatalf("server Send after the client's Shutdown(Write): %v", err)
	}
	if got := recvExactly(t, client, 5); string(got) != "reply" {
		t.Errorf("client received %q", got)
	}
}

func TestShutdownRead(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))
	if err := server.Shutdown(Read); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Errorf("Recv after Shutdown(Read) = %v", err)
	}
	if err := server.Send([]byte("still")); err != nil {
		t.Errorf("Send after Shutdown(Read): %v", err)
	}
	if got := recvExactly(t, client, 5); string(got) != "still" {
		t.Errorf("client received %q", got)
	}
	if err := server.Shutdown(How(7)); err == nil {
		t.Error("Shutdown(7) succeeded")
	}
}

func TestSendTimeout(t *testing.T) {
	checkLeaks(t)
	server, _ := pair(t, newCreds(t), []Option{Active(false), SendTimeout(100 * time.Millisecond)}, []Option{Active(false)})
	chunk := make([]byte, 1<<16)
	var err error
	for end := time.Now().Add(hangLimit); time.Now().Before(end); {
		if err = server.Send(chunk); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Send to a peer that does not read = %v, want a time-out", err)
	}
	if err2 := server.Send([]byte("x")); !errors.Is(err2, ErrTimeout) {
		t.Errorf("Send after a time-out = %v, want the same time-out", err2)
	}
}

func TestSetoptsAndGetopts(t *testing.T) {
	checkLeaks(t)
	server, _ := pair(t, newCreds(t), []Option{Active(false), Nodelay(true), Mode(List)}, nil)

	opts, err := server.Getopts("active", "mode", "packet", "nodelay", "ip", "port", "keepalive")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, o := range opts {
		got[o.Name] = o.Value
	}
	ap, _ := server.Sockname()
	want := map[string]any{"active": false, "mode": List, "packet": PacketRaw, "nodelay": true,
		"ip": ap.Addr(), "port": int(ap.Port())}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Getopts %s = %v (%T), want %v", k, got[k], got[k], v)
		}
	}
	if _, ok := got["keepalive"].(bool); !ok && isUnix {
		t.Errorf("Getopts keepalive = %v, want the live value", got["keepalive"])
	}

	if err := server.Setopts(Nodelay(false), Keepalive(true)); err != nil {
		t.Fatal(err)
	}
	opts, _ = server.Getopts("nodelay", "keepalive")
	if opts[0].Value != false || opts[1].Value != true {
		t.Errorf("after Setopts: %v", opts)
	}
	if isUnix {
		if v, ok := liveSocketOption(server.transport, "nodelay"); !ok || v != false {
			t.Errorf("the transport's TCP_NODELAY is %v, %v after Setopts(Nodelay(false))", v, ok)
		}
	}

	var oe *OptionError
	if err := server.Setopts(Option{"packet", "http"}); !errors.As(err, &oe) || oe.Reason != "unsupported" {
		t.Errorf("Setopts(packet http) = %v, want an unsupported OptionError", err)
	}
	if err := server.Setopts(Verify(VerifyPeer)); !errors.As(err, &oe) {
		t.Errorf("Setopts(verify) = %v, want an OptionError", err)
	}
	if err := server.Setopts(Active(true), Packet(Packet2), Option{"packet", "httph"}); err == nil {
		t.Error("Setopts with a bad option succeeded")
	}
	if opts, _ := server.Getopts("active"); opts[0].Value != false {
		t.Errorf("a refused Setopts changed active to %v", opts[0].Value)
	}
	if _, err := server.Getopts("verify"); err == nil {
		t.Error("Getopts(verify) succeeded")
	}
}

func TestHTTPPacketTypesAreRefused(t *testing.T) {
	c := newCreds(t)
	var oe *OptionError
	if _, err := Listen(0, c.serverOpts(Option{"packet", "http_bin"})...); !errors.As(err, &oe) || oe.Reason != "unsupported" {
		t.Errorf("Listen with packet http_bin = %v", err)
	}
	if _, err := Connect("127.0.0.1", 1, c.clientOpts(Option{"packet", "http"}), time.Second); !errors.As(err, &oe) || oe.Reason != "unsupported" {
		t.Errorf("Connect with packet http = %v", err)
	}
}

func TestUpdateActive(t *testing.T) {
	on := activeMode{kind: activeTrue}
	off := activeMode{kind: activeFalse}
	n := func(k int) activeMode { return activeMode{kind: activeN, n: k} }
	cases := []struct {
		cur, req, want activeMode
	}{
		{off, n(3), n(3)},
		{on, n(3), n(3)},
		{n(2), n(3), n(5)},
		{n(2), n(-2), off},
		{n(2), n(-5), off},
		{off, n(0), off},
		{n(4), on, on},
		{n(4), off, off},
	}
	for _, c := range cases {
		if got := updateActive(c.cur, c.req); got != c.want {
			t.Errorf("updateActive(%v, %v) = %v, want %v", c.cur.value(), c.req.value(), got.value(), c.want.value())
		}
	}
}

// readAll reads from a plain connection until it ends.
func readAll(t *testing.T, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(hangLimit))
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the connection did not end: read %d bytes", len(b))
		}
	}
	return b
}
