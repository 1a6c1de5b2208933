package handshake_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// ticketJar collects the sessions a client receives.
type ticketJar struct {
	mu   sync.Mutex
	list []*session.Session
}

func (j *ticketJar) add(s *session.Session) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, s)
}

func (j *ticketJar) all() []*session.Session {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]*session.Session(nil), j.list...)
}

// statelessTickets returns stateless ticket settings with fresh keys.
func statelessTickets(t testing.TB) *handshake.ServerTickets {
	t.Helper()
	k, err := session.NewTicketKeys(0)
	if err != nil {
		t.Fatal(err)
	}
	return &handshake.ServerTickets{Keys: k}
}

// firstTickets runs a full handshake between cli and srv and returns the
// tickets the client received.
func firstTickets(t *testing.T, cli, srv *handshake.Config) (*handshake.State, []*session.Session) {
	t.Helper()
	jar := &ticketJar{}
	cli.OnTicket = jar.add
	c, _ := pair13(t, cli, srv)
	cli.OnTicket = nil
	if c.Resumed {
		t.Fatal("first handshake resumed")
	}
	return c, jar.all()
}

// TestPSK13Resume resumes sessions of stateless and stateful tickets,
// with and without the client's certificate kept, and after a
// HelloRetryRequest.
func TestPSK13Resume(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, mode := range []string{"stateless", "stateful", "stateless_with_cert", "stateful_with_cert", "retry"} {
		t.Run(mode, func(t *testing.T) {
			cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
			cli.Certificates = []handshake.Credential{cred(pki.clientECDSA)}
			srv.VerifyPeer = true
			srv.Tickets = statelessTickets(t)
			if mode == "stateful" || mode == "stateful_with_cert" {
				srv.Tickets = &handshake.ServerTickets{Store: handshake.NewTicketStore(10)}
			}
			srv.Tickets.WithCert = mode == "stateless_with_cert" || mode == "stateful_with_cert"
			if mode == "retry" {
				cli.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp384r1}
				srv.Groups = []handshake.NamedGroup{handshake.Secp384r1}
			}
			first, tickets := firstTickets(t, cli, srv)
			if len(tickets) != handshake.DefaultTicketsAmount {
				t.Fatalf("%d tickets, want %d", len(tickets), handshake.DefaultTicketsAmount)
			}
			if srv.Tickets.Store != nil && srv.Tickets.Store.Len() != 3 {
				t.Fatalf("store holds %d", srv.Tickets.Store.Len())
			}
			for _, tk := range tickets {
				if tk.TicketLifetime != 7200 || tk.CipherSuite != first.Suite.ID || tk.ServerName != hsServerName {
					t.Fatalf("ticket %+v", tk)
				}
			}
			cli.PSKs = tickets[:1]
			c, s := pair13(t, cli, srv)
			if !c.Resumed || !s.Resumed {
				t.Fatalf("resumed: client %v, server %v", c.Resumed, s.Resumed)
			}
			if mode == "retry" && !c.HelloRetry {
				t.Fatal("no retry")
			}
			if !equalChains(c.PeerCertificates, first.PeerCertificates) {
				t.Fatal("resumed client does not report the server's chain of the session")
			}
			wantClient := srv.Tickets.WithCert
			if got := len(s.PeerCertificates) > 0; got != wantClient {
				t.Fatalf("server reports a client certificate: %v, want %v", got, wantClient)
			}
			// The same ticket again: a stateful one is used up.
			c, _ = pair13(t, cli, srv)
			if want := srv.Tickets.Keys != nil; c.Resumed != want {
				t.Fatalf("second use of a ticket resumed: %v, want %v", c.Resumed, want)
			}
		})
	}
}

func equalChains(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestPSK13FullHandshake covers the tickets a server does not use: sealed
// under another server's keys, expired, with an age out of the window,
// for another server name, of a suite of another hash, with psk_ke
// only. Each gives a full handshake, not an error.
func TestPSK13FullHandshake(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	aes128 := cipher.SuiteByID(0x1301)
	aes256 := cipher.SuiteByID(0x1302)
	cli, srv := only13(t, pki.clientConfig(), aes128, aes256), only13(t, pki.serverConfig(pki.serverECDSA), aes128, aes256)
	srv.Tickets = statelessTickets(t)
	_, tickets := firstTickets(t, cli, srv)
	if len(tickets) == 0 || tickets[0].CipherSuite != aes128.ID {
		t.Fatalf("tickets %v", tickets)
	}
	now := time.Now()
	cases := []struct {
		name   string
		change func(cli, srv *handshake.Config)
	}{
		{"foreign key", func(cli, srv *handshake.Config) { srv.Tickets = statelessTickets(t) }},
		{"expired", func(cli, srv *handshake.Config) {
			srv.Now = func() time.Time { return now.Add(2*time.Hour + time.Minute) }
		}},
		{"server lifetime shorter", func(cli, srv *handshake.Config) {
			srv.Tickets = &handshake.ServerTickets{Keys: srv.Tickets.Keys, Lifetime: time.Minute}
			srv.Now = func() time.Time { return now.Add(2 * time.Minute) }
			cli.Now = srv.Now
		}},
		{"age out of window", func(cli, srv *handshake.Config) {
			srv.Now = func() time.Time { return now.Add(time.Minute) }
		}},
		{"other server name", func(cli, srv *handshake.Config) {
			// The client sends no server name and offers the session as
			// one without; the server issued it for hsServerName.
			cli.ServerName = ""
			cli.PSKs = []*session.Session{withName(tickets[0], "")}
		}},
		{"suite of another hash", func(cli, srv *handshake.Config) {
			cli.Suites = []*cipher.Suite{aes256, aes128}
			srv.HonorCipherOrder = true
			srv.Suites = []*cipher.Suite{aes256, aes128}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c2, s2 := *cli, *srv
			c2.PSKs = tickets[:1]
			tc.change(&c2, &s2)
			cr, sr := ourPair13(t, &c2, &s2)
			if cr.err != nil || sr.err != nil {
				t.Fatalf("client %v; server %v", cr.err, sr.err)
			}
			if cr.st.Resumed || sr.st.Resumed {
				t.Fatal("resumed")
			}
		})
	}
}

func withName(s *session.Session, name string) *session.Session {
	c := s.Clone()
	c.ServerName = name
	return c
}

// TestPSK13BadBinder: a binder that does not match the ClientHello is a
// decrypt_error.
func TestPSK13BadBinder(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	srv.Tickets = statelessTickets(t)
	_, tickets := firstTickets(t, cli, srv)
	// The client's binder is made with another PSK than the server's.
	bad := tickets[0].Clone()
	bad.MasterSecret[0] ^= 1
	cli.PSKs = []*session.Session{bad}
	cr, sr := ourPair13(t, cli, srv)
	var he *handshake.Error
	if !errors.As(sr.err, &he) || he.Alert.Description != record.DecryptError || he.Alert.Remote {
		t.Fatalf("server: %v", sr.err)
	}
	if !errors.As(cr.err, &he) || he.Alert.Description != record.DecryptError || !he.Alert.Remote {
		t.Fatalf("client: %v", cr.err)
	}
}

// TestPSK13StoreBounded: a stateful server's store keeps its newest
// tickets up to its size; the oldest are gone (a full handshake), the
// newest resume.
func TestPSK13StoreBounded(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	srv.Tickets = &handshake.ServerTickets{Store: handshake.NewTicketStore(2), Amount: 3}
	_, tickets := firstTickets(t, cli, srv)
	if len(tickets) != 3 || srv.Tickets.Store.Len() != 2 {
		t.Fatalf("%d tickets, the store holds %d", len(tickets), srv.Tickets.Store.Len())
	}
	// Each handshake fills the store again with its own tickets: the
	// newest one of the first handshake resumes, the oldest is gone.
	for _, c := range []struct {
		i    int
		want bool
	}{{2, true}, {0, false}} {
		cli.PSKs = tickets[c.i : c.i+1]
		if st, _ := pair13(t, cli, srv); st.Resumed != c.want {
			t.Fatalf("ticket %d resumed %v, want %v", c.i, st.Resumed, c.want)
		}
	}
}

// TestPSK13ClientScripted: a server's pre_shared_key answer that does
// not fit what our client offered ends the handshake in wait_sh.
func TestPSK13ClientScripted(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	sess := func(suite uint16) *session.Session {
		return &session.Session{Version: cipher.VersionTLS13, CipherSuite: suite, MasterSecret: bytes.Repeat([]byte{1}, 48)[:cipher.SuiteByID(suite).Hash().Size()],
			Ticket: []byte("ticket"), TicketLifetime: 3600, Created: time.Now(), ServerName: hsServerName}
	}
	for _, c := range []struct {
		name  string
		psks  []*session.Session
		index uint16
		alert record.Description
	}{
		{"index-out-of-range", []*session.Session{sess(0x1301)}, 1, record.IllegalParameter},
		{"not-offered", nil, 0, record.UnsupportedExtension},
		{"hash-of-another-suite", []*session.Session{sess(0x1302)}, 0, record.IllegalParameter},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := only13(t, pki.clientConfig())
			cfg.Groups = []handshake.NamedGroup{handshake.X25519}
			cfg.PSKs = c.psks
			p := start13(t, pki, true, cfg)
			ch := p.readClientHello()
			if len(ch.PSKIdentities) != len(c.psks) {
				t.Fatalf("%d PSKs offered, want %d", len(ch.PSKIdentities), len(c.psks))
			}
			p.send(p.serverHello(func(sh *handshake.ServerHello) {
				sh.HasSelectedIdentity, sh.SelectedIdentity = true, c.index
			}))
			p.expectFailure("wait_sh", c.alert)
		})
	}
}
