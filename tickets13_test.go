package ssl

import (
	"crypto"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/session"
)

// ticketConn connects a client to ls with clientOpts and accepts it, and
// has the server send a few bytes that the client reads, so that the
// tickets sent before them have arrived. It returns both sockets, which
// the test's cleanup closes.
func ticketConn(t *testing.T, c *creds, ls *ListenSocket, clientOpts ...Option) (server, client *Socket) {
	t.Helper()
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
	client, err := Connect("127.0.0.1", port(ls), c.clientOpts(clientOpts...), hangLimit)
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
	if err := r.s.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := client.Recv(4, hangLimit); err != nil || string(got) != "ping" {
		t.Fatalf("client got %q, %v", got, err)
	}
	return r.s, client
}

// resumedBoth checks session_resumption on both sides.
func resumedBoth(t *testing.T, server, client *Socket, want bool) {
	t.Helper()
	for _, s := range []*Socket{server, client} {
		info, err := s.ConnectionInformation("session_resumption", "protocol")
		if err != nil {
			t.Fatal(err)
		}
		if info.SessionResumption != want || info.Protocol != TLSv1_3 {
			t.Fatalf("%v: session_resumption %v, want %v (%v)", s.role, info.SessionResumption, want, info.Protocol)
		}
	}
}

// TestSessionTicketsAuto: a client in auto mode resumes with the tickets
// of a stateless and a stateful server; a stateful ticket resumes once,
// and each resumed connection brings new tickets.
func TestSessionTicketsAuto(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, mode := range []SessionTicketsMode{TicketsStateless, TicketsStateful} {
		t.Run(mode.String(), func(t *testing.T) {
			ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), SessionTickets(mode), Active(false))...)
			if err != nil {
				t.Fatal(err)
			}
			defer ls.Close()
			key := clientTicketKey{host: "127.0.0.1", port: port(ls), sni: "localhost"}
			opts := []Option{SessionTickets(TicketsAuto), Active(false)}
			server, client := ticketConn(t, c, ls, opts...)
			resumedBoth(t, server, client, false)
			if n := clientTickets.count(key); n != 3 {
				t.Fatalf("client keeps %d tickets, want 3", n)
			}
			for i := 0; i < 4; i++ {
				server, client = ticketConn(t, c, ls, opts...)
				resumedBoth(t, server, client, true)
				peer, err := client.Peercert()
				if err != nil || string(peer) != string(c.server.DER) {
					t.Fatalf("resumed client's peer certificate: %v", err)
				}
			}
			// Without auto, no ticket is offered.
			server, client = ticketConn(t, c, ls, Active(false))
			resumedBoth(t, server, client, false)
		})
	}
}

// TestSessionTicketsManual: a client in manual mode gets its tickets as
// SessionTicket messages, whatever its active mode, and resumes with
// UseTicket; a ticket another listener issued gives a full handshake.
func TestSessionTicketsManual(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), SessionTickets(TicketsStateless), Active(false))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	server, client := ticketConn(t, c, ls, SessionTickets(TicketsManual), Active(false))
	resumedBoth(t, server, client, false)
	var tickets [][]byte
	for len(tickets) < 3 {
		select {
		case m := <-client.Messages():
			st, ok := m.(SessionTicket)
			if !ok || st.Sock != client || st.ServerName != "localhost" || len(st.Ticket) == 0 {
				t.Fatalf("message %v", m)
			}
			tickets = append(tickets, st.Ticket)
		case <-time.After(hangLimit):
			t.Fatalf("%d tickets", len(tickets))
		}
	}
	server, client = ticketConn(t, c, ls, SessionTickets(TicketsManual), UseTicket(tickets[0]), Active(false))
	resumedBoth(t, server, client, true)

	other, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), SessionTickets(TicketsStateless), Active(false))...)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	server, client = ticketConn(t, c, other, SessionTickets(TicketsManual), UseTicket(tickets[1]), Active(false))
	resumedBoth(t, server, client, false)
}

// TestTicketEnv: the ticket settings of the application environment.
func TestTicketEnv(t *testing.T) {
	if e, err := buildEnv([]EnvOption{ServerSessionTicketMaxEarlyData(100)}); err != nil || e.tickets.maxEarlyData != 100 {
		t.Fatalf("server_session_ticket_max_early_data: %v", err)
	}
	e, err := buildEnv([]EnvOption{ServerSessionTicketLifetime(time.Minute), ServerSessionTicketsAmount(1),
		ServerSessionTicketStoreSize(5), ClientSessionTicketLifetime(2 * time.Minute), ClientSessionTicketStoreSize(7)})
	if err != nil {
		t.Fatal(err)
	}
	want := ticketEnv{serverLifetime: time.Minute, serverAmount: 1, serverStoreSize: 5,
		clientLifetime: 2 * time.Minute, clientStoreSize: 7, maxEarlyData: 16384}
	if e.tickets != want {
		t.Fatalf("env %+v", e.tickets)
	}
	if d := defaultEnv().tickets; d.serverLifetime != 7200*time.Second || d.serverAmount != 3 ||
		d.serverStoreSize != 1000 || d.clientLifetime != 7200*time.Second || d.clientStoreSize != 1000 {
		t.Fatalf("defaults %+v", d)
	}
	for _, bad := range []EnvOption{ServerSessionTicketLifetime(8 * 24 * time.Hour), ServerSessionTicketsAmount(0),
		ServerSessionTicketStoreSize(-1), ClientSessionTicketLifetime(0), ServerSessionTicketMaxEarlyData(0), {"client_session_ticket_store_size", "x"}} {
		if _, err := buildEnv([]EnvOption{bad}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestClientTicketStore: the store is bounded, drops expired tickets and
// gives each ticket once, newest first.
func TestClientTicketStore(t *testing.T) {
	s := &clientTicketStore{m: make(map[clientTicketKey][]*session.Session)}
	now := time.Now()
	a, b := clientTicketKey{host: "a", port: 1}, clientTicketKey{host: "b", port: 1}
	mk := func(age time.Duration, life uint32) *session.Session {
		return &session.Session{Created: now.Add(-age), TicketLifetime: life}
	}
	old, young := mk(time.Hour, 7200), mk(time.Minute, 7200)
	s.add(a, old, 3)
	s.add(a, young, 3)
	s.add(a, mk(3*time.Hour, 7200), 3) // expired by its lifetime
	s.add(b, mk(0, 7200), 3)           // over the size: a, the fullest, loses its oldest
	if s.len() != 3 || s.count(a) != 2 || s.count(b) != 1 {
		t.Fatalf("%d tickets: a %d, b %d", s.len(), s.count(a), s.count(b))
	}
	if got := s.take(a, now, 2*time.Hour); got != young {
		t.Fatalf("took %+v, want the young one", got)
	}
	// Nothing is left for a: the other ticket had expired.
	if got := s.take(a, now, 30*time.Minute); got != nil || s.count(a) != 0 || s.len() != 1 {
		t.Fatalf("took %+v; %d left", got, s.len())
	}
}

// TestEarlyDataSockets: a client in auto mode sends its early_data as
// 0-RTT data on a resumed connection, and the server delivers it first;
// without a ticket (first connection), or to a server that does not take
// early data, the same data comes right after the handshake. With
// anti_replay the server still takes fresh early data.
func TestEarlyDataSockets(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, tc := range []struct {
		name   string
		server []Option
		early  bool // the second connection's data goes as early data
	}{
		{"enabled", []Option{EarlyDataEnabled(true)}, true},
		{"anti-replay", []Option{SessionTickets(TicketsStateless), EarlyDataEnabled(true), AntiReplay(AntiReplay10K)}, true},
		{"disabled", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{IP(mustAddr("127.0.0.1")), SessionTickets(TicketsStateful), Active(false)}, tc.server...)
			ls, err := Listen(0, c.serverOpts(opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer ls.Close()
			for i := 0; i < 2; i++ {
				msg := "early " + tc.name
				server, client := ticketConn(t, c, ls, SessionTickets(TicketsAuto), EarlyData([]byte(msg)), Active(false))
				got, err := server.Recv(len(msg), hangLimit)
				if err != nil || string(got) != msg {
					t.Fatalf("connection %d: server got %q, %v", i+1, got, err)
				}
				if err := client.Send([]byte("after")); err != nil {
					t.Fatal(err)
				}
				if got, err := server.Recv(5, hangLimit); err != nil || string(got) != "after" {
					t.Fatalf("connection %d: then %q, %v", i+1, got, err)
				}
				accepted := server.neg.state.EarlyDataAccepted
				if want := i == 1 && tc.early; accepted != want {
					t.Fatalf("connection %d: early data accepted %v, want %v", i+1, accepted, want)
				}
			}
		})
	}
}

// TestSessionTicketsGoTLS: crypto/tls as a client with a
// ClientSessionCache resumes with a listen socket's tickets, and a client
// in auto mode resumes with crypto/tls's tickets.
func TestSessionTicketsGoTLS(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	gc := c.goTLSConfig(t)
	gc.MinVersion, gc.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
	gc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	t.Run("go-client", func(t *testing.T) {
		ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), SessionTickets(TicketsStateless), Active(false))...)
		if err != nil {
			t.Fatal(err)
		}
		defer ls.Close()
		for i := 0; i < 2; i++ {
			done := make(chan error, 1)
			var resumed bool
			go func() {
				conn, err := tls.Dial("tcp", ls.Addr().String(), gc)
				if err != nil {
					done <- err
					return
				}
				defer conn.Close()
				buf := make([]byte, 4)
				if _, err := io.ReadFull(conn, buf); err != nil {
					done <- err
					return
				}
				resumed = conn.ConnectionState().DidResume
				done <- nil
			}()
			s, err := ls.TransportAccept(hangLimit)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SSLAccept(hangLimit); err != nil {
				s.Close()
				t.Fatal(err)
			}
			if err := s.Send([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			info, err := s.ConnectionInformation("session_resumption")
			s.Close()
			if want := i == 1; err != nil || resumed != want || info.SessionResumption != want {
				t.Fatalf("connection %d: crypto/tls resumed %v, ours %v, want %v (%v)", i+1, resumed, info.SessionResumption, want, err)
			}
		}
	})
	t.Run("go-server", func(t *testing.T) {
		srv := c.goTLSConfig(t)
		srv.MinVersion, srv.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
		ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		served := make(chan bool, 2)
		go func() {
			for i := 0; i < 2; i++ {
				conn, err := ln.Accept()
				if err != nil {
					served <- false
					return
				}
				buf := make([]byte, 4)
				_, err = io.ReadFull(conn, buf)
				if err == nil {
					_, err = conn.Write(buf)
				}
				served <- err == nil && conn.(*tls.Conn).ConnectionState().DidResume
				conn.Close()
			}
		}()
		for i := 0; i < 2; i++ {
			s, err := Connect("localhost", ln.Addr().(*net.TCPAddr).Port, c.clientOpts(SessionTickets(TicketsAuto), Active(false)), hangLimit)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Recv(4, hangLimit); err != nil || string(got) != "ping" {
				t.Fatalf("got %q, %v", got, err)
			}
			info, _ := s.ConnectionInformation("session_resumption")
			s.Close()
			goResumed := <-served
			if want := i == 1; info.SessionResumption != want || goResumed != want {
				t.Fatalf("connection %d: ours resumed %v, crypto/tls %v, want %v", i+1, info.SessionResumption, goResumed, want)
			}
		}
	})
}

// TestSessionTicketsUpgraded: server sockets made by SSLAcceptConn share
// the process's ticket keys, so a client in auto mode resumes on a second
// upgraded connection; its early data arrives in active mode as the first
// Data message.
func TestSessionTicketsUpgraded(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	for i := 0; i < 2; i++ {
		type res struct {
			s   *Socket
			err error
		}
		ch := make(chan res, 1)
		go func() {
			conn, err := l.Accept()
			if err != nil {
				ch <- res{nil, err}
				return
			}
			s, err := SSLAcceptConn(conn, c.serverOpts(SessionTickets(TicketsStateless), EarlyDataEnabled(true)), hangLimit)
			if err != nil {
				conn.Close()
			}
			ch <- res{s, err}
		}()
		client, err := Connect("127.0.0.1", port, c.clientOpts(SessionTickets(TicketsAuto), EarlyData([]byte("hello")), Active(false)), hangLimit)
		r := <-ch
		if err != nil || r.err != nil {
			t.Fatalf("Connect: %v; SSLAcceptConn: %v", err, r.err)
		}
		server := r.s
		if got := nextData(t, server, server.Messages()); string(got) != "hello" {
			t.Fatalf("connection %d: server got %q", i+1, got)
		}
		if err := server.Send([]byte("ok")); err != nil {
			t.Fatal(err)
		}
		if got, err := client.Recv(2, hangLimit); err != nil || string(got) != "ok" {
			t.Fatalf("client got %q, %v", got, err)
		}
		info, err := client.ConnectionInformation("session_resumption")
		if want := i == 1; err != nil || info.SessionResumption != want || server.neg.state.EarlyDataAccepted != want {
			t.Fatalf("connection %d: resumed %v, early data accepted %v, want %v (%v)", i+1, info.SessionResumption,
				server.neg.state.EarlyDataAccepted, want, err)
		}
		client.Close()
		server.Close()
	}
}

// TestSessionTicketsSNIHosts: a listen socket with sni_hosts issues and
// takes tickets, and early data, for the configuration of the name the
// client sends.
func TestSessionTicketsSNIHosts(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	hosts := SNIHosts(map[string][]Option{"localhost": {Cert(c.server.DER, c.root.DER), Key(c.server.Key.(crypto.Signer))}})
	ls, err := Listen(0, IP(mustAddr("127.0.0.1")), hosts, SessionTickets(TicketsStateless), EarlyDataEnabled(true), Active(false),
		Cert(c.server.DER, c.root.DER), Key(c.server.Key.(crypto.Signer)))
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	for i := 0; i < 2; i++ {
		server, client := ticketConn(t, c, ls, SessionTickets(TicketsAuto), EarlyData([]byte("sni")), Active(false))
		if got, err := server.Recv(3, hangLimit); err != nil || string(got) != "sni" {
			t.Fatalf("connection %d: %q, %v", i+1, got, err)
		}
		resumedBoth(t, server, client, i == 1)
		if want := i == 1; server.neg.state.EarlyDataAccepted != want {
			t.Fatalf("connection %d: early data accepted %v", i+1, server.neg.state.EarlyDataAccepted)
		}
	}
}

// TestSessionTicketString: the message renders as OTP's tuple.
func TestSessionTicketString(t *testing.T) {
	for _, c := range []struct {
		m    SessionTicket
		want string
	}{
		{SessionTicket{ServerName: "example.com", Ticket: make([]byte, 300)}, `{ssl,session_ticket,{"example.com",<<300 bytes>>}}`},
		{SessionTicket{Ticket: []byte{1}}, `{ssl,session_ticket,{undefined,<<1 bytes>>}}`},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("%s, want %s", got, c.want)
		}
	}
}
