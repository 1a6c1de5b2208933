package ssl

import (
	"bytes"
	"errors"
	"math"
	"net"
	"sync"
	"testing"
	"time"
)

// countingConn records the size of every read and write that crosses a
// transport, as the test sees them, to check Getstat against.
type countingConn struct {
	net.Conn
	mu            sync.Mutex
	reads, writes []int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.reads = append(c.reads, int64(n))
		c.mu.Unlock()
	}
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.mu.Lock()
		c.writes = append(c.writes, int64(n))
		c.mu.Unlock()
	}
	return n, err
}

// expectedStats computes inet's statistics from a list of packet sizes:
// the sum, the count, the largest, the mean, and the running average
// deviation by the driver's recurrence.
func expectedStats(sizes []int64) (oct, cnt, max, avg, dvi int64) {
	var a, d float64
	for i, n := range sizes {
		oct += n
		max = maxInt64(max, n)
		k := float64(i + 1)
		a += (float64(n) - a) / k
		d += ((float64(n) - a) - d) / k
	}
	cnt = int64(len(sizes))
	if cnt > 0 {
		avg = oct / cnt
	}
	return oct, cnt, max, avg, int64(math.Abs(d))
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// upgradedPair returns a server and a client socket over a TCP connection
// whose two ends count what crosses them.
func upgradedPair(t *testing.T, c *creds, serverOpts, clientOpts []Option) (server, client *Socket, sc, cc *countingConn) {
	t.Helper()
	t1, t2 := tcpPair(t)
	sc, cc = &countingConn{Conn: t1}, &countingConn{Conn: t2}
	type res struct {
		s   *Socket
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := SSLAcceptConn(sc, c.serverOpts(serverOpts...), hangLimit)
		ch <- res{s, err}
	}()
	client, err := ConnectConn(cc, c.clientOpts(clientOpts...), hangLimit)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("ConnectConn: %v; SSLAcceptConn: %v", err, r.err)
	}
	t.Cleanup(func() {
		client.Close()
		r.s.Close()
	})
	return r.s, client, sc, cc
}

// TestGetstatCountsTheTransport: Getstat reports exactly what crossed the
// transport, in TLS record bytes, handshake included; the two sides agree.
func TestGetstatCountsTheTransport(t *testing.T) {
	checkLeaks(t)
	server, client, sc, cc := upgradedPair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false)})
	for _, size := range []int{1, 100, 5000, 40000, 3} {
		if err := client.Send(bytes.Repeat([]byte("s"), size)); err != nil {
			t.Fatal(err)
		}
		recvExactly(t, server, size)
		if err := server.Send(bytes.Repeat([]byte("r"), size/2+1)); err != nil {
			t.Fatal(err)
		}
		recvExactly(t, client, size/2+1)
	}
	check := func(name string, s *Socket, c *countingConn) map[string]int64 {
		t.Helper()
		got, err := s.Getstat()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(statNames) {
			t.Errorf("%s: Getstat() gave %d values", name, len(got))
		}
		c.mu.Lock()
		ro, rc, rm, ra, rd := expectedStats(c.reads)
		so, scnt, sm, sa, _ := expectedStats(c.writes)
		c.mu.Unlock()
		want := map[string]int64{
			"recv_oct": ro, "recv_cnt": rc, "recv_max": rm, "recv_avg": ra, "recv_dvi": rd,
			"send_oct": so, "send_cnt": scnt, "send_max": sm, "send_avg": sa, "send_pend": 0,
		}
		for k, v := range want {
			// The running average may differ from the exact mean by a
			// rounding of the last digit.
			if d := got[k] - v; d != 0 && !(k == "recv_avg" || k == "send_avg") || d < -1 || d > 1 {
				t.Errorf("%s: %s = %d, want %d", name, k, got[k], v)
			}
		}
		return got
	}
	ss := check("server", server, sc)
	cs := check("client", client, cc)
	if ss["recv_oct"] != cs["send_oct"] || ss["send_oct"] != cs["recv_oct"] {
		t.Errorf("the sides disagree: server %v, client %v", ss, cs)
	}
	// Application data was 48104 bytes each way and more: the counts are
	// of protected records, handshake included.
	if cs["send_oct"] <= 1+100+5000+40000+3 {
		t.Errorf("client send_oct %d is not more than the application data", cs["send_oct"])
	}

	some, err := server.Getstat("send_cnt", "recv_oct")
	if err != nil || len(some) != 2 || some["recv_oct"] != ss["recv_oct"] {
		t.Errorf("Getstat(send_cnt, recv_oct) = %v, %v", some, err)
	}
	if _, err := server.Getstat("recv_oct", "bogus"); reasonTerm(err) != "einval" {
		t.Errorf("Getstat(bogus) = %v", err)
	}
	server.Close()
	if _, err := server.Getstat(); !errors.Is(err, ErrClosed) {
		t.Errorf("Getstat after Close = %v", err)
	}
}

// TestGetstatSendPending: while a write waits on a peer that does not
// read, send_pend counts its bytes; then nothing is pending.
func TestGetstatSendPending(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false)})
	chunk := make([]byte, 1<<20)
	done := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < 8 && err == nil; i++ {
			err = server.Send(chunk)
		}
		done <- err
	}()
	var pend int64
	for end := time.Now().Add(hangLimit); pend == 0 && time.Now().Before(end); time.Sleep(time.Millisecond) {
		st, err := server.Getstat("send_pend")
		if err != nil {
			t.Fatal(err)
		}
		pend = st["send_pend"]
	}
	if pend <= 0 {
		t.Fatal("send_pend never counted the blocked write")
	}
	recvExactly(t, client, 8*len(chunk))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st, _ := server.Getstat("send_pend"); st["send_pend"] != 0 {
		t.Errorf("send_pend %d after the writes", st["send_pend"])
	}
}
