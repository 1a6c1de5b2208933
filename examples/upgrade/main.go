// Command upgrade is the upgrade example of Erlang's ssl User's Guide in
// Go: a plain TCP connection is upgraded to TLS once both sides agree
// (here with a plain-text "STARTTLS" line and "OK" answer, as protocols such
// as SMTP do). The server upgrades with SSLAcceptConn, the client with
// ConnectConn; the client sends "foo", and the server, made active with
// Setopts, receives it as a message (Erlang's {ssl, Socket, "foo"}).
//
// Run it with: go run ./examples/upgrade
package main

import (
	"bufio"
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

// run plays both sides and writes what happens to out.
func run(out io.Writer) error {
	w := &lockedWriter{w: out}
	if err := ssl.Start(); err != nil && !errors.Is(err, ssl.ErrAlreadyStarted) {
		return err
	}
	certDER, key, err := selfSigned("localhost")
	if err != nil {
		return err
	}

	// Step 2: a normal TCP listen socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Fprintf(w, "server: plain TCP listener on %s\n", ln.Addr())

	serverDone := make(chan error, 1)
	go func() {
		serverDone <- serve(w, ln, certDER, key)
	}()

	// Step 4: a normal TCP connection; the client asks to upgrade.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	if _, err := io.WriteString(conn, "STARTTLS\r\n"); err != nil {
		conn.Close()
		return err
	}
	// Read the answer byte by byte: nothing of what follows (the TLS
	// handshake) may be taken from the connection before the upgrade.
	answer := make([]byte, 4)
	if _, err := io.ReadFull(conn, answer); err != nil || string(answer) != "OK\r\n" {
		conn.Close()
		return fmt.Errorf("client: the server answered %q, %v", answer, err)
	}
	fmt.Fprintln(w, "client: the server agreed to upgrade")

	// Step 7: upgrade to TLS.
	sock, err := ssl.ConnectConn(conn, []ssl.Option{ssl.CACerts(certDER), ssl.ServerNameIndication("localhost")}, 10*time.Second)
	if err != nil {
		return fmt.Errorf("client: upgrade: %w", err)
	}
	defer sock.Close()
	info, err := sock.ConnectionInformation("protocol")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "client: upgraded to %s\n", info.Protocol)

	// Step 8: send a message over TLS.
	if err := sock.Send([]byte("foo")); err != nil {
		return err
	}
	if err := <-serverDone; err != nil {
		return err
	}
	return sock.Close()
}

// serve accepts one plain connection, agrees to upgrade it, and receives
// the client's message over TLS.
func serve(w io.Writer, ln net.Listener, certDER []byte, key crypto.Signer) error {
	// Step 3: accept the client connection.
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	line, err := bufio.NewReaderSize(&oneByteReader{conn}, 16).ReadString('\n')
	if err != nil || line != "STARTTLS\r\n" {
		conn.Close()
		return fmt.Errorf("server: expected STARTTLS, got %q, %v", line, err)
	}
	fmt.Fprintf(w, "server: got %q over plain TCP\n", line)
	if _, err := io.WriteString(conn, "OK\r\n"); err != nil {
		conn.Close()
		return err
	}
	// Steps 5 and 6: the TLS handshake, passive until the data is
	// wanted, as Erlang advises.
	s, err := ssl.SSLAcceptConn(conn, []ssl.Option{ssl.Cert(certDER), ssl.Key(key), ssl.Active(false)}, 10*time.Second)
	if err != nil {
		return fmt.Errorf("server: upgrade: %w", err)
	}
	defer s.Close()
	// Step 9: active mode; step 10: the message arrives.
	if err := s.Setopts(ssl.Active(true)); err != nil {
		return err
	}
	select {
	case m := <-s.Messages():
		d, ok := m.(ssl.Data)
		if !ok {
			return fmt.Errorf("server: unexpected message %v", m)
		}
		fmt.Fprintf(w, "server: got {ssl, Socket, %q}\n", d.Data)
	case <-time.After(10 * time.Second):
		return errors.New("server: no message")
	}
	return nil
}

// oneByteReader reads one byte at a time, so that a bufio.Reader over it
// takes nothing from the connection beyond the line it returns.
type oneByteReader struct{ r io.Reader }

// Read reads at most one byte into p.
func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
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
