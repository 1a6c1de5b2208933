package handshake_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
)

// TLS 1.3 resumption in psk_ke against openssl 3.0, whose
// -allow_no_dhe_kex lets both its roles use psk_ke. Its client lists
// psk_dhe_ke and psk_ke with the flag (psk_dhe_ke alone without it); its
// server takes psk_dhe_ke when the client lists it and sent a usable key
// share, psk_ke otherwise. The -trace output shows the ServerHello: no
// key_share extension in psk_ke.

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
// server allowing psk_ke (first or only), in psk_dhe_ke without the flag.
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
		{"ke-first", []uint8{ke, dheKE}, true, false},
		{"dhe-first", []uint8{dheKE, ke}, true, true},
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
