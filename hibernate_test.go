package ssl

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// readSizeConn records the size of the buffer of every Read on a
// transport, and whether one is waiting.
type readSizeConn struct {
	net.Conn
	mu      sync.Mutex
	sizes   []int
	waiting int
}

func (c *readSizeConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	c.sizes = append(c.sizes, len(p))
	c.waiting++
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.waiting--
	c.mu.Unlock()
	return n, err
}

// waitingWith reports whether a Read waits, and with what buffer size.
func (c *readSizeConn) waitingWith() (bool, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting == 0 || len(c.sizes) == 0 {
		return false, 0
	}
	return true, c.sizes[len(c.sizes)-1]
}

// waitFor polls cond until it holds, failing the test after hangLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(hangLimit); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: not after %v", what, hangLimit)
		}
	}
}

// hibernatingPair is upgradedPair with the server's transport recording
// its reads.
func hibernatingPair(t *testing.T, serverOpts []Option) (server, client *Socket, rs *readSizeConn) {
	t.Helper()
	c := newCreds(t)
	t1, t2 := tcpPair(t)
	rs = &readSizeConn{Conn: t1}
	ch := make(chan *Socket, 1)
	go func() {
		s, err := SSLAcceptConn(rs, c.serverOpts(serverOpts...), hangLimit)
		if err != nil {
			t.Error(err)
		}
		ch <- s
	}()
	client, err := ConnectConn(t2, c.clientOpts(Active(false)), hangLimit)
	server = <-ch
	if err != nil || server == nil {
		t.Fatalf("ConnectConn: %v", err)
	}
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return server, client, rs
}

// TestHibernateAfter: an idle socket gives its buffers back, waits for the
// peer with a small buffer, and works as before at the next byte, in
// passive and active mode; it hibernates again after the next idle time.
func TestHibernateAfter(t *testing.T) {
	checkLeaks(t)
	for _, active := range []bool{false, true} {
		server, client, rs := hibernatingPair(t, []Option{Active(active), HibernateAfter(20 * time.Millisecond)})
		big := bytes.Repeat([]byte("b"), 50000)
		exchange := func(round int) {
			t.Helper()
			if err := client.Send(big); err != nil {
				t.Fatal(err)
			}
			var got []byte
			for len(got) < len(big) {
				if active {
					got = append(got, nextData(t, server, server.Messages())...)
				} else {
					got = append(got, recvExactly(t, server, len(big))...)
				}
			}
			if !bytes.Equal(got, big) {
				t.Fatalf("round %d: data differs", round)
			}
			if err := server.Send(big[:3000], big[3000:]); err != nil {
				t.Fatal(err)
			}
			if got := recvExactly(t, client, len(big)); !bytes.Equal(got, big) {
				t.Fatalf("round %d: reply differs", round)
			}
		}
		exchange(0)
		for round := 1; round <= 2; round++ {
			before := server.hib.count.Load()
			waitFor(t, "hibernation", func() bool { return server.hib.count.Load() > before })
			// The write side is idle and given back.
			server.writeMu.Lock()
			wb, gather := server.rc.WriteBuffered(), cap(server.wbuf)
			server.writeMu.Unlock()
			if wb != 0 || gather != 0 {
				t.Fatalf("round %d: write buffers %d + %d bytes after hibernation", round, wb, gather)
			}
			if active {
				// The reader waits on the peer with the small buffer.
				waitFor(t, "a small read", func() bool {
					w, size := rs.waitingWith()
					return w && size < 64
				})
			} else {
				server.readMu.Lock()
				rb := server.rc.ReadBuffered()
				server.readMu.Unlock()
				if rb != 0 {
					t.Fatalf("round %d: read buffers %d bytes after hibernation", round, rb)
				}
				// A Recv waiting on an idle, hibernated socket waits with
				// the small buffer too.
				done := make(chan []byte, 1)
				go func() {
					b, _ := server.Recv(5, hangLimit)
					done <- b
				}()
				waitFor(t, "a small read in Recv", func() bool {
					w, size := rs.waitingWith()
					return w && size < 64
				})
				if err := client.Send([]byte("wake!")); err != nil {
					t.Fatal(err)
				}
				if b := <-done; string(b) != "wake!" {
					t.Fatalf("Recv after hibernation = %q", b)
				}
			}
			exchange(round)
		}
	}
}

// TestHibernateInterruptsAWaitingReader: a Recv that started before the
// hibernation gives its buffers back when it comes, and keeps waiting for
// its own deadline.
func TestHibernateInterruptsAWaitingReader(t *testing.T) {
	checkLeaks(t)
	server, client, rs := hibernatingPair(t, []Option{Active(false), HibernateAfter(30 * time.Millisecond)})
	done := make(chan []byte, 1)
	go func() {
		b, _ := server.Recv(0, hangLimit)
		done <- b
	}()
	waitFor(t, "a waiting Recv", func() bool { w, _ := rs.waitingWith(); return w })
	before := server.hib.count.Load()
	waitFor(t, "hibernation", func() bool { return server.hib.count.Load() > before })
	waitFor(t, "a small read", func() bool {
		w, size := rs.waitingWith()
		return w && size < 64
	})
	if err := client.Send([]byte("after the interruption")); err != nil {
		t.Fatal(err)
	}
	if b := <-done; string(b) != "after the interruption" {
		t.Fatalf("Recv = %q", b)
	}
}
