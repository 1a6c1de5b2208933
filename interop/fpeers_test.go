package interop_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// The feature tests run one connection per case between our side and an
// outside peer configured with peerOpts, always in TLS 1.2, and look at
// what each side reports.

// peerOpts configures the peer's side of a feature case.
type peerOpts struct {
	// cert is the certificate the peer presents: a server's (nil:
	// serverRSA) or a client's (nil: none).
	cert *testpki.Cert
	// hosts makes a server serve hostA by default and hostB to clients
	// asking for b.test.
	hosts bool
	// alpn are the protocols a client offers or a server accepts (a
	// server with no protocol in common refuses the connection).
	alpn []string
	// sni is the name a client asks for and checks the certificate
	// against ("": serverName).
	sni string
	// requireCert makes a server require a client certificate issued by
	// the test root.
	requireCert bool
}

func (o peerOpts) serverName() string {
	if o.sni == "" {
		return serverName
	}
	return o.sni
}

// peerEnd is what the peer reports of a connection.
type peerEnd struct {
	ok     bool   // the handshake completed and a line went each way
	alpn   string // the ALPN protocol, "" for none
	peerCN string // the common name of our certificate, "" for none
	out    string // the peer's output, for its alerts and for diagnostics
}

// fpeer is one outside implementation in the feature tests.
type fpeer interface {
	name() string
	// serve starts the peer's server for one connection with o; wait
	// returns the peer's view once our client has closed the connection
	// or failed.
	serve(t *testing.T, p *pki, o peerOpts) (port int, wait func() peerEnd)
	// dial starts the peer's client against our server; its line is
	// ping(), it expects "pong from otpssl".
	dial(t *testing.T, p *pki, port int, o peerOpts) (wait func() peerEnd)
	ping() string
	// reply is what the peer's server answers to a line.
	reply(line string) string
	// received reports whether out shows that the peer received the
	// fatal alert d.
	received(out string, d record.Description) bool
}

// newFPeers returns the peers of a feature test. The Erlang peer serves
// the whole test: it is started now, when escript is installed (its
// subtests skip or fail through peertest.Require otherwise).
func newFPeers(t *testing.T) []fpeer {
	erl := &erlangFPeer{}
	if _, err := exec.LookPath("escript"); err == nil {
		erl.e = startErlang(t)
	}
	return []fpeer{opensslPeer{}, gnutlsPeer{}, erl, goPeer{}}
}

// cnAfter returns the common name in the first line of out that holds
// prefix, in OpenSSL's ("CN = x, O = y") or GnuTLS's ("CN=x,O=y") form.
func cnAfter(out, prefix string) string {
	_, rest, ok := strings.Cut(out, prefix)
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(rest, "\n")
	m := regexp.MustCompile(`CN ?= ?([^,'\n]+)`).FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// lineAfter returns the rest of the first line of out that holds prefix.
func lineAfter(out, prefix string) string {
	_, rest, ok := strings.Cut(out, prefix)
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(rest, "\n")
	return strings.TrimSpace(line)
}

// waitExit waits for a peer program that ends by itself.
func waitExit(t *testing.T, proc *peertest.Process) string {
	t.Helper()
	select {
	case <-proc.Done():
	case <-time.After(hang):
		t.Fatalf("the peer did not exit:\n%s", proc.Output())
	}
	return proc.Output()
}

// opensslPeer is s_server -rev -naccept 1 and s_client.
type opensslPeer struct{}

func (opensslPeer) name() string             { return "openssl" }
func (opensslPeer) ping() string             { return "ping from openssl\n" }
func (opensslPeer) reply(line string) string { return reverse(strings.TrimSuffix(line, "\n")) + "\n" }

// received looks for OpenSSL's error line, which names the alert and
// gives its number: "...:sslv3 alert certificate expired:...:SSL alert
// number 45".
func (opensslPeer) received(out string, d record.Description) bool {
	name := "alert " + strings.ReplaceAll(erlangAlert[d], "_", " ") + ":"
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, name) && strings.HasSuffix(line, "SSL alert number "+strconv.Itoa(int(d))) {
			return true
		}
	}
	return false
}

func (opensslPeer) serve(t *testing.T, p *pki, o peerOpts) (int, func() peerEnd) {
	port := peertest.FreePort(t)
	args := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-naccept", "1", "-rev"}
	switch {
	case o.hosts:
		a, b := p.files(t, "ossl-a", p.hostA), p.files(t, "ossl-b", p.hostB)
		args = append(args, "-cert", a.cert, "-key", a.key, "-servername", "b.test", "-cert2", b.cert, "-key2", b.key)
	default:
		c := o.cert
		if c == nil {
			c = p.serverRSA
		}
		f := p.files(t, "ossl-srv", c)
		args = append(args, "-cert", f.cert, "-key", f.key)
	}
	if len(o.alpn) > 0 {
		args = append(args, "-alpn", strings.Join(o.alpn, ","))
	}
	if o.requireCert {
		args = append(args, "-Verify", "1", "-CAfile", p.rootFile(t), "-verify_return_error")
	}
	proc := peertest.Start(t, "openssl", args...)
	// -naccept 1: a probe connection would use up the server.
	proc.WaitOutput(t, "ACCEPT\n", hang)
	return port, func() peerEnd {
		out := waitExit(t, proc)
		return peerEnd{ok: strings.Contains(out, "CONNECTION ESTABLISHED"), alpn: lineAfter(out, "ALPN protocols selected: "),
			peerCN: cnAfter(out, "Peer certificate: "), out: out}
	}
}

func (opensslPeer) dial(t *testing.T, p *pki, port int, o peerOpts) func() peerEnd {
	args := []string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-CAfile", p.rootFile(t),
		"-servername", o.serverName(), "-verify_hostname", o.serverName(), "-verify_return_error"}
	if o.cert != nil {
		f := p.files(t, "ossl-cli", o.cert)
		args = append(args, "-cert", f.cert, "-key", f.key)
	}
	if len(o.alpn) > 0 {
		args = append(args, "-alpn", strings.Join(o.alpn, ","))
	}
	proc := peertest.Start(t, "openssl", args...)
	if _, err := proc.Stdin.Write([]byte("ping from openssl\n")); err != nil {
		t.Fatal(err)
	}
	return func() peerEnd {
		out := waitExit(t, proc)
		return peerEnd{ok: strings.Contains(out, "pong from otpssl\n"), alpn: lineAfter(out, "ALPN protocol: "),
			peerCN: cnAfter(out, "subject="), out: out}
	}
}

// gnutlsPeer is gnutls-serv --echo (with debug output, the only place it
// names the alerts it receives) and gnutls-cli.
type gnutlsPeer struct{}

func (gnutlsPeer) name() string             { return "gnutls" }
func (gnutlsPeer) ping() string             { return "ping from gnutls\n" }
func (gnutlsPeer) reply(line string) string { return line }

func (gnutlsPeer) received(out string, d record.Description) bool {
	n := strconv.Itoa(int(d))
	return strings.Contains(out, "Received alert ["+n+"]") || // gnutls-cli
		strings.Contains(out, "Alert[2|"+n+"]") // gnutls-serv -d 5
}

func (gnutlsPeer) serve(t *testing.T, p *pki, o peerOpts) (int, func() peerEnd) {
	port := peertest.FreePort(t)
	args := []string{"-d", "5", "--port", strconv.Itoa(port), "--echo"}
	certs := []*testpki.Cert{o.cert}
	switch {
	case o.hosts:
		certs = []*testpki.Cert{p.hostA, p.hostB}
	case o.cert == nil:
		certs = []*testpki.Cert{p.serverRSA}
	}
	for i, c := range certs {
		f := p.files(t, "gnutls-srv"+strconv.Itoa(i), c)
		args = append(args, "--x509certfile", f.cert, "--x509keyfile", f.key)
	}
	for _, a := range o.alpn {
		args = append(args, "--alpn", a)
	}
	if len(o.alpn) > 0 {
		args = append(args, "--alpn-fatal")
	}
	if o.requireCert {
		args = append(args, "--require-client-cert", "--verify-client-cert", "--x509cafile", p.rootFile(t))
	} else {
		args = append(args, "--disable-client-cert")
	}
	proc := peertest.Start(t, "gnutls-serv", args...)
	proc.WaitOutput(t, "port "+strconv.Itoa(port)+"...done", hang)
	return port, func() peerEnd {
		out := proc.Output()
		deadline := time.Now().Add(hang)
		// It serves on: the connection's end is its answer or its
		// error.
		for !strings.Contains(out, "received cmd: ") && !strings.Contains(out, "Error in handshake") {
			if time.Now().After(deadline) {
				t.Fatalf("gnutls-serv did not finish the connection:\n%s", out)
			}
			time.Sleep(10 * time.Millisecond)
			out = proc.Output()
		}
		return peerEnd{ok: strings.Contains(out, "received cmd: "), alpn: lineAfter(out, "- Application protocol: "),
			peerCN: cnAfter(out, "\tSubject: "), out: out}
	}
}

func (gnutlsPeer) dial(t *testing.T, p *pki, port int, o peerOpts) func() peerEnd {
	args := []string{"--port", strconv.Itoa(port), "--x509cafile", p.rootFile(t),
		"--sni-hostname", o.serverName(), "--verify-hostname", o.serverName()}
	if o.cert != nil {
		f := p.files(t, "gnutls-cli", o.cert)
		args = append(args, "--x509certfile", f.cert, "--x509keyfile", f.key)
	}
	for _, a := range o.alpn {
		args = append(args, "--alpn", a)
	}
	proc := peertest.Start(t, "gnutls-cli", append(args, "127.0.0.1")...)
	if _, err := proc.Stdin.Write([]byte("ping from gnutls\n")); err != nil {
		t.Fatal(err)
	}
	return func() peerEnd {
		out := waitExit(t, proc)
		return peerEnd{ok: strings.Contains(out, "pong from otpssl\n"), alpn: lineAfter(out, "- Application protocol: "),
			peerCN: cnAfter(out, "- subject `"), out: out}
	}
}

// erlangFPeer is the Erlang escript peer of a test (see newFPeers).
type erlangFPeer struct{ e *erlangPeer }

func (*erlangFPeer) name() string          { return "erlang" }
func (*erlangFPeer) ping() string          { return "ping from erlang\n" }
func (*erlangFPeer) reply(_ string) string { return "pong from erlang\n" }
func (f *erlangFPeer) peer(t *testing.T) *erlangPeer {
	if f.e == nil {
		peertest.Require(t, "escript")
		t.Fatal("escript is installed but the Erlang peer was not started")
	}
	return f.e
}

func (*erlangFPeer) received(out string, d record.Description) bool {
	return strings.Contains(out, "error {tls_alert,{"+erlangAlert[d]+",")
}

// erlangAlert are Erlang's atoms of the alerts the tests expect.
var erlangAlert = map[record.Description]string{
	record.UnknownCA:             "unknown_ca",
	record.CertificateExpired:    "certificate_expired",
	record.HandshakeFailure:      "handshake_failure",
	record.BadCertificate:        "bad_certificate",
	record.NoApplicationProtocol: "no_application_protocol",
	record.CertificateRequired:   "certificate_required",
}

// erlangOpts are the ssl options common to both roles.
func erlangOpts(t *testing.T, p *pki, cert *testpki.Cert, files string) []string {
	opts := []string{"{versions, ['tlsv1.2']}"}
	if cert != nil {
		f := p.files(t, files, cert)
		opts = append(opts, fmt.Sprintf("{certfile, %s}, {keyfile, %s}", erlangStr(f.cert), erlangStr(f.key)))
	}
	return opts
}

func erlangBinaries(list []string) string {
	var b []string
	for _, s := range list {
		b = append(b, "<<"+erlangStr(s)+">>")
	}
	return "[" + strings.Join(b, ", ") + "]"
}

// end waits for the last line of a command, success or a failure, and
// reads its "ok" line.
func (f *erlangFPeer) end(t *testing.T, ref, success string) peerEnd {
	e := f.peer(t)
	k, _ := e.wait(t, ref, success, "recv", "error")
	out := e.lines(ref)
	end := peerEnd{ok: k == success, out: out}
	if _, rest, ok := strings.Cut(out, ref+" ok "); ok {
		line, _, _ := strings.Cut(rest, "\n")
		info := erlangInfo(line)
		if info["alpn"] != "none" {
			end.alpn = info["alpn"]
		}
		if info["peer"] != "none" {
			end.peerCN = info["peer"]
		}
	}
	return end
}

func (f *erlangFPeer) serve(t *testing.T, p *pki, o peerOpts) (int, func() peerEnd) {
	e := f.peer(t)
	cert := o.cert
	if cert == nil {
		cert = p.serverRSA
	}
	if o.hosts {
		cert = p.hostA
	}
	opts := erlangOpts(t, p, cert, "erl-srv")
	if o.hosts {
		b := p.files(t, "erl-b", p.hostB)
		opts = append(opts, fmt.Sprintf(`{sni_hosts, [{"b.test", [{certfile, %s}, {keyfile, %s}]}]}`, erlangStr(b.cert), erlangStr(b.key)))
	}
	if len(o.alpn) > 0 {
		opts = append(opts, "{alpn_preferred_protocols, "+erlangBinaries(o.alpn)+"}")
	}
	if o.requireCert {
		opts = append(opts, "{verify, verify_peer}, {fail_if_no_peer_cert, true}, {cacertfile, "+erlangStr(p.rootFile(t))+"}")
	}
	ref := e.send(t, "{server, %s, ["+strings.Join(opts, ", ")+"]}")
	return e.port(t, ref), func() peerEnd { return f.end(t, ref, "closed") }
}

func (f *erlangFPeer) dial(t *testing.T, p *pki, port int, o peerOpts) func() peerEnd {
	e := f.peer(t)
	opts := erlangOpts(t, p, o.cert, "erl-cli")
	opts = append(opts, "{verify, verify_peer}, {cacertfile, "+erlangStr(p.rootFile(t))+"}",
		"{server_name_indication, "+erlangStr(o.serverName())+"}")
	if len(o.alpn) > 0 {
		opts = append(opts, "{alpn_advertised_protocols, "+erlangBinaries(o.alpn)+"}")
	}
	ref := e.send(t, "{client, %s, %d, ["+strings.Join(opts, ", ")+"]}", port)
	return func() peerEnd {
		end := f.end(t, ref, "got")
		end.ok = end.ok && strings.Contains(end.out, ref+" got pong from otpssl\n")
		return end
	}
}

// goPeer is crypto/tls in process.
type goPeer struct{}

func (goPeer) name() string             { return "crypto-tls" }
func (goPeer) ping() string             { return "ping from crypto/tls\n" }
func (goPeer) reply(line string) string { return line }

// goAlertText is how crypto/tls names the alerts the tests expect in its
// errors ("remote error: tls: unknown certificate authority").
var goAlertText = map[record.Description]string{
	record.UnknownCA:             "unknown certificate authority",
	record.CertificateExpired:    "expired certificate",
	record.HandshakeFailure:      "handshake failure",
	record.BadCertificate:        "bad certificate",
	record.NoApplicationProtocol: "no application protocol",
	record.CertificateRequired:   "certificate required",
}

func (goPeer) received(out string, d record.Description) bool {
	return strings.Contains(out, "remote error: tls: "+goAlertText[d])
}

func goConfigFor(p *pki, o peerOpts) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, RootCAs: p.goRoots(),
		ServerName: o.serverName(), NextProtos: o.alpn}
	return cfg
}

// goEnd is the peer's view from its connection state and error.
func goEnd(cs tls.ConnectionState, ok bool, err error) peerEnd {
	end := peerEnd{ok: ok && err == nil, alpn: cs.NegotiatedProtocol}
	if len(cs.PeerCertificates) > 0 {
		end.peerCN = cs.PeerCertificates[0].Subject.CommonName
	}
	if err != nil {
		end.out = err.Error()
	}
	return end
}

func (goPeer) serve(t *testing.T, p *pki, o peerOpts) (int, func() peerEnd) {
	cfg := goConfigFor(p, o)
	switch {
	case o.hosts:
		cfg.Certificates = []tls.Certificate{goCert(p.hostA), goCert(p.hostB)}
	case o.cert != nil:
		cfg.Certificates = []tls.Certificate{goCert(o.cert)}
	default:
		cfg.Certificates = []tls.Certificate{goCert(p.serverRSA)}
	}
	if o.requireCert {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = p.goRoots()
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan peerEnd, 1)
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			ch <- peerEnd{out: err.Error()}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(hang))
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			ch <- goEnd(tc.ConnectionState(), false, err)
			return
		}
		line, err := readLine(tc)
		if err == nil {
			_, err = tc.Write([]byte(line))
		}
		ch <- goEnd(tc.ConnectionState(), true, err)
	}()
	return ln.Addr().(*net.TCPAddr).Port, func() peerEnd {
		select {
		case end := <-ch:
			return end
		case <-time.After(hang):
			t.Fatal("the crypto/tls server did not finish")
		}
		return peerEnd{}
	}
}

func (goPeer) dial(t *testing.T, p *pki, port int, o peerOpts) func() peerEnd {
	cfg := goConfigFor(p, o)
	if o.cert != nil {
		// Sent whatever CAs the server names, as the other clients do.
		cert := goCert(o.cert)
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	ch := make(chan peerEnd, 1)
	go func() {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: hang}, "tcp", "127.0.0.1:"+strconv.Itoa(port), cfg)
		if err != nil {
			ch <- goEnd(tls.ConnectionState{}, false, err)
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(hang))
		// In TLS 1.2 a server's refusal of our certificate comes after
		// the client's handshake is done: it shows at the first read.
		_, err = conn.Write([]byte("ping from crypto/tls\n"))
		var line string
		if err == nil {
			line, err = readLine(conn)
		}
		ch <- goEnd(conn.ConnectionState(), line == "pong from otpssl\n", err)
	}()
	return func() peerEnd {
		select {
		case end := <-ch:
			return end
		case <-time.After(hang):
			t.Fatal("the crypto/tls client did not finish")
		}
		return peerEnd{}
	}
}

// certCN is the common name of a DER certificate.
func certCN(t testing.TB, der []byte) string {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c.Subject.CommonName
}

// ourTLS12 pins our side to TLS 1.2, the version of the feature tests.
var ourTLS12 = ssl.Versions(ssl.TLSv1_2)
