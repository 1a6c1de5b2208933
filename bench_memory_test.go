package ssl

import (
	"crypto/tls"
	"io"
	"runtime"
	"testing"
	"time"
)

// BenchmarkIdleConnMemory measures the memory an idle connection holds:
// 1000 TLS 1.3 connections over loopback, both ends in this process and of
// the same implementation, each end with a goroutine waiting for data (our
// active mode's reader; a goroutine blocked in Read for crypto/tls), after
// one message each way. It reports the heap and goroutine stacks they hold
// after a GC, per connection end (B/conn), for this library without and
// with hibernate_after and for crypto/tls, in the same run:
//
//	go test -run '^$' -bench BenchmarkIdleConnMemory -benchtime 1x .
func BenchmarkIdleConnMemory(b *testing.B) {
	const conns = 1000
	b.Run("otpssl", func(b *testing.B) { benchIdleOurs(b, conns, nil) })
	b.Run("otpssl-hibernate", func(b *testing.B) {
		benchIdleOurs(b, conns, []Option{HibernateAfter(20 * time.Millisecond)})
	})
	b.Run("crypto-tls", func(b *testing.B) { benchIdleCryptoTLS(b, conns) })
}

// memInUse is the heap in use and the goroutine stacks, after a GC.
func memInUse() uint64 {
	var ms runtime.MemStats
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

func reportPerConn(b *testing.B, base uint64, ends int) {
	b.Helper()
	after := memInUse()
	per := 0.0
	if after > base {
		per = float64(after-base) / float64(ends)
	}
	b.ReportMetric(per, "B/conn")
}

func benchIdleOurs(b *testing.B, n int, extra []Option) {
	c := newCreds(b)
	for i := 0; i < b.N; i++ {
		base := memInUse()
		ls, err := Listen(0, c.serverOpts(append([]Option{IP(mustAddr("127.0.0.1")), Backlog(1024)}, extra...)...)...)
		if err != nil {
			b.Fatal(err)
		}
		servers := make(chan *Socket, n)
		go func() {
			for j := 0; j < n; j++ {
				s, err := ls.TransportAccept(Infinity)
				if err != nil {
					servers <- nil
					continue
				}
				go func() {
					if s.SSLAccept(Infinity) != nil {
						s.Close()
						s = nil
					}
					servers <- s
				}()
			}
		}()
		var all []*Socket
		clients := make([]*Socket, 0, n)
		for j := 0; j < n; j++ {
			cl, err := Connect("127.0.0.1", port(ls), c.clientOpts(extra...), Infinity)
			if err != nil {
				b.Fatal(err)
			}
			clients = append(clients, cl)
		}
		for j := 0; j < n; j++ {
			s := <-servers
			if s == nil {
				b.Fatal("accept failed")
			}
			all = append(all, s)
		}
		ls.Close()
		// One message each way: every buffer has been used.
		for _, cl := range clients {
			if err := cl.Send([]byte("ping")); err != nil {
				b.Fatal(err)
			}
		}
		for _, s := range all {
			if d, ok := (<-s.Messages()).(Data); !ok || string(d.Data) != "ping" {
				b.Fatal("no ping")
			}
			if err := s.Send([]byte("pong")); err != nil {
				b.Fatal(err)
			}
		}
		for _, cl := range clients {
			if d, ok := (<-cl.Messages()).(Data); !ok || string(d.Data) != "pong" {
				b.Fatal("no pong")
			}
		}
		all = append(all, clients...)
		if len(extra) > 0 {
			// Wait until every socket has hibernated.
			for _, s := range all {
				for s.hib.count.Load() == 0 {
					time.Sleep(5 * time.Millisecond)
				}
			}
			time.Sleep(100 * time.Millisecond) // the interrupted readers wait again
		}
		reportPerConn(b, base, len(all))
		for _, s := range all {
			s.Close()
		}
	}
}

func benchIdleCryptoTLS(b *testing.B, n int) {
	c := newCreds(b)
	cfg := c.goTLSConfig(b)
	cfg.MaxVersion = tls.VersionTLS13 // as ours: TLS 1.3 by default
	for i := 0; i < b.N; i++ {
		base := memInUse()
		ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
		if err != nil {
			b.Fatal(err)
		}
		type end struct {
			conn *tls.Conn
			got  chan string
		}
		servers := make(chan end, n)
		// serve reads one message, answers it when asked to, and then
		// waits in Read like any connection's reader.
		serve := func(conn *tls.Conn, answer bool) end {
			e := end{conn, make(chan string, 1)}
			go func() {
				buf := make([]byte, 16)
				k, err := conn.Read(buf)
				if err != nil {
					e.got <- ""
					return
				}
				if answer {
					_, _ = conn.Write([]byte("pong"))
				}
				e.got <- string(buf[:k])
				_, _ = io.Copy(io.Discard, conn)
			}()
			return e
		}
		go func() {
			for j := 0; j < n; j++ {
				conn, err := ln.Accept()
				if err != nil {
					servers <- end{}
					continue
				}
				go func() {
					tc := conn.(*tls.Conn)
					if tc.Handshake() != nil {
						servers <- end{}
						return
					}
					servers <- serve(tc, true)
				}()
			}
		}()
		clients := make([]end, 0, n)
		for j := 0; j < n; j++ {
			tc, err := tls.Dial("tcp", ln.Addr().String(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tc.Write([]byte("ping")); err != nil {
				b.Fatal(err)
			}
			clients = append(clients, serve(tc, false))
		}
		var all []*tls.Conn
		for j := 0; j < n; j++ {
			e := <-servers
			if e.conn == nil || <-e.got != "ping" {
				b.Fatal("server failed")
			}
			all = append(all, e.conn)
		}
		for _, e := range clients {
			if <-e.got != "pong" {
				b.Fatal("no pong")
			}
			all = append(all, e.conn)
		}
		ln.Close()
		reportPerConn(b, base, len(all))
		for _, tc := range all {
			tc.Close()
		}
	}
}
