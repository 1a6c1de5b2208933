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

// gnutlsSuite is the priority string tokens of a suite: key exchange
// (none in TLS 1.3), cipher and MAC.
var gnutlsSuite = map[string][3]string{
	"TLS_AES_128_GCM_SHA256":        {"", "AES-128-GCM", "AEAD"},
	"TLS_AES_256_GCM_SHA384":        {"", "AES-256-GCM", "AEAD"},
	"TLS_CHACHA20_POLY1305_SHA256":  {"", "CHACHA20-POLY1305", "AEAD"},
	"TLS_AES_128_CCM_SHA256":        {"", "AES-128-CCM", "AEAD"},
	"TLS_AES_128_CCM_8_SHA256":      {"", "AES-128-CCM-8", "AEAD"},
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

// gnutlsServerPriority enables TLS 1.0-1.3 and, on top of NORMAL, the
// legacy parts of the matrix (3DES, RSA and DHE key exchange, HMAC-SHA256)
// and the CCM ciphers of TLS 1.3.
const gnutlsServerPriority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:+RSA:+DHE-RSA:+SHA256" +
	":+AES-128-CCM:+AES-128-CCM-8"

// gnutlsGroup is GnuTLS's name of a group, in priority strings after
// "GROUP-" and in a session's description after "ECDHE-" (the hybrid has
// no name before GnuTLS 3.8.9).
var gnutlsGroup = map[ssl.NamedCurve]string{
	ssl.X25519: "X25519", ssl.Secp256r1: "SECP256R1", ssl.Secp384r1: "SECP384R1", ssl.Secp521r1: "SECP521R1",
	ssl.X25519MLKEM768: "X25519-MLKEM768",
}

// gnutlsCasePriority allows exactly the case's version and suite, and
// the case's group or all.
func gnutlsCasePriority(c matrixCase) string {
	s := gnutlsSuite[c.suite]
	p := "NONE:+VERS-" + gnutlsVersion(c.v)
	if s[0] != "" {
		p += ":+" + s[0]
	}
	p += ":+" + s[1] + ":+" + s[2] + ":+SIGN-ALL:+COMP-NULL"
	if c.group != 0 {
		return p + ":+GROUP-" + gnutlsGroup[c.group]
	}
	return p + ":+GROUP-ALL"
}

// gnutlsSupports asks gnutls-cli --list which suites, versions and
// groups a priority string enables, and returns "" when it enables the
// case, else why not.
func gnutlsSupports(t testing.TB, priority string, c matrixCase) string {
	t.Helper()
	path := peertest.Require(t, "gnutls-cli")
	out, err := exec.Command(path, "--list", "--priority", priority).CombinedOutput()
	if err != nil {
		return "gnutls-cli --list --priority " + priority + " fails: " + strings.TrimSpace(string(out))
	}
	id := suiteOf(t, c.suite).ID()
	code := fmt.Sprintf("0x%02x, 0x%02x", id>>8, id&0xff)
	versionOn, groupOn := false, c.group == 0
	listed := ""
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "Groups: "); ok && c.group != 0 {
			for _, g := range strings.Split(rest, ", ") {
				groupOn = groupOn || strings.TrimSpace(g) == "GROUP-"+gnutlsGroup[c.group]
			}
		}
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
	case !groupOn:
		return "the priority " + priority + " does not enable GROUP-" + gnutlsGroup[c.group]
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
// at a time (the default options case has a gnutls-serv of its own,
// without a priority string); every case of our server has a gnutls-cli of
// its own that allows only the case's version and suite (and group), or
// with default options has no priority string.
type gnutlsDriver struct {
	p       *pki
	root    string
	rsa, ec certFiles
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
		if c.dflt {
			continue
		}
		if gnutlsSuite[c.suite][1] == "" || (gnutlsSuite[c.suite][0] == "") != (c.v == ssl.TLSv1_3) {
			t.Fatalf("no GnuTLS priority tokens for %s", c.suite)
		}
		d.support[string(theirServer)+c.String()] = gnutlsSupports(t, gnutlsServerPriority, c)
		d.support[string(theirClient)+c.String()] = gnutlsSupports(t, gnutlsCasePriority(c), c)
	}
	d.rsa, d.ec = p.files(t, "gnutls-rsa", p.serverRSA), p.files(t, "gnutls-ecdsa", p.serverECDSA)
	d.server, d.srvPort = d.startServer(t, "--priority", gnutlsServerPriority)
	return d
}

// startServer starts a gnutls-serv --echo with both certificates.
func (d *gnutlsDriver) startServer(t *testing.T, extra ...string) (*peertest.Process, int) {
	port := peertest.FreePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--echo", "--x509certfile", d.rsa.cert, "--x509keyfile", d.rsa.key,
		"--x509certfile", d.ec.cert, "--x509keyfile", d.ec.key}, extra...)
	server := peertest.Start(t, "gnutls-serv", args...)
	server.WaitListening(t, port, hang)
	return server, port
}

func (d *gnutlsDriver) supports(dir direction, c matrixCase) string {
	return d.support[string(dir)+c.String()]
}

func (d *gnutlsDriver) theirServer(t *testing.T, c matrixCase) {
	server, port := d.server, d.srvPort
	if c.dflt {
		server, port = d.startServer(t)
	} else {
		d.one <- struct{}{}
		defer func() { <-d.one }()
	}
	before := len(server.Output())
	s, err := connect(port, d.p.clientOpts(c.opts(t)...))
	if err != nil {
		t.Fatalf("Connect: %v\ngnutls-serv:\n%s", err, server.Output())
	}
	defer s.Close()
	suite := checkCase(t, s, c)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, "ping from otpssl\n"); err != nil {
		t.Fatal(err)
	}
	// gnutls-serv prints each connection's details before the line it
	// received.
	seen := waitOutputFrom(t, server, before, "received cmd: ping from otpssl")
	if !strings.Contains(seen, "- Version: "+gnutlsVersion(c.v)+"\n") || !strings.Contains(seen, "- Cipher: "+gnutlsSuite[suite][1]+"\n") {
		t.Fatalf("gnutls-serv saw another version or cipher:\n%s", seen)
	}
	if c.group != 0 && !strings.Contains(seen, "-(ECDHE-"+gnutlsGroup[c.group]+")-") {
		t.Fatalf("gnutls-serv used another group than %s:\n%s", c.group, seen)
	}
}

func (d *gnutlsDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), c.opts(t)...)...)
	ch := acceptOne(t, ls)
	args := []string{"--port", strconv.Itoa(port), "--x509cafile", d.root, "--sni-hostname", serverName, "--verify-hostname", serverName}
	if !c.dflt {
		args = append(args, "--priority", gnutlsCasePriority(c))
	}
	cli := peertest.Start(t, "gnutls-cli", append(args, "127.0.0.1")...)
	if _, err := cli.Stdin.Write([]byte("ping from gnutls\n")); err != nil {
		t.Fatal(err)
	}
	s, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatalf("SSLAccept: %v\ngnutls-cli:\n%s", err, cli.Output())
	}
	suite := checkCase(t, s, c)
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
	if !strings.Contains(desc, "-("+gnutlsSuite[suite][1]+")") {
		t.Fatalf("gnutls-cli negotiated another version or cipher:\n%s", out)
	}
	if c.group != 0 && !strings.Contains(desc, "-(ECDHE-"+gnutlsGroup[c.group]+")-") {
		t.Fatalf("gnutls-cli used another group than %s:\n%s", c.group, out)
	}
}
