package ssl

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
)

// erlangSocketScript is an Erlang ssl peer for the socket tests. Its
// arguments: Mode, Port, Dir (holding cert.pem, key.pem and ca.pem),
// Version.
//
//	prf_server        listens on an ephemeral port (prints "port N"),
//	                  accepts one connection, prints "prf I HEX" for each
//	                  ssl:prf/5 call of the list below, waits for the
//	                  peer to close
//	downgrade_server  listens, accepts, reads "switch\n", answers
//	                  "switching\n", calls ssl:close(S, {self(), T}), prints
//	                  "downgraded LEFTOVER", then in plain TCP sends
//	                  "plain from erlang\n", reads a line and answers
//	                  "plain echo: " and the line
//
// After the downgrade the Erlang side always speaks first: the TCP socket
// of Erlang's ssl is in active mode until the hand-over, and bytes that
// reach it before then are delivered to the connection process, not to
// the new controller (only what its record buffer holds is returned, as
// the third element of {ok, Socket, Bin}).
//
//	downgrade_client  connects to Port, sends "switch\n", calls
//	                  ssl:close(S, {self(), T}), prints "downgraded", then in
//	                  plain TCP sends "plain from erlang\n" and prints the
//	                  line it gets back as "got LINE"
const erlangSocketScript = `#!/usr/bin/env escript
main([Mode, PortS, Dir, VsnS]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Vsn = list_to_atom(VsnS),
    Port = list_to_integer(PortS),
    Opts = [{certfile, filename:join(Dir, "cert.pem")}, {keyfile, filename:join(Dir, "key.pem")},
            {cacertfile, filename:join(Dir, "ca.pem")}, {versions, [Vsn]},
            {ciphers, ssl:cipher_suites(all, Vsn)},
            binary, {active, false}],
    try run(list_to_atom(Mode), Port, Opts)
    catch C:E:St -> io:format("crash ~p:~p ~p~n", [C, E, St]), halt(1)
    end.

accept(Opts) ->
    {ok, L} = ssl:listen(0, [{reuseaddr, true} | Opts]),
    {ok, {_, P}} = ssl:sockname(L),
    io:format("port ~b~n", [P]),
    {ok, T} = ssl:transport_accept(L, 30000),
    {ok, S} = ssl:handshake(T, 30000),
    ssl:close(L),
    S.

hex(B) -> [io_lib:format("~2.16.0b", [X]) || <<X>> <= B].

run(prf_server, _, Opts) ->
    S = accept(Opts),
    Calls = [{master_secret, <<"label">>, [client_random, server_random], 48},
             {master_secret, <<"key expansion">>, [server_random, client_random], 72},
             {<<"user secret">>, <<"user">>, [<<"seed">>, client_random], 33},
             {master_secret, <<"EXPORTER">>, [client_random, server_random, <<0, 3, "ctx">>], 20},
             {<<>>, <<"empty">>, [server_random], 5},
             {master_secret, <<"bytes only">>, [<<"only bytes">>], 16}],
    lists:foldl(fun({Sec, Label, Seed, N}, I) ->
                        {ok, Out} = ssl:prf(S, Sec, Label, Seed, N),
                        io:format("prf ~b ~s~n", [I, hex(Out)]),
                        I + 1
                end, 0, Calls),
    io:format("done~n"),
    _ = ssl:recv(S, 0, 30000),
    ssl:close(S);
run(downgrade_server, _, Opts) ->
    S = accept(Opts),
    {ok, <<"switch\n">>} = ssl:recv(S, 7, 30000),
    ok = ssl:send(S, <<"switching\n">>),
    {T, Left} = case ssl:close(S, {self(), 30000}) of
                    {ok, T0} -> {T0, <<>>};
                    {ok, T0, B} -> {T0, B}
                end,
    io:format("downgraded ~p~n", [Left]),
    ok = gen_tcp:send(T, <<"plain from erlang\n">>),
    Line = plain_line(T, Left),
    ok = gen_tcp:send(T, [<<"plain echo: ">>, Line]),
    gen_tcp:close(T);
run(downgrade_client, Port, Opts) ->
    {ok, S} = ssl:connect("127.0.0.1", Port, [{verify, verify_peer}, {server_name_indication, "localhost"} | Opts], 30000),
    ok = ssl:send(S, <<"switch\n">>),
    {T, Left} = case ssl:close(S, {self(), 30000}) of
                    {ok, T0} -> {T0, <<>>};
                    {ok, T0, B} -> {T0, B}
                end,
    io:format("downgraded~n"),
    ok = gen_tcp:send(T, <<"plain from erlang\n">>),
    Line = plain_line(T, Left),
    io:format("got ~s", [Line]),
    gen_tcp:close(T).

plain_line(T, Acc) ->
    case binary:split(Acc, <<"\n">>) of
        [L, _] -> <<L/binary, "\n">>;
        _ ->
            {ok, More} = gen_tcp:recv(T, 0, 30000),
            plain_line(T, <<Acc/binary, More/binary>>)
    end.
`

// startErlangSocketPeer writes the credentials and the script and starts
// it in mode.
func startErlangSocketPeer(t *testing.T, c *creds, mode string, port int, v Protocol) *peertest.Process {
	t.Helper()
	peertest.Require(t, "escript")
	dir := t.TempDir()
	files := map[string][]byte{
		"cert.pem":     append(c.server.PEM(), c.root.PEM()...),
		"key.pem":      c.server.KeyPEM(),
		"ca.pem":       c.root.PEM(),
		"peer.escript": []byte(erlangSocketScript),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return peertest.Start(t, "escript", filepath.Join(dir, "peer.escript"), mode, strconv.Itoa(port), dir, v.String())
}

// peerPort waits for the "port N" line of the Erlang peer.
func peerPort(t *testing.T, p *peertest.Process) int {
	t.Helper()
	p.WaitOutput(t, "port ", hangLimit)
	for _, line := range strings.Split(p.Output(), "\n") {
		if n, ok := strings.CutPrefix(line, "port "); ok {
			port, err := strconv.Atoi(strings.TrimSpace(n))
			if err == nil {
				return port
			}
		}
	}
	t.Fatalf("no port in %q", p.Output())
	return 0
}

// TestErlangPRF: our PRF equals Erlang's ssl:prf/5 on the same
// connection, for every secret and seed form, in TLS 1.2 and TLS 1.0.
func TestErlangPRF(t *testing.T) {
	c := newCreds(t)
	for _, v := range []Protocol{TLSv1_2, TLSv1} {
		t.Run(v.String(), func(t *testing.T) {
			p := startErlangSocketPeer(t, c, "prf_server", 0, v)
			port := peerPort(t, p)
			s, err := Connect("127.0.0.1", port, c.clientOpts(Versions(v), Active(false)), hangLimit)
			if err != nil {
				t.Fatalf("Connect: %v\n%s", err, p.Output())
			}
			defer s.Close()
			calls := []struct {
				secret PRFSecret
				label  string
				seed   []PRFSeed
				n      int
			}{
				{MasterSecret, "label", []PRFSeed{ClientRandom, ServerRandom}, 48},
				{MasterSecret, "key expansion", []PRFSeed{ServerRandom, ClientRandom}, 72},
				{PRFSecretBytes([]byte("user secret")), "user", []PRFSeed{PRFSeedBytes([]byte("seed")), ClientRandom}, 33},
				{MasterSecret, "EXPORTER", []PRFSeed{ClientRandom, ServerRandom, PRFSeedBytes([]byte{0, 3, 'c', 't', 'x'})}, 20},
				{PRFSecretBytes(nil), "empty", []PRFSeed{ServerRandom}, 5},
				{MasterSecret, "bytes only", []PRFSeed{PRFSeedBytes([]byte("only bytes"))}, 16},
			}
			p.WaitOutput(t, "done", hangLimit)
			out := p.Output()
			for i, call := range calls {
				ours, err := s.PRF(call.secret, []byte(call.label), call.seed, call.n)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("prf %d %s\n", i, hex.EncodeToString(ours))
				if !strings.Contains(out, want) {
					t.Errorf("call %d: ours %x, Erlang's output:\n%s", i, ours, out)
				}
			}
		})
	}
}

// TestErlangDowngrade: Erlang's ssl:close(Socket, {NewController,
// Timeout}) against CloseDowngrade, with Erlang as server and as client;
// after the close_notify exchange both go on in plain TCP, both ways.
func TestErlangDowngrade(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	t.Run("erlang server", func(t *testing.T) {
		p := startErlangSocketPeer(t, c, "downgrade_server", 0, TLSv1_2)
		port := peerPort(t, p)
		s, err := Connect("127.0.0.1", port, c.clientOpts(Active(false)), hangLimit)
		if err != nil {
			t.Fatalf("Connect: %v\n%s", err, p.Output())
		}
		if err := s.Send([]byte("switch\n")); err != nil {
			t.Fatal(err)
		}
		if got := recvExactly(t, s, 10); string(got) != "switching\n" {
			t.Fatalf("got %q", got)
		}
		plain, err := s.CloseDowngrade(hangLimit)
		if err != nil {
			t.Fatalf("CloseDowngrade: %v\n%s", err, p.Output())
		}
		defer plain.Close()
		_ = plain.SetDeadline(time.Now().Add(hangLimit))
		r := bufio.NewReader(plain)
		line, err := r.ReadString('\n')
		if err != nil || line != "plain from erlang\n" {
			t.Fatalf("plain line %q, %v\n%s", line, err, p.Output())
		}
		if _, err := plain.Write([]byte("plain from go\n")); err != nil {
			t.Fatal(err)
		}
		line, err = r.ReadString('\n')
		if err != nil || line != "plain echo: plain from go\n" {
			t.Fatalf("plain answer %q, %v\n%s", line, err, p.Output())
		}
		if err := p.Wait(hangLimit); err != nil {
			t.Fatalf("peer: %v\n%s", err, p.Output())
		}
	})
	t.Run("erlang client", func(t *testing.T) {
		ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Active(false))...)
		if err != nil {
			t.Fatal(err)
		}
		defer ls.Close()
		p := startErlangSocketPeer(t, c, "downgrade_client", port(ls), TLSv1_2)
		s, err := ls.TransportAccept(hangLimit)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SSLAccept(hangLimit); err != nil {
			t.Fatalf("SSLAccept: %v\n%s", err, p.Output())
		}
		if got := recvExactly(t, s, 7); string(got) != "switch\n" {
			t.Fatalf("got %q", got)
		}
		plain, err := s.CloseDowngrade(hangLimit)
		if err != nil {
			t.Fatalf("CloseDowngrade: %v\n%s", err, p.Output())
		}
		defer plain.Close()
		_ = plain.SetDeadline(time.Now().Add(hangLimit))
		r := bufio.NewReader(plain)
		line, err := r.ReadString('\n')
		if err != nil || line != "plain from erlang\n" {
			t.Fatalf("plain line %q, %v\n%s", line, err, p.Output())
		}
		if _, err := plain.Write([]byte("plain echo\n")); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(hangLimit); err != nil {
			t.Fatalf("peer: %v\n%s", err, p.Output())
		}
		if !strings.Contains(p.Output(), "got plain echo\n") {
			t.Fatalf("the peer did not get the plain answer:\n%s", p.Output())
		}
		if rest, _ := r.Peek(1); len(rest) != 0 {
			t.Errorf("bytes after the plain exchange: %q", rest)
		}
	})
}
