package handshake_test

import (
	"bytes"
	"errors"
	mrand "math/rand"
	"testing"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/session"
)

// earlyPair primes a client with tickets of srv and returns them.
func earlyTickets(t *testing.T, cli, srv *handshake.Config) []*session.Session {
	t.Helper()
	_, tickets := firstTickets(t, cli, srv)
	if len(tickets) == 0 {
		t.Fatal("no tickets")
	}
	return tickets
}

// TestEarlyData13 sends 0-RTT data between our sides: accepted (with
// stateless and stateful tickets, with ALPN), refused by a server that
// does not take early data, too large for the ticket (not sent), and
// after a HelloRetryRequest (refused, the handshake goes on).
func TestEarlyData13(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	data := []byte("early data from otpssl")
	for _, c := range []struct {
		name     string
		stateful bool
		alpn     bool
		refuse   bool
		tooLarge bool
		retry    bool
	}{
		{name: "stateless"}, {name: "stateful", stateful: true}, {name: "alpn", alpn: true},
		{name: "server-refuses", refuse: true}, {name: "too-large", tooLarge: true}, {name: "retry", retry: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
			srv.Tickets = statelessTickets(t)
			if c.stateful {
				srv.Tickets = &handshake.ServerTickets{Store: handshake.NewTicketStore(0)}
			}
			srv.AcceptEarlyData = true
			srv.MaxEarlyData = 100
			if c.alpn {
				cli.ALPN, srv.ALPN = []string{"h2", "http/1.1"}, []string{"h2"}
			}
			tickets := earlyTickets(t, cli, srv)
			if tickets[0].MaxEarlyData != 100 {
				t.Fatalf("ticket allows %d bytes of early data", tickets[0].MaxEarlyData)
			}
			cli.PSKs = tickets[:1]
			cli.EarlyData = data
			if c.tooLarge {
				cli.EarlyData = bytes.Repeat([]byte{1}, 101)
			}
			if c.refuse {
				srv.AcceptEarlyData = false
			}
			if c.retry {
				cli.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp384r1}
				srv.Groups = []handshake.NamedGroup{handshake.Secp384r1}
			}
			cs, ss := pair13(t, cli, srv)
			if !cs.Resumed || !ss.Resumed {
				t.Fatal("not resumed")
			}
			accepted := !c.refuse && !c.tooLarge && !c.retry
			if cs.EarlyDataAccepted != accepted || ss.EarlyDataAccepted != accepted {
				t.Fatalf("early data accepted: client %v, server %v, want %v", cs.EarlyDataAccepted, ss.EarlyDataAccepted, accepted)
			}
			if accepted && !bytes.Equal(ss.EarlyData, data) {
				t.Fatalf("server got %q", ss.EarlyData)
			}
			if !accepted && ss.EarlyData != nil {
				t.Fatalf("server kept %q", ss.EarlyData)
			}
		})
	}
}

// TestEarlyData13Replay replays a ClientHello with its early data (the
// client's randomness and clock fixed, so that it sends the same bytes
// twice): with a ReplayFilter the second one's early data is refused and
// the handshake completes; without one, both are taken (the risk of
// stateless tickets that anti_replay removes).
func TestEarlyData13Replay(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, filter := range []bool{true, false} {
		cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
		srv.Tickets = statelessTickets(t)
		srv.AcceptEarlyData = true
		if filter {
			srv.ReplayFilter = handshake.NewReplayFilter(10*time.Second, 5, 72985)
		}
		now := time.Now()
		cli.Now = func() time.Time { return now }
		tickets := earlyTickets(t, cli, srv)
		cli.PSKs = tickets[:1]
		cli.EarlyData = []byte("replayed")
		var hellos [][]byte
		handshake.SetTestHooks(cli, handshake.TestHooks{ClientHello: func(h *handshake.ClientHello) {
			b, _ := h.Marshal()
			hellos = append(hellos, b)
		}})
		for i := 0; i < 2; i++ {
			cli.Rand = mrand.New(mrand.NewSource(42))
			cs, ss := pair13(t, cli, srv)
			want := i == 0 || !filter
			if !cs.Resumed || ss.EarlyDataAccepted != want || cs.EarlyDataAccepted != want {
				t.Fatalf("filter %v, connection %d: resumed %v, early data accepted %v", filter, i+1, cs.Resumed, ss.EarlyDataAccepted)
			}
		}
		if len(hellos) != 2 || !bytes.Equal(hellos[0], hellos[1]) {
			t.Fatal("the two ClientHello messages differ: not a replay")
		}
	}
}

// TestReplayFilter: a key is fresh once within a window, and again
// after two windows.
func TestReplayFilter(t *testing.T) {
	f := handshake.NewReplayFilter(10*time.Second, 5, 1<<16)
	t0 := time.Unix(1000, 0)
	if !f.Fresh([]byte("a"), t0) || f.Fresh([]byte("a"), t0.Add(time.Second)) {
		t.Fatal("a key seen twice in a window")
	}
	if !f.Fresh([]byte("b"), t0.Add(9*time.Second)) {
		t.Fatal("a new key refused")
	}
	// One window later the previous filter still holds the keys.
	if f.Fresh([]byte("a"), t0.Add(11*time.Second)) {
		t.Fatal("a key seen in the previous window accepted")
	}
	if !f.Fresh([]byte("a"), t0.Add(35*time.Second)) {
		t.Fatal("a key refused two windows later")
	}
}

// TestEarlyData13OverLimit: a client that sends more early data than its
// ticket allows (here, one that lies about the limit) is refused by the
// server with unexpected_message in wait_eoed.
func TestEarlyData13OverLimit(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	srv.Tickets = statelessTickets(t)
	srv.AcceptEarlyData, srv.MaxEarlyData = true, 100
	tickets := earlyTickets(t, cli, srv)
	lying := tickets[0].Clone()
	lying.MaxEarlyData = 1 << 20
	cli.PSKs = []*session.Session{lying}
	cli.EarlyData = bytes.Repeat([]byte{7}, 101)
	_, sr := ourPair13(t, cli, srv)
	var he *handshake.Error
	if !errors.As(sr.err, &he) || he.Alert.Description != record.UnexpectedMessage || he.State != "wait_eoed" {
		t.Fatalf("server: %v", sr.err)
	}
}

// TestEarlyData13ReplayAfterWindow replays a ClientHello with early data
// after the ReplayFilter has forgotten its binder (two windows of 2 s
// later, still within MaxTicketAgeSkew of the ticket's age): the
// handshake resumes, but the early data is refused, since the hello's
// ticket age is no longer within half a window of the server's view.
func TestEarlyData13ReplayAfterWindow(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	cli, srv := only13(t, pki.clientConfig()), only13(t, pki.serverConfig(pki.serverECDSA))
	srv.Tickets = statelessTickets(t)
	srv.AcceptEarlyData = true
	srv.ReplayFilter = handshake.NewReplayFilter(2*time.Second, 5, 72985)
	now := time.Now()
	srvNow := now
	cli.Now = func() time.Time { return now }
	srv.Now = func() time.Time { return srvNow }
	tickets := earlyTickets(t, cli, srv)
	cli.PSKs = tickets[:1]
	cli.EarlyData = []byte("replayed")
	for i, delay := range []time.Duration{0, 5 * time.Second} {
		srvNow = now.Add(delay)
		cli.Rand = mrand.New(mrand.NewSource(42))
		cs, ss := pair13(t, cli, srv)
		if !cs.Resumed || ss.EarlyDataAccepted != (i == 0) {
			t.Fatalf("connection %d (%v later): resumed %v, early data accepted %v", i+1, delay, cs.Resumed, ss.EarlyDataAccepted)
		}
	}
}
