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
// (`openssl ciphers -s -tls1 ALL:@SECLEVEL=0`; for TLS 1.3 with
// -ciphersuites naming the matrix's five, as its default leaves out CCM).
func opensslSuites(t testing.TB, v ssl.Protocol) map[string]bool {
	t.Helper()
	path := peertest.Require(t, "openssl")
	args := []string{"ciphers", "-s", opensslVersionFlag(v)}
	if v == ssl.TLSv1_3 {
		args = append(args, "-ciphersuites", strings.Join(matrixSuites13, ":"))
	}
	out, err := exec.Command(path, append(args, "ALL:@SECLEVEL=0")...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ciphers: %v\n%s", err, out)
	}
	m := map[string]bool{}
	for _, name := range strings.Split(strings.TrimSpace(string(out)), ":") {
		m[name] = true
	}
	return m
}

// opensslGroup is OpenSSL's name of a group (-groups) and how s_client
// prints it after "Server Temp Key: " (s_server prints the groups a client
// offers by our names).
var opensslGroup = map[ssl.NamedCurve][2]string{
	ssl.X25519:         {"X25519", "X25519, 253 bits"},
	ssl.Secp256r1:      {"P-256", "ECDH, prime256v1, 256 bits"},
	ssl.Secp384r1:      {"P-384", "ECDH, secp384r1, 384 bits"},
	ssl.Secp521r1:      {"P-521", "ECDH, secp521r1, 521 bits"},
	ssl.X25519MLKEM768: {"X25519MLKEM768", "X25519MLKEM768"},
}

// opensslHasGroup asks the installed openssl whether it knows g: s_client
// refuses a -groups list it cannot set before it connects anywhere (here
// to a closed port). It returns "" when it does, else why not.
func opensslHasGroup(t testing.TB, g ssl.NamedCurve) string {
	t.Helper()
	path := peertest.Require(t, "openssl")
	name := opensslGroup[g][0]
	if name == "" {
		return "no OpenSSL name for " + g.String()
	}
	cmd := exec.Command(path, "s_client", "-groups", name, "-connect", "127.0.0.1:"+strconv.Itoa(peertest.FreePort(t)))
	out, _ := cmd.CombinedOutput()
	if strings.Contains(string(out), "SSL_CONF_cmd(-groups") {
		return "openssl s_client -groups " + name + " fails: " + strings.TrimSpace(string(out))
	}
	return ""
}

// opensslDriver runs the matrix against OpenSSL: one s_server -rev
// (answering each line with its reverse) with an RSA and an ECDSA
// certificate serves every case of our client, one at a time (the
// default options case has an s_server of its own, without options); every
// case of our server has an s_client of its own.
type opensslDriver struct {
	p        *pki
	root     string
	rsa, ec  certFiles
	suites   map[ssl.Protocol]map[string]bool
	groups   map[ssl.NamedCurve]string // why a group is unsupported
	server   *peertest.Process
	srvPort  int
	serverMu chan struct{} // one case at a time on the shared s_server
}

func newOpenSSLDriver(t *testing.T, p *pki) driver {
	peertest.Require(t, "openssl")
	d := &opensslDriver{p: p, root: p.rootFile(t), rsa: p.files(t, "rsa", p.serverRSA),
		ec: p.files(t, "ecdsa", p.serverECDSA), suites: map[ssl.Protocol]map[string]bool{},
		groups: map[ssl.NamedCurve]string{}, serverMu: make(chan struct{}, 1)}
	for _, v := range append(matrixVersions, ssl.TLSv1_3) {
		d.suites[v] = opensslSuites(t, v)
	}
	for _, g := range matrixGroups13 {
		d.groups[g] = opensslHasGroup(t, g)
	}
	d.srvPort = peertest.FreePort(t)
	d.server = peertest.Start(t, "openssl", "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(d.srvPort),
		"-cert", d.rsa.cert, "-key", d.rsa.key, "-dcert", d.ec.cert, "-dkey", d.ec.key,
		"-cipher", "ALL:@SECLEVEL=0", "-ciphersuites", strings.Join(matrixSuites13, ":"), "-rev")
	d.server.WaitListening(t, d.srvPort, hang)
	return d
}

func (d *opensslDriver) supports(_ direction, c matrixCase) string {
	if c.dflt {
		return ""
	}
	if why := d.groups[c.group]; c.group != 0 && why != "" {
		return why
	}
	if !d.suites[c.v][c.suite] {
		return "`openssl ciphers -s " + opensslVersionFlag(c.v) + " ALL:@SECLEVEL=0` does not list it"
	}
	return ""
}

// theirServer: our client against the shared s_server -rev, which prints
// the protocol and suite of each connection and the groups the client
// offered.
func (d *opensslDriver) theirServer(t *testing.T, c matrixCase) {
	server, port := d.server, d.srvPort
	if c.dflt {
		port = peertest.FreePort(t)
		server = peertest.Start(t, "openssl", "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port),
			"-cert", d.rsa.cert, "-key", d.rsa.key, "-dcert", d.ec.cert, "-dkey", d.ec.key, "-rev")
		server.WaitListening(t, port, hang)
	} else {
		d.serverMu <- struct{}{}
		defer func() { <-d.serverMu }()
	}
	before := len(server.Output())
	s, err := connect(port, d.p.clientOpts(c.opts(t)...))
	if err != nil {
		t.Fatalf("Connect: %v\ns_server:\n%s", err, server.Output()[before:])
	}
	defer s.Close()
	suite := checkCase(t, s, c)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, reverse("ping from otpssl")+"\n"); err != nil {
		t.Fatal(err)
	}
	// s_server prints each connection's details, maybe after answering.
	want := []string{"Ciphersuite: "}
	if c.group != 0 {
		want = append(want, "Supported groups: "+c.group.String()+"\n")
	}
	seen := waitOutputFrom(t, server, before, want...)
	if !strings.Contains(seen, "Protocol version: "+opensslProtocol(c.v)+"\n") || !strings.Contains(seen, "Ciphersuite: "+suite+"\n") {
		t.Fatalf("s_server saw another protocol or suite:\n%s", seen)
	}
	if c.group != 0 && !strings.Contains(seen, "Supported groups: "+c.group.String()+"\n") {
		t.Fatalf("s_server saw other groups offered than %s:\n%s", c.group, seen)
	}
}

// theirClient: s_client, verifying our certificate and the host name,
// against our server.
func (d *opensslDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), c.opts(t)...)...)
	ch := acceptOne(t, ls)
	args := []string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), "-CAfile", d.root,
		"-servername", serverName, "-verify_hostname", serverName, "-verify_return_error"}
	switch {
	case c.dflt:
	case c.v == ssl.TLSv1_3:
		args = append(args, "-tls1_3", "-ciphersuites", c.suite)
	default:
		args = append(args, opensslVersionFlag(c.v), "-cipher", c.suite+":@SECLEVEL=0")
	}
	if c.group != 0 {
		args = append(args, "-groups", opensslGroup[c.group][0])
	}
	cli := peertest.Start(t, "openssl", args...)
	if _, err := cli.Stdin.Write([]byte("ping from openssl\n")); err != nil {
		t.Fatal(err)
	}
	s, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatalf("SSLAccept: %v\ns_client:\n%s", err, cli.Output())
	}
	suite := checkCase(t, s, c)
	if _, err := recvUntil(s, "ping from openssl\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	cli.WaitOutput(t, "pong from otpssl", hang)
	out := cli.Output()
	// A TLS 1.3 session is printed with the tickets, which our server
	// does not send here; the line of the new connection names the
	// suite's version, which is the protocol's in TLS 1.3 only.
	ok := strings.Contains(out, "New, TLSv1.3, Cipher is "+suite+"\n")
	if c.v != ssl.TLSv1_3 {
		ok = strings.Contains(out, "Cipher is "+suite+"\n") && strings.Contains(out, "Protocol  : "+opensslProtocol(c.v)+"\n")
	}
	if !ok {
		t.Fatalf("s_client negotiated another protocol or suite:\n%s", out)
	}
	if c.group != 0 && !strings.Contains(out, "Server Temp Key: "+opensslGroup[c.group][1]+"\n") {
		t.Fatalf("s_client negotiated another group than %s:\n%s", c.group, out)
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
