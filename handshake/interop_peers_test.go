package handshake_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
)

// TestGnuTLSServer is a smoke test against gnutls-serv: our client, an
// ECDHE and a DHE suite, data echoed back.
func TestGnuTLSServer(t *testing.T) {
	peertest.Require(t, "gnutls-serv")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	for _, c := range []struct {
		suite    string
		priority string
	}{
		{"ECDHE-RSA-AES128-GCM-SHA256", "NONE:+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD:+SIGN-ALL:+GROUP-ALL:+COMP-NULL"},
		{"DHE-RSA-AES256-SHA256", "NONE:+VERS-TLS1.2:+DHE-RSA:+AES-256-CBC:+SHA256:+SIGN-ALL:+GROUP-ALL:+COMP-NULL"},
	} {
		t.Run(c.suite, func(t *testing.T) {
			port := peertest.FreePort(t)
			srv := peertest.Start(t, "gnutls-serv", "--port", strconv.Itoa(port), "--echo",
				"--x509certfile", f.rsaCert, "--x509keyfile", f.rsaKey, "--priority", c.priority)
			srv.WaitListening(t, port, 10*time.Second)
			conn := dialPeer(t, port)
			defer conn.Close()
			res := runOurs(conn, true, p.clientConfig(suitesByName(t, c.suite)...))
			if res.err != nil {
				t.Fatalf("handshake: %v", res.err)
			}
			if res.st.Suite.OpenSSLName != c.suite || !res.st.ExtendedMasterSecret || !res.st.SecureRenegotiation {
				t.Fatalf("negotiated %s, EMS %v", res.st.Suite, res.st.ExtendedMasterSecret)
			}
			if _, err := res.rc.Write([]byte("ping from otpssl\n")); err != nil {
				t.Fatal(err)
			}
			if err := readAppData(res.rc, "ping from otpssl"); err != nil {
				t.Fatalf("echo: %v", err)
			}
		})
	}
}

// TestGnuTLSClient is a smoke test of gnutls-cli against our server.
func TestGnuTLSClient(t *testing.T) {
	peertest.Require(t, "gnutls-cli")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	port, accepted := acceptOne(t)
	cli := peertest.Start(t, "gnutls-cli", "--port", strconv.Itoa(port), "--x509cafile", f.root,
		"--sni-hostname", hsServerName, "--verify-hostname", hsServerName, "--alpn", "h2",
		"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", "127.0.0.1")
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
	cfg := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
	cfg.ALPN = []string{"h2"}
	res := runOurs(conn, false, cfg)
	if res.err != nil {
		t.Fatalf("handshake: %v", res.err)
	}
	if res.st.Version != cipher.VersionTLS12 || res.st.ALPN != "h2" || res.st.ServerName != hsServerName || !res.st.ExtendedMasterSecret {
		t.Fatalf("negotiated %s %s, ALPN %q, SNI %q", res.st.Version, res.st.Suite, res.st.ALPN, res.st.ServerName)
	}
	cli.WaitOutput(t, "Handshake was completed", 10*time.Second)
	if _, err := cli.Stdin.Write([]byte("ping from gnutls\n")); err != nil {
		t.Fatal(err)
	}
	if err := readAppData(res.rc, "ping from gnutls"); err != nil {
		t.Fatal(err)
	}
	if _, err := res.rc.Write([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	cli.WaitOutput(t, "pong from otpssl", 10*time.Second)
}

// erlangServer is an escript running an Erlang ssl server for one
// connection: verify_peer with fail_if_no_peer_cert, one version and one
// suite, ALPN; it prints what was negotiated and what it received, and
// answers.
const erlangServer = `#!/usr/bin/env escript
main([PortS, Cert, Key, CA, Vsn, Suite]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Opts = [{certfile, Cert}, {keyfile, Key}, {cacertfile, CA},
            {versions, [list_to_atom(Vsn)]}, {ciphers, [ssl:str_to_suite(Suite)]},
            {verify, verify_peer}, {fail_if_no_peer_cert, true},
            {alpn_preferred_protocols, [<<"h2">>]},
            {active, false}, {reuseaddr, true}, binary],
    {ok, L} = ssl:listen(list_to_integer(PortS), Opts),
    io:format("listening~n"),
    {ok, T} = ssl:transport_accept(L, 20000),
    case ssl:handshake(T, 20000) of
        {ok, S} ->
            {ok, Info} = ssl:connection_information(S, [protocol, selected_cipher_suite]),
            io:format("info ~p~n", [Info]),
            io:format("alpn ~p~n", [ssl:negotiated_protocol(S)]),
            {ok, Data} = ssl:recv(S, 0, 20000),
            io:format("got ~s~n", [Data]),
            ok = ssl:send(S, <<"pong from erlang\n">>),
            timer:sleep(500),
            ssl:close(S);
        Err ->
            io:format("handshake error ~p~n", [Err])
    end.
`

// erlangClient is an escript running an Erlang ssl client for one
// connection, with a client certificate, verifying the server's name.
const erlangClient = `#!/usr/bin/env escript
main([PortS, CA, Vsn, Suite, Cert, Key]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Opts = [{cacertfile, CA}, {verify, verify_peer}, {server_name_indication, "server.test"},
            {versions, [list_to_atom(Vsn)]}, {ciphers, [ssl:str_to_suite(Suite)]},
            {certfile, Cert}, {keyfile, Key}, {alpn_advertised_protocols, [<<"h2">>]},
            {active, false}, binary],
    case ssl:connect("127.0.0.1", list_to_integer(PortS), Opts, 20000) of
        {ok, S} ->
            {ok, Info} = ssl:connection_information(S, [protocol, selected_cipher_suite]),
            io:format("info ~p~n", [Info]),
            ok = ssl:send(S, <<"ping from erlang\n">>),
            {ok, Data} = ssl:recv(S, 0, 20000),
            io:format("got ~s~n", [Data]),
            ssl:close(S);
        Err ->
            io:format("connect error ~p~n", [Err])
    end.
`

type erlangCase struct {
	version cipher.Version
	suite   string // IANA name
	cert    func(p *hsPKI) *testpki.Cert
}

func erlangCases() []erlangCase {
	ecdsa := func(p *hsPKI) *testpki.Cert { return p.serverECDSA }
	rsa := func(p *hsPKI) *testpki.Cert { return p.serverRSA }
	// Erlang requires keyAgreement in the key usage of a static ECDH
	// certificate, and before TLS 1.2 a certificate signed with its own
	// key's algorithm (the test root is ECDSA).
	ecdh := func(p *hsPKI) *testpki.Cert { return p.serverECDH }
	return []erlangCase{
		{cipher.VersionTLS12, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ecdsa},
		{cipher.VersionTLS12, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", ecdh},
		{cipher.VersionTLS12, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", rsa},
		{cipher.VersionTLS10, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", ecdsa},
	}
}

func writeEscript(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestErlangServer runs our client, with a client certificate, against an
// Erlang ssl server (ssl:listen and ssl:handshake).
func TestErlangServer(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	script := writeEscript(t, f.dir, "server.escript", erlangServer)
	for _, c := range erlangCases() {
		t.Run(c.version.String()+"/"+c.suite, func(t *testing.T) {
			port := peertest.FreePort(t)
			cert := c.cert(p)
			certFile := writePEMFile(t, filepath.Join(f.dir, "erl-srv.pem"), cert.PEM())
			keyFile := writePEMFile(t, filepath.Join(f.dir, "erl-srv.key"), cert.KeyPEM())
			srv := peertest.Start(t, "escript", script, strconv.Itoa(port), certFile, keyFile, f.root, c.version.String(), c.suite)
			srv.WaitOutput(t, "listening", 30*time.Second)
			conn := dialPeer(t, port)
			defer conn.Close()
			cfg := p.clientConfig(cipher.SuiteByName(c.suite))
			cfg.Versions = []cipher.Version{c.version}
			cfg.Certificates = []handshake.Credential{cred(p.clientRSA)}
			cfg.ALPN = []string{"http/1.1", "h2"}
			res := runOurs(conn, true, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v", res.err)
			}
			if res.st.Version != c.version || res.st.Suite.IANAName != c.suite || !res.st.SecureRenegotiation || res.st.ALPN != "h2" {
				t.Fatalf("negotiated %s %s, RI %v, ALPN %q", res.st.Version, res.st.Suite, res.st.SecureRenegotiation, res.st.ALPN)
			}
			if !bytes.Equal(res.st.PeerCertificates[0], cert.DER) {
				t.Fatal("wrong server certificate")
			}
			if _, err := res.rc.Write([]byte("ping from otpssl\n")); err != nil {
				t.Fatal(err)
			}
			srv.WaitOutput(t, "got ping from otpssl", 20*time.Second)
			if err := readAppData(res.rc, "pong from erlang"); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(srv.Output(), "alpn {ok,<<\"h2\">>}") {
				t.Fatalf("Erlang's ALPN: %s", srv.Output())
			}
		})
	}
}

// TestErlangClient runs an Erlang ssl client (ssl:connect with a client
// certificate) against our server, which requires the certificate.
func TestErlangClient(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	script := writeEscript(t, f.dir, "client.escript", erlangClient)
	for _, c := range erlangCases() {
		t.Run(c.version.String()+"/"+c.suite, func(t *testing.T) {
			port, accepted := acceptOne(t)
			cli := peertest.Start(t, "escript", script, strconv.Itoa(port), f.root, c.version.String(), c.suite,
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
			cfg := p.serverConfig(c.cert(p), cipher.SuiteByName(c.suite))
			cfg.Versions = []cipher.Version{c.version}
			cfg.VerifyPeer, cfg.FailIfNoPeerCert = true, true
			cfg.ALPN = []string{"h2"}
			res := runOurs(conn, false, cfg)
			if res.err != nil {
				t.Fatalf("handshake: %v\n%s", res.err, cli.Output())
			}
			if res.st.Suite.IANAName != c.suite || res.st.ALPN != "h2" || res.st.ServerName != hsServerName ||
				len(res.st.PeerCertificates) == 0 || !bytes.Equal(res.st.PeerCertificates[0], p.clientRSA.DER) {
				t.Fatalf("negotiated %s, ALPN %q, SNI %q, %d client certificates", res.st.Suite, res.st.ALPN, res.st.ServerName, len(res.st.PeerCertificates))
			}
			if err := readAppData(res.rc, "ping from erlang"); err != nil {
				t.Fatal(err)
			}
			if _, err := res.rc.Write([]byte("pong from otpssl\n")); err != nil {
				t.Fatal(err)
			}
			cli.WaitOutput(t, "got pong from otpssl", 20*time.Second)
		})
	}
}
