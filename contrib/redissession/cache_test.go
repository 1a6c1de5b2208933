package redissession_test

import (
	"bytes"
	"crypto"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/contrib/redissession"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/session"
)

// startRedis runs a redis-server of its own on a free port, without
// persistence, for the test.
func startRedis(t *testing.T) string {
	t.Helper()
	peertest.Require(t, "redis-server")
	port := peertest.FreePort(t)
	p := peertest.Start(t, "redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
	p.WaitListening(t, port, 10*time.Second)
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func sampleSession(id byte, created time.Time) *session.Session {
	return &session.Session{
		ID: bytes.Repeat([]byte{id}, 32), Version: cipher.VersionTLS12, CipherSuite: 0xc02b,
		MasterSecret: bytes.Repeat([]byte{id ^ 0x55}, 48), ExtendedMasterSecret: true,
		ServerName: "example.com", Created: created,
	}
}

// rawCommand sends one command to Redis and returns the reply line.
func rawCommand(t *testing.T, addr string, args ...string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

// TestCacheCalls covers each method against a real Redis: Update and
// Lookup round trips, the time to live, Delete, SelectSession's order,
// Foldl, the roles kept apart, expired and malformed values.
func TestCacheCalls(t *testing.T) {
	leakcheck.Check(t)
	addr := startRedis(t)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := redissession.New(addr, redissession.WithPrefix("t1:"), redissession.WithClock(clock))
	cli := redissession.New(addr, redissession.WithPrefix("t1:"), redissession.WithClock(clock))
	defer srv.Terminate()
	defer cli.Terminate()
	if err := srv.Init(session.InitArgs{Role: session.Server, Lifetime: time.Hour}); err != nil {
		t.Fatal(err)
	}
	cli.Init(session.InitArgs{Role: session.Client, Lifetime: time.Hour})

	pk := session.PartialKey{Port: 443}
	s1, s2 := sampleSession(1, now.Add(-10*time.Minute)), sampleSession(2, now.Add(-time.Minute))
	k1, k2 := session.MakeKey(pk, s1.ID), session.MakeKey(pk, s2.ID)
	srv.Update(k1, s1)
	srv.Update(k2, s2)
	got := srv.Lookup(k1)
	if got == nil || !bytes.Equal(got.MasterSecret, s1.MasterSecret) || !got.Created.Equal(s1.Created) {
		t.Fatalf("Lookup = %+v", got)
	}
	if cli.Lookup(k1) != nil {
		t.Fatal("the client role sees the server's sessions")
	}
	// The time to live is what is left of the lifetime: 50 minutes.
	reply := rawCommand(t, addr, "PTTL", "t1:server::443:"+hexOf(s1.ID))
	pttl, err := strconv.Atoi(reply[1 : len(reply)-2])
	if err != nil || reply[0] != ':' {
		t.Fatalf("PTTL reply %q", reply)
	}
	if pttl <= int((49*time.Minute)/time.Millisecond) || pttl > int((50*time.Minute)/time.Millisecond) {
		t.Fatalf("PTTL %d ms", pttl)
	}
	sel := srv.SelectSession(pk)
	if len(sel) != 2 || sel[0].ID[0] != 2 || sel[1].ID[0] != 1 {
		t.Fatalf("SelectSession gave %d sessions, not newest first", len(sel))
	}
	n := srv.Foldl(func(k session.Key, s *session.Session, acc any) any {
		if k != k1 && k != k2 {
			t.Errorf("Foldl key %v", k)
		}
		return acc.(int) + 1
	}, 0)
	if n != 2 {
		t.Fatalf("Foldl saw %v sessions", n)
	}
	srv.Delete(k1)
	if srv.Lookup(k1) != nil {
		t.Fatal("Delete left the session")
	}
	// Expired by the clock (Redis's own expiry is the time to live).
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if srv.Lookup(k2) != nil {
		t.Fatal("an expired session was returned")
	}
	srv.Update(k1, s1) // expired already: not stored
	if r := rawCommand(t, addr, "EXISTS", "t1:server::443:"+hexOf(s1.ID)); r != ":0\r\n" {
		t.Fatalf("an expired session was stored: %q", r)
	}
	// A malformed value is nothing.
	rawCommand(t, addr, "SET", "t1:server::443:"+hexOf(s2.ID), "junk")
	if srv.Lookup(k2) != nil {
		t.Fatal("a malformed value decoded")
	}
	// A key with an overlong ID is refused without a round trip.
	srv.Update(session.Key{PartialKey: pk, ID: string(make([]byte, 40))}, s1)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestCacheRedisDown: an unreachable Redis gives nothing, at once, and
// no error anywhere.
func TestCacheRedisDown(t *testing.T) {
	leakcheck.Check(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := redissession.New(addr, redissession.WithTimeout(200*time.Millisecond))
	defer c.Terminate()
	c.Init(session.InitArgs{Role: session.Server})
	s := sampleSession(1, time.Now())
	k := session.MakeKey(session.PartialKey{Port: 1}, s.ID)
	c.Update(k, s)
	if c.Lookup(k) != nil || len(c.SelectSession(k.PartialKey)) != 0 {
		t.Fatal("sessions from nowhere")
	}
	c.Delete(k)
}

// creds are a server certificate for localhost and its root.
type creds struct{ root, server *testpki.Cert }

func newCreds(t *testing.T) *creds {
	pki := testpki.New(t)
	root := pki.Root("redissession test root")
	return &creds{root: root, server: root.Issue("localhost", testpki.DNS("localhost"), testpki.IP("127.0.0.1"))}
}

// serve runs a TLS 1.2 server of the library on a free port that echoes
// what it receives.
func serve(t *testing.T, c *creds, wg *sync.WaitGroup) *ssl.ListenSocket {
	t.Helper()
	ls, err := ssl.Listen(0, ssl.IP(netip.MustParseAddr("127.0.0.1")), ssl.Versions(ssl.TLSv1_2), ssl.Active(false),
		ssl.Cert(c.server.DER, c.root.DER), ssl.Key(c.server.Key.(crypto.Signer)))
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			s, err := ls.TransportAccept(ssl.Infinity)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer s.Close()
				if s.SSLAccept(20*time.Second) != nil {
					return
				}
				for {
					d, err := s.Recv(0, 20*time.Second)
					if err != nil || s.Send(d) != nil {
						return
					}
				}
			}()
		}
	}()
	return ls
}

// balancer forwards the n-th connection it accepts to backends[n %
// len(backends)]: a load balancer in front of a fleet.
func balancer(t *testing.T, wg *sync.WaitGroup, backends ...string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", backends[n%len(backends)])
			if err != nil {
				in.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); io.Copy(in, out); in.Close() }()
		}
	}()
	return l
}

// TestFleetSharesSessions: two servers of the library on different ports
// behind a load balancer share the Redis cache with SharedAcrossPorts: a
// client resumes on the second server the session it made with the
// first; without SharedAcrossPorts it cannot.
func TestFleetSharesSessions(t *testing.T) {
	leakcheck.Check(t)
	addr := startRedis(t)
	c := newCreds(t)
	for _, shared := range []bool{true, false} {
		t.Run("shared="+strconv.FormatBool(shared), func(t *testing.T) {
			opts := []redissession.Option{redissession.WithPrefix("fleet-" + strconv.FormatBool(shared) + ":")}
			if shared {
				opts = append(opts, redissession.SharedAcrossPorts())
			}
			cache := redissession.New(addr, opts...)
			if err := ssl.Start(ssl.SessionCB(func(role session.Role) session.Cache {
				if role == session.Server {
					return cache
				}
				return nil
			})); err != nil {
				t.Fatal(err)
			}
			defer ssl.Stop()
			var wg sync.WaitGroup
			a, b := serve(t, c, &wg), serve(t, c, &wg)
			lb := balancer(t, &wg, a.Addr().String(), b.Addr().String())
			defer func() { lb.Close(); a.Close(); b.Close(); wg.Wait() }()
			lbPort := lb.Addr().(*net.TCPAddr).Port
			var ids [][]byte
			var resumed []bool
			for i := range 2 {
				s, err := ssl.Connect("127.0.0.1", lbPort, []ssl.Option{ssl.CACerts(c.root.DER), ssl.ServerNameIndication("localhost"),
					ssl.Versions(ssl.TLSv1_2), ssl.Active(false)}, 20*time.Second)
				if err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
				if err := s.Send([]byte("hi")); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Recv(2, 20*time.Second); err != nil || string(got) != "hi" {
					t.Fatalf("echo %q, %v", got, err)
				}
				info, err := s.ConnectionInformation("session_id", "session_resumption")
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, info.SessionID)
				resumed = append(resumed, info.SessionResumption)
				s.Close()
			}
			if resumed[0] {
				t.Fatal("the first connection resumed")
			}
			if resumed[1] != shared || bytes.Equal(ids[0], ids[1]) != shared {
				t.Fatalf("second connection (on the other server): resumed %v, same session ID %v; want %v", resumed[1], bytes.Equal(ids[0], ids[1]), shared)
			}
		})
	}
}
