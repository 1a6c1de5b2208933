package handshake_test

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// resumeConfigs returns a client and a server sharing nothing but the
// PKI, each with its own memory cache, ready to resume by session ID.
func resumeConfigs(t *testing.T, p *hsPKI, suites ...*cipher.Suite) (cli, srv *handshake.Config) {
	t.Helper()
	cli = p.clientConfig(suites...)
	cli.SessionCache = session.NewMemoryCache()
	cli.SessionPeer = session.PartialKey{Host: hsServerName, Port: 443}
	cli.OfferSessions = true
	srv = p.serverConfig(p.serverECDSA, suites...)
	srv.SessionCache = session.NewMemoryCache()
	srv.SessionPeer = session.PartialKey{Port: 443}
	return cli, srv
}

func checkResumed(t *testing.T, c, s *handshake.State, want bool) {
	t.Helper()
	if c.Resumed != want || s.Resumed != want {
		t.Fatalf("resumed: client %v, server %v; want %v", c.Resumed, s.Resumed, want)
	}
	if !bytes.Equal(c.SessionID, s.SessionID) || len(c.SessionID) == 0 {
		t.Fatalf("session IDs %x and %x", c.SessionID, s.SessionID)
	}
}

// TestResumeSessionID resumes by session ID in every version that has
// it, and checks what the resumed connection reports.
func TestResumeSessionID(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10, cipher.VersionSSL30} {
		t.Run(v.String(), func(t *testing.T) {
			name := "ECDHE-ECDSA-AES128-SHA"
			if v == cipher.VersionSSL30 {
				name = "AES128-SHA"
			}
			s := suitesByName(t, name)
			cli, srv := resumeConfigs(t, p, s...)
			cli.Versions = []cipher.Version{v}
			srv.Versions = []cipher.Version{v}
			if v == cipher.VersionSSL30 {
				srv.Certificates = []handshake.Credential{cred(p.serverRSA)}
			}
			c1, s1 := mustPair(t, cli, srv)
			checkResumed(t, c1, s1, false)
			c2, s2 := mustPair(t, cli, srv)
			checkResumed(t, c2, s2, true)
			if !bytes.Equal(c2.SessionID, c1.SessionID) || !bytes.Equal(c2.MasterSecret, c1.MasterSecret) {
				t.Fatal("the resumed connection has another session ID or master secret")
			}
			if c2.ClientRandom == c1.ClientRandom || bytes.Equal(c2.ClientFinished, c1.ClientFinished) {
				t.Fatal("the resumed connection repeats the randoms")
			}
			if len(c2.PeerCertificates) == 0 || !bytes.Equal(c2.PeerCertificates[0], c1.PeerCertificates[0]) {
				t.Fatal("the resumed connection does not report the session's peer certificate")
			}
			if c2.Session == nil || s2.Session == nil || c2.Session.CipherSuite != s[0].ID {
				t.Fatal("no session in the resumed state")
			}
		})
	}
}

// TestResumeClientCertificate: the server reports the client's
// certificate of the session on the resumed connection.
func TestResumeClientCertificate(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	cli.Certificates = []handshake.Credential{cred(p.clientECDSA)}
	srv.VerifyPeer, srv.FailIfNoPeerCert = true, true
	_, s1 := mustPair(t, cli, srv)
	c2, s2 := mustPair(t, cli, srv)
	checkResumed(t, c2, s2, true)
	if len(s2.PeerCertificates) == 0 || !bytes.Equal(s2.PeerCertificates[0], s1.PeerCertificates[0]) {
		t.Fatal("the server does not report the client certificate of the session")
	}
}

// TestResumeDeclined covers the cases that give a full handshake, and
// the client forgetting a session the server declined.
func TestResumeDeclined(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	suites := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA")
	for _, c := range []struct {
		name   string
		change func(cli, srv *handshake.Config)
	}{
		{"reuse_session fun says no", func(cli, srv *handshake.Config) {
			srv.ReuseSession = func(id, peerCert []byte, compression int, s *cipher.Suite) bool {
				if len(id) != 32 || compression != 0 || s.ID != suites[0].ID || peerCert != nil {
					t.Errorf("reuse_session called with %x, %x, %d, %s", id, peerCert, compression, s)
				}
				return false
			}
		}},
		{"server without reuse_sessions", func(cli, srv *handshake.Config) { srv.IssueSessionID = false }},
		{"suite no longer offered", func(cli, srv *handshake.Config) { cli.Suites = suites[1:] }},
		{"version changed", func(cli, srv *handshake.Config) { srv.Versions = []cipher.Version{cipher.VersionTLS11} }},
		{"other server certificate", func(cli, srv *handshake.Config) {
			srv.Certificates = []handshake.Credential{cred(p.serverP384)}
		}},
		{"server cache emptied", func(cli, srv *handshake.Config) { srv.SessionCache.Terminate() }},
		{"expired on the server", func(cli, srv *handshake.Config) {
			srv.Now = func() time.Time { return time.Now().Add(25 * time.Hour) }
			srv.PathOptions.Time = time.Now()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cli, srv := resumeConfigs(t, p, suites...)
			c1, _ := mustPair(t, cli, srv)
			c.change(cli, srv)
			c2, s2 := mustPair(t, cli, srv)
			if c2.Resumed || s2.Resumed {
				t.Fatal("resumed")
			}
			if c.name == "server without reuse_sessions" {
				if len(s2.SessionID) != 0 {
					t.Fatal("a server without reuse_sessions gave a session ID")
				}
			} else if bytes.Equal(c2.SessionID, c1.SessionID) {
				t.Fatal("same session ID on a full handshake")
			}
			kept := cli.SessionCache.Lookup(session.MakeKey(cli.SessionPeer, c1.SessionID)) != nil
			if offered := c.name != "suite no longer offered"; kept == offered {
				t.Fatalf("offered %v, and the client keeps the session: %v", offered, kept)
			}
		})
	}
}

// TestResumeServerNameMismatch: RFC 6066, Section 3: a session made for
// one name is not resumed for another, neither offered by the client nor
// accepted by the server.
func TestResumeServerNameMismatch(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	c1, _ := mustPair(t, cli, srv)
	// The client offers the session under another name by hand.
	other := *cli
	other.ServerName = "other.example"
	other.PathOptions.Hostname = ""
	sess := c1.Session.Clone()
	sess.ServerName = "other.example"
	other.ResumeSession = sess
	c2, s2 := mustPair(t, &other, srv)
	if c2.Resumed || s2.Resumed {
		t.Fatal("a session of another server name was resumed")
	}
	// The client does not offer a session of another name.
	other.ResumeSession = c1.Session
	c3, s3 := mustPair(t, &other, srv)
	if c3.Resumed || s3.Resumed || bytes.Equal(c3.SessionID, c1.SessionID) {
		t.Fatal("a session of another server name was offered")
	}
}

// TestResumeExtendedMasterSecretMismatch: RFC 7627, Section 5.3, on
// both sides.
func TestResumeExtendedMasterSecretMismatch(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	suites := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")

	t.Run("server: EMS session, hello without", func(t *testing.T) {
		cli, srv := resumeConfigs(t, p, suites...)
		c1, _ := mustPair(t, cli, srv)
		handshake.SetTestHooks(cli, handshake.TestHooks{ClientHello: func(h *handshake.ClientHello) { h.ExtendedMasterSecret = false }})
		cr, sr := ourPair(t, cli, srv)
		e := wantHSAlert(t, sr.err, record.HandshakeFailure)
		if e.State != "hello" {
			t.Fatalf("state %s", e.State)
		}
		_ = cr
		if srv.SessionCache.Lookup(session.MakeKey(srv.SessionPeer, c1.SessionID)) == nil {
			t.Fatal("the aborted handshake removed the session it did not resume")
		}
	})
	t.Run("server: non-EMS session, hello with", func(t *testing.T) {
		cli, srv := resumeConfigs(t, p, suites...)
		c1, _ := mustPair(t, cli, srv)
		key := session.MakeKey(srv.SessionPeer, c1.SessionID)
		s := srv.SessionCache.Lookup(key).Clone()
		s.ExtendedMasterSecret = false
		srv.SessionCache.Update(key, s)
		c2, s2 := mustPair(t, cli, srv)
		if c2.Resumed || s2.Resumed {
			t.Fatal("a session without the extended master secret was resumed into one with it")
		}
	})
	t.Run("server: non-EMS session, hello without: resumed (legacy peers)", func(t *testing.T) {
		cli, srv := resumeConfigs(t, p, suites...)
		handshake.SetTestHooks(cli, handshake.TestHooks{ClientHello: func(h *handshake.ClientHello) { h.ExtendedMasterSecret = false }})
		c1, _ := mustPair(t, cli, srv)
		if c1.ExtendedMasterSecret {
			t.Fatal("EMS negotiated")
		}
		c2, s2 := mustPair(t, cli, srv)
		checkResumed(t, c2, s2, true)
		if c2.ExtendedMasterSecret || s2.ExtendedMasterSecret {
			t.Fatal("EMS on the resumed connection")
		}
	})
	t.Run("client: server resumes with the other EMS state", func(t *testing.T) {
		cli, srv := resumeConfigs(t, p, suites...)
		mustPair(t, cli, srv)
		handshake.SetTestHooks(srv, handshake.TestHooks{ServerHello: func(h *handshake.ServerHello) { h.ExtendedMasterSecret = false }})
		cr, _ := ourPair(t, cli, srv)
		wantHSAlert(t, cr.err, record.HandshakeFailure)
	})
}

// TestResumeFailedHandshakeNotCached: a handshake that fails leaves no
// session in either cache, and a failed resumption deletes its session.
func TestResumeFailedHandshakeNotCached(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	suites := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")
	cli, srv := resumeConfigs(t, p, suites...)
	// The client does not trust the server: the full handshake fails.
	bad := *cli
	bad.PathOptions.TrustedCerts = [][]byte{p.serverRSA.DER}
	cr, sr := ourPair(t, &bad, srv)
	if cr.err == nil || sr.err == nil {
		t.Fatal("the handshake succeeded")
	}
	for _, c := range []*handshake.Config{cli, srv} {
		if n := c.SessionCache.(*session.MemoryCache).Len(); n != 0 {
			t.Fatalf("%d sessions cached after a failed handshake", n)
		}
	}
	// A resumption whose Finished is wrong deletes the session.
	c1, _ := mustPair(t, cli, srv)
	sess := c1.Session.Clone()
	sess.MasterSecret[0] ^= 1
	wrong := *cli
	wrong.ResumeSession = sess
	cr, sr = ourPair(t, &wrong, srv)
	if cr.err == nil || sr.err == nil {
		t.Fatal("a resumption with a wrong master secret succeeded")
	}
	if srv.SessionCache.Lookup(session.MakeKey(srv.SessionPeer, c1.SessionID)) != nil {
		t.Fatal("the failed resumption left its session in the server cache")
	}
}

// TestResumeInvalidateSession: a fatal alert on the connection removes
// its session (RFC 5246, Section 7.2.2), through State.InvalidateSession.
func TestResumeInvalidateSession(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	c1, s1 := mustPair(t, cli, srv)
	s1.InvalidateSession()
	c1.InvalidateSession()
	if srv.SessionCache.(*session.MemoryCache).Len() != 0 || cli.SessionCache.(*session.MemoryCache).Len() != 0 {
		t.Fatal("InvalidateSession left the session")
	}
	c2, s2 := mustPair(t, cli, srv)
	if c2.Resumed || s2.Resumed {
		t.Fatal("an invalidated session was resumed")
	}
}

// TestResumeSave: {reuse_sessions, save} stores without offering;
// reuse_session offers the saved session.
func TestResumeSave(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	cli.OfferSessions, cli.SaveSessions = false, true
	c1, _ := mustPair(t, cli, srv)
	c2, _ := mustPair(t, cli, srv)
	if c2.Resumed || cli.SessionCache.(*session.MemoryCache).Len() != 2 {
		t.Fatal("save mode offered a session or did not save both")
	}
	again := *cli
	again.ResumeSession = cli.SessionCache.Lookup(session.MakeKey(cli.SessionPeer, c1.SessionID))
	c3, s3 := mustPair(t, &again, srv)
	checkResumed(t, c3, s3, true)
	if !bytes.Equal(c3.SessionID, c1.SessionID) {
		t.Fatal("reuse_session resumed another session")
	}
}

// TestResumeTickets: RFC 5077 between our client and server: a ticket
// with the full handshake, resumption by ticket with no server cache, a
// ticket of a rotated-out key and an unknown key giving a full handshake.
func TestResumeTickets(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	cli.SessionTickets12 = true
	srv.SessionCache = nil
	keys, err := session.NewStaticTicketKeys([32]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	srv.TicketKeys = keys
	c1, s1 := mustPair(t, cli, srv)
	if c1.Resumed || c1.Session == nil || len(c1.Session.Ticket) == 0 || s1.Session == nil {
		t.Fatal("no ticket after the full handshake")
	}
	c2, s2 := mustPair(t, cli, srv)
	if !c2.Resumed || !s2.Resumed || !bytes.Equal(c2.SessionID, s2.SessionID) || bytes.Equal(c2.SessionID, c1.SessionID) {
		t.Fatalf("ticket resumption: %v %v, IDs %x %x", c2.Resumed, s2.Resumed, c2.SessionID, s2.SessionID)
	}
	// Rotation: the old key second still opens, and a new ticket comes.
	if err := keys.SetKeys([32]byte{2}, [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	old := c1.Session.Ticket
	c3, s3 := mustPair(t, cli, srv)
	if !c3.Resumed || !s3.Resumed {
		t.Fatal("a ticket of the previous key was not resumed")
	}
	if bytes.Equal(c3.Session.Ticket, old) {
		t.Fatal("no new ticket after a ticket of the previous key")
	}
	// Unknown key: full handshake with a new ticket.
	if err := keys.SetKeys([32]byte{3}); err != nil {
		t.Fatal(err)
	}
	c4, s4 := mustPair(t, cli, srv)
	if c4.Resumed || s4.Resumed || len(c4.Session.Ticket) == 0 {
		t.Fatal("a ticket of an unknown key was resumed, or no new ticket")
	}
	c5, _ := mustPair(t, cli, srv)
	if !c5.Resumed {
		t.Fatal("the new ticket was not resumed")
	}
}

// TestResumeConcurrent runs many handshakes at once on shared caches
// (for -race).
func TestResumeConcurrent(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	cli.SessionTickets12 = true
	keys, _ := session.NewTicketKeys(0)
	srv.TicketKeys = keys
	mustPair(t, cli, srv)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, sr := ourPair(t, cli, srv)
			if cr.err != nil || sr.err != nil {
				errs <- "handshake failed"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestResumeWithGoTickets: crypto/tls as the peer, tickets both ways.
func TestResumeWithGoTickets(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	suites := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")

	t.Run("our server, crypto/tls client", func(t *testing.T) {
		_, srv := resumeConfigs(t, p, suites...)
		keys, _ := session.NewTicketKeys(0)
		srv.TicketKeys = keys
		cache := tls.NewLRUClientSessionCache(4)
		conf := &tls.Config{RootCAs: p.pool(), ServerName: hsServerName, MaxVersion: tls.VersionTLS12, ClientSessionCache: cache}
		var ids [][]byte
		for i := range 2 {
			a, b := tcpPair(t)
			done := make(chan ourResult, 1)
			go func() { done <- runOurs(b, false, srv) }()
			tc := tls.Client(a, conf)
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			if err := echoTLSWithOurs(tc, (<-done)); err != nil {
				t.Fatal(err)
			}
			if got := tc.ConnectionState().DidResume; got != (i == 1) {
				t.Fatalf("connection %d: crypto/tls DidResume %v", i, got)
			}
			tc.Close()
			b.Close()
			ids = append(ids, nil)
		}
	})

	t.Run("our client, crypto/tls server", func(t *testing.T) {
		cli, _ := resumeConfigs(t, p, suites...)
		cli.SessionTickets12 = true
		conf := &tls.Config{Certificates: []tls.Certificate{tlsCert(p.serverECDSA)}, MaxVersion: tls.VersionTLS12}
		for i := range 2 {
			a, b := tcpPair(t)
			ts := tls.Server(b, conf)
			errc := make(chan error, 1)
			go func() { errc <- ts.Handshake() }()
			r := runOurs(a, true, cli)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if r.st.Resumed != (i == 1) || ts.ConnectionState().DidResume != (i == 1) {
				t.Fatalf("connection %d: resumed %v, crypto/tls %v", i, r.st.Resumed, ts.ConnectionState().DidResume)
			}
			a.Close()
			ts.Close()
		}
	})
}

// echoTLSWithOurs has the crypto/tls client send a line that our server
// side echoes.
func echoTLSWithOurs(tc *tls.Conn, r ourResult) error {
	if r.err != nil {
		return r.err
	}
	errc := make(chan error, 1)
	go func() {
		m, err := r.rc.ReadMessage()
		if err == nil {
			_, err = r.rc.Write(m.Data)
		}
		errc <- err
	}()
	if _, err := tc.Write([]byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 4)
	if _, err := tc.Read(buf); err != nil {
		return err
	}
	return <-errc
}

// TestResumeTicketNotSealable: a session the server cannot put in a
// ticket (a client chain longer than a session holds) gets an empty
// NewSessionTicket; the handshake goes on and the client keeps no ticket.
func TestResumeTicketNotSealable(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	cli.SessionTickets12 = true
	srv.SessionCache = nil
	srv.TicketKeys, _ = session.NewTicketKeys(0)
	srv.VerifyPeer = true
	chain := [][]byte{p.clientECDSA.DER}
	for range session.MaxChainLen + 1 {
		chain = append(chain, p.root.DER)
	}
	cli.Certificates = []handshake.Credential{{Chain: chain, Key: p.clientECDSA.Key.(crypto.Signer)}}
	c1, s1 := mustPair(t, cli, srv)
	if len(s1.PeerCertificates) != len(chain) {
		t.Fatalf("the server saw %d certificates", len(s1.PeerCertificates))
	}
	if c1.Session == nil || len(c1.Session.Ticket) != 0 {
		t.Fatal("a ticket came for a session that cannot be sealed")
	}
}
