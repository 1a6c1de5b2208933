package interop_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/peertest"
)

// Renegotiation against OpenSSL and GnuTLS, both ways, in TLS 1.2: our
// Renegotiate against their servers and clients, and theirs (s_server's
// r and R, s_client's R, gnutls-cli --rehandshake) against ours, data
// flowing before and after; OpenSSL 3's server refusing a
// client-initiated renegotiation by default. (gnutls-serv --echo's
// **REHANDSHAKE** command is not used: GnuTLS 3.7's server fails its own
// rehandshake with "Cannot perform this action while handshake is in
// progress" whatever the client, OpenSSL's included.)

// clientRandom is what our side reports as the connection's client
// random.
func clientRandom(t *testing.T, s *ssl.Socket) []byte {
	t.Helper()
	info, err := s.ConnectionInformation("client_random")
	if err != nil {
		t.Fatal(err)
	}
	return info.ClientRandom
}

// waitNewHandshake waits until our side reports a handshake other than
// the one of before.
func waitNewHandshake(t *testing.T, s *ssl.Socket, before []byte) {
	t.Helper()
	for end := time.Now().Add(hang); bytes.Equal(clientRandom(t, s), before); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("no renegotiation")
		}
	}
}

// waitOutput waits for s in a peer's output.
func waitOutput(t *testing.T, proc *peertest.Process, s string) {
	t.Helper()
	proc.WaitOutput(t, s, hang)
}

// recvAsync receives until want in another goroutine.
func recvAsync(s *ssl.Socket, want string) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := recvUntil(s, want)
		ch <- err
	}()
	return ch
}

func wait(t *testing.T, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(hang):
		t.Fatal("timed out")
	}
}

// opensslServer starts s_server for one TLS 1.2 connection, in its
// interactive mode (stdin lines are sent, received data printed).
func opensslServer(t *testing.T, p *pki, extra ...string) (*peertest.Process, int) {
	port := peertest.FreePort(t)
	f := p.files(t, "ossl-reneg", p.serverRSA)
	args := append([]string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-naccept", "1",
		"-cert", f.cert, "-key", f.key, "-tls1_2", "-CAfile", p.rootFile(t)}, extra...)
	proc := peertest.Start(t, "openssl", args...)
	proc.WaitOutput(t, "ACCEPT\n", hang)
	return proc, port
}

func TestRenegotiationOpenSSL(t *testing.T) {
	peertest.Require(t, "openssl")
	p := newPKI(t)

	t.Run("our-client/Renegotiate", func(t *testing.T) {
		leakcheck.Check(t)
		proc, port := opensslServer(t, p, "-client_renegotiation")
		sock, err := connect(port, p.clientOpts(ssl.Versions(ssl.TLSv1_2)))
		if err != nil {
			t.Fatal(err)
		}
		defer sock.Close()
		before := clientRandom(t, sock)
		exchange(t, sock, proc, "before")
		for i := 0; i < 3; i++ {
			if err := sock.Renegotiate(); err != nil {
				t.Fatalf("Renegotiate %d: %v\n%s", i, err, proc.Output())
			}
		}
		if bytes.Equal(before, clientRandom(t, sock)) {
			t.Fatal("no new handshake")
		}
		exchange(t, sock, proc, "after")
	})

	t.Run("our-client/declined", func(t *testing.T) {
		leakcheck.Check(t)
		// OpenSSL 3 servers refuse client-initiated renegotiation unless
		// told otherwise, with a no_renegotiation warning.
		proc, port := opensslServer(t, p)
		sock, err := connect(port, p.clientOpts(ssl.Versions(ssl.TLSv1_2)))
		if err != nil {
			t.Fatal(err)
		}
		defer sock.Close()
		before := clientRandom(t, sock)
		if err := sock.Renegotiate(); !errors.Is(err, ssl.ErrRenegotiationRejected) {
			t.Fatalf("Renegotiate = %v, want ErrRenegotiationRejected\n%s", err, proc.Output())
		}
		if !bytes.Equal(before, clientRandom(t, sock)) {
			t.Fatal("the handshake changed")
		}
		exchange(t, sock, proc, "after refusal")
	})

	for _, cmd := range []string{"r", "R"} {
		t.Run("our-client/s_server-"+cmd, func(t *testing.T) {
			leakcheck.Check(t)
			proc, port := opensslServer(t, p)
			// R asks for a client certificate in the renegotiation
			// only.
			sock, err := connect(port, p.clientOpts(append(ourCert(p.client), ssl.Versions(ssl.TLSv1_2))...))
			if err != nil {
				t.Fatal(err)
			}
			defer sock.Close()
			before := clientRandom(t, sock)
			got := recvAsync(sock, "after "+cmd)
			if _, err := proc.Stdin.Write([]byte(cmd + "\n")); err != nil {
				t.Fatal(err)
			}
			waitNewHandshake(t, sock, before)
			if _, err := proc.Stdin.Write([]byte("after " + cmd + "\n")); err != nil {
				t.Fatal(err)
			}
			wait(t, got)
			if err := sock.Send([]byte("to openssl after " + cmd + "\n")); err != nil {
				t.Fatal(err)
			}
			waitOutput(t, proc, "to openssl after "+cmd+"\n")
			if verified := strings.Contains(proc.Output(), "depth=0 O = otpssl test, CN = "+p.client.Cert.Subject.CommonName+"\n"); verified != (cmd == "R") {
				t.Fatalf("client certificate verified by s_server: %v\n%s", verified, proc.Output())
			}
		})
	}

	t.Run("our-server/Renegotiate", func(t *testing.T) {
		leakcheck.Check(t)
		ls, port := listen(t, append(ourCert(p.serverRSA), ssl.Versions(ssl.TLSv1_2))...)
		ch := acceptOne(t, ls)
		proc := peertest.Start(t, "openssl", "s_client", "-connect", "127.0.0.1:"+strconv.Itoa(port),
			"-CAfile", p.rootFile(t), "-servername", serverName)
		sock, err := waitAccepted(t, ch)
		if err != nil {
			t.Fatal(err)
		}
		before := clientRandom(t, sock)
		for i := 0; i < 3; i++ {
			if err := sock.Renegotiate(); err != nil {
				t.Fatalf("Renegotiate %d: %v\n%s", i, err, proc.Output())
			}
		}
		if bytes.Equal(before, clientRandom(t, sock)) {
			t.Fatal("no new handshake")
		}
		exchange(t, sock, proc, "after")
	})

	// OpenSSL always signals RFC 5746, so it cannot stand for a legacy
	// peer (the scripted peers of renegotiation_test.go do): with
	// secure_renegotiate false our server still signals it, so an
	// s_client that refuses legacy servers (-no_legacy_server_connect)
	// connects, and its R renegotiates securely; likewise our client with
	// secure_renegotiate false against s_server -legacy_renegotiation.
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "our-server/s_client-R", true: "our-server/secure_renegotiate-false/s_client-no_legacy_server_connect-R"}[legacy]
		t.Run(name, func(t *testing.T) { opensslClientR(t, p, legacy) })
	}
	t.Run("our-client/secure_renegotiate-false/s_server-legacy_renegotiation", func(t *testing.T) {
		leakcheck.Check(t)
		proc, port := opensslServer(t, p, "-client_renegotiation", "-legacy_renegotiation")
		sock, err := connect(port, p.clientOpts(ssl.Versions(ssl.TLSv1_2), ssl.SecureRenegotiate(false)))
		if err != nil {
			t.Fatal(err)
		}
		defer sock.Close()
		if err := sock.Renegotiate(); err != nil {
			t.Fatalf("Renegotiate: %v\n%s", err, proc.Output())
		}
		exchange(t, sock, proc, "after")
		if !strings.Contains(proc.Output(), "Secure Renegotiation IS supported") {
			t.Fatalf("s_server does not report secure renegotiation:\n%s", proc.Output())
		}
	})
}

// opensslClientR runs s_client against our server and its R command;
// with legacy, our server has secure_renegotiate false and s_client
// refuses servers without RFC 5746.
func opensslClientR(t *testing.T, p *pki, legacy bool) {
	leakcheck.Check(t)
	opts := append(ourCert(p.serverRSA), ssl.Versions(ssl.TLSv1_2))
	args := []string{"s_client", "-connect", "", "-CAfile", p.rootFile(t), "-servername", serverName}
	if legacy {
		opts = append(opts, ssl.SecureRenegotiate(false))
		args = append(args, "-no_legacy_server_connect")
	}
	ls, port := listen(t, opts...)
	ch := acceptOne(t, ls)
	args[2] = "127.0.0.1:" + strconv.Itoa(port)
	proc := peertest.Start(t, "openssl", args...)
	sock, err := waitAccepted(t, ch)
	if err != nil {
		t.Fatal(err)
	}
	before := clientRandom(t, sock)
	got := recvAsync(sock, "after R")
	if _, err := proc.Stdin.Write([]byte("R\n")); err != nil {
		t.Fatal(err)
	}
	waitNewHandshake(t, sock, before)
	if _, err := proc.Stdin.Write([]byte("after R\n")); err != nil {
		t.Fatal(err)
	}
	wait(t, got)
	if err := sock.Send([]byte("to openssl after R\n")); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, proc, "to openssl after R\n")
}

// exchange sends a line each way between our socket and a peer process
// that prints what it receives and sends its stdin.
func exchange(t *testing.T, sock *ssl.Socket, proc *peertest.Process, what string) {
	t.Helper()
	got := recvAsync(sock, "from peer "+what)
	if _, err := proc.Stdin.Write([]byte("from peer " + what + "\n")); err != nil {
		t.Fatal(err)
	}
	wait(t, got)
	if err := sock.Send([]byte("to peer " + what + "\n")); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, proc, "to peer "+what+"\n")
}

func TestRenegotiationGnuTLS(t *testing.T) {
	peertest.Require(t, "gnutls-serv")
	peertest.Require(t, "gnutls-cli")
	p := newPKI(t)
	serve := func(t *testing.T) (*peertest.Process, int) {
		port := peertest.FreePort(t)
		f := p.files(t, "gnutls-reneg", p.serverRSA)
		proc := peertest.Start(t, "gnutls-serv", "--port", strconv.Itoa(port), "--echo",
			"--x509certfile", f.cert, "--x509keyfile", f.key, "--disable-client-cert")
		proc.WaitOutput(t, "port "+strconv.Itoa(port)+"...done", hang)
		return proc, port
	}

	t.Run("our-client/Renegotiate", func(t *testing.T) {
		leakcheck.Check(t)
		proc, port := serve(t)
		sock, err := connect(port, p.clientOpts(ssl.Versions(ssl.TLSv1_2)))
		if err != nil {
			t.Fatal(err)
		}
		defer sock.Close()
		before := clientRandom(t, sock)
		echo(t, sock, "before\n")
		for i := 0; i < 3; i++ {
			if err := sock.Renegotiate(); err != nil {
				t.Fatalf("Renegotiate %d: %v\n%s", i, err, proc.Output())
			}
		}
		if bytes.Equal(before, clientRandom(t, sock)) {
			t.Fatal("no new handshake")
		}
		echo(t, sock, "after\n")
	})

	for _, ourRenegotiate := range []bool{false, true} {
		name := map[bool]string{false: "our-server/gnutls-cli-rehandshake", true: "our-server/Renegotiate"}[ourRenegotiate]
		t.Run(name, func(t *testing.T) {
			leakcheck.Check(t)
			ls, port := listen(t, append(ourCert(p.serverRSA), ssl.Versions(ssl.TLSv1_2))...)
			ch := acceptOne(t, ls)
			args := []string{"--port", strconv.Itoa(port), "--x509cafile", p.rootFile(t), "--sni-hostname", serverName,
				"--verify-hostname", serverName}
			if !ourRenegotiate {
				args = append(args, "--rehandshake")
			}
			proc := peertest.Start(t, "gnutls-cli", append(args, "127.0.0.1")...)
			sock, err := waitAccepted(t, ch)
			if err != nil {
				t.Fatal(err)
			}
			before := clientRandom(t, sock)
			if ourRenegotiate {
				if err := sock.Renegotiate(); err != nil {
					t.Fatalf("Renegotiate: %v\n%s", err, proc.Output())
				}
			} else {
				got := recvAsync(sock, "from gnutls\n")
				waitNewHandshake(t, sock, before)
				if _, err := proc.Stdin.Write([]byte("from gnutls\n")); err != nil {
					t.Fatal(err)
				}
				wait(t, got)
			}
			if bytes.Equal(before, clientRandom(t, sock)) {
				t.Fatal("no new handshake")
			}
			if err := sock.Send([]byte("to gnutls after\n")); err != nil {
				t.Fatal(err)
			}
			waitOutput(t, proc, "to gnutls after\n")
		})
	}
}

// echo sends line to an echoing peer and waits for it back.
func echo(t *testing.T, sock *ssl.Socket, line string) {
	t.Helper()
	got := recvAsync(sock, line)
	if err := sock.Send([]byte(line)); err != nil {
		t.Fatal(err)
	}
	wait(t, got)
}
