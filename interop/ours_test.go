package interop_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/peertest"
)

// hang bounds every wait for a peer: a test that reaches it has failed.
const hang = 30 * time.Second

// clientOpts are the options of our client: trust the test root, ask for
// serverName, passive mode, then extra.
func (p *pki) clientOpts(extra ...ssl.Option) []ssl.Option {
	return append([]ssl.Option{ssl.CACerts(p.root.DER), ssl.ServerNameIndication(serverName), ssl.Active(false)}, extra...)
}

// connect runs our client against 127.0.0.1:port.
func connect(port int, opts []ssl.Option) (*ssl.Socket, error) {
	return ssl.Connect("127.0.0.1", port, opts, hang)
}

// listen opens our listen socket on a free loopback port, passive.
func listen(t testing.TB, opts ...ssl.Option) (*ssl.ListenSocket, int) {
	t.Helper()
	opts = append([]ssl.Option{ssl.IP(netip.MustParseAddr("127.0.0.1")), ssl.Active(false)}, opts...)
	ls, err := ssl.Listen(0, opts...)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { ls.Close() })
	return ls, ls.Addr().(*net.TCPAddr).Port
}

// accepted is the outcome of one accept and handshake on our server.
type accepted struct {
	s   *ssl.Socket
	err error
}

// acceptOne accepts one connection on ls and runs the handshake with the
// extra options, in the background; the socket is closed when the test
// ends.
func acceptOne(t testing.TB, ls *ssl.ListenSocket, extra ...ssl.Option) <-chan accepted {
	ch := make(chan accepted, 1)
	go func() {
		s, err := ls.TransportAccept(hang)
		if err != nil {
			ch <- accepted{err: fmt.Errorf("TransportAccept: %w", err)}
			return
		}
		err = s.SSLAccept(hang, extra...)
		ch <- accepted{s: s, err: err}
	}()
	t.Cleanup(func() {
		select {
		case a := <-ch:
			if a.s != nil {
				a.s.Close()
			}
		default:
		}
	})
	return ch
}

// waitAccepted waits for acceptOne's outcome.
func waitAccepted(t testing.TB, ch <-chan accepted) (*ssl.Socket, error) {
	t.Helper()
	select {
	case a := <-ch:
		if a.s != nil {
			t.Cleanup(func() { a.s.Close() })
		}
		return a.s, a.err
	case <-time.After(hang + 5*time.Second):
		t.Fatal("our server's accept did not finish")
	}
	return nil, nil
}

// recvUntil receives on s (passive) until want has arrived, and returns
// all that came.
func recvUntil(s *ssl.Socket, want string) (string, error) {
	var got []byte
	for !strings.Contains(string(got), want) {
		b, err := s.Recv(0, hang)
		if err != nil {
			return string(got), fmt.Errorf("waiting for %q (got %q): %w", want, got, err)
		}
		got = append(got, b...)
	}
	return string(got), nil
}

// checkInfo checks what our side reports of the connection: the protocol
// version and the suite, by its OpenSSL name.
func checkInfo(t testing.TB, s *ssl.Socket, v ssl.Protocol, suite string) {
	t.Helper()
	info, err := s.ConnectionInformation("protocol", "selected_cipher_suite")
	if err != nil {
		t.Fatalf("ConnectionInformation: %v", err)
	}
	if info.Protocol != v || info.CipherSuite.OpenSSLName() != suite {
		t.Fatalf("our side negotiated %v %s, want %v %s", info.Protocol, info.CipherSuite.OpenSSLName(), v, suite)
	}
}

// alertOf returns the AlertError in err, failing the test without one.
func alertOf(t testing.TB, err error) *ssl.AlertError {
	t.Helper()
	var ae *ssl.AlertError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) carries no AlertError", err, err)
	}
	return ae
}

// suiteOf parses one suite name.
func suiteOf(t testing.TB, name string) ssl.CipherSuite {
	t.Helper()
	s, err := ssl.ParseCipherSuites(name)
	if err != nil || len(s) != 1 {
		t.Fatalf("ParseCipherSuites(%q) = %v, %v", name, s, err)
	}
	return s[0]
}

// suiteID is the IANA code point of the named suite, 0 for an unknown
// name.
func suiteID(name string) uint16 {
	s, err := ssl.ParseCipherSuites(name)
	if err != nil || len(s) != 1 {
		return 0
	}
	return s[0].ID()
}

// waitOutputFrom waits until what p printed from offset on holds every one
// of want, and returns that part of its output.
func waitOutputFrom(t testing.TB, p *peertest.Process, offset int, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(hang)
	for {
		out := p.Output()[offset:]
		missing := ""
		for _, w := range want {
			if !strings.Contains(out, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer did not print %q:\n%s", missing, out)
		}
		select {
		case <-p.Done():
			if !strings.Contains(p.Output()[offset:], missing) {
				t.Fatalf("the peer exited without printing %q:\n%s", missing, p.Output()[offset:])
			}
		case <-time.After(10 * time.Millisecond):
		}
	}
}
