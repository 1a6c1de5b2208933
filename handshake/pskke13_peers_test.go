package handshake_test

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/record"
)

// TLS 1.3 resumption in psk_ke against openssl 3.0 and GnuTLS. OpenSSL's
// -allow_no_dhe_kex lets both its roles use psk_ke. Its client lists
// psk_dhe_ke and psk_ke with the flag (psk_dhe_ke alone without it); its
// server takes psk_dhe_ke when the client lists it and sent a usable key
// share, psk_ke otherwise, as ours does. The -trace output shows the
// ServerHello: no key_share extension in psk_ke.

// lastServerHello returns openssl's -trace text of the last ServerHello in
// out, up to the next record.
func lastServerHello(t *testing.T, out string) string {
	t.Helper()
	i := strings.LastIndex(out, "ServerHello, Length=")
	if i < 0 {
		t.Fatalf("no ServerHello in the trace\n%s", out)
	}
	sh := out[i:]
	if j := strings.Index(sh, " Record"); j >= 0 {
		sh = sh[:j]
	}
	return sh
}

// checkTraceMode checks openssl's trace of a resumption's ServerHello: a
// PSK selected, and a key_share exactly when kex.
func checkTraceMode(t *testing.T, out string, kex bool) {
	t.Helper()
	sh := lastServerHello(t, out)
	if !strings.Contains(sh, "extension_type=psk(41)") {
		t.Fatalf("ServerHello without pre_shared_key:\n%s", sh)
	}
	if got := strings.Contains(sh, "extension_type=key_share(51)"); got != kex {
		t.Fatalf("ServerHello with key_share %v, want %v:\n%s", got, kex, sh)
	}
}

// TestPSK13KEOpenSSLClient: s_client saves our ticket (-sess_out) and
// resumes it (-sess_in): in psk_ke with -allow_no_dhe_kex against our
// server allowing psk_ke alone, in psk_dhe_ke against our server allowing
// both modes, with or without the flag.
func TestPSK13KEOpenSSLClient(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, tc := range []struct {
		name  string
		modes []uint8
		flag  bool
		kex   bool
	}{
		{"ke-only", []uint8{ke}, true, false},
		{"both", []uint8{ke, dheKE}, true, true},
		{"client-without-flag", []uint8{ke, dheKE}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfg13(p.serverConfig(p.serverECDSA))
			cfg.Tickets = statelessTickets(t)
			cfg.PSKModes = tc.modes
			sess := filepath.Join(t.TempDir(), "sess.pem")
			client := func(extra ...string) func(port int) *peertest.Process {
				return func(port int) *peertest.Process {
					args := []string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-servername", hsServerName,
						"-CAfile", f.root, "-verify_return_error", "-ign_eof", "-tls1_3"}
					if tc.flag {
						args = append(args, "-allow_no_dhe_kex")
					}
					return peertest.Start(t, openssl, append(args, extra...)...)
				}
			}
			st, peer := serveOne(t, cfg, client("-sess_out", sess))
			if st.Resumed || st.Group == 0 {
				t.Fatalf("first connection: resumed %v, group %v", st.Resumed, st.Group)
			}
			peer.WaitOutput(t, "New, TLSv1.3", 5*time.Second)
			peer.Kill()
			st, peer = serveOne(t, cfg, client("-sess_in", sess, "-trace"))
			peer.WaitOutput(t, "Reused, TLSv1.3", 5*time.Second)
			if !st.Resumed || (st.Group != 0) != tc.kex {
				t.Fatalf("resumed %v, group %v; want an (EC)DHE exchange: %v\n%s", st.Resumed, st.Group, tc.kex, peer.Output())
			}
			out := peer.Output()
			checkTraceMode(t, out, tc.kex)
			if got := strings.Contains(out, "Server Temp Key"); got != tc.kex {
				t.Fatalf("s_client reports a Server Temp Key: %v, want %v", got, tc.kex)
			}
		})
	}
}

// TestPSK13KEOpenSSLServer: our client resumes with s_server's tickets:
// in psk_ke offering psk_ke alone to s_server -allow_no_dhe_kex (whose
// trace shows no key_share in its ServerHello), and with a full
// handshake against s_server without the flag, which declines a PSK for
// psk_ke: the key share our client sends anyway serves it.
func TestPSK13KEOpenSSLServer(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, tc := range []struct {
		name    string
		flag    bool
		resumed bool
	}{
		{"allow_no_dhe_kex", true, true},
		{"dhe-only-server", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := peertest.FreePort(t)
			args := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-naccept", "2",
				"-cert", f.ecdsaCert, "-key", f.ecdsaKey, "-tls1_3", "-trace"}
			if tc.flag {
				args = append(args, "-allow_no_dhe_kex")
			}
			srv := peertest.Start(t, openssl, args...)
			// The first handshake lists both modes, so that tickets
			// come from either server.
			cfg := cfg13(p.clientConfig())
			cfg.PSKModes = []uint8{dheKE, ke}
			jar := &ticketJar{}
			for i := 0; i < 2; i++ {
				cfg.OnTicket = jar.add
				if i == 1 {
					tickets := jar.all()
					if len(tickets) == 0 {
						t.Fatalf("no ticket from s_server\n%s", srv.Output())
					}
					cfg.PSKs = tickets[len(tickets)-1:]
					cfg.PSKModes = []uint8{ke}
				}
				conn := dialPeer(t, port)
				res := runOurs(conn, true, cfg)
				if res.err != nil {
					conn.Close()
					t.Fatalf("handshake %d: %v\n%s", i+1, res.err, srv.Output())
				}
				line := "ping " + strconv.Itoa(i)
				send13(t, res.st, res.rc, line+"\n")
				srv.WaitOutput(t, line, 10*time.Second)
				// s_server's answer comes after its tickets.
				if _, err := srv.Stdin.Write([]byte("pong " + strconv.Itoa(i) + "\n")); err != nil {
					t.Fatal(err)
				}
				if _, err := readUntil13(res.st, res.rc, "pong "+strconv.Itoa(i)); err != nil {
					t.Fatal(err)
				}
				conn.Close()
				want := i == 1 && tc.resumed
				if res.st.Resumed != want || (res.st.Group == 0) != want {
					t.Fatalf("connection %d: resumed %v, group %v; want a psk_ke resumption: %v\n%s",
						i+1, res.st.Resumed, res.st.Group, want, srv.Output())
				}
			}
			if tc.resumed {
				checkTraceMode(t, srv.Output(), false)
			}
		})
	}
}

// TestPSK13KEGnuTLSClient: gnutls-cli --resume, which lists psk_ke as
// well as psk_dhe_ke with its default priorities, resumes our ticket in
// psk_ke when our server allows psk_ke alone, in psk_dhe_ke when it
// allows both.
func TestPSK13KEGnuTLSClient(t *testing.T) {
	peertest.Require(t, "gnutls-cli")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, tc := range []struct {
		name  string
		modes []uint8
		kex   bool
	}{
		{"ke-only", []uint8{ke}, false},
		{"both", []uint8{ke, dheKE}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfg13(p.serverConfig(p.serverECDSA))
			cfg.Tickets = statelessTickets(t)
			cfg.PSKModes = tc.modes
			states := make(chan *handshake.State, 2)
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
				states <- res.st
				if i == 0 {
					// gnutls-cli waits for the tickets, then closes.
					readUntil13(res.st, res.rc, "\x00never")
				} else {
					cli.WaitOutput(t, "This is a resumed session", 10*time.Second)
				}
				conn.Close()
			}
			first, second := <-states, <-states
			if first.Resumed || !second.Resumed || (second.Group != 0) != tc.kex {
				t.Fatalf("resumed %v then %v, group %v; want an (EC)DHE exchange: %v\n%s",
					first.Resumed, second.Resumed, second.Group, tc.kex, cli.Output())
			}
		})
	}
}

// TestPSK13KEGnuTLSServer: our client offering psk_ke alone resumes with
// gnutls-serv's ticket in psk_ke when its priorities allow the PSK key
// exchange (NORMAL:+PSK), and gets a full handshake with NORMAL, which
// resumes with psk_dhe_ke only.
func TestPSK13KEGnuTLSServer(t *testing.T) {
	peertest.Require(t, "gnutls-serv")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, tc := range []struct {
		priority string
		resumed  bool
	}{
		{"NORMAL:+PSK", true},
		{"NORMAL", false},
	} {
		t.Run(tc.priority, func(t *testing.T) {
			port := peertest.FreePort(t)
			srv := peertest.Start(t, "gnutls-serv", "--port", strconv.Itoa(port), "--echo", "--x509certfile", f.ecdsaCert,
				"--x509keyfile", f.ecdsaKey, "--priority", tc.priority)
			srv.WaitListening(t, port, 10*time.Second)
			cfg := cfg13(p.clientConfig())
			cfg.PSKModes = []uint8{dheKE, ke}
			jar := &ticketJar{}
			for i := 0; i < 2; i++ {
				cfg.OnTicket = jar.add
				if i == 1 {
					tickets := jar.all()
					if len(tickets) == 0 {
						t.Fatalf("no ticket from gnutls-serv\n%s", srv.Output())
					}
					cfg.PSKs = tickets[len(tickets)-1:]
					cfg.PSKModes = []uint8{ke}
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
				want := i == 1 && tc.resumed
				if res.st.Resumed != want || (res.st.Group == 0) != want {
					t.Fatalf("connection %d: resumed %v, group %v; want a psk_ke resumption: %v\n%s",
						i+1, res.st.Resumed, res.st.Group, want, srv.Output())
				}
			}
		})
	}
}

// TestPSK13ModesErlangClient: Erlang's client (OTP 25), which lists
// psk_ke and psk_dhe_ke, resumes with psk_dhe_ke against our server
// allowing both modes.
func TestPSK13ModesErlangClient(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	script := writeEscript(t, f.dir, "ticket_client.escript", erlangTicketClient)
	cfg := cfg13(p.serverConfig(p.serverECDSA))
	cfg.Tickets = statelessTickets(t)
	cfg.PSKModes = []uint8{ke, dheKE}
	port, accepted := acceptTwo(t)
	cli := peertest.Start(t, "escript", script, strconv.Itoa(port), f.root, "auto")
	for i := 0; i < 2; i++ {
		var conn net.Conn
		select {
		case conn = <-accepted:
		case <-time.After(30 * time.Second):
			t.Fatalf("the Erlang client did not connect (%d):\n%s", i+1, cli.Output())
		}
		if conn == nil {
			t.Fatal("accept failed")
		}
		res := runOurs(conn, false, cfg)
		if res.err != nil {
			conn.Close()
			t.Fatalf("handshake %d: %v\n%s", i+1, res.err, cli.Output())
		}
		if _, err := readUntil13(res.st, res.rc, "ping\n"); err != nil {
			conn.Close()
			t.Fatalf("%v\n%s", err, cli.Output())
		}
		send13(t, res.st, res.rc, "pong\n")
		want := i == 1
		cli.WaitOutput(t, "connection "+strconv.Itoa(i+1)+" resumed "+strconv.FormatBool(want), 20*time.Second)
		conn.Close()
		if res.st.Resumed != want || res.st.Group == 0 {
			t.Fatalf("connection %d: resumed %v, group %v", i+1, res.st.Resumed, res.st.Group)
		}
	}
}

// TestPSK13ModesErlangServer: Erlang's server (OTP 25) does not read
// psk_key_exchange_modes and always resumes with a key_share. Our client
// listing both modes resumes with psk_dhe_ke; listing psk_ke alone, it
// refuses that ServerHello with illegal_parameter, as a mode it did not
// offer (RFC 8446, Section 4.2.9).
func TestPSK13ModesErlangServer(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	script := writeEscript(t, f.dir, "ticket_server.escript", erlangTicketServer)
	cert := writePEMFile(t, filepath.Join(f.dir, "erl.pem"), p.serverECDSA.PEM())
	key := writePEMFile(t, filepath.Join(f.dir, "erl.key"), p.serverECDSA.KeyPEM())
	for _, tc := range []struct {
		name  string
		modes []uint8
	}{
		{"both", []uint8{ke, dheKE}},
		{"ke-only", []uint8{ke}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := peertest.FreePort(t)
			srv := peertest.Start(t, "escript", script, strconv.Itoa(port), cert, key, "stateless")
			srv.WaitOutput(t, "listening", 30*time.Second)
			cfg := cfg13(p.clientConfig())
			jar := &ticketJar{}
			cfg.OnTicket = jar.add
			cfg.PSKModes = []uint8{dheKE, ke}
			for i := 0; i < 2; i++ {
				if i == 1 {
					tickets := jar.all()
					if len(tickets) == 0 {
						t.Fatalf("no ticket from Erlang\n%s", srv.Output())
					}
					cfg.PSKs, cfg.PSKModes = tickets[:1], tc.modes
				}
				conn := dialPeer(t, port)
				res := runOurs(conn, true, cfg)
				if i == 1 && len(tc.modes) == 1 {
					conn.Close()
					if he := wantHSAlert(t, res.err, record.IllegalParameter); he.State != "wait_sh" {
						t.Fatalf("failed in state %q: %v", he.State, he)
					}
					return
				}
				if res.err != nil {
					conn.Close()
					t.Fatalf("handshake %d: %v\n%s", i+1, res.err, srv.Output())
				}
				send13(t, res.st, res.rc, "ping\n")
				if _, err := readUntil13(res.st, res.rc, "ping\n"); err != nil {
					conn.Close()
					t.Fatalf("%v\n%s", err, srv.Output())
				}
				want := i == 1
				srv.WaitOutput(t, "connection "+strconv.Itoa(i+1)+" resumed "+strconv.FormatBool(want), 20*time.Second)
				conn.Close()
				if res.st.Resumed != want || res.st.Group == 0 {
					t.Fatalf("connection %d: resumed %v, group %v", i+1, res.st.Resumed, res.st.Group)
				}
			}
		})
	}
}
