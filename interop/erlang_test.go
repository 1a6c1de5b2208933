package interop_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/peertest"
)

// erlangPeerScript is an Erlang/OTP ssl peer that serves a whole test:
// each line of its standard input is a command, an Erlang term ended by a
// full stop, run in a process of its own, and every line it prints starts
// with the command's reference, so that commands may run at the same time.
//
//	{suites, Ref, Version}      prints "Ref suites A:B:..." (OpenSSL names
//	                            of ssl:cipher_suites(all, Version))
//	{groups, Ref}               prints "Ref groups a:b:..." (ssl:groups())
//	{server, Ref, Opts}         ssl:listen on a free port ("Ref port N"),
//	                            transport_accept and handshake one
//	                            connection; then "Ref ok ...", reads a line
//	                            ("Ref got ..."), answers "pong from erlang",
//	                            and waits for the close ("Ref closed")
//	{client, Ref, Port, Opts}   ssl:connect to 127.0.0.1:Port; then
//	                            "Ref ok ...", sends "ping from erlang",
//	                            reads a line ("Ref got ...") and closes
//
// "Ref ok" lists the protocol, the suite (OpenSSL name), the ALPN protocol,
// the server name a client asked for, and the common name of the peer's
// certificate. A failure prints "Ref error Reason" with Erlang's reason
// ({tls_alert,{unknown_ca,"..."}}). Opts are ssl options; {ciphers, [Name]}
// takes suite names, which the script turns into suites.
const erlangPeerScript = `#!/usr/bin/env escript
main(_) ->
    {ok, _} = application:ensure_all_started(ssl),
    io:format("ready~n"),
    loop().

loop() ->
    case io:read('') of
        {ok, Cmd} -> spawn(fun() -> run(Cmd) end), loop();
        {error, Reason} -> io:format("bad command ~0p~n", [Reason]), loop();
        eof -> ok
    end.

say(Ref, Fmt, Args) -> io:format("~s " ++ Fmt ++ "~n", [Ref | Args]).

opts(Opts) -> [opt(O) || O <- Opts].
opt({ciphers, Names}) -> {ciphers, [ssl:str_to_suite(N) || N <- Names]};
opt(O) -> O.

run({suites, Ref, Vsn}) ->
    say(Ref, "suites ~s", [lists:join(":", ssl:cipher_suites(all, Vsn, openssl))]);
run({groups, Ref}) ->
    say(Ref, "groups ~s", [lists:join(":", [atom_to_list(G) || G <- ssl:groups()])]);
run({server, Ref, Opts}) ->
    case ssl:listen(0, opts(Opts) ++ [binary, {active, false}, {reuseaddr, true}]) of
        {ok, L} ->
            {ok, {_, Port}} = ssl:sockname(L),
            say(Ref, "port ~b", [Port]),
            case ssl:transport_accept(L, 30000) of
                {ok, T} ->
                    case ssl:handshake(T, 30000) of
                        {ok, S} -> info(Ref, S), serve(Ref, S);
                        {error, E} -> say(Ref, "error ~0p", [E])
                    end;
                {error, E} -> say(Ref, "error ~0p", [E])
            end,
            ssl:close(L);
        {error, E} -> say(Ref, "error ~0p", [E])
    end;
run({client, Ref, Port, Opts}) ->
    case ssl:connect("127.0.0.1", Port, opts(Opts) ++ [binary, {active, false}], 30000) of
        {ok, S} ->
            info(Ref, S),
            ok = ssl:send(S, <<"ping from erlang\n">>),
            case recv_line(S, <<>>) of
                {ok, Line} -> say(Ref, "got ~s", [Line]);
                {error, E} -> say(Ref, "recv error ~0p", [E])
            end,
            ssl:close(S);
        {error, E} -> say(Ref, "error ~0p", [E])
    end;
run(Other) ->
    io:format("unknown command ~0p~n", [Other]).

serve(Ref, S) ->
    case recv_line(S, <<>>) of
        {ok, Line} ->
            say(Ref, "got ~s", [Line]),
            ok = ssl:send(S, <<"pong from erlang\n">>),
            say(Ref, "closed ~0p", [ssl:recv(S, 0, 30000)]);
        {error, E} -> say(Ref, "recv error ~0p", [E])
    end,
    ssl:close(S).

recv_line(S, Acc) ->
    case binary:split(Acc, <<"\n">>) of
        [Line, _] -> {ok, Line};
        _ ->
            case ssl:recv(S, 0, 30000) of
                {ok, Data} -> recv_line(S, <<Acc/binary, Data/binary>>);
                Err -> Err
            end
    end.

info(Ref, S) ->
    {ok, I} = ssl:connection_information(S, [protocol, selected_cipher_suite, sni_hostname]),
    Alpn = case ssl:negotiated_protocol(S) of {ok, A} -> A; _ -> "none" end,
    Peer = case ssl:peercert(S) of {ok, Der} -> cn(Der); _ -> "none" end,
    say(Ref, "ok protocol=~s suite=~s alpn=~s sni=~s peer=~s",
        [proplists:get_value(protocol, I),
         ssl:suite_to_openssl_str(proplists:get_value(selected_cipher_suite, I)),
         Alpn, proplists:get_value(sni_hostname, I, "none"), Peer]).

%% The subject is the sixth field of the OTPTBSCertificate record (the
%% headers that define it are not installed everywhere).
cn(Der) ->
    {'OTPCertificate', TBS, _, _} = public_key:pkix_decode_cert(Der, otp),
    {rdnSequence, RDNs} = element(7, TBS),
    CNs = [str(V) || RDN <- RDNs, {'AttributeTypeAndValue', {2,5,4,3}, V} <- RDN],
    case CNs of [CN | _] -> CN; [] -> "?" end.

str({_, V}) -> str(V);
str(V) when is_binary(V) -> binary_to_list(V);
str(V) -> V.
`

// erlangPeer is a running erlangPeerScript.
type erlangPeer struct {
	proc *peertest.Process
	refs atomic.Int64
}

// startErlang starts the Erlang peer for the test (and its subtests).
func startErlang(t testing.TB) *erlangPeer {
	t.Helper()
	peertest.Require(t, "escript")
	path := filepath.Join(t.TempDir(), "peer.escript")
	if err := os.WriteFile(path, []byte(erlangPeerScript), 0o700); err != nil {
		t.Fatal(err)
	}
	e := &erlangPeer{proc: peertest.Start(t, "escript", path)}
	e.proc.WaitOutput(t, "ready\n", 60*time.Second)
	return e
}

// send runs a command, given as the text of an Erlang term with %s for
// its reference (a quoted string), and returns the reference.
func (e *erlangPeer) send(t testing.TB, format string, args ...any) string {
	t.Helper()
	ref := "r" + strconv.FormatInt(e.refs.Add(1), 10)
	cmd := fmt.Sprintf(format, append([]any{strconv.Quote(ref)}, args...)...)
	if _, err := e.proc.Stdin.Write([]byte(cmd + ".\n")); err != nil {
		t.Fatalf("writing to the Erlang peer: %v", err)
	}
	return ref
}

// wait returns the first line of ref whose kind is one of kinds (the word
// after the reference) and the rest of that line. It fails the test when
// another line of ref comes first or nothing comes in time.
func (e *erlangPeer) wait(t testing.TB, ref string, kinds ...string) (kind, rest string) {
	t.Helper()
	deadline := time.Now().Add(hang + 10*time.Second)
	for {
		for _, line := range strings.Split(e.proc.Output(), "\n") {
			k, r, ok := strings.Cut(strings.TrimPrefix(line, ref+" "), " ")
			if !strings.HasPrefix(line, ref+" ") || !ok {
				continue
			}
			for _, want := range kinds {
				if k == want {
					return k, r
				}
			}
			if k == "error" || k == "recv" {
				t.Fatalf("Erlang peer: %s, waiting for %v", line, kinds)
			}
		}
		select {
		case <-e.proc.Done():
			t.Fatalf("the Erlang peer exited:\n%s", e.proc.Output())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %v line of %s from the Erlang peer:\n%s", kinds, ref, e.proc.Output())
		}
	}
}

// lines returns the lines ref printed so far.
func (e *erlangPeer) lines(ref string) string {
	var b strings.Builder
	for _, line := range strings.Split(e.proc.Output(), "\n") {
		if strings.HasPrefix(line, ref+" ") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// port waits for the port a server command listens on.
func (e *erlangPeer) port(t testing.TB, ref string) int {
	t.Helper()
	_, rest := e.wait(t, ref, "port")
	n, err := strconv.Atoi(rest)
	if err != nil {
		t.Fatalf("Erlang port %q", rest)
	}
	return n
}

// erlangInfo is what an "ok" line reports, by key.
func erlangInfo(rest string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(rest) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

// erlangStr is s as an Erlang string.
func erlangStr(s string) string { return strconv.Quote(s) }

// erlangVersion is v as an Erlang atom.
func erlangVersion(v ssl.Protocol) string { return "'" + v.String() + "'" }

// erlangDriver runs the matrix against Erlang's ssl, with one escript for
// all cases.
type erlangDriver struct {
	p      *pki
	e      *erlangPeer
	root   string
	rsa    certFiles
	ec     certFiles
	suites map[ssl.Protocol]map[string]bool
	groups map[string]bool // ssl:groups()
}

func newErlangDriver(t *testing.T, p *pki) driver {
	d := &erlangDriver{p: p, e: startErlang(t), root: p.rootFile(t), rsa: p.files(t, "erl-rsa", p.serverRSA),
		ec: p.files(t, "erl-ecdsa", p.serverECDSA), suites: map[ssl.Protocol]map[string]bool{}}
	for _, v := range append(matrixVersions, ssl.TLSv1_3) {
		ref := d.e.send(t, "{suites, %s, %s}", erlangVersion(v))
		_, rest := d.e.wait(t, ref, "suites")
		d.suites[v] = map[string]bool{}
		for _, n := range strings.Split(rest, ":") {
			d.suites[v][n] = true
		}
	}
	ref := d.e.send(t, "{groups, %s}")
	_, rest := d.e.wait(t, ref, "groups")
	d.groups = map[string]bool{}
	for _, g := range strings.Split(rest, ":") {
		d.groups[g] = true
	}
	return d
}

// erlangCaseOpts are the Erlang options of the case, each followed by a
// comma: its version and suite, and its group (supported_groups); none
// with default options.
func erlangCaseOpts(c matrixCase) string {
	if c.dflt {
		return ""
	}
	o := fmt.Sprintf("{versions, [%s]}, {ciphers, [%s]}, ", erlangVersion(c.v), erlangStr(c.suite))
	if c.group != 0 {
		o += fmt.Sprintf("{supported_groups, [%s]}, ", c.group)
	}
	return o
}

func (d *erlangDriver) supports(_ direction, c matrixCase) string {
	if c.dflt {
		return ""
	}
	if c.group != 0 && !d.groups[c.group.String()] {
		return "ssl:groups() does not list it"
	}
	if !d.suites[c.v][c.suite] {
		return "ssl:cipher_suites(all, " + erlangVersion(c.v) + ", openssl) does not list it"
	}
	return ""
}

func (d *erlangDriver) theirServer(t *testing.T, c matrixCase) {
	files := d.rsa
	if c.ecdsa() {
		files = d.ec
	}
	ref := d.e.send(t, "{server, %s, [%s{certfile, %s}, {keyfile, %s}]}",
		erlangCaseOpts(c), erlangStr(files.cert), erlangStr(files.key))
	s, err := connect(d.e.port(t, ref), d.p.clientOpts(c.opts(t)...))
	if err != nil {
		t.Fatalf("Connect: %v\nErlang:\n%s", err, d.e.proc.Output())
	}
	defer s.Close()
	suite := checkCase(t, s, c)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, "pong from erlang\n"); err != nil {
		t.Fatal(err)
	}
	_, rest := d.e.wait(t, ref, "ok")
	if info := erlangInfo(rest); info["protocol"] != c.v.String() || info["suite"] != suite {
		t.Fatalf("Erlang negotiated %s", rest)
	}
	if _, got := d.e.wait(t, ref, "got"); got != "ping from otpssl" {
		t.Fatalf("Erlang got %q", got)
	}
}

func (d *erlangDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), c.opts(t)...)...)
	ch := acceptOne(t, ls)
	ref := d.e.send(t, "{client, %s, %d, [%s{verify, verify_peer}, {cacertfile, %s}, {server_name_indication, %s}]}",
		port, erlangCaseOpts(c), erlangStr(d.root), erlangStr(serverName))
	s, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatalf("SSLAccept: %v\nErlang:\n%s", err, d.e.proc.Output())
	}
	suite := checkCase(t, s, c)
	if _, err := recvUntil(s, "ping from erlang\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	_, rest := d.e.wait(t, ref, "ok")
	if info := erlangInfo(rest); info["protocol"] != c.v.String() || info["suite"] != suite || info["peer"] != serverName {
		t.Fatalf("Erlang negotiated %s", rest)
	}
	if _, got := d.e.wait(t, ref, "got"); got != "pong from otpssl" {
		t.Fatalf("Erlang got %q", got)
	}
}
