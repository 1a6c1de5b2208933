package handshake_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/record"
)

// TLS 1.3 session resumption against openssl and GnuTLS.

// serveOne accepts one connection on a fresh port for the peer started
// by start, runs our server on it and exchanges a line each way; it
// returns our State and the peer's output.
func serveOne(t *testing.T, cfg *handshake.Config, start func(port int) *peertest.Process) (*handshake.State, *peertest.Process) {
	t.Helper()
	port, accepted := acceptOne(t)
	peer := start(port)
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatalf("the peer did not connect\n%s", peer.Output())
	}
	if conn == nil {
		t.Fatal("accept failed")
	}
	defer conn.Close()
	res := runOurs(conn, false, cfg)
	if res.err != nil {
		t.Fatalf("handshake: %v\n%s", res.err, peer.Output())
	}
	if _, err := peer.Stdin.Write([]byte("ping from the peer\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := readUntil13(res.st, res.rc, "ping from the peer"); err != nil {
		t.Fatalf("%v\n%s", err, peer.Output())
	}
	send13(t, res.st, res.rc, "pong from otpssl\n")
	peer.WaitOutput(t, "pong from otpssl", 10*time.Second)
	return res.st, peer
}

// TestPSK13OpenSSLClient: openssl s_client saves the session of our
// stateless or stateful ticket (-sess_out) and resumes it (-sess_in).
func TestPSK13OpenSSLClient(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, mode := range []string{"stateless", "stateful"} {
		t.Run(mode, func(t *testing.T) {
			cfg := cfg13(p.serverConfig(p.serverECDSA))
			cfg.Tickets = statelessTickets(t)
			if mode == "stateful" {
				cfg.Tickets = &handshake.ServerTickets{Store: handshake.NewTicketStore(0)}
			}
			sess := filepath.Join(t.TempDir(), "sess.pem")
			client := func(extra ...string) func(port int) *peertest.Process {
				return func(port int) *peertest.Process {
					args := append([]string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-servername", hsServerName,
						"-CAfile", f.root, "-verify_return_error", "-ign_eof", "-tls1_3"}, extra...)
					return peertest.Start(t, openssl, args...)
				}
			}
			st, peer := serveOne(t, cfg, client("-sess_out", sess))
			if st.Resumed {
				t.Fatal("first connection resumed")
			}
			peer.WaitOutput(t, "New, TLSv1.3", 5*time.Second)
			peer.Kill()
			st, peer = serveOne(t, cfg, client("-sess_in", sess))
			if !st.Resumed {
				t.Fatalf("not resumed\n%s", peer.Output())
			}
			peer.WaitOutput(t, "Reused, TLSv1.3", 5*time.Second)
			if len(st.PeerCertificates) != 0 {
				t.Fatal("peer certificates on a resumed connection without client authentication")
			}
		})
	}
}

// TestPSK13OpenSSLServer: our client resumes with the tickets of openssl
// s_server, which says so.
func TestPSK13OpenSSLServer(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	port := peertest.FreePort(t)
	srv := peertest.Start(t, openssl, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port), "-naccept", "2",
		"-cert", f.ecdsaCert, "-key", f.ecdsaKey, "-tls1_3")
	cfg := cfg13(p.clientConfig())
	jar := &ticketJar{}
	for i := 0; i < 2; i++ {
		cfg.OnTicket = jar.add
		if i == 1 {
			tickets := jar.all()
			if len(tickets) == 0 {
				t.Fatalf("no ticket from s_server\n%s", srv.Output())
			}
			cfg.PSKs = tickets[len(tickets)-1:]
		}
		conn := dialPeer(t, port)
		res := runOurs(conn, true, cfg)
		if res.err != nil {
			conn.Close()
			t.Fatalf("handshake %d: %v\n%s", i+1, res.err, srv.Output())
		}
		send13(t, res.st, res.rc, "ping "+strconv.Itoa(i)+"\n")
		srv.WaitOutput(t, "ping "+strconv.Itoa(i), 10*time.Second)
		if _, err := srv.Stdin.Write([]byte("pong " + strconv.Itoa(i) + "\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := readUntil13(res.st, res.rc, "pong "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if want := i == 1; res.st.Resumed != want {
			t.Fatalf("connection %d resumed %v\n%s", i+1, res.st.Resumed, srv.Output())
		}
		if len(res.st.PeerCertificates) == 0 {
			t.Fatal("no server certificate reported")
		}
	}
}

// TestPSK13GnuTLSClient: gnutls-cli --resume resumes with our stateless
// ticket.
func TestPSK13GnuTLSClient(t *testing.T) {
	peertest.Require(t, "gnutls-cli")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	cfg := cfg13(p.serverConfig(p.serverECDSA))
	cfg.Tickets = statelessTickets(t)
	jar := make(chan *handshake.State, 2)
	port, accepted := acceptTwo(t)
	cli := peertest.Start(t, "gnutls-cli", "--port", strconv.Itoa(port), "--x509cafile", f.root,
		"--sni-hostname", hsServerName, "--verify-hostname", hsServerName, "--resume", "127.0.0.1")
	for i := 0; i < 2; i++ {
		var conn net.Conn
		select {
		case conn = <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatalf("gnutls-cli did not connect (%d)\n%s", i+1, cli.Output())
		}
		res := runOurs(conn, false, cfg)
		if res.err != nil {
			conn.Close()
			t.Fatalf("handshake %d: %v\n%s", i+1, res.err, cli.Output())
		}
		jar <- res.st
		if i == 0 {
			// gnutls-cli waits for the tickets, then closes.
			readUntil13(res.st, res.rc, "\x00never")
		}
		if i == 1 {
			cli.WaitOutput(t, "This is a resumed session", 10*time.Second)
		}
		conn.Close()
	}
	if first, second := <-jar, <-jar; first.Resumed || !second.Resumed {
		t.Fatalf("resumed: %v then %v\n%s", first.Resumed, second.Resumed, cli.Output())
	}
}

// acceptTwo listens on a free port and delivers its first two
// connections.
func acceptTwo(t *testing.T) (int, <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 2)
	go func() {
		defer l.Close()
		defer close(ch)
		for i := 0; i < 2; i++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			ch <- c
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port, ch
}

// TestEarlyData13OpenSSLClient: openssl s_client resumes with -sess_in
// and sends -early_data, which our server accepts and delivers.
func TestEarlyData13OpenSSLClient(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	cfg := cfg13(p.serverConfig(p.serverECDSA))
	cfg.Tickets = statelessTickets(t)
	cfg.AcceptEarlyData = true
	dir := t.TempDir()
	sess := filepath.Join(dir, "sess.pem")
	early := filepath.Join(dir, "early.txt")
	if err := os.WriteFile(early, []byte("early data from openssl\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	client := func(extra ...string) func(port int) *peertest.Process {
		return func(port int) *peertest.Process {
			args := append([]string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-servername", hsServerName,
				"-CAfile", f.root, "-verify_return_error", "-ign_eof", "-tls1_3"}, extra...)
			return peertest.Start(t, openssl, args...)
		}
	}
	st, peer := serveOne(t, cfg, client("-sess_out", sess))
	if st.Resumed {
		t.Fatal("first connection resumed")
	}
	peer.Kill()
	st, peer = serveOne(t, cfg, client("-sess_in", sess, "-early_data", early))
	if !st.Resumed || !st.EarlyDataAccepted || string(st.EarlyData) != "early data from openssl\n" {
		t.Fatalf("resumed %v, early data accepted %v: %q\n%s", st.Resumed, st.EarlyDataAccepted, st.EarlyData, peer.Output())
	}
	peer.WaitOutput(t, "Early data was accepted", 5*time.Second)
}

// TestEarlyData13OpenSSLServer: our client sends early data to openssl
// s_server -early_data with its ticket, which s_server accepts.
func TestEarlyData13OpenSSLServer(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	port := peertest.FreePort(t)
	srv := peertest.Start(t, openssl, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port), "-naccept", "2",
		"-cert", f.ecdsaCert, "-key", f.ecdsaKey, "-tls1_3", "-early_data")
	cfg := cfg13(p.clientConfig())
	jar := &ticketJar{}
	for i := 0; i < 2; i++ {
		cfg.OnTicket = jar.add
		if i == 1 {
			tickets := jar.all()
			if len(tickets) == 0 || tickets[len(tickets)-1].MaxEarlyData == 0 {
				t.Fatalf("no ticket allowing early data from s_server\n%s", srv.Output())
			}
			cfg.PSKs = tickets[len(tickets)-1:]
			cfg.EarlyData = []byte("early data from otpssl\n")
		}
		conn := dialPeer(t, port)
		res := runOurs(conn, true, cfg)
		if res.err != nil {
			conn.Close()
			t.Fatalf("handshake %d: %v\n%s", i+1, res.err, srv.Output())
		}
		send13(t, res.st, res.rc, "ping "+strconv.Itoa(i)+"\n")
		srv.WaitOutput(t, "ping "+strconv.Itoa(i), 10*time.Second)
		if _, err := srv.Stdin.Write([]byte("pong " + strconv.Itoa(i) + "\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := readUntil13(res.st, res.rc, "pong "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		// close_notify: OpenSSL forgets the session of a connection
		// that ends without it, and its tickets for early data are
		// stateful.
		res.rc.SendAlert(record.Warning, record.CloseNotify)
		conn.Close()
		if i == 1 && (!res.st.Resumed || !res.st.EarlyDataAccepted) {
			t.Fatalf("resumed %v, early data accepted %v\n%s", res.st.Resumed, res.st.EarlyDataAccepted, srv.Output())
		}
	}
	srv.WaitOutput(t, "early data from otpssl", 5*time.Second)
}

// TestEarlyData13GnuTLSClient: gnutls-cli --resume --earlydata sends
// early data on its resumed connection, which our server accepts.
func TestEarlyData13GnuTLSClient(t *testing.T) {
	peertest.Require(t, "gnutls-cli")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	cfg := cfg13(p.serverConfig(p.serverECDSA))
	cfg.Tickets = statelessTickets(t)
	cfg.AcceptEarlyData = true
	early := filepath.Join(t.TempDir(), "early.txt")
	if err := os.WriteFile(early, []byte("early data from gnutls\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port, accepted := acceptTwo(t)
	cli := peertest.Start(t, "gnutls-cli", "--port", strconv.Itoa(port), "--x509cafile", f.root,
		"--sni-hostname", hsServerName, "--verify-hostname", hsServerName, "--resume", "--earlydata", early, "127.0.0.1")
	var states []*handshake.State
	for i := 0; i < 2; i++ {
		var conn net.Conn
		select {
		case conn = <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatalf("gnutls-cli did not connect (%d)\n%s", i+1, cli.Output())
		}
		res := runOurs(conn, false, cfg)
		if res.err != nil {
			conn.Close()
			t.Fatalf("handshake %d: %v\n%s", i+1, res.err, cli.Output())
		}
		states = append(states, res.st)
		if i == 0 {
			readUntil13(res.st, res.rc, "\x00never")
		} else {
			cli.WaitOutput(t, "This is a resumed session", 10*time.Second)
		}
		conn.Close()
	}
	if st := states[1]; !st.Resumed || !st.EarlyDataAccepted || string(st.EarlyData) != "early data from gnutls\n" {
		t.Fatalf("resumed %v, early data accepted %v: %q\n%s", st.Resumed, st.EarlyDataAccepted, st.EarlyData, cli.Output())
	}
}

// TestEarlyData13GnuTLSServer: our client sends early data to
// gnutls-serv --earlydata with its ticket.
func TestEarlyData13GnuTLSServer(t *testing.T) {
	peertest.Require(t, "gnutls-serv")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	port := peertest.FreePort(t)
	srv := peertest.Start(t, "gnutls-serv", "--port", strconv.Itoa(port), "--echo", "--x509certfile", f.ecdsaCert,
		"--x509keyfile", f.ecdsaKey, "--earlydata", "--maxearlydata", "1000")
	srv.WaitListening(t, port, 10*time.Second)
	cfg := cfg13(p.clientConfig())
	jar := &ticketJar{}
	for i := 0; i < 2; i++ {
		cfg.OnTicket = jar.add
		if i == 1 {
			tickets := jar.all()
			if len(tickets) == 0 || tickets[len(tickets)-1].MaxEarlyData == 0 {
				t.Fatalf("no ticket allowing early data from gnutls-serv\n%s", srv.Output())
			}
			cfg.PSKs = tickets[len(tickets)-1:]
			cfg.EarlyData = []byte("early\n")
		}
		conn := dialPeer(t, port)
		res := runOurs(conn, true, cfg)
		if res.err != nil {
			conn.Close()
			t.Fatalf("handshake %d: %v\n%s", i+1, res.err, srv.Output())
		}
		line := "ping " + strconv.Itoa(i) + "\n"
		send13(t, res.st, res.rc, line)
		if _, err := readUntil13(res.st, res.rc, line); err != nil {
			t.Fatalf("%v\n%s", err, srv.Output())
		}
		res.rc.SendAlert(record.Warning, record.CloseNotify)
		conn.Close()
		if i == 1 && (!res.st.Resumed || !res.st.EarlyDataAccepted) {
			t.Fatalf("resumed %v, early data accepted %v\n%s", res.st.Resumed, res.st.EarlyDataAccepted, srv.Output())
		}
	}
}
