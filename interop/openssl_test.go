package interop_test

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/peertest"
)

// OpenSSL peers: s_server and s_client. OpenSSL 3 refuses TLS 1.0 and 1.1
// (and SHA-1 signatures) at its default security level, so every cipher
// string ends in @SECLEVEL=0.

// opensslVersionFlag is the s_client/s_server/ciphers flag of v.
func opensslVersionFlag(v ssl.Protocol) string {
	switch v {
	case ssl.TLSv1:
		return "-tls1"
	case ssl.TLSv1_1:
		return "-tls1_1"
	case ssl.TLSv1_3:
		return "-tls1_3"
	}
	return "-tls1_2"
}

// opensslProtocol is how OpenSSL prints v ("TLSv1.1").
func opensslProtocol(v ssl.Protocol) string {
	switch v {
	case ssl.TLSv1:
		return "TLSv1"
	case ssl.TLSv1_1:
		return "TLSv1.1"
	case ssl.TLSv1_3:
		return "TLSv1.3"
	}
	return "TLSv1.2"
}

// opensslSuites asks the installed openssl which suites it can use in v
// (`openssl ciphers -s -tls1 ALL:@SECLEVEL=0`).
func opensslSuites(t testing.TB, v ssl.Protocol) map[string]bool {
	t.Helper()
	path := peertest.Require(t, "openssl")
	out, err := exec.Command(path, "ciphers", "-s", opensslVersionFlag(v), "ALL:@SECLEVEL=0").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ciphers: %v\n%s", err, out)
	}
	m := map[string]bool{}
	for _, name := range strings.Split(strings.TrimSpace(string(out)), ":") {
		m[name] = true
	}
	return m
}

// opensslDriver runs the matrix against OpenSSL: one s_server -rev
// (answering each line with its reverse) with an RSA and an ECDSA
// certificate serves every case of our client, one at a time; every case of
// our server has an s_client of its own.
type opensslDriver struct {
	p        *pki
	root     string
	rsa, ec  certFiles
	suites   map[ssl.Protocol]map[string]bool
	server   *peertest.Process
	srvPort  int
	serverMu chan struct{} // one case at a time on the shared s_server
}

func newOpenSSLDriver(t *testing.T, p *pki) driver {
	peertest.Require(t, "openssl")
	d := &opensslDriver{p: p, root: p.rootFile(t), rsa: p.files(t, "rsa", p.serverRSA),
		ec: p.files(t, "ecdsa", p.serverECDSA), suites: map[ssl.Protocol]map[string]bool{},
		serverMu: make(chan struct{}, 1)}
	for _, v := range matrixVersions {
		d.suites[v] = opensslSuites(t, v)
	}
	d.srvPort = peertest.FreePort(t)
	d.server = peertest.Start(t, "openssl", "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(d.srvPort),
		"-cert", d.rsa.cert, "-key", d.rsa.key, "-dcert", d.ec.cert, "-dkey", d.ec.key,
		"-cipher", "ALL:@SECLEVEL=0", "-rev")
	d.server.WaitListening(t, d.srvPort, hang)
	return d
}

func (d *opensslDriver) supports(_ direction, c matrixCase) string {
	if !d.suites[c.v][c.suite] {
		return "`openssl ciphers -s " + opensslVersionFlag(c.v) + " ALL:@SECLEVEL=0` does not list it"
	}
	return ""
}

// theirServer: our client against the shared s_server -rev, which prints
// the protocol and suite of each connection.
func (d *opensslDriver) theirServer(t *testing.T, c matrixCase) {
	d.serverMu <- struct{}{}
	defer func() { <-d.serverMu }()
	before := len(d.server.Output())
	s, err := connect(d.srvPort, d.p.clientOpts(ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite))))
	if err != nil {
		t.Fatalf("Connect: %v\ns_server:\n%s", err, d.server.Output()[before:])
	}
	defer s.Close()
	checkInfo(t, s, c.v, c.suite)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, reverse("ping from otpssl")+"\n"); err != nil {
		t.Fatal(err)
	}
	// s_server prints each connection's details, maybe after answering.
	seen := waitOutputFrom(t, d.server, before, "Ciphersuite: ")
	if !strings.Contains(seen, "Protocol version: "+opensslProtocol(c.v)+"\n") || !strings.Contains(seen, "Ciphersuite: "+c.suite+"\n") {
		t.Fatalf("s_server saw another protocol or suite:\n%s", seen)
	}
}

// theirClient: s_client, verifying our certificate and the host name,
// against our server.
func (d *opensslDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite)))...)
	ch := acceptOne(t, ls)
	cli := peertest.Start(t, "openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
		opensslVersionFlag(c.v), "-cipher", c.suite+":@SECLEVEL=0", "-CAfile", d.root,
		"-servername", serverName, "-verify_hostname", serverName, "-verify_return_error")
	if _, err := cli.Stdin.Write([]byte("ping from openssl\n")); err != nil {
		t.Fatal(err)
	}
	s, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatalf("SSLAccept: %v\ns_client:\n%s", err, cli.Output())
	}
	checkInfo(t, s, c.v, c.suite)
	if _, err := recvUntil(s, "ping from openssl\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	cli.WaitOutput(t, "pong from otpssl", hang)
	out := cli.Output()
	if !strings.Contains(out, "Cipher is "+c.suite+"\n") || !strings.Contains(out, "Protocol  : "+opensslProtocol(c.v)+"\n") {
		t.Fatalf("s_client negotiated another protocol or suite:\n%s", out)
	}
	s.Close()
	if err := cli.Wait(hang); err != nil {
		t.Fatalf("s_client after our close: %v\n%s", err, cli.Output())
	}
}

// reverse returns s backwards, as s_server -rev answers a line.
func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}
