package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
)

// BenchmarkRenegotiate measures one TLS 1.2 renegotiation (ECDHE-ECDSA with
// AES-128-GCM, an ECDSA P-256 certificate, loopback TCP): started by our client
// against our server, and by our server against a crypto/tls client
// (RenegotiateFreelyAsClient); next to it, a full crypto/tls TLS 1.2
// handshake on a new connection as the reference (crypto/tls itself has
// no server-side renegotiation to compare with).
//
//	go test -run '^$' -bench 'BenchmarkRenegotiate' -benchtime 200x .
func BenchmarkRenegotiate(b *testing.B) {
	c := newCreds(b)
	suite := Ciphers(mustSuite(b, "ECDHE-ECDSA-AES128-GCM-SHA256"))
	pool := x509.NewCertPool()
	pool.AddCert(c.root.Cert)

	b.Run("ours-client-ours-server", func(b *testing.B) {
		old := renegotiationWait
		renegotiationWait = 0
		defer func() { renegotiationWait = old }()
		ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Versions(TLSv1_2), Active(false), suite)...)
		if err != nil {
			b.Fatal(err)
		}
		defer ls.Close()
		accepted := make(chan *Socket, 1)
		go func() {
			s, err := ls.TransportAccept(hangLimit)
			if err == nil && s.SSLAccept(hangLimit) == nil {
				accepted <- s
				return
			}
			accepted <- nil
		}()
		client, err := Connect("127.0.0.1", port(ls), c.clientOpts(Versions(TLSv1_2), Active(false), suite), hangLimit)
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		server := <-accepted
		if server == nil {
			b.Fatal("accept failed")
		}
		defer server.Close()
		// The server reads (and so renegotiates) until the client
		// closes.
		go func() {
			for {
				if _, err := server.Recv(0, Infinity); err != nil {
					return
				}
			}
		}()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := client.Renegotiate(); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("ours-server-gotls-client", func(b *testing.B) {
		ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Versions(TLSv1_2), Active(false), suite)...)
		if err != nil {
			b.Fatal(err)
		}
		defer ls.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			conn, err := tls.Dial("tcp", ls.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost",
				MaxVersion: tls.VersionTLS12, Renegotiation: tls.RenegotiateFreelyAsClient})
			if err != nil {
				return
			}
			defer conn.Close()
			buf := make([]byte, 16)
			for {
				if _, err := conn.Read(buf); err != nil {
					return
				}
			}
		}()
		s, err := ls.TransportAccept(hangLimit)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.SSLAccept(hangLimit); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.Renegotiate(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		<-done
	})

	b.Run("gotls-full-handshake", func(b *testing.B) {
		l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{c.server.DER, c.root.DER}, PrivateKey: c.server.Key}},
			MaxVersion:   tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				go func(conn net.Conn) {
					defer conn.Close()
					_ = conn.(*tls.Conn).Handshake()
					_, _ = conn.Read(make([]byte, 1))
				}(conn)
			}
		}()
		cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MaxVersion: tls.VersionTLS12, ClientSessionCache: nil}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			conn, err := tls.Dial("tcp", l.Addr().String(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			conn.Close()
		}
	})
}

func mustSuite(tb testing.TB, name string) CipherSuite {
	tb.Helper()
	s, err := ParseCipherSuites(name)
	if err != nil || len(s) != 1 {
		tb.Fatalf("%s: %v", name, err)
	}
	return s[0]
}
