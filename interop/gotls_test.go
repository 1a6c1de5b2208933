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

func (d *goDriver) supports(_ direction, c matrixCase) string {
	s := goSuite(suiteID(c.suite))
	switch {
	case s == nil:
		return "tls.CipherSuites and tls.InsecureCipherSuites do not list it"
	case !slices.Contains(s.SupportedVersions, uint16(c.v)):
		return fmt.Sprintf("crypto/tls supports %s only in %x", s.Name, s.SupportedVersions)
	}
	return ""
}

// goConfig allows exactly the case's version and suite.
func (d *goDriver) goConfig(c matrixCase) *tls.Config {
	return &tls.Config{
		MinVersion: uint16(c.v), MaxVersion: uint16(c.v),
		CipherSuites: []uint16{suiteID(c.suite)},
		RootCAs:      d.p.goRoots(), ServerName: serverName,
		Certificates: []tls.Certificate{goCert(d.p.serverECDSA), goCert(d.p.serverRSA)},
	}
}

// goCheck checks what crypto/tls negotiated.
func goCheck(cs tls.ConnectionState, c matrixCase) error {
	if cs.Version != uint16(c.v) || cs.CipherSuite != suiteID(c.suite) {
		return fmt.Errorf("crypto/tls negotiated %s %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	}
	return nil
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
	go func() { served <- goEcho(ln, func(cs tls.ConnectionState) error { return goCheck(cs, c) }) }()
	s, err := connect(ln.Addr().(*net.TCPAddr).Port, d.p.clientOpts(ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite))))
	if err != nil {
		ln.Close()
		t.Fatalf("Connect: %v (crypto/tls: %v)", err, <-served)
	}
	defer s.Close()
	checkInfo(t, s, c.v, c.suite)
	if err := s.Send([]byte("ping from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := recvUntil(s, "ping from otpssl\n"); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("crypto/tls server: %v", err)
	}
}

func (d *goDriver) theirClient(t *testing.T, c matrixCase) {
	cert := d.p.serverRSA
	if c.ecdsa() {
		cert = d.p.serverECDSA
	}
	ls, port := listen(t, append(ourCert(cert), ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite)))...)
	ch := acceptOne(t, ls)
	done := make(chan error, 1)
	go func() {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: hang}, "tcp", fmt.Sprintf("127.0.0.1:%d", port), d.goConfig(c))
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(hang))
		if err := goCheck(conn.ConnectionState(), c); err != nil {
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
	checkInfo(t, s, c.v, c.suite)
	if _, err := recvUntil(s, "ping from crypto/tls\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("pong from otpssl\n")); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("crypto/tls client: %v", err)
	}
}
