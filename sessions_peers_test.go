package ssl

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
)

// TLS 1.2 session resumption against openssl, GnuTLS and Erlang's ssl,
// by session ID and with RFC 5077 tickets, both ways.

// peerFiles writes the server chain, key and root as PEM files.
func peerFiles(t *testing.T, c *creds) (cert, key, ca string) {
	t.Helper()
	dir := t.TempDir()
	cert, key, ca = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	for name, b := range map[string][]byte{cert: append(c.server.PEM(), c.root.PEM()...), key: c.server.KeyPEM(), ca: c.root.PEM()} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key, ca
}

// waitExit waits for a peer that should end by itself.
func waitExit(t *testing.T, p *peertest.Process) {
	t.Helper()
	if err := p.Wait(hangLimit); err != nil {
		t.Fatalf("peer: %v\n%s", err, p.Output())
	}
}

// TestSessionsOpenSSLClient: openssl s_client resumes our server's
// sessions with -reconnect and with -sess_out/-sess_in, by session ID
// and by ticket.
func TestSessionsOpenSSLClient(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	_, _, ca := peerFiles(t, c)
	for _, tickets := range []bool{false, true} {
		name := "session_id"
		if tickets {
			name = "ticket"
		}
		t.Run(name, func(t *testing.T) {
			ls := listenTLS12(t, c, SessionTicketsTLS12(tickets))
			args := func(extra ...string) []string {
				a := []string{"s_client", "-connect", ls.Addr().String(), "-tls1_2", "-CAfile", ca,
					"-servername", "localhost", "-verify_return_error"}
				if !tickets {
					a = append(a, "-no_ticket")
				}
				return append(a, extra...)
			}
			p := peertest.Start(t, openssl, args("-reconnect")...)
			p.Stdin.Close()
			waitExit(t, p)
			out := p.Output()
			if n := strings.Count(out, "Reused, TLSv1.2"); n != 5 {
				t.Fatalf("%d of 5 reconnections reused the session\n%s", n, out)
			}
			if strings.Contains(out, "TLS session ticket lifetime hint") != tickets {
				t.Fatalf("ticket given: %v, want %v\n%s", !tickets, tickets, out)
			}
			sess := filepath.Join(t.TempDir(), "sess.pem")
			p = peertest.Start(t, openssl, args("-sess_out", sess)...)
			p.Stdin.Close()
			waitExit(t, p)
			if !strings.Contains(p.Output(), "New, TLSv1.2") {
				t.Fatalf("first connection\n%s", p.Output())
			}
			p = peertest.Start(t, openssl, args("-sess_in", sess)...)
			p.Stdin.Close()
			waitExit(t, p)
			if !strings.Contains(p.Output(), "Reused, TLSv1.2") {
				t.Fatalf("-sess_in did not resume\n%s", p.Output())
			}
		})
	}
}

// TestSessionsOpenSSLServer: our client resumes with openssl s_server,
// by session ID (-no_ticket) and by ticket; both connections report the
// same session ID.
func TestSessionsOpenSSLServer(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	cert, key, _ := peerFiles(t, c)
	for _, tickets := range []bool{false, true} {
		name := "session_id"
		if tickets {
			name = "ticket"
		}
		t.Run(name, func(t *testing.T) {
			port := peertest.FreePort(t)
			args := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", cert, "-key", key,
				"-tls1_2"}
			if !tickets {
				args = append(args, "-no_ticket")
			}
			p := peertest.Start(t, openssl, args...)
			p.WaitListening(t, port, hangLimit)
			var infos []ConnectionInfo
			for i := range 2 {
				s, err := Connect("127.0.0.1", port, c.clientOpts(Active(false), Versions(TLSv1_2)), hangLimit)
				if err != nil {
					t.Fatalf("connection %d: %v\n%s", i, err, p.Output())
				}
				msg := "hello " + strconv.Itoa(i) + "\n"
				if err := s.Send([]byte(msg)); err != nil {
					t.Fatal(err)
				}
				p.WaitOutput(t, msg, hangLimit)
				info, err := s.ConnectionInformation("session_id", "session_resumption")
				if err != nil {
					t.Fatal(err)
				}
				infos = append(infos, info)
				s.Close()
			}
			if infos[0].SessionResumption || !infos[1].SessionResumption {
				t.Fatalf("resumption %v, %v\n%s", infos[0].SessionResumption, infos[1].SessionResumption, p.Output())
			}
			if !tickets && !bytes.Equal(infos[0].SessionID, infos[1].SessionID) {
				t.Fatalf("session IDs %x and %x", infos[0].SessionID, infos[1].SessionID)
			}
			p.WaitOutput(t, "Reused session-id", hangLimit)
		})
	}
}

// TestSessionsGnuTLSClient: gnutls-cli --resume resumes our server's
// sessions, by session ID and by ticket.
func TestSessionsGnuTLSClient(t *testing.T) {
	gnutls := peertest.Require(t, "gnutls-cli")
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	_, _, ca := peerFiles(t, c)
	for _, tickets := range []bool{false, true} {
		name := "session_id"
		if tickets {
			name = "ticket"
		}
		t.Run(name, func(t *testing.T) {
			ls := listenTLS12(t, c, SessionTicketsTLS12(tickets))
			prio := "NORMAL:-VERS-ALL:+VERS-TLS1.2"
			args := []string{"--resume", "-p", strconv.Itoa(port(ls)), "--x509cafile", ca, "--sni-hostname", "localhost",
				"--verify-hostname", "localhost", "--priority", prio, "127.0.0.1"}
			if !tickets {
				args = append([]string{"--noticket"}, args...)
			}
			p := peertest.Start(t, gnutls, args...)
			p.WaitOutput(t, "This is a resumed session", hangLimit)
			p.Stdin.Close()
			waitExit(t, p)
		})
	}
}

// TestSessionsGnuTLSServer: our client resumes with gnutls-serv.
func TestSessionsGnuTLSServer(t *testing.T) {
	gnutls := peertest.Require(t, "gnutls-serv")
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	cert, key, _ := peerFiles(t, c)
	for _, tickets := range []bool{false, true} {
		name := "session_id"
		if tickets {
			name = "ticket"
		}
		t.Run(name, func(t *testing.T) {
			port := peertest.FreePort(t)
			args := []string{"-p", strconv.Itoa(port), "--x509certfile", cert, "--x509keyfile", key, "--echo",
				"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2"}
			if !tickets {
				args = append(args, "--noticket")
			}
			p := peertest.Start(t, gnutls, args...)
			p.WaitListening(t, port, hangLimit)
			var infos []ConnectionInfo
			for i := range 2 {
				s, err := Connect("127.0.0.1", port, c.clientOpts(Active(false), Versions(TLSv1_2)), hangLimit)
				if err != nil {
					t.Fatalf("connection %d: %v\n%s", i, err, p.Output())
				}
				if err := s.Send([]byte("ping\n")); err != nil {
					t.Fatal(err)
				}
				if got := recvExactly(t, s, 5); string(got) != "ping\n" {
					t.Fatalf("echo %q", got)
				}
				info, err := s.ConnectionInformation("session_id", "session_resumption")
				if err != nil {
					t.Fatal(err)
				}
				infos = append(infos, info)
				s.Close()
			}
			if infos[0].SessionResumption || !infos[1].SessionResumption {
				t.Fatalf("resumption %v, %v\n%s", infos[0].SessionResumption, infos[1].SessionResumption, p.Output())
			}
			if !tickets && !bytes.Equal(infos[0].SessionID, infos[1].SessionID) {
				t.Fatalf("session IDs %x and %x", infos[0].SessionID, infos[1].SessionID)
			}
		})
	}
}

const erlangSessionScript = `#!/usr/bin/env escript
main([Mode, PortS, Dir]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Port = list_to_integer(PortS),
    Opts = [{certfile, filename:join(Dir, "cert.pem")}, {keyfile, filename:join(Dir, "key.pem")},
            {cacertfile, filename:join(Dir, "ca.pem")}, {versions, ['tlsv1.2']},
            {reuse_sessions, true}, binary, {active, false}],
    try run(list_to_atom(Mode), Port, Opts)
    catch C:E:St -> io:format("crash ~p:~p ~p~n", [C, E, St]), halt(1)
    end.

hex(B) -> [io_lib:format("~2.16.0b", [X]) || <<X>> <= B].

report(S) ->
    {ok, Info} = ssl:connection_information(S, [session_id, session_resumption]),
    io:format("session ~s ~p~n", [hex(proplists:get_value(session_id, Info)),
                                   proplists:get_value(session_resumption, Info)]).

run(client, Port, Opts) ->
    Base = [{verify, verify_peer}, {server_name_indication, "localhost"} | Opts],
    Connect = fun(Extra) ->
        {ok, S} = ssl:connect("localhost", Port, Extra ++ Base, 30000),
        ok = ssl:send(S, <<"ping">>),
        {ok, <<"ping">>} = ssl:recv(S, 4, 30000),
        report(S),
        {ok, [{session_id, Id}]} = ssl:connection_information(S, [session_id]),
        ssl:close(S),
        timer:sleep(200),
        Id
    end,
    %% reuse_sessions true (automatic), then save and reuse_session.
    _ = Connect([]),
    _ = Connect([]),
    Saved = Connect([{reuse_sessions, save}]),
    _ = Connect([{reuse_session, Saved}]),
    io:format("done~n");
run(server, _, Opts) ->
    {ok, L} = ssl:listen(0, [{reuseaddr, true} | Opts]),
    {ok, {_, P}} = ssl:sockname(L),
    io:format("port ~b~n", [P]),
    lists:foreach(fun(_) ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        {ok, D} = ssl:recv(S, 0, 30000),
        ok = ssl:send(S, D),
        report(S),
        _ = ssl:recv(S, 0, 30000),
        ssl:close(S)
    end, [1, 2]),
    io:format("done~n").
`

func startErlangSessionPeer(t *testing.T, c *creds, mode string, port int) *peertest.Process {
	t.Helper()
	peertest.Require(t, "escript")
	dir := t.TempDir()
	files := map[string][]byte{
		"cert.pem":     append(c.server.PEM(), c.root.PEM()...),
		"key.pem":      c.server.KeyPEM(),
		"ca.pem":       c.root.PEM(),
		"peer.escript": []byte(erlangSessionScript),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return peertest.Start(t, "escript", filepath.Join(dir, "peer.escript"), mode, strconv.Itoa(port), dir)
}

// erlangSessions returns the "session <id> <resumed>" lines of the
// Erlang peer.
func erlangSessions(out string) [][2]string {
	var r [][2]string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "session "); ok {
			f := strings.Fields(rest)
			if len(f) == 2 {
				r = append(r, [2]string{f[0], f[1]})
			}
		}
	}
	return r
}

// TestSessionsErlangClient: Erlang's ssl client against our server
// resumes with reuse_sessions true, makes a new session with
// {reuse_sessions, save} and resumes that one with reuse_session. OTP
// keeps a client's sessions under the server_name_indication host when
// there is one and looks them up under the host given to connect, so the
// script connects to "localhost" with that SNI; it verifies the server
// (OTP caches no session of an unverified server). OTP 25 reports
// session_resumption false on its TLS 1.2 client, so the session IDs show
// the resumption: a server that did not resume gives a new one.
func TestSessionsErlangClient(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	ls := listenTLS12(t, c)
	p := startErlangSessionPeer(t, c, "client", port(ls))
	p.WaitOutput(t, "done", 60*time.Second)
	s := erlangSessions(p.Output())
	if len(s) != 4 {
		t.Fatalf("Erlang's view of the sessions: %v\n%s", s, p.Output())
	}
	for _, x := range s {
		if len(x[0]) != 64 {
			t.Fatalf("Erlang reports a session ID of %d hex digits", len(x[0]))
		}
	}
	switch {
	case s[1][0] != s[0][0]:
		t.Errorf("the second connection did not resume the first's session: %v", s)
	case s[2][0] == s[1][0]:
		t.Errorf("reuse_sessions save resumed instead of making a new session: %v", s)
	case s[3][0] != s[2][0]:
		t.Errorf("reuse_session did not resume the saved session: %v", s)
	}
}

// TestSessionsErlangServer: our client resumes with an Erlang ssl server
// (reuse_sessions true), which reports the resumption too.
func TestSessionsErlangServer(t *testing.T) {
	checkLeaks(t)
	resetSessions(t)
	c := newCreds(t)
	p := startErlangSessionPeer(t, c, "server", 0)
	port := peerPort(t, p)
	var ours []ConnectionInfo
	for i := range 2 {
		s, err := Connect("127.0.0.1", port, c.clientOpts(Active(false), Versions(TLSv1_2)), hangLimit)
		if err != nil {
			t.Fatalf("connection %d: %v\n%s", i, err, p.Output())
		}
		if err := s.Send([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		recvExactly(t, s, 4)
		info, err := s.ConnectionInformation("session_id", "session_resumption")
		if err != nil {
			t.Fatal(err)
		}
		ours = append(ours, info)
		p.WaitOutput(t, "session "+hexString(info.SessionID), hangLimit)
		s.Close()
	}
	p.WaitOutput(t, "done", hangLimit)
	theirs := erlangSessions(p.Output())
	if ours[0].SessionResumption || !ours[1].SessionResumption || !bytes.Equal(ours[0].SessionID, ours[1].SessionID) {
		t.Fatalf("our view: %+v\n%s", ours, p.Output())
	}
	// OTP 25 reports session_resumption false on its TLS 1.2 server
	// side; the session ID it reports shows the resumption.
	if len(theirs) != 2 || theirs[0][0] != theirs[1][0] || theirs[1][0] != hexString(ours[1].SessionID) {
		t.Fatalf("Erlang's view: %v", theirs)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}
