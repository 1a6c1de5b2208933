package interop_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
)

// Go's crypto/tls runs in process as the other implementation.

// goSuite returns crypto/tls's suite with the IANA code point id, or nil.
func goSuite(id uint16) *tls.CipherSuite {
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// goDriver runs the matrix against crypto/tls.
type goDriver struct{ p *pki }

func newGoDriver(t *testing.T, p *pki) driver { return &goDriver{p} }

// goMatrixCurves are the groups crypto/tls implements (tls.CurveID has no
// list of them): all of the matrix's since Go 1.24.
var goMatrixCurves = map[ssl.NamedCurve]tls.CurveID{
	ssl.X25519: tls.X25519, ssl.Secp256r1: tls.CurveP256, ssl.Secp384r1: tls.CurveP384,
	ssl.Secp521r1: tls.CurveP521, ssl.X25519MLKEM768: tls.X25519MLKEM768,
}

func (d *goDriver) supports(_ direction, c matrixCase) string {
	if c.dflt {
		return ""
	}
	if _, ok := goMatrixCurves[c.group]; c.group != 0 && !ok {
		return "crypto/tls has no group " + c.group.String()
	}
	s := goSuite(suiteID(c.suite))
	switch {
	case s == nil:
		return "tls.CipherSuites and tls.InsecureCipherSuites do not list it"
	case !slices.Contains(s.SupportedVersions, uint16(c.v)):
		return fmt.Sprintf("crypto/tls supports %s only in %x", s.Name, s.SupportedVersions)
	}
	return ""
}

// goConfig allows exactly the case's version and suite (in TLS 1.3 every
// suite: crypto/tls does not let them be chosen; our side allows the one)
// and the case's group, or is crypto/tls's default with default options.
func (d *goDriver) goConfig(c matrixCase) *tls.Config {
	cfg := &tls.Config{
		RootCAs: d.p.goRoots(), ServerName: serverName,
		Certificates: []tls.Certificate{goCert(d.p.serverECDSA), goCert(d.p.serverRSA)},
	}
	if c.dflt {
		return cfg
	}
	cfg.MinVersion, cfg.MaxVersion = uint16(c.v), uint16(c.v)
	if c.v < ssl.TLSv1_3 {
		cfg.CipherSuites = []uint16{suiteID(c.suite)}
	}
	if c.group != 0 {
		cfg.CurvePreferences = []tls.CurveID{goMatrixCurves[c.group]}
	}
	return cfg
}

// goCheck checks what crypto/tls negotiated, and puts the suite in seen
// (buffered), for the default options case, where it must be ours.
func goCheck(cs tls.ConnectionState, c matrixCase, seen chan<- uint16) error {
	seen <- cs.CipherSuite
	if cs.Version != uint16(c.v) || (!c.dflt && cs.CipherSuite != suiteID(c.suite)) {
		return fmt.Errorf("crypto/tls negotiated %s %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	}
	return nil
}

// goSameSuite checks that crypto/tls negotiated ours.
func goSameSuite(t *testing.T, seen <-chan uint16, ours string) {
	t.Helper()
	select {
	case id := <-seen:
		if id != suiteID(ours) {
			t.Fatalf("crypto/tls negotiated %s, our side %s", tls.CipherSuiteName(id), ours)
		}
	default:
		t.Fatal("crypto/tls reported no suite")
	}
}

// goEcho serves one connection on ln: handshake, check, echo a line.
func goEcho(ln net.Listener, check func(tls.ConnectionState) error) error {
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(hang))
	tc := conn.(*tls.Conn)
	if err := tc.Handshake(); err != nil {
		return err
	}
	if err := check(tc.ConnectionState()); err != nil {
		return err
	}
	line, err := readLine(tc)
	if err != nil {
		return err
	}
	_, err = tc.Write([]byte(line))
	return err
}

// readLine reads up to and including a newline.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		// A byte may come with an error (crypto/tls returns the last
		// one with io.EOF when close_notify follows).
		n, err := r.Read(buf)
		if n == 1 {
			b.WriteByte(buf[0])
			if buf[0] == '\n' {
				return b.String(), nil
			}
		}
		if err != nil {
			return b.String(), err
		}
	}
}

func (d *goDriver) theirServer(t *testing.T, c matrixCase) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", d.goConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	seen := make(chan uint16, 1)
	go func() { served <- goEcho(ln, func(cs tls.ConnectionState) error { return goCheck(cs, c, seen) }) }()
	s, err := connect(ln.Addr().(*net.TCPAddr).Port, d.p.clientOpts(c.opts(t)...))
	if err != nil {
		ln.Close()
		t.Fatalf("Connect: %v (crypto/tls: %v)", err, <-served)
	}
	defer s.Close()
	suite := checkCase(t, s, c)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, "ping from otpssl\n"); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("crypto/tls server: %v", err)
	}
	goSameSuite(t, seen, suite)
}

func (d *goDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), c.opts(t)...)...)
	ch := acceptOne(t, ls)
	done := make(chan error, 1)
	seen := make(chan uint16, 1)
	go func() {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: hang}, "tcp", fmt.Sprintf("127.0.0.1:%d", port), d.goConfig(c))
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(hang))
		if err := goCheck(conn.ConnectionState(), c, seen); err != nil {
			done <- err
			return
		}
		if _, err := conn.Write([]byte("ping from crypto/tls\n")); err != nil {
			done <- err
			return
		}
		line, err := readLine(conn)
		if err == nil && line != "pong from otpssl\n" {
			err = fmt.Errorf("crypto/tls read %q", line)
		}
		done <- err
	}()
	s, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatalf("SSLAccept: %v (crypto/tls: %v)", err, <-done)
	}
	suite := checkCase(t, s, c)
	if _, err := recvUntil(s, "ping from crypto/tls\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("crypto/tls client: %v", err)
	}
	goSameSuite(t, seen, suite)
}
