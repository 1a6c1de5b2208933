package ssl

import (
	"crypto/tls"
	"net"
	"testing"
)

// The benchmarks move data one way over loopback TCP, 16 KiB per call,
// with this library and with crypto/tls, after a TLS 1.2 handshake with
// the same suite (ECDHE-ECDSA-AES128-GCM-SHA256).

func benchmarkStream(b *testing.B, send func([]byte) error, recv func([]byte) (int, error)) {
	const size = 16 << 10
	msg := make([]byte, size)
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		total := b.N * size
		for got := 0; got < total; {
			n, err := recv(buf)
			if err != nil {
				done <- err
				return
			}
			got += n
		}
		done <- nil
	}()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := send(msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSocketStream(b *testing.B) {
	c := newCreds(b)
	suite, _ := ParseCipherSuites("ECDHE-ECDSA-AES128-GCM-SHA256")
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), Active(false), Ciphers(suite...))...)
	if err != nil {
		b.Fatal(err)
	}
	defer ls.Close()
	ch := make(chan *Socket, 1)
	go func() {
		s, err := ls.TransportAccept(Infinity)
		if err == nil && s.SSLAccept(Infinity) == nil {
			ch <- s
			return
		}
		ch <- nil
	}()
	client, err := Connect("127.0.0.1", port(ls), c.clientOpts(Active(false)), Infinity)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	server := <-ch
	if server == nil {
		b.Fatal("accept failed")
	}
	defer server.Close()
	b.Run("Send-Recv", func(b *testing.B) {
		benchmarkStream(b, func(p []byte) error { return client.Send(p) }, func(p []byte) (int, error) {
			d, err := server.Recv(0, Infinity)
			return len(d), err
		})
	})
	b.Run("Write-Read", func(b *testing.B) {
		benchmarkStream(b, func(p []byte) error { _, err := client.Write(p); return err }, server.Read)
	})
}

func BenchmarkCryptoTLSStream(b *testing.B) {
	c := newCreds(b)
	cfg := c.goTLSConfig(b)
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			ch <- nil
			return
		}
		if err := conn.(*tls.Conn).Handshake(); err != nil {
			conn.Close()
			ch <- nil
			return
		}
		ch <- conn
	}()
	client, err := tls.Dial("tcp", ln.Addr().String(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	server := <-ch
	if server == nil {
		b.Fatal("accept failed")
	}
	defer server.Close()
	b.Run("Write-Read", func(b *testing.B) {
		benchmarkStream(b, func(p []byte) error { _, err := client.Write(p); return err }, server.Read)
	})
}
