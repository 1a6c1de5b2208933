package ssl

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
)

// recvAsync receives n bytes on s in another goroutine.
func recvAsync(s *Socket, n int) <-chan recvResult {
	ch := make(chan recvResult, 1)
	go func() {
		b, err := s.Recv(n, hangLimit)
		ch <- recvResult{b, err}
	}()
	return ch
}

type recvResult struct {
	b   []byte
	err error
}

func clientRandomOf(t *testing.T, s *Socket) []byte {
	t.Helper()
	info, err := s.ConnectionInformation("client_random")
	if err != nil {
		t.Fatal(err)
	}
	return info.ClientRandom
}

// TestRenegotiatePassive renegotiates passive sockets from either side.
func TestRenegotiatePassive(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, initiator := range []string{"client", "server"} {
		t.Run(initiator, func(t *testing.T) {
			server, client := passivePair12(t, c)
			before := clientRandomOf(t, client)
			a, b := client, server
			if initiator == "server" {
				a, b = server, client
			}
			got := recvAsync(b, 5)
			if err := a.Renegotiate(); err != nil {
				t.Fatalf("Renegotiate: %v", err)
			}
			if err := a.Send([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.err != nil || string(r.b) != "hello" {
				t.Fatalf("Recv %q, %v", r.b, r.err)
			}
			after := clientRandomOf(t, client)
			if bytes.Equal(before, after) || !bytes.Equal(after, clientRandomOf(t, server)) {
				t.Fatalf("client random %x -> %x (server %x)", before, after, clientRandomOf(t, server))
			}
			_ = time.Second
		})
	}
}

// seqTraffic sends n numbered packets on s.
func seqTraffic(s *Socket, n int, errs chan<- error) {
	go func() {
		for i := 0; i < n; i++ {
			if err := s.Send([]byte(fmt.Sprintf("seq %d %s", i, strings.Repeat("x", i%700)))); err != nil {
				errs <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		errs <- nil
	}()
}

// checkSeq reports whether p is packet i of seqTraffic.
func checkSeq(p []byte, i int) error {
	want := fmt.Sprintf("seq %d %s", i, strings.Repeat("x", i%700))
	if string(p) != want {
		return fmt.Errorf("packet %d: got %.40q", i, p)
	}
	return nil
}

// activeReceive takes n packets of seqTraffic from s's messages; with
// reneg set it calls Renegotiate from the owner itself at packet n/2.
func activeReceive(t *testing.T, s *Socket, n int, reneg bool, errs chan<- error) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for i := 0; i < n; {
			select {
			case m := <-s.Messages():
				d, ok := m.(Data)
				if !ok {
					errs <- fmt.Errorf("message %d: %#v", i, m)
					return
				}
				if err := checkSeq(d.Data, i); err != nil {
					errs <- err
					return
				}
				i++
				if reneg && i == n/2 {
					// Another goroutine renegotiates too: a call that
					// finds one under way is told so.
					if err := s.Renegotiate(); err != nil && err != errAlreadyRenegotiating {
						errs <- fmt.Errorf("Renegotiate from the owner: %w", err)
						return
					}
				}
			case <-time.After(hangLimit):
				errs <- fmt.Errorf("no packet %d", i)
				return
			case <-stop:
				errs <- fmt.Errorf("stopped at packet %d", i)
				return
			}
		}
		errs <- nil
	}()
}

// TestRenegotiateActiveTraffic renegotiates many times in a row, from
// either side, while both send numbered packets: none is lost or
// reordered, and the owner itself may renegotiate while data comes.
func TestRenegotiateActiveTraffic(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	const n = 400
	noRenegotiationWait(t)
	for _, initiator := range []string{"client", "server"} {
		t.Run(initiator, func(t *testing.T) {
			opts := []Option{Versions(TLSv1_2), Packet(4)}
			server, client := pair(t, c, opts, opts)
			a, b := client, server
			if initiator == "server" {
				a, b = server, client
			}
			before := clientRandomOf(t, client)
			errs := make(chan error, 4)
			seqTraffic(a, n, errs)
			seqTraffic(b, n, errs)
			activeReceive(t, a, n, true, errs)
			activeReceive(t, b, n, false, errs)
			for i := 0; i < 5; {
				switch err := a.Renegotiate(); err {
				case nil:
					i++
				case errAlreadyRenegotiating: // the owner's, started meanwhile
					time.Sleep(time.Millisecond)
				default:
					t.Fatalf("Renegotiate %d: %v", i, err)
				}
			}
			for i := 0; i < 4; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			sameHandshake(t, server, client, before)
		})
	}
}

// noRenegotiationWait lifts the server's wait between client-initiated
// renegotiations for the sockets the test makes.
func noRenegotiationWait(t *testing.T) {
	old := renegotiationWait
	renegotiationWait = 0
	t.Cleanup(func() { renegotiationWait = old })
}

// sameHandshake waits for both sides to report the same handshake, one
// other than the one whose client random was before (the side that
// finishes a renegotiation first may return before the other has read
// the last Finished).
func sameHandshake(t *testing.T, server, client *Socket, before []byte) {
	t.Helper()
	for end := time.Now().Add(hangLimit); ; time.Sleep(5 * time.Millisecond) {
		after := clientRandomOf(t, client)
		if !bytes.Equal(before, after) && bytes.Equal(after, clientRandomOf(t, server)) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("client random %x -> %x, server's %x", before, after, clientRandomOf(t, server))
		}
	}
}

// TestRenegotiateRateLimit: our server accepts one client-initiated
// renegotiation and refuses the next with no_renegotiation until the
// wait has passed (OTP's ?WAIT_TO_ALLOW_RENEGOTIATION); a renegotiation
// the server asks for is not limited.
func TestRenegotiateRateLimit(t *testing.T) {
	checkLeaks(t)
	old := renegotiationWait
	renegotiationWait = 300 * time.Millisecond
	t.Cleanup(func() { renegotiationWait = old })
	c := newCreds(t)
	server, client := pair(t, c, []Option{Versions(TLSv1_2)}, []Option{Versions(TLSv1_2)})
	if err := client.Renegotiate(); err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := client.Renegotiate(); err != ErrRenegotiationRejected {
		t.Fatalf("second at once: %v, want ErrRenegotiationRejected", err)
	}
	if err := server.Renegotiate(); err != nil {
		t.Fatalf("server-initiated within the wait: %v", err)
	}
	time.Sleep(2 * renegotiationWait)
	if err := client.Renegotiate(); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	pingPong(t, server, client)
}

// pingPong checks that active server and client still exchange data.
func pingPong(t *testing.T, server, client *Socket) {
	t.Helper()
	for _, p := range [][2]*Socket{{client, server}, {server, client}} {
		if err := p[0].Send([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-p[1].Messages():
			if d, ok := m.(Data); !ok || string(d.Data) != "ping" {
				t.Fatalf("got %#v", m)
			}
		case <-time.After(hangLimit):
			t.Fatal("no data")
		}
	}
}

// TestRenegotiateClientRenegotiationFalse: with client_renegotiation
// false our server refuses the client's renegotiation with a
// no_renegotiation warning and the connection goes on; its own still
// works.
func TestRenegotiateClientRenegotiationFalse(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := pair(t, c, []Option{Versions(TLSv1_2), ClientRenegotiation(false)}, []Option{Versions(TLSv1_2)})
	before := clientRandomOf(t, client)
	if err := client.Renegotiate(); err != ErrRenegotiationRejected {
		t.Fatalf("client: %v, want ErrRenegotiationRejected", err)
	}
	if !bytes.Equal(before, clientRandomOf(t, client)) {
		t.Fatal("the refused renegotiation changed the handshake")
	}
	pingPong(t, server, client)
	if err := server.Renegotiate(); err != nil {
		t.Fatalf("server: %v", err)
	}
	sameHandshake(t, server, client, before)
	pingPong(t, server, client)
}

// TestRenegotiateErrors: TLS 1.3 has none ({error, notsup}), a second
// call while one waits is already_renegotiating, and the calls before
// the handshake and after Close.
func TestRenegotiateErrors(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := pair(t, c, nil, nil)
	for _, s := range []*Socket{server, client} {
		err := s.Renegotiate()
		if !errors.Is(err, ErrNotSupported) || err.(interface{ Term() string }).Term() != "notsup" {
			t.Errorf("TLS 1.3: %v", err)
		}
	}
	pingPong(t, server, client)

	// A passive client never reads: the server's HelloRequest waits.
	old := renegotiationTimeout
	renegotiationTimeout = 500 * time.Millisecond
	t.Cleanup(func() { renegotiationTimeout = old })
	s12, c12 := passivePair12(t, c)
	before := clientRandomOf(t, c12)
	first := make(chan error, 1)
	go func() { first <- s12.Renegotiate() }()
	for waiting := false; !waiting; time.Sleep(time.Millisecond) {
		s12.mu.Lock()
		waiting = s12.rn.req != nil
		s12.mu.Unlock()
	}
	if err := s12.Renegotiate(); err == nil || err.(interface{ Term() string }).Term() != "already_renegotiating" {
		t.Errorf("second call: %v", err)
	}
	if err := <-first; err != ErrRenegotiationRejected {
		t.Errorf("unanswered HelloRequest: %v, want ErrRenegotiationRejected", err)
	}
	// The client reads the HelloRequest when it receives, and
	// renegotiates; the server, receiving, accepts it as one the client
	// started.
	sgot, cgot := recvAsync(s12, 2), recvAsync(c12, 2)
	sameHandshake(t, s12, c12, before)
	if err := c12.Send([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := s12.Send([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	for _, got := range []<-chan recvResult{sgot, cgot} {
		if r := <-got; r.err != nil || string(r.b) != "ok" {
			t.Fatalf("Recv %q, %v", r.b, r.err)
		}
	}
	c12.Close()
	if err := c12.Renegotiate(); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestRenegotiateGoClient: crypto/tls as a client with
// RenegotiateOnceAsClient follows our server's HelloRequest, data
// flowing after; with RenegotiateNever it declines with a
// no_renegotiation warning, which is ErrRenegotiationRejected.
func TestRenegotiateGoClient(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, mode := range []tls.RenegotiationSupport{tls.RenegotiateOnceAsClient, tls.RenegotiateNever} {
		t.Run(map[tls.RenegotiationSupport]string{tls.RenegotiateOnceAsClient: "once", tls.RenegotiateNever: "never"}[mode], func(t *testing.T) {
			ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Versions(TLSv1_2), Active(false))...)
			if err != nil {
				t.Fatal(err)
			}
			defer ls.Close()
			pool := x509.NewCertPool()
			pool.AddCert(c.root.Cert)
			goDone := make(chan error, 1)
			go func() {
				conn, err := tls.Dial("tcp", ls.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost",
					MaxVersion: tls.VersionTLS12, Renegotiation: mode})
				if err != nil {
					goDone <- err
					return
				}
				defer conn.Close()
				if _, err := conn.Write([]byte("hello")); err != nil {
					goDone <- err
					return
				}
				buf := make([]byte, 5)
				if _, err := io.ReadFull(conn, buf); err != nil {
					goDone <- err
					return
				}
				if string(buf) != "after" {
					goDone <- fmt.Errorf("Go read %q", buf)
					return
				}
				goDone <- nil
			}()
			s, err := ls.TransportAccept(hangLimit)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.SSLAccept(hangLimit); err != nil {
				t.Fatal(err)
			}
			before := clientRandomOf(t, s)
			err = s.Renegotiate()
			if mode == tls.RenegotiateNever {
				if err != ErrRenegotiationRejected {
					t.Fatalf("Renegotiate = %v, want ErrRenegotiationRejected", err)
				}
				s.Close()
				<-goDone // crypto/tls ends its side after declining
				return
			}
			if err != nil {
				t.Fatalf("Renegotiate: %v", err)
			}
			if bytes.Equal(before, clientRandomOf(t, s)) {
				t.Fatal("no new handshake")
			}
			if got, err := s.Recv(5, hangLimit); err != nil || string(got) != "hello" {
				t.Fatalf("Recv %q, %v", got, err)
			}
			if err := s.Send([]byte("after")); err != nil {
				t.Fatal(err)
			}
			if err := <-goDone; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRenegotiateMixedVersions: a side that also offers TLS 1.3 renegotiates
// a TLS 1.2 connection in TLS 1.2 (its renegotiating hello offers that
// version alone; no downgrade sentinel in the way).
func TestRenegotiateMixedVersions(t *testing.T) {
	checkLeaks(t)
	noRenegotiationWait(t)
	c := newCreds(t)
	for _, tc := range []struct {
		name                   string
		serverOpts, clientOpts []Option
	}{
		{"server-offers-1.3", nil, []Option{Versions(TLSv1_2)}},
		{"client-offers-1.3", []Option{Versions(TLSv1_2)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := pair(t, c, tc.serverOpts, tc.clientOpts)
			before := clientRandomOf(t, client)
			for _, s := range []*Socket{client, server, client} {
				if err := s.Renegotiate(); err != nil {
					t.Fatalf("%v: %v", s.role, err)
				}
			}
			sameHandshake(t, server, client, before)
			if info, _ := client.ConnectionInformation("protocol"); info.Protocol != TLSv1_2 {
				t.Fatalf("protocol %v", info.Protocol)
			}
			pingPong(t, server, client)
		})
	}
}

// TestRenegotiateClose: Close ends a Renegotiate that waits for the
// peer's answer, with ErrClosed, and leaves no goroutine behind.
func TestRenegotiateClose(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, _ := passivePair12(t, c) // the client never reads
	res := make(chan error, 1)
	go func() { res <- server.Renegotiate() }()
	for waiting := false; !waiting; time.Sleep(time.Millisecond) {
		server.mu.Lock()
		waiting = server.rn.req != nil
		server.mu.Unlock()
	}
	server.Close()
	select {
	case err := <-res:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Renegotiate = %v, want ErrClosed", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("Renegotiate did not return")
	}
}

// TestRenegotiateClientTimeout: a server that does not answer the
// client's renegotiating ClientHello in time (here, one that does not
// read) makes Renegotiate return ErrRenegotiationRejected; the client's
// side stays usable for sending.
func TestRenegotiateClientTimeout(t *testing.T) {
	checkLeaks(t)
	old := renegotiationTimeout
	renegotiationTimeout = 300 * time.Millisecond
	t.Cleanup(func() { renegotiationTimeout = old })
	c := newCreds(t)
	server, client := passivePair12(t, c)
	if err := client.Renegotiate(); err != ErrRenegotiationRejected {
		t.Fatalf("Renegotiate = %v, want ErrRenegotiationRejected", err)
	}
	if err := client.Send([]byte("still")); err != nil {
		t.Fatal(err)
	}
	_ = server
}

// TestRenegotiatePeerCertificate: a renegotiation may change the server's
// certificate (here sni_fun gives another one the second time): our
// client validates it again, Peercert reports the new one; an untrusted
// one ends the connection with the validation's alert.
func TestRenegotiatePeerCertificate(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	pki := testpki.New(t)
	other := pki.Root("Other Root")
	for _, trusted := range []bool{true, false} {
		t.Run(map[bool]string{true: "trusted", false: "untrusted"}[trusted], func(t *testing.T) {
			second := c.root.Issue("localhost again", testpki.DNS("localhost"))
			if !trusted {
				second = other.Issue("localhost untrusted", testpki.DNS("localhost"))
			}
			var mu sync.Mutex
			calls := 0
			sni := SNIFun(func(string) []Option {
				mu.Lock()
				defer mu.Unlock()
				if calls++; calls == 1 {
					return nil
				}
				return []Option{Cert(second.DER), Key(second.Key.(crypto.Signer))}
			})
			server, client := pair(t, c, []Option{Versions(TLSv1_2), Active(false), sni}, []Option{Versions(TLSv1_2), Active(false)})
			first, _ := client.Peercert()
			got := recvAsync(server, 2)
			err := client.Renegotiate()
			if !trusted {
				var ae *AlertError
				if !errors.As(err, &ae) || record.Description(ae.Description) != record.UnknownCA || ae.Remote {
					t.Fatalf("Renegotiate = %v, want the unknown_ca we send", err)
				}
				if r := <-got; r.err == nil {
					t.Fatal("the server's Recv went on")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			now, _ := client.Peercert()
			if bytes.Equal(first, now) || !bytes.Equal(now, second.DER) {
				t.Fatal("Peercert does not report the renegotiated certificate")
			}
			if err := client.Send([]byte("ok")); err != nil {
				t.Fatal(err)
			}
			if r := <-got; r.err != nil || string(r.b) != "ok" {
				t.Fatalf("Recv %q, %v", r.b, r.err)
			}
		})
	}
}

// TestRenegotiateOlderVersions renegotiates TLS 1.0 and 1.1 connections
// (their PRF and CBC suites) both ways; SSL 3.0 does not renegotiate.
func TestRenegotiateOlderVersions(t *testing.T) {
	checkLeaks(t)
	noRenegotiationWait(t)
	c := newCreds(t)
	for _, v := range []Protocol{TLSv1, TLSv1_1} {
		t.Run(v.String(), func(t *testing.T) {
			opts := []Option{Versions(v), Ciphers(mustSuite(t, "ECDHE-ECDSA-AES128-SHA"))}
			server, client := pair(t, c, opts, opts)
			before := clientRandomOf(t, client)
			for _, s := range []*Socket{client, server} {
				if err := s.Renegotiate(); err != nil {
					t.Fatalf("%v: %v", s.role, err)
				}
			}
			sameHandshake(t, server, client, before)
			if info, _ := client.ConnectionInformation("protocol"); info.Protocol != v {
				t.Fatalf("protocol %v", info.Protocol)
			}
			pingPongSplit(t, server, client)
		})
	}
}

// pingPongSplit is pingPong where records may be split 1/n-1 (TLS 1.0 and
// SSL 3.0 beast_mitigation): the data may come in two messages.
func pingPongSplit(t *testing.T, server, client *Socket) {
	t.Helper()
	for _, p := range [][2]*Socket{{client, server}, {server, client}} {
		if err := p[0].Send([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		var got []byte
		for len(got) < 4 {
			select {
			case m := <-p[1].Messages():
				d, ok := m.(Data)
				if !ok {
					t.Fatalf("got %#v", m)
				}
				got = append(got, d.Data...)
			case <-time.After(hangLimit):
				t.Fatal("no data")
			}
		}
		if string(got) != "ping" {
			t.Fatalf("got %q", got)
		}
	}
}

// TestRenegotiateSSL30: an SSL 3.0 connection does not renegotiate
// (notsup); the connection goes on.
func TestRenegotiateSSL30(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	opts := []Option{Versions(SSLv3), Ciphers(mustSuite(t, "AES128-SHA"))}
	rsa := testpki.New(t).Root("SSL 3.0 RSA", testpki.Key(testpki.RSA2048))
	server, client := pair(t, c, append(opts, Cert(rsa.DER), Key(rsa.Key.(crypto.Signer))), append(opts, Verify(VerifyNone)))
	for _, s := range []*Socket{server, client} {
		if err := s.Renegotiate(); !errors.Is(err, ErrNotSupported) {
			t.Fatalf("%v: %v", s.role, err)
		}
	}
	pingPongSplit(t, server, client)
}

// slowSigner takes its time to sign, so that a handshake waits for it.
type slowSigner struct {
	crypto.Signer
	d time.Duration
}

func (s slowSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	time.Sleep(s.d)
	return s.Signer.Sign(r, digest, opts)
}

// TestRenegotiateNotInterrupted: neither hibernate_after firing nor a
// switch to passive mode cuts short a renegotiation the server's active
// reader runs while it waits for the client (whose certificate signature
// takes a while).
func TestRenegotiateNotInterrupted(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	cl := c.root.Issue("client")
	clientOpts := []Option{Versions(TLSv1_2), Active(false), Cert(cl.DER), Key(slowSigner{cl.Key.(crypto.Signer), 300 * time.Millisecond})}
	for _, how := range []string{"hibernate_after", "setopts-passive"} {
		t.Run(how, func(t *testing.T) {
			serverOpts := []Option{Versions(TLSv1_2), Verify(VerifyPeer), CACerts(c.root.DER)}
			if how == "hibernate_after" {
				serverOpts = append(serverOpts, HibernateAfter(20*time.Millisecond))
			}
			server, client := pair(t, c, serverOpts, clientOpts)
			before := clientRandomOf(t, client)
			res := make(chan error, 1)
			go func() { res <- client.Renegotiate() }()
			if how == "setopts-passive" {
				// Once the server's reader runs the handshake.
				for running := false; !running; time.Sleep(time.Millisecond) {
					server.mu.Lock()
					running = server.rn.running
					server.mu.Unlock()
				}
				if err := server.Setopts(Active(false)); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-res; err != nil {
				t.Fatalf("Renegotiate: %v", err)
			}
			sameHandshake(t, server, client, before)
			if err := client.Send([]byte("after")); err != nil {
				t.Fatal(err)
			}
			if how == "setopts-passive" {
				if got, err := server.Recv(5, hangLimit); err != nil || string(got) != "after" {
					t.Fatalf("Recv %q, %v", got, err)
				}
				return
			}
			select {
			case m := <-server.Messages():
				if d, ok := m.(Data); !ok || string(d.Data) != "after" {
					t.Fatalf("got %#v", m)
				}
			case <-time.After(hangLimit):
				t.Fatal("no data")
			}
		})
	}
}
