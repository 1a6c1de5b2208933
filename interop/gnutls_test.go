package interop_test

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/peertest"
)

// GnuTLS peers: gnutls-serv and gnutls-cli, configured with priority
// strings.

// gnutlsSuite is the priority string tokens of a suite: key exchange,
// cipher and MAC.
var gnutlsSuite = map[string][3]string{
	"ECDHE-ECDSA-AES128-GCM-SHA256": {"ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
	"ECDHE-RSA-AES256-GCM-SHA384":   {"ECDHE-RSA", "AES-256-GCM", "AEAD"},
	"ECDHE-RSA-CHACHA20-POLY1305":   {"ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"},
	"AES128-SHA":                    {"RSA", "AES-128-CBC", "SHA1"},
	"DHE-RSA-AES128-GCM-SHA256":     {"DHE-RSA", "AES-128-GCM", "AEAD"},
	"ECDHE-RSA-AES128-SHA256":       {"ECDHE-RSA", "AES-128-CBC", "SHA256"},
	"DES-CBC3-SHA":                  {"RSA", "3DES-CBC", "SHA1"},
}

// gnutlsVersion is the priority token and the printed name of v.
func gnutlsVersion(v ssl.Protocol) string {
	switch v {
	case ssl.TLSv1:
		return "TLS1.0"
	case ssl.TLSv1_1:
		return "TLS1.1"
	case ssl.TLSv1_3:
		return "TLS1.3"
	}
	return "TLS1.2"
}

// gnutlsServerPriority enables TLS 1.0-1.2 and, on top of NORMAL, the
// legacy parts of the matrix (3DES, RSA and DHE key exchange, HMAC-SHA256).
const gnutlsServerPriority = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:+RSA:+DHE-RSA:+SHA256"

// gnutlsCasePriority allows exactly the case's version and suite.
func gnutlsCasePriority(c matrixCase) string {
	s := gnutlsSuite[c.suite]
	return "NONE:+VERS-" + gnutlsVersion(c.v) + ":+" + s[0] + ":+" + s[1] + ":+" + s[2] +
		":+SIGN-ALL:+GROUP-ALL:+COMP-NULL"
}

// gnutlsSupports asks gnutls-cli --list which suites and versions a
// priority string enables, and returns "" when it enables the case, else
// why not.
func gnutlsSupports(t testing.TB, priority string, c matrixCase) string {
	t.Helper()
	path := peertest.Require(t, "gnutls-cli")
	out, err := exec.Command(path, "--list", "--priority", priority).CombinedOutput()
	if err != nil {
		return "gnutls-cli --list --priority " + priority + " fails: " + strings.TrimSpace(string(out))
	}
	id := suiteOf(t, c.suite).ID()
	code := fmt.Sprintf("0x%02x, 0x%02x", id>>8, id&0xff)
	versionOn := false
	listed := ""
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 3 && strings.EqualFold(strings.TrimSpace(f[1]), code) {
			listed = strings.TrimSpace(f[2])
		}
		if rest, ok := strings.CutPrefix(line, "Protocols: "); ok {
			for _, p := range strings.Split(rest, ", ") {
				versionOn = versionOn || strings.TrimSpace(p) == "VERS-"+gnutlsVersion(c.v)
			}
		}
	}
	switch {
	case listed == "":
		return "gnutls-cli --list --priority " + priority + " does not list it"
	case !versionOn:
		return "the priority " + priority + " does not enable " + gnutlsVersion(c.v)
	case gnutlsMinVersion(listed) > c.v:
		return "GnuTLS offers it from " + listed + " only"
	}
	return ""
}

func gnutlsMinVersion(s string) ssl.Protocol {
	switch s {
	case "SSL3.0":
		return ssl.SSLv3
	case "TLS1.0":
		return ssl.TLSv1
	case "TLS1.1":
		return ssl.TLSv1_1
	case "TLS1.2":
		return ssl.TLSv1_2
	}
	return ssl.TLSv1_3
}

// gnutlsDriver runs the matrix against GnuTLS: one gnutls-serv --echo
// with an RSA and an ECDSA certificate serves every case of our client, one
// at a time; every case of our server has a gnutls-cli of its own that
// allows only the case's version and suite.
type gnutlsDriver struct {
	p       *pki
	root    string
	server  *peertest.Process
	srvPort int
	one     chan struct{}
	support map[string]string
}

func newGnuTLSDriver(t *testing.T, p *pki) driver {
	peertest.Require(t, "gnutls-serv")
	peertest.Require(t, "gnutls-cli")
	d := &gnutlsDriver{p: p, root: p.rootFile(t), one: make(chan struct{}, 1), support: map[string]string{}}
	for _, c := range matrixCases() {
		if gnutlsSuite[c.suite][0] == "" {
			t.Fatalf("no GnuTLS priority tokens for %s", c.suite)
		}
		d.support[string(theirServer)+c.String()] = gnutlsSupports(t, gnutlsServerPriority, c)
		d.support[string(theirClient)+c.String()] = gnutlsSupports(t, gnutlsCasePriority(c), c)
	}
	rsa, ec := p.files(t, "gnutls-rsa", p.serverRSA), p.files(t, "gnutls-ecdsa", p.serverECDSA)
	d.srvPort = peertest.FreePort(t)
	d.server = peertest.Start(t, "gnutls-serv", "--port", strconv.Itoa(d.srvPort), "--echo",
		"--x509certfile", rsa.cert, "--x509keyfile", rsa.key, "--x509certfile", ec.cert, "--x509keyfile", ec.key,
		"--priority", gnutlsServerPriority)
	d.server.WaitListening(t, d.srvPort, hang)
	return d
}

func (d *gnutlsDriver) supports(dir direction, c matrixCase) string {
	return d.support[string(dir)+c.String()]
}

func (d *gnutlsDriver) theirServer(t *testing.T, c matrixCase) {
	d.one <- struct{}{}
	defer func() { <-d.one }()
	before := len(d.server.Output())
	s, err := connect(d.srvPort, d.p.clientOpts(ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite))))
	if err != nil {
		t.Fatalf("Connect: %v\ngnutls-serv:\n%s", err, d.server.Output())
	}
	defer s.Close()
	checkInfo(t, s, c.v, c.suite)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, "ping from otpssl\n"); err != nil {
		t.Fatal(err)
	}
	// gnutls-serv prints each connection's details before the line it
	// received.
	seen := waitOutputFrom(t, d.server, before, "received cmd: ping from otpssl")
	if !strings.Contains(seen, "- Version: "+gnutlsVersion(c.v)+"\n") || !strings.Contains(seen, "- Cipher: "+gnutlsSuite[c.suite][1]+"\n") {
		t.Fatalf("gnutls-serv saw another version or cipher:\n%s", seen)
	}
}

func (d *gnutlsDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite)))...)
	ch := acceptOne(t, ls)
	cli := peertest.Start(t, "gnutls-cli", "--port", strconv.Itoa(port), "--x509cafile", d.root,
		"--sni-hostname", serverName, "--verify-hostname", serverName,
		"--priority", gnutlsCasePriority(c), "127.0.0.1")
	if _, err := cli.Stdin.Write([]byte("ping from gnutls\n")); err != nil {
		t.Fatal(err)
	}
	s, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatalf("SSLAccept: %v\ngnutls-cli:\n%s", err, cli.Output())
	}
	checkInfo(t, s, c.v, c.suite)
	if _, err := recvUntil(s, "ping from gnutls\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	cli.WaitOutput(t, "pong from otpssl", hang)
	out := cli.Output()
	// "- Description: (TLS1.2-X.509)-(ECDHE-SECP256R1)-(RSA-SHA256)-(AES-256-GCM)"
	_, desc, _ := strings.Cut(out, "- Description: ("+gnutlsVersion(c.v)+"-")
	desc, _, _ = strings.Cut(desc, "\n")
	if !strings.Contains(desc, "-("+gnutlsSuite[c.suite][1]+")") {
		t.Fatalf("gnutls-cli negotiated another version or cipher:\n%s", out)
	}
}
