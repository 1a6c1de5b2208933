package ssl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

// Every Connect resolves its options again and validates the server anew:
// a cacertfile that changes between two connections, or cacerts given
// differently, decide the next handshake, although the server's
// certificate, its parse and its signature by the right root are kept from
// the connections before. The wrong root has the right one's name, so that
// it is the issuer path building finds, and only its key differs.
func TestConnectSeesTrustChanges(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	impostor := testpki.New(t).Root("Socket Test Root")
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), LogLevel(LevelNone))...)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		for {
			s, err := ls.TransportAccept(hangLimit)
			if err != nil {
				return
			}
			s.SSLAccept(hangLimit)
			s.Close()
		}
	}()
	defer func() {
		ls.Close()
		<-served
	}()

	file := filepath.Join(t.TempDir(), "cacerts.pem")
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	trust := func(root *testpki.Cert) Option {
		t.Helper()
		// A new modification time each time, so that the PEM cache sees
		// the change (the two roots' files are the same size).
		mtime = mtime.Add(time.Minute)
		if err := os.WriteFile(file, root.PEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return CACertFile(file)
	}
	connect := func(v Protocol, o Option, ok bool) {
		t.Helper()
		s, err := Connect("127.0.0.1", port(ls), []Option{o, ServerNameIndication("localhost"), Versions(v), Active(false), LogLevel(LevelNone)}, hangLimit)
		if s != nil {
			s.Close()
		}
		var ae *AlertError
		switch {
		case ok && err != nil:
			t.Fatalf("%v: Connect trusting the server's root: %v", v, err)
		case !ok && (!errors.As(err, &ae) || ae.Remote):
			t.Fatalf("%v: Connect trusting another root = %v, want an alert this side sent", v, err)
		}
	}
	for _, v := range []Protocol{TLSv1_2, TLSv1_3} {
		connect(v, trust(impostor), false)
		connect(v, trust(c.root), true)
		connect(v, trust(c.root), true)
		connect(v, trust(impostor), false)
		connect(v, CACerts(c.root.DER), true)
		connect(v, CACerts(impostor.DER), false)
		connect(v, CACerts(c.root.DER), true)
	}
}
