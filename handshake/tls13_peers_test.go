package handshake_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/record"
)

// TLS 1.3 against openssl s_server and s_client, gnutls-serv and
// gnutls-cli, and Erlang's ssl: each suite and group the peer has,
// HelloRetryRequest both ways, client certificates, ALPN, key updates
// from either side (under load, with key_update_at, against s_server's
// -rev echo) and exporters compared with the peer's.

// readUntil13 reads application data until want has arrived, handing
// post-handshake messages (tickets, key updates) to the State, and
// returns what came.
func readUntil13(st *handshake.State, rc *record.Conn, want string) (string, error) {
	var got []byte
	for !strings.Contains(string(got), want) {
		m, err := rc.ReadMessage()
		if err != nil {
			return string(got), err
		}
		switch m.Type {
		case record.TypeApplicationData:
			got = append(got, m.Data...)
		case record.TypeHandshake:
			if err := st.HandleMessage(rc, m.Data); err != nil {
				return string(got), err
			}
		}
	}
	return string(got), nil
}

// send13 writes application data through the State.
func send13(t *testing.T, st *handshake.State, rc *record.Conn, s string) {
	t.Helper()
	if _, err := st.WriteApplicationData(rc, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// opensslGroup names our groups as openssl's -groups does.
var opensslGroup = map[handshake.NamedGroup]string{
	handshake.X25519: "X25519", handshake.Secp256r1: "P-256", handshake.Secp384r1: "P-384",
	handshake.Secp521r1: "P-521", handshake.FFDHE2048: "ffdhe2048",
}

// openssl13Case is one TLS 1.3 case against openssl.
type openssl13Case struct {
	name   string
	suite  *cipher.Suite        // nil: the default suites
	group  handshake.NamedGroup // openssl's only group; 0: openssl's default
	retry  bool                 // the server retries
	client bool                 // client certificates
	alpn   bool
}

func openssl13Cases(tb testing.TB) []openssl13Case {
	var cases []openssl13Case
	for _, s := range suites13(tb) {
		cases = append(cases, openssl13Case{name: s.IANAName, suite: s})
	}
	for _, g := range []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1, handshake.Secp384r1, handshake.Secp521r1, handshake.FFDHE2048} {
		cases = append(cases, openssl13Case{name: g.String(), group: g})
	}
	return append(cases,
		openssl13Case{name: "hello-retry", group: handshake.Secp384r1, retry: true},
		openssl13Case{name: "client-certificate", client: true},
		openssl13Case{name: "alpn", alpn: true})
}

// TestOpenSSL13Server runs our client against openssl s_server -tls1_3.
func TestOpenSSL13Server(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, c := range openssl13Cases(t) {
		t.Run(c.name, func(t *testing.T) {
			port := peertest.FreePort(t)
			args := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-naccept", "1",
				"-cert", f.ecdsaCert, "-key", f.ecdsaKey, "-tls1_3"}
			cfg := cfg13(p.clientConfig())
			if c.suite != nil {
				args = append(args, "-ciphersuites", c.suite.IANAName)
				cfg.Suites = []*cipher.Suite{c.suite}
			}
			if c.group != 0 {
				args = append(args, "-groups", opensslGroup[c.group])
				if !c.retry {
					cfg.Groups = []handshake.NamedGroup{c.group}
				}
			}
			if c.client {
				args = append(args, "-Verify", "2", "-CAfile", f.root, "-verify_return_error")
				cfg.Certificates = []handshake.Credential{cred(p.clientRSA)}
			}
			if c.alpn {
				args = append(args, "-alpn", "h2")
				cfg.ALPN = []string{"http/1.1", "h2"}
			}
			srv := peertest.Start(t, openssl, args...)
			conn := dialPeer(t, port)
			defer conn.Close()
			res := runOurs(conn, true, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, srv.Output())
			}
			st := res.st
			if st.Version != cipher.VersionTLS13 || (c.suite != nil && st.Suite != c.suite) ||
				(c.group != 0 && st.Group != c.group) || st.HelloRetry != c.retry || (c.alpn && st.ALPN != "h2") {
				t.Fatalf("negotiated %s %s %s, retry %v, ALPN %q", st.Version, st.Suite, st.Group, st.HelloRetry, st.ALPN)
			}
			send13(t, st, res.rc, "ping from otpssl\n")
			srv.WaitOutput(t, "ping from otpssl", 10*time.Second)
			if _, err := srv.Stdin.Write([]byte("pong from openssl\n")); err != nil {
				t.Fatal(err)
			}
			if _, err := readUntil13(st, res.rc, "pong from openssl"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpenSSL13Client runs openssl s_client -tls1_3 against our server.
func TestOpenSSL13Client(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, c := range openssl13Cases(t) {
		t.Run(c.name, func(t *testing.T) {
			port, accepted := acceptOne(t)
			args := []string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-servername", hsServerName,
				"-CAfile", f.root, "-verify_return_error", "-ign_eof", "-tls1_3"}
			cfg := cfg13(p.serverConfig(p.serverRSA))
			if c.suite != nil {
				args = append(args, "-ciphersuites", c.suite.IANAName)
				cfg.Suites = []*cipher.Suite{c.suite}
			}
			if c.group != 0 {
				cfg.Groups = []handshake.NamedGroup{c.group}
				if c.retry {
					// s_client sends its share for X25519.
					args = append(args, "-groups", "X25519:"+opensslGroup[c.group])
				} else {
					args = append(args, "-groups", opensslGroup[c.group])
				}
			}
			if c.client {
				args = append(args, "-cert", f.clientCert, "-key", f.clientKey)
				cfg.VerifyPeer, cfg.FailIfNoPeerCert = true, true
			}
			if c.alpn {
				args = append(args, "-alpn", "spdy/3,h2")
				cfg.ALPN = []string{"h2", "http/1.1"}
			}
			cli := peertest.Start(t, openssl, args...)
			var conn net.Conn
			select {
			case conn = <-accepted:
			case <-time.After(10 * time.Second):
				t.Fatal("s_client did not connect")
			}
			if conn == nil {
				t.Fatal("accept failed")
			}
			defer conn.Close()
			res := runOurs(conn, false, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, cli.Output())
			}
			st := res.st
			if st.Version != cipher.VersionTLS13 || (c.suite != nil && st.Suite != c.suite) ||
				(c.group != 0 && st.Group != c.group) || st.HelloRetry != c.retry || st.ServerName != hsServerName {
				t.Fatalf("negotiated %s %s %s, retry %v, SNI %q", st.Version, st.Suite, st.Group, st.HelloRetry, st.ServerName)
			}
			if c.client && (len(st.PeerCertificates) == 0 || !bytes.Equal(st.PeerCertificates[0], p.clientRSA.DER)) {
				t.Fatal("no client certificate")
			}
			cli.WaitOutput(t, "Cipher is "+st.Suite.IANAName, 10*time.Second)
			if _, err := cli.Stdin.Write([]byte("ping from openssl\n")); err != nil {
				t.Fatal(err)
			}
			if _, err := readUntil13(st, res.rc, "ping from openssl"); err != nil {
				t.Fatal(err)
			}
			send13(t, st, res.rc, "pong from otpssl\n")
			cli.WaitOutput(t, "pong from otpssl", 10*time.Second)
			if c.alpn {
				cli.WaitOutput(t, "ALPN protocol: h2", 5*time.Second)
			}
		})
	}
}

// TestOpenSSL13KeyUpdate exercises key updates against openssl: s_server
// and s_client asking for one with their K command, our UpdateKeys asking
// for one, and our automatic updates (key_update_at) while 400 KiB go to
// s_server -rev and come back reversed.
func TestOpenSSL13KeyUpdate(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	t.Run("s_server-K", func(t *testing.T) {
		port := peertest.FreePort(t)
		srv := peertest.Start(t, openssl, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port), "-naccept", "1",
			"-cert", f.ecdsaCert, "-key", f.ecdsaKey, "-tls1_3")
		conn := dialPeer(t, port)
		defer conn.Close()
		res := runOurs(conn, true, only13(t, p.clientConfig()))
		if res.err != nil {
			t.Fatal(res.err)
		}
		st, rc := res.st, res.rc
		send13(t, st, rc, "hello\n")
		srv.WaitOutput(t, "hello", 10*time.Second)
		// "K" asks for an update back: we update our read keys, then
		// answer with our own KeyUpdate. s_server takes a command from
		// the start of a read of its input and drops the rest of that
		// read, so the data goes separately.
		if _, err := srv.Stdin.Write([]byte("K\n")); err != nil {
			t.Fatal(err)
		}
		// s_server reports the command with a buffered printf; a pause
		// keeps the data out of the command's read.
		time.Sleep(300 * time.Millisecond)
		if _, err := srv.Stdin.Write([]byte("after the update\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := readUntil13(st, rc, "after the update"); err != nil {
			t.Fatal(err)
		}
		send13(t, st, rc, "our data under new keys\n")
		srv.WaitOutput(t, "our data under new keys", 10*time.Second)
		// Our UpdateKeys asking openssl for one.
		if err := st.UpdateKeys(rc, true); err != nil {
			t.Fatal(err)
		}
		send13(t, st, rc, "after our update\n")
		srv.WaitOutput(t, "after our update", 10*time.Second)
		if _, err := srv.Stdin.Write([]byte("reply under its new keys\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := readUntil13(st, rc, "reply under its new keys"); err != nil {
			t.Fatal(err)
		}
		if cn, sn := st.KeyUpdates(); cn != 2 || sn != 2 {
			t.Fatalf("key updates: client %d, server %d", cn, sn)
		}
	})
	t.Run("s_client-K", func(t *testing.T) {
		port, accepted := acceptOne(t)
		// Without -ign_eof and -quiet s_client takes commands.
		cli := peertest.Start(t, openssl, "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
			"-CAfile", f.root, "-servername", hsServerName, "-tls1_3")
		conn := <-accepted
		if conn == nil {
			t.Fatal("accept failed")
		}
		defer conn.Close()
		res := runOurs(conn, false, only13(t, p.serverConfig(p.serverECDSA)))
		if res.err != nil {
			t.Fatal(res.err)
		}
		st, rc := res.st, res.rc
		cli.WaitOutput(t, "Verify return code: 0", 10*time.Second)
		if _, err := cli.Stdin.Write([]byte("K\n")); err != nil {
			t.Fatal(err)
		}
		cli.WaitOutput(t, "KEYUPDATE", 10*time.Second)
		if _, err := cli.Stdin.Write([]byte("after the update\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := readUntil13(st, rc, "after the update"); err != nil {
			t.Fatal(err)
		}
		send13(t, st, rc, "answer under new keys\n")
		cli.WaitOutput(t, "answer under new keys", 10*time.Second)
		if cn, sn := st.KeyUpdates(); cn != 1 || sn != 1 {
			t.Fatalf("key updates: client %d, server %d", cn, sn)
		}
	})
	t.Run("load", func(t *testing.T) {
		// 400 KiB to s_server, which prints them, with key_update_at at
		// 4 KiB: a hundred automatic updates, and our UpdateKeys asking
		// for one halfway; then s_server answers under its new keys.
		port := peertest.FreePort(t)
		srv := peertest.Start(t, openssl, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port), "-naccept", "1",
			"-cert", f.ecdsaCert, "-key", f.ecdsaKey, "-tls1_3")
		conn := dialPeer(t, port)
		defer conn.Close()
		cfg := only13(t, p.clientConfig())
		cfg.KeyUpdateAt = 4 << 10
		res := runOurs(conn, true, cfg)
		if res.err != nil {
			t.Fatalf("%v\n%s", res.err, srv.Output())
		}
		st, rc := res.st, res.rc
		const lines, width = 400, 1024
		for i := 0; i < lines; i++ {
			if i == lines/2 {
				if err := st.UpdateKeys(rc, true); err != nil {
					t.Fatal(err)
				}
			}
			send13(t, st, rc, fmt.Sprintf("%04d%s\n", i, strings.Repeat("x", width-5)))
		}
		srv.WaitOutput(t, fmt.Sprintf("%04d%s\n", lines-1, strings.Repeat("x", width-5)), 20*time.Second)
		out := srv.Output()
		for i := 0; i < lines; i++ {
			if !strings.Contains(out, fmt.Sprintf("%04d%s\n", i, strings.Repeat("x", width-5))) {
				t.Fatalf("line %d did not arrive", i)
			}
		}
		if _, err := srv.Stdin.Write([]byte("answer\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := readUntil13(st, rc, "answer"); err != nil {
			t.Fatal(err)
		}
		// Fifty 4 KiB budgets on each side of ours: 49 automatic
		// updates each, and ours.
		cn, sn := st.KeyUpdates()
		if cn != 99 || sn != 1 {
			t.Fatalf("key updates: client %d, server %d", cn, sn)
		}
	})
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// TestOpenSSL13Exporter compares our exporter with s_client's
// -keymatexport, against our server.
func TestOpenSSL13Exporter(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, s := range []*cipher.Suite{cipher.SuiteByID(0x1301), cipher.SuiteByID(0x1302)} {
		t.Run(s.IANAName, func(t *testing.T) {
			port, accepted := acceptOne(t)
			cli := peertest.Start(t, openssl, "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
				"-CAfile", f.root, "-servername", hsServerName, "-tls1_3", "-ign_eof", "-ciphersuites", s.IANAName,
				"-keymatexport", "EXPERIMENTAL otpssl", "-keymatexportlen", "40")
			conn := <-accepted
			if conn == nil {
				t.Fatal("accept failed")
			}
			defer conn.Close()
			res := runOurs(conn, false, only13(t, p.serverConfig(p.serverECDSA)))
			if res.err != nil {
				t.Fatal(res.err)
			}
			ours, err := res.st.ExportKeyingMaterial("EXPERIMENTAL otpssl", nil, false, 40)
			if err != nil {
				t.Fatal(err)
			}
			cli.WaitOutput(t, "Keying material: ", 10*time.Second)
			m := regexp.MustCompile(`Keying material: ([0-9A-Fa-f]+)`).FindStringSubmatch(cli.Output())
			if m == nil || !strings.EqualFold(m[1], hex.EncodeToString(ours)) {
				t.Fatalf("ours %x, openssl's %v", ours, m)
			}
		})
	}
}

// gnutls13Priority is a TLS 1.3 priority string with one suite's cipher
// and one group, or the defaults for the empty ones.
func gnutls13Priority(cipherName, group string) string {
	s := "NORMAL:-VERS-ALL:+VERS-TLS1.3"
	if cipherName != "" {
		s += ":-CIPHER-ALL:+" + cipherName
	}
	if group != "" {
		s += ":-GROUP-ALL:" + group
	}
	return s
}

var gnutlsCiphers = map[uint16]string{
	0x1301: "AES-128-GCM", 0x1302: "AES-256-GCM", 0x1303: "CHACHA20-POLY1305", 0x1304: "AES-128-CCM", 0x1305: "AES-128-CCM-8",
}

var gnutlsGroups = map[handshake.NamedGroup]string{
	handshake.X25519: "+GROUP-X25519", handshake.Secp256r1: "+GROUP-SECP256R1", handshake.Secp384r1: "+GROUP-SECP384R1",
	handshake.Secp521r1: "+GROUP-SECP521R1", handshake.FFDHE2048: "+GROUP-FFDHE2048",
}

// TestGnuTLS13 runs every suite and group gnutls has, a retry each way,
// and our UpdateKeys, against gnutls-serv and gnutls-cli.
func TestGnuTLS13(t *testing.T) {
	peertest.Require(t, "gnutls-serv")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	type gcase struct {
		name   string
		suite  *cipher.Suite
		group  handshake.NamedGroup
		retry  bool
		update bool
	}
	var cases []gcase
	for _, s := range suites13(t) {
		cases = append(cases, gcase{name: s.IANAName, suite: s})
	}
	for g := range gnutlsGroups {
		cases = append(cases, gcase{name: g.String(), group: g})
	}
	cases = append(cases, gcase{name: "hello-retry", group: handshake.Secp384r1, retry: true}, gcase{name: "update-keys", update: true})
	for _, c := range cases {
		cipherName, groupName := "", ""
		if c.suite != nil {
			cipherName = gnutlsCiphers[c.suite.ID]
		}
		if c.group != 0 {
			groupName = gnutlsGroups[c.group]
		}
		t.Run("gnutls-serv/"+c.name, func(t *testing.T) {
			port := peertest.FreePort(t)
			srv := peertest.Start(t, "gnutls-serv", "--port", strconv.Itoa(port), "--echo",
				"--x509certfile", f.ecdsaCert, "--x509keyfile", f.ecdsaKey, "--priority", gnutls13Priority(cipherName, groupName))
			srv.WaitListening(t, port, 10*time.Second)
			conn := dialPeer(t, port)
			defer conn.Close()
			cfg := only13(t, p.clientConfig())
			if c.suite != nil {
				cfg.Suites = []*cipher.Suite{c.suite}
			}
			if c.group != 0 && !c.retry {
				cfg.Groups = []handshake.NamedGroup{c.group}
			}
			res := runOurs(conn, true, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, srv.Output())
			}
			st := res.st
			if (c.suite != nil && st.Suite != c.suite) || (c.group != 0 && st.Group != c.group) || st.HelloRetry != c.retry {
				t.Fatalf("negotiated %s %s, retry %v", st.Suite, st.Group, st.HelloRetry)
			}
			send13(t, st, res.rc, "ping from otpssl\n")
			if _, err := readUntil13(st, res.rc, "ping from otpssl"); err != nil {
				t.Fatal(err)
			}
			if c.update {
				for i := 0; i < 3; i++ {
					if err := st.UpdateKeys(res.rc, i%2 == 0); err != nil {
						t.Fatal(err)
					}
					send13(t, st, res.rc, fmt.Sprintf("after update %d\n", i))
					if _, err := readUntil13(st, res.rc, fmt.Sprintf("after update %d", i)); err != nil {
						t.Fatal(err)
					}
				}
				if cn, sn := st.KeyUpdates(); cn != 3 || sn != 2 {
					t.Fatalf("key updates: client %d, server %d", cn, sn)
				}
			}
		})
		if c.update {
			continue
		}
		t.Run("gnutls-cli/"+c.name, func(t *testing.T) {
			port, accepted := acceptOne(t)
			prio := gnutls13Priority(cipherName, groupName)
			cfg := only13(t, p.serverConfig(p.serverECDSA))
			if c.group != 0 {
				cfg.Groups = []handshake.NamedGroup{c.group}
			}
			if c.retry {
				// gnutls-cli sends shares for its first groups: the
				// server prefers its last one.
				prio = gnutls13Priority("", "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1")
				cfg.Groups = []handshake.NamedGroup{handshake.Secp384r1, handshake.X25519}
				cfg.HonorEccOrder = true
			}
			cli := peertest.Start(t, "gnutls-cli", "--port", strconv.Itoa(port), "--x509cafile", f.root,
				"--sni-hostname", hsServerName, "--verify-hostname", hsServerName, "--priority", prio, "127.0.0.1")
			var conn net.Conn
			select {
			case conn = <-accepted:
			case <-time.After(10 * time.Second):
				t.Fatal("gnutls-cli did not connect")
			}
			if conn == nil {
				t.Fatal("accept failed")
			}
			defer conn.Close()
			res := runOurs(conn, false, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, cli.Output())
			}
			st := res.st
			if (c.suite != nil && st.Suite != c.suite) || (c.group != 0 && st.Group != c.group) || st.HelloRetry != c.retry {
				t.Fatalf("negotiated %s %s, retry %v", st.Suite, st.Group, st.HelloRetry)
			}
			cli.WaitOutput(t, "Handshake was completed", 10*time.Second)
			if _, err := cli.Stdin.Write([]byte("ping from gnutls\n")); err != nil {
				t.Fatal(err)
			}
			if _, err := readUntil13(st, res.rc, "ping from gnutls"); err != nil {
				t.Fatal(err)
			}
			send13(t, st, res.rc, "pong from otpssl\n")
			cli.WaitOutput(t, "pong from otpssl", 10*time.Second)
		})
	}
}

// erlang13Server is an escript running an Erlang ssl TLS 1.3 server for
// one connection: one suite, its supported_groups, optionally a client
// certificate; after the handshake it asks for a key update
// (ssl:update_keys/2 with read_write), then answers.
const erlang13Server = `#!/usr/bin/env escript
main([PortS, Cert, Key, CA, Suite, Groups, Verify]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Opts = [{certfile, Cert}, {keyfile, Key}, {cacertfile, CA},
            {versions, ['tlsv1.3']}, {ciphers, [ssl:str_to_suite(Suite)]},
            {supported_groups, [list_to_atom(G) || G <- string:tokens(Groups, ",")]},
            {verify, list_to_atom(Verify)}, {fail_if_no_peer_cert, Verify == "verify_peer"},
            {active, false}, {reuseaddr, true}, binary],
    {ok, L} = ssl:listen(list_to_integer(PortS), Opts),
    io:format("listening~n"),
    {ok, T} = ssl:transport_accept(L, 20000),
    case ssl:handshake(T, 20000) of
        {ok, S} ->
            {ok, Info} = ssl:connection_information(S, [protocol, selected_cipher_suite]),
            io:format("info ~p~n", [Info]),
            {ok, Data} = ssl:recv(S, 0, 20000),
            io:format("got ~s~n", [Data]),
            ok = ssl:update_keys(S, read_write),
            ok = ssl:send(S, <<"pong from erlang\n">>),
            {ok, Data2} = ssl:recv(S, 0, 20000),
            io:format("got ~s~n", [Data2]),
            timer:sleep(300),
            ssl:close(S);
        Err ->
            io:format("handshake error ~p~n", [Err])
    end.
`

// erlang13Client is an escript running an Erlang ssl TLS 1.3 client for
// one connection, with a client certificate.
const erlang13Client = `#!/usr/bin/env escript
main([PortS, CA, Suite, Groups, Cert, Key]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Opts = [{cacertfile, CA}, {verify, verify_peer}, {server_name_indication, "server.test"},
            {versions, ['tlsv1.3']}, {ciphers, [ssl:str_to_suite(Suite)]},
            {supported_groups, [list_to_atom(G) || G <- string:tokens(Groups, ",")]},
            {certfile, Cert}, {keyfile, Key}, {active, false}, binary],
    case ssl:connect("127.0.0.1", list_to_integer(PortS), Opts, 20000) of
        {ok, S} ->
            {ok, Info} = ssl:connection_information(S, [protocol, selected_cipher_suite]),
            io:format("info ~p~n", [Info]),
            ok = ssl:send(S, <<"ping from erlang\n">>),
            {ok, Data} = ssl:recv(S, 0, 20000),
            io:format("got ~s~n", [Data]),
            ok = ssl:update_keys(S, write),
            ok = ssl:send(S, <<"second ping from erlang\n">>),
            {ok, Data2} = ssl:recv(S, 0, 20000),
            io:format("got ~s~n", [Data2]),
            ssl:close(S);
        Err ->
            io:format("connect error ~p~n", [Err])
    end.
`

// TestErlang13 runs our client against an Erlang TLS 1.3 server and an
// Erlang TLS 1.3 client against our server: the three suites OTP 25
// enables by default, a retry each way, client certificates, and key
// updates from Erlang (update_keys/2).
func TestErlang13(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	serverScript := writeEscript(t, f.dir, "server13.escript", erlang13Server)
	clientScript := writeEscript(t, f.dir, "client13.escript", erlang13Client)
	ecdsaCert := writePEMFile(t, filepath.Join(f.dir, "erl13.pem"), p.serverECDSA.PEM())
	ecdsaKey := writePEMFile(t, filepath.Join(f.dir, "erl13.key"), p.serverECDSA.KeyPEM())
	for _, c := range []struct {
		suite  uint16
		groups string // Erlang's supported_groups
		// erlRetry: the Erlang server retries (our client sends shares
		// for X25519MLKEM768 and x25519); ourRetry: our server, which
		// prefers x25519 then, retries (Erlang's client sends a share
		// for its first group).
		erlRetry, ourRetry bool
		verify             string
	}{
		{0x1301, "x25519", false, false, "verify_peer"},
		{0x1302, "secp256r1", true, false, "verify_none"},
		{0x1303, "secp384r1,x25519", false, true, "verify_peer"},
	} {
		s := cipher.SuiteByID(c.suite)
		t.Run("erlang-server/"+s.IANAName, func(t *testing.T) {
			port := peertest.FreePort(t)
			srv := peertest.Start(t, "escript", serverScript, strconv.Itoa(port), ecdsaCert, ecdsaKey, f.root,
				s.IANAName, c.groups, c.verify)
			srv.WaitOutput(t, "listening", 30*time.Second)
			conn := dialPeer(t, port)
			defer conn.Close()
			cfg := only13(t, p.clientConfig(), s)
			cfg.Certificates = []handshake.Credential{cred(p.clientECDSA)}
			res := runOurs(conn, true, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, srv.Output())
			}
			st := res.st
			if st.Suite != s || st.HelloRetry != c.erlRetry {
				t.Fatalf("negotiated %s %s, retry %v", st.Suite, st.Group, st.HelloRetry)
			}
			send13(t, st, res.rc, "ping from otpssl\n")
			srv.WaitOutput(t, "got ping from otpssl", 20*time.Second)
			if _, err := readUntil13(st, res.rc, "pong from erlang"); err != nil {
				t.Fatalf("%v\n%s", err, srv.Output())
			}
			send13(t, st, res.rc, "after erlang's key update\n")
			srv.WaitOutput(t, "got after erlang's key update", 20*time.Second)
			if cn, sn := st.KeyUpdates(); cn != 1 || sn != 1 {
				t.Fatalf("key updates: client %d, server %d", cn, sn)
			}
		})
		t.Run("erlang-client/"+s.IANAName, func(t *testing.T) {
			port, accepted := acceptOne(t)
			cli := peertest.Start(t, "escript", clientScript, strconv.Itoa(port), f.root, s.IANAName, c.groups,
				f.clientCert, f.clientKey)
			var conn net.Conn
			select {
			case conn = <-accepted:
			case <-time.After(30 * time.Second):
				t.Fatalf("the Erlang client did not connect:\n%s", cli.Output())
			}
			if conn == nil {
				t.Fatal("accept failed")
			}
			defer conn.Close()
			cfg := only13(t, p.serverConfig(p.serverECDSA), s)
			cfg.VerifyPeer, cfg.FailIfNoPeerCert = true, true
			if c.ourRetry {
				cfg.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp384r1}
				cfg.HonorEccOrder = true
			}
			res := runOurs(conn, false, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, cli.Output())
			}
			st := res.st
			if st.Suite != s || st.HelloRetry != c.ourRetry || len(st.PeerCertificates) == 0 || !bytes.Equal(st.PeerCertificates[0], p.clientRSA.DER) {
				t.Fatalf("negotiated %s %s, retry %v, %d client certificates", st.Suite, st.Group, st.HelloRetry, len(st.PeerCertificates))
			}
			if _, err := readUntil13(st, res.rc, "ping from erlang"); err != nil {
				t.Fatal(err)
			}
			send13(t, st, res.rc, "pong from otpssl\n")
			if _, err := readUntil13(st, res.rc, "second ping from erlang"); err != nil {
				t.Fatalf("%v\n%s", err, cli.Output())
			}
			send13(t, st, res.rc, "second pong from otpssl\n")
			cli.WaitOutput(t, "got second pong from otpssl", 20*time.Second)
			if cn, _ := st.KeyUpdates(); cn != 1 {
				t.Fatalf("client key updates %d", cn)
			}
		})
	}
}
