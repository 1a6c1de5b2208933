// Command minimal is the minimal example of Erlang's ssl User's Guide in
// Go: a server and a client on one machine. The server listens with a
// certificate generated at start, accepts a connection and runs the
// handshake; the client connects, trusting that certificate; the server
// sends "foo", which arrives at the client as a message (active mode, the
// default, as Erlang's {ssl, Socket, "foo"}); the client answers "bar",
// which the passive server reads with Recv.
//
// Run it with: go run ./examples/minimal
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	ssl "github.com/otpssl/ssl"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run plays both sides and writes what each receives to out.
func run(out io.Writer) error {
	w := &lockedWriter{w: out}
	// Step 1: start the application (optional in Go).
	if err := ssl.Start(); err != nil && !errors.Is(err, ssl.ErrAlreadyStarted) {
		return err
	}

	// A self-signed certificate for localhost, made now.
	certDER, key, err := selfSigned("localhost")
	if err != nil {
		return err
	}

	// Step 2: an SSL listen socket (port 0: any free port). The server
	// reads with Recv, so it is passive.
	ls, err := ssl.Listen(0, ssl.Cert(certDER), ssl.Key(key), ssl.ReuseAddr(true),
		ssl.IP(netip.MustParseAddr("127.0.0.1")), ssl.Active(false))
	if err != nil {
		return err
	}
	defer ls.Close()
	port := ls.Addr().(*net.TCPAddr).Port
	fmt.Fprintf(w, "server: listening on port %d\n", port)

	// Steps 3 and 5, on the server: transport_accept, then ssl_accept,
	// then send "foo" and wait for the answer.
	serverDone := make(chan error, 1)
	go func() {
		serverDone <- serve(w, ls)
	}()

	// Step 4: the client connects, trusting the server's certificate.
	sock, err := ssl.Connect("localhost", port, []ssl.Option{ssl.CACerts(certDER)}, 10*time.Second)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer sock.Close()
	info, err := sock.ConnectionInformation("protocol", "selected_cipher_suite")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "client: connected with %s, %s\n", info.Protocol, info.CipherSuite.OpenSSLName())

	// Step 7: "flush" the client's messages: the data arrives as
	// ssl.Data on the socket's channel.
	select {
	case m := <-sock.Messages():
		d, ok := m.(ssl.Data)
		if !ok {
			return fmt.Errorf("client: unexpected message %v", m)
		}
		fmt.Fprintf(w, "client: got {ssl, Socket, %q}\n", d.Data)
	case <-time.After(10 * time.Second):
		return errors.New("client: no message")
	}

	// The reply the other way.
	if err := sock.Send([]byte("bar")); err != nil {
		return err
	}
	if err := <-serverDone; err != nil {
		return err
	}
	return sock.Close()
}

// lockedWriter lets the two sides write lines to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p to the underlying writer, one caller at a time.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// serve accepts one connection, sends "foo" and reads the reply.
func serve(w io.Writer, ls *ssl.ListenSocket) error {
	s, err := ls.TransportAccept(10 * time.Second)
	if err != nil {
		return fmt.Errorf("transport_accept: %w", err)
	}
	defer s.Close()
	if err := s.SSLAccept(10 * time.Second); err != nil {
		return fmt.Errorf("ssl_accept: %w", err)
	}
	if err := s.Send([]byte("foo")); err != nil {
		return err
	}
	reply, err := s.Recv(3, 10*time.Second)
	if err != nil {
		return fmt.Errorf("server: recv: %w", err)
	}
	fmt.Fprintf(w, "server: got %q\n", reply)
	return nil
}

// selfSigned makes a self-signed ECDSA P-256 certificate for host.
func selfSigned(host string) ([]byte, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	return der, key, nil
}
