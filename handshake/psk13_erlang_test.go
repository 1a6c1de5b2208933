package handshake_test

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/record"
)

// TLS 1.3 session resumption against Erlang's ssl: its client in
// session_tickets auto and manual mode (with use_ticket) against our
// stateless and stateful server, and our client against its stateless
// and stateful server.

// erlangTicketClient connects twice with session_tickets Mode, the second
// time with the first connection's ticket (auto: from OTP's store;
// manual: the {ssl, session_ticket, ...} message given back with
// use_ticket; OTP 25 sends the ticket map alone, later releases
// {SNI, Ticket}), and prints session_resumption of each.
const erlangTicketClient = `#!/usr/bin/env escript
main([PortS, CA, Mode]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Port = list_to_integer(PortS),
    Base = [{cacertfile, CA}, {verify, verify_peer}, {server_name_indication, "server.test"},
            {versions, ['tlsv1.3']}, {active, false}, binary, {session_tickets, list_to_atom(Mode)}],
    {ok, S1} = ssl:connect("127.0.0.1", Port, Base, 20000),
    info(S1, 1),
    Extra = case Mode of
                "manual" ->
                    receive
                        {ssl, session_ticket, {_SNI, Ticket}} -> [{use_ticket, [Ticket]}];
                        {ssl, session_ticket, Ticket} -> [{use_ticket, [Ticket]}]
                    after 10000 -> io:format("no ticket~n"), []
                    end;
                _ -> timer:sleep(200), []
            end,
    ssl:close(S1),
    {ok, S2} = ssl:connect("127.0.0.1", Port, Base ++ Extra, 20000),
    info(S2, 2),
    ssl:close(S2).

info(S, N) ->
    ok = ssl:send(S, <<"ping\n">>),
    {ok, _} = ssl:recv(S, 0, 20000),
    {ok, [{session_resumption, R}]} = ssl:connection_information(S, [session_resumption]),
    io:format("connection ~p resumed ~p~n", [N, R]).
`

// erlangTicketServer serves two connections with session_tickets Mode,
// echoing a line and printing session_resumption.
const erlangTicketServer = `#!/usr/bin/env escript
main([PortS, Cert, Key, Mode]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Opts = [{certfile, Cert}, {keyfile, Key}, {versions, ['tlsv1.3']}, {session_tickets, list_to_atom(Mode)},
            {active, false}, {reuseaddr, true}, binary],
    {ok, L} = ssl:listen(list_to_integer(PortS), Opts),
    io:format("listening~n"),
    serve(L, 1),
    serve(L, 2).

serve(L, N) ->
    {ok, T} = ssl:transport_accept(L, 20000),
    {ok, S} = ssl:handshake(T, 20000),
    {ok, [{session_resumption, R}]} = ssl:connection_information(S, [session_resumption]),
    {ok, D} = ssl:recv(S, 0, 20000),
    ok = ssl:send(S, D),
    io:format("connection ~p resumed ~p~n", [N, R]),
    {error, closed} = ssl:recv(S, 0, 20000),
    ssl:close(S).
`

func TestPSK13ErlangClient(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	script := writeEscript(t, f.dir, "ticket_client.escript", erlangTicketClient)
	for _, c := range []struct{ erl, ours string }{{"auto", "stateless"}, {"auto", "stateful"}, {"manual", "stateless"}, {"manual", "stateful"}} {
		t.Run(c.erl+"/"+c.ours, func(t *testing.T) {
			cfg := cfg13(p.serverConfig(p.serverECDSA))
			cfg.Tickets = statelessTickets(t)
			if c.ours == "stateful" {
				cfg.Tickets = &handshake.ServerTickets{Store: handshake.NewTicketStore(0)}
			}
			port, accepted := acceptTwo(t)
			cli := peertest.Start(t, "escript", script, strconv.Itoa(port), f.root, c.erl)
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
				if res.st.Resumed != want {
					t.Fatalf("connection %d: resumed %v", i+1, res.st.Resumed)
				}
				conn.Close()
			}
		})
	}
}

func TestPSK13ErlangServer(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	script := writeEscript(t, f.dir, "ticket_server.escript", erlangTicketServer)
	cert := writePEMFile(t, filepath.Join(f.dir, "erl.pem"), p.serverECDSA.PEM())
	key := writePEMFile(t, filepath.Join(f.dir, "erl.key"), p.serverECDSA.KeyPEM())
	for _, mode := range []string{"stateless", "stateful"} {
		t.Run(mode, func(t *testing.T) {
			port := peertest.FreePort(t)
			srv := peertest.Start(t, "escript", script, strconv.Itoa(port), cert, key, mode)
			srv.WaitOutput(t, "listening", 30*time.Second)
			cfg := cfg13(p.clientConfig())
			jar := &ticketJar{}
			cfg.OnTicket = jar.add
			for i := 0; i < 2; i++ {
				if i == 1 {
					tickets := jar.all()
					if len(tickets) == 0 {
						t.Fatalf("no ticket from Erlang\n%s", srv.Output())
					}
					cfg.PSKs = tickets[:1]
				}
				conn := dialPeer(t, port)
				res := runOurs(conn, true, cfg)
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
				if res.st.Resumed != want || len(res.st.PeerCertificates) == 0 {
					t.Fatalf("connection %d: resumed %v, %d peer certificates", i+1, res.st.Resumed, len(res.st.PeerCertificates))
				}
				conn.Close()
			}
		})
	}
}

// erlangEarlyClient connects twice in session_tickets auto mode, the
// second time with early_data.
const erlangEarlyClient = `#!/usr/bin/env escript
main([PortS, CA]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Port = list_to_integer(PortS),
    Base = [{cacertfile, CA}, {verify, verify_peer}, {server_name_indication, "server.test"},
            {versions, ['tlsv1.3']}, {active, false}, binary, {session_tickets, auto}],
    {ok, S1} = ssl:connect("127.0.0.1", Port, Base, 20000),
    ok = ssl:send(S1, <<"ping\n">>),
    {ok, _} = ssl:recv(S1, 0, 20000),
    timer:sleep(200),
    ssl:close(S1),
    {ok, S2} = ssl:connect("127.0.0.1", Port, [{early_data, <<"early from erlang\n">>} | Base], 20000),
    ok = ssl:send(S2, <<"ping\n">>),
    {ok, _} = ssl:recv(S2, 0, 20000),
    io:format("second connection done~n"),
    ssl:close(S2).
`

// erlangEarlyServer serves two connections with stateless tickets and
// early data enabled, printing what it receives.
const erlangEarlyServer = `#!/usr/bin/env escript
main([PortS, Cert, Key]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Opts = [{certfile, Cert}, {keyfile, Key}, {versions, ['tlsv1.3']}, {session_tickets, stateless},
            {early_data, enabled}, {active, false}, {reuseaddr, true}, binary],
    {ok, L} = ssl:listen(list_to_integer(PortS), Opts),
    io:format("listening~n"),
    serve(L, 1),
    serve(L, 2).

serve(L, N) ->
    {ok, T} = ssl:transport_accept(L, 20000),
    {ok, S} = ssl:handshake(T, 20000),
    loop(S, N).

loop(S, N) ->
    case ssl:recv(S, 0, 20000) of
        {ok, D} ->
            io:format("connection ~p got ~s~n", [N, D]),
            ok = ssl:send(S, D),
            loop(S, N);
        _ ->
            ssl:close(S)
    end.
`

// TestEarlyData13Erlang: Erlang's client sends early_data with its
// ticket to our server, and our client sends early data to Erlang's
// server with early_data enabled.
func TestEarlyData13Erlang(t *testing.T) {
	peertest.Require(t, "escript")
	p := newHSPKI(t)
	f := newPeerFiles(t, p, "")
	t.Run("erlang-client", func(t *testing.T) {
		script := writeEscript(t, f.dir, "early_client.escript", erlangEarlyClient)
		cfg := cfg13(p.serverConfig(p.serverECDSA))
		cfg.Tickets = statelessTickets(t)
		cfg.AcceptEarlyData = true
		port, accepted := acceptTwo(t)
		cli := peertest.Start(t, "escript", script, strconv.Itoa(port), f.root)
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
			if i == 1 {
				cli.WaitOutput(t, "second connection done", 20*time.Second)
				if !res.st.Resumed || !res.st.EarlyDataAccepted || string(res.st.EarlyData) != "early from erlang\n" {
					t.Fatalf("resumed %v, early data accepted %v: %q", res.st.Resumed, res.st.EarlyDataAccepted, res.st.EarlyData)
				}
			}
			conn.Close()
		}
	})
	t.Run("erlang-server", func(t *testing.T) {
		script := writeEscript(t, f.dir, "early_server.escript", erlangEarlyServer)
		cert := writePEMFile(t, filepath.Join(f.dir, "erl-early.pem"), p.serverECDSA.PEM())
		key := writePEMFile(t, filepath.Join(f.dir, "erl-early.key"), p.serverECDSA.KeyPEM())
		port := peertest.FreePort(t)
		srv := peertest.Start(t, "escript", script, strconv.Itoa(port), cert, key)
		srv.WaitOutput(t, "listening", 30*time.Second)
		cfg := cfg13(p.clientConfig())
		jar := &ticketJar{}
		cfg.OnTicket = jar.add
		for i := 0; i < 2; i++ {
			if i == 1 {
				tickets := jar.all()
				if len(tickets) == 0 || tickets[0].MaxEarlyData == 0 {
					t.Fatalf("no ticket allowing early data from Erlang\n%s", srv.Output())
				}
				cfg.PSKs = tickets[:1]
				cfg.EarlyData = []byte("early from otpssl\n")
			}
			conn := dialPeer(t, port)
			res := runOurs(conn, true, cfg)
			if res.err != nil {
				conn.Close()
				t.Fatalf("handshake %d: %v\n%s", i+1, res.err, srv.Output())
			}
			send13(t, res.st, res.rc, "ping\n")
			if _, err := readUntil13(res.st, res.rc, "ping\n"); err != nil {
				conn.Close()
				t.Fatalf("%v\n%s", err, srv.Output())
			}
			res.rc.SendAlert(record.Warning, record.CloseNotify)
			conn.Close()
			if i == 1 {
				srv.WaitOutput(t, "connection 2 got early from otpssl", 20*time.Second)
				if !res.st.Resumed || !res.st.EarlyDataAccepted {
					t.Fatalf("resumed %v, early data accepted %v\n%s", res.st.Resumed, res.st.EarlyDataAccepted, srv.Output())
				}
			}
		}
	})
}
