package ssl

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/session"
)

// resetSessions gives the test fresh application caches and puts the
// application back afterwards.
func resetSessions(t *testing.T) {
	t.Helper()
	resetApp(t)
	terminateSessionCaches()
	t.Cleanup(terminateSessionCaches)
}

// listenTLS12 listens on a loopback port with TLS 1.2 and serves every
// connection: the handshake, then an echo of each message until the
// client closes.
func listenTLS12(t *testing.T, c *creds, opts ...Option) *ListenSocket {
	t.Helper()
	ls, err := Listen(0, c.serverOpts(append([]Option{IP(mustAddr("127.0.0.1")), Versions(TLSv1_2), Active(false)}, opts...)...)...)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ls.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			s, err := ls.TransportAccept(Infinity)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer s.Close()
				if s.SSLAccept(hangLimit) != nil {
					return
				}
				for {
					d, err := s.Recv(0, hangLimit)
					if err != nil || s.Send(d) != nil {
						return
					}
				}
			}()
		}
	}()
	return ls
}

// connectInfo connects, checks an echo, and returns the connection's
// session_id, session_resumption and session_data.
func connectInfo(t *testing.T, c *creds, p int, opts ...Option) ConnectionInfo {
	t.Helper()
	s, err := Connect("127.0.0.1", p, c.clientOpts(append([]Option{Active(false), Versions(TLSv1_2)}, opts...)...), hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, s, 4); string(got) != "ping" {
		t.Fatalf("echo %q", got)
	}
	info, err := s.ConnectionInformation("session_id", "session_resumption", "session_data")
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestSessionsResumeByDefault: clients resume and servers agree with the
// default options; both connections report the same session ID, the
// second as resumed.
func TestSessionsResumeByDefault(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	ls := listenTLS12(t, c)
	first := connectInfo(t, c, port(ls))
	second := connectInfo(t, c, port(ls))
	if first.SessionResumption || !second.SessionResumption {
		t.Fatalf("resumption: %v then %v", first.SessionResumption, second.SessionResumption)
	}
	if len(first.SessionID) != 32 || !bytes.Equal(first.SessionID, second.SessionID) {
		t.Fatalf("session IDs %x and %x", first.SessionID, second.SessionID)
	}
	// reuse_sessions false on the client: a full handshake.
	third := connectInfo(t, c, port(ls), ReuseSessions(false))
	if third.SessionResumption {
		t.Fatal("a client with reuse_sessions false resumed")
	}
}

// TestSessionsServerRefuses: reuse_sessions false and a reuse_session
// fun saying no on the server.
func TestSessionsServerRefuses(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	var mu sync.Mutex
	var asked [][]byte
	no := ReuseSession(func(id, peerCert []byte, compression int, suite CipherSuite) bool {
		mu.Lock()
		asked = append(asked, id)
		mu.Unlock()
		return false
	})
	ls := listenTLS12(t, c, no)
	first := connectInfo(t, c, port(ls))
	second := connectInfo(t, c, port(ls))
	if second.SessionResumption || bytes.Equal(first.SessionID, second.SessionID) {
		t.Fatal("resumed although reuse_session said no")
	}
	mu.Lock()
	if len(asked) != 1 || !bytes.Equal(asked[0], first.SessionID) {
		t.Fatalf("reuse_session asked about %x", asked)
	}
	mu.Unlock()
	off := listenTLS12(t, c, ReuseSessions(false))
	i1 := connectInfo(t, c, port(off))
	i2 := connectInfo(t, c, port(off))
	if i2.SessionResumption || len(i1.SessionID) != 0 {
		t.Fatal("a server with reuse_sessions false issued or resumed a session")
	}
}

// TestSessionsSaveAndReuseSession: {reuse_sessions, save} and
// reuse_session with an ID and with the session data.
func TestSessionsSaveAndReuseSession(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	ls := listenTLS12(t, c)
	saved := connectInfo(t, c, port(ls), ReuseSessionsSave())
	again := connectInfo(t, c, port(ls), ReuseSessionsSave())
	if again.SessionResumption || bytes.Equal(saved.SessionID, again.SessionID) {
		t.Fatal("save mode resumed")
	}
	byID := connectInfo(t, c, port(ls), ReuseSessionID(saved.SessionID))
	if !byID.SessionResumption || !bytes.Equal(byID.SessionID, saved.SessionID) {
		t.Fatal("reuse_session with a saved ID did not resume it")
	}
	// The data carries a session the client cache does not hold.
	first := connectInfo(t, c, port(ls), ReuseSessions(false))
	if len(first.SessionData) == 0 {
		t.Fatal("no session_data")
	}
	cc, _ := sessionCache(RoleClient)
	if cc.Lookup(session.MakeKey(session.PartialKey{Host: "127.0.0.1", Port: port(ls)}, first.SessionID)) != nil {
		t.Fatal("a client with reuse_sessions false stored its session")
	}
	byData := connectInfo(t, c, port(ls), ReuseSessionData(first.SessionID, first.SessionData))
	if !byData.SessionResumption || !bytes.Equal(byData.SessionID, first.SessionID) {
		t.Fatal("reuse_session with the session data did not resume it")
	}
	if _, err := Connect("127.0.0.1", port(ls), c.clientOpts(ReuseSessionData(first.SessionID, []byte("junk"))), hangLimit); err == nil {
		t.Fatal("bad session data accepted")
	} else {
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Name != "reuse_session" {
			t.Fatalf("bad session data: %v", err)
		}
	}
}

// TestSessionsTickets: a server with SessionTicketsTLS12 issues tickets
// that resume with no server cache entry; TicketKeys shared by two
// servers lets either resume the other's ticket; a client with
// SessionTicketsTLS12(false) gets none.
func TestSessionsTickets(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	keys, err := session.NewStaticTicketKeys([32]byte{7})
	if err != nil {
		t.Fatal(err)
	}
	a := listenTLS12(t, c, SessionTicketsTLS12(true), TicketKeys(keys))
	b := listenTLS12(t, c, SessionTicketsTLS12(true), TicketKeys(keys))
	first := connectInfo(t, c, port(a))
	// Move the client's session, ticket included, to b's key in the
	// client cache, and empty the server cache: only the ticket can
	// resume it.
	cc, _ := sessionCache(RoleClient)
	sc, _ := sessionCache(RoleServer)
	sc.Terminate()
	var moved bool
	cc.Foldl(func(k session.Key, s *session.Session, _ any) any {
		if k.Port == port(a) && len(s.Ticket) > 0 {
			cc.Update(session.MakeKey(session.PartialKey{Host: k.Host, Port: port(b)}, s.ID), s)
			moved = true
		}
		return nil
	}, nil)
	if !moved {
		t.Fatal("the client kept no ticket")
	}
	second := connectInfo(t, c, port(b))
	if !second.SessionResumption || bytes.Equal(second.SessionID, first.SessionID) {
		t.Fatalf("ticket resumption on the second server: %v (IDs %x, %x)", second.SessionResumption, first.SessionID, second.SessionID)
	}
	// A client without tickets.
	plain := listenTLS12(t, c, SessionTicketsTLS12(true))
	connectInfo(t, c, port(plain), SessionTicketsTLS12(false))
	cc.Foldl(func(k session.Key, s *session.Session, _ any) any {
		if k.Port == port(plain) && len(s.Ticket) > 0 {
			t.Error("a client with session_tickets_tls12 false kept a ticket")
		}
		return nil
	}, nil)
}

// callLogCache is a session.Cache that records the calls it gets.
type callLogCache struct {
	*session.MemoryCache
	mu    sync.Mutex
	calls []string
}

func (r *callLogCache) record(s string) {
	r.mu.Lock()
	r.calls = append(r.calls, s)
	r.mu.Unlock()
}

func (r *callLogCache) Init(a session.InitArgs) error {
	r.record(fmt.Sprintf("init %s %v %d %v", a.Role, a.Lifetime, a.Max, a.Args))
	return r.MemoryCache.Init(a)
}
func (r *callLogCache) Lookup(k session.Key) *session.Session {
	s := r.MemoryCache.Lookup(k)
	r.record(fmt.Sprintf("lookup %v", s != nil))
	return s
}
func (r *callLogCache) Update(k session.Key, s *session.Session) {
	r.record("update")
	r.MemoryCache.Update(k, s)
}
func (r *callLogCache) Delete(k session.Key) {
	r.record("delete")
	r.MemoryCache.Delete(k)
}
func (r *callLogCache) SelectSession(pk session.PartialKey) []*session.Session {
	ss := r.MemoryCache.SelectSession(pk)
	r.record(fmt.Sprintf("select %d", len(ss)))
	return ss
}
func (r *callLogCache) Terminate() {
	r.record("terminate")
	r.MemoryCache.Terminate()
}

func (r *callLogCache) log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// TestSessionsCustomCache: SessionCB's caches get Init with the
// environment, the documented calls in order, and Terminate at Stop.
func TestSessionsCustomCache(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	caches := map[session.Role]*callLogCache{}
	var mu sync.Mutex
	err := Start(SessionLifetime(time.Hour), SessionCacheServerMax(7), SessionCBInitArgs("x"),
		SessionCB(func(role session.Role) session.Cache {
			mu.Lock()
			defer mu.Unlock()
			rc := &callLogCache{MemoryCache: session.NewMemoryCache()}
			caches[role] = rc
			return rc
		}))
	if err != nil {
		t.Fatal(err)
	}
	ls := listenTLS12(t, c)
	first := connectInfo(t, c, port(ls))
	second := connectInfo(t, c, port(ls))
	if !second.SessionResumption || !bytes.Equal(first.SessionID, second.SessionID) {
		t.Fatal("no resumption through the custom caches")
	}
	ls.Close()
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
	want := map[session.Role][]string{
		session.Client: {"init client 1h0m0s 1000 [x]", "select 0", "update", "select 1", "terminate"},
		session.Server: {"init server 1h0m0s 7 [x]", "update", "lookup true", "terminate"},
	}
	for role, w := range want {
		if got := caches[role].log(); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s cache calls %q, want %q", role, got, w)
		}
	}
	// A factory whose Init fails makes Start fail.
	err = Start(SessionCB(func(session.Role) session.Cache { return failingCache{} }))
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Name != "session_cb" {
		t.Fatalf("Start with a failing cache: %v", err)
	}
}

type failingCache struct{ session.Cache }

func (failingCache) Init(session.InitArgs) error { return errors.New("no store") }

// TestSessionsLifetime: with a fake clock, a session is resumed until
// the lifetime has passed and not after.
func TestSessionsLifetime(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	if err := Start(SessionLifetime(time.Hour), SessionCB(func(session.Role) session.Cache {
		return session.NewMemoryCache(session.WithClock(clock))
	})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Stop() })
	ls := listenTLS12(t, c)
	connectInfo(t, c, port(ls))
	mu.Lock()
	now = now.Add(59 * time.Minute)
	mu.Unlock()
	if !connectInfo(t, c, port(ls)).SessionResumption {
		t.Fatal("not resumed within the lifetime")
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if connectInfo(t, c, port(ls)).SessionResumption {
		t.Fatal("resumed after the lifetime")
	}
}

// TestSessionsClientMax: a client cache of one session keeps the newest.
func TestSessionsClientMax(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	if err := Start(SessionCacheClientMax(1)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Stop() })
	a, b := listenTLS12(t, c), listenTLS12(t, c)
	connectInfo(t, c, port(a))
	connectInfo(t, c, port(b))
	if connectInfo(t, c, port(a)).SessionResumption {
		t.Fatal("the oldest session was kept beyond session_cache_client_max")
	}
	if !connectInfo(t, c, port(a)).SessionResumption {
		t.Fatal("the newest session was not kept")
	}
}

// TestSessionsConcurrent: many clients resuming at once (for -race).
func TestSessionsConcurrent(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	ls := listenTLS12(t, c, SessionTicketsTLS12(true))
	connectInfo(t, c, port(ls))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Connect("127.0.0.1", port(ls), c.clientOpts(Active(false), Versions(TLSv1_2)), hangLimit)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestSessionsFatalAlertInvalidates: a fatal alert on an established
// connection removes its session from the server cache (RFC 5246,
// Section 7.2.2).
func TestSessionsFatalAlertInvalidates(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	server, client := pair(t, c, []Option{Active(false), Versions(TLSv1_2)}, []Option{Active(false), Versions(TLSv1_2)})
	info, err := server.ConnectionInformation("session_id")
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := sessionCache(RoleServer)
	key := session.MakeKey(session.PartialKey{Port: server.transport.LocalAddr().(*net.TCPAddr).Port}, info.SessionID)
	if sc.Lookup(key) == nil {
		t.Fatal("the session is not in the server cache")
	}
	server.fail(errors.New("boom"), "connection")
	if sc.Lookup(key) != nil {
		t.Fatal("the session survived a fatal alert")
	}
	_ = client
}

// TestSessionsSNIHosts: a server whose configuration comes from
// sni_hosts stores and resumes sessions in the application cache too,
// with the reuse_session fun of the host's options.
func TestSessionsSNIHosts(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	var mu sync.Mutex
	asked := 0
	hostOpts := c.serverOpts(ReuseSession(func(id, peerCert []byte, compression int, suite CipherSuite) bool {
		mu.Lock()
		asked++
		mu.Unlock()
		return true
	}))
	ls := listenTLS12(t, c, SNIHosts(map[string][]Option{"localhost": hostOpts}))
	first := connectInfo(t, c, port(ls))
	second := connectInfo(t, c, port(ls))
	if !second.SessionResumption || !bytes.Equal(first.SessionID, second.SessionID) {
		t.Fatal("no resumption with an sni_hosts configuration")
	}
	mu.Lock()
	defer mu.Unlock()
	if asked != 1 {
		t.Fatalf("the host's reuse_session was asked %d times", asked)
	}
}
