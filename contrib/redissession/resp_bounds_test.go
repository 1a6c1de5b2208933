package redissession

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/session"
)

// fakeRedis is a scripted server: the n-th connection it accepts answers
// each command it reads with reply(n, command index, command).
type fakeRedis struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	count int
}

func startFake(t *testing.T, reply func(conn, cmd int, args []string) string) *fakeRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRedis{ln: ln}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				r := bufio.NewReader(c)
				for i := 0; ; i++ {
					v, err := readReply(r, 0) // a command is an array of bulk strings
					if err != nil {
						return
					}
					var args []string
					for _, a := range v.([]any) {
						args = append(args, string(a.([]byte)))
					}
					f.mu.Lock()
					f.count++
					f.mu.Unlock()
					if _, err := c.Write([]byte(reply(n, i, args))); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

func (f *fakeRedis) client() *client {
	var d net.Dialer
	return &client{addr: f.ln.Addr().String(), timeout: 5 * time.Second, dial: d.DialContext}
}

// TestErrorInsideArrayClosesConnection: an error reply inside an array
// ends the reply before its other elements are read; the connection must
// not go back to the pool, where the next command would read those
// elements as its reply.
func TestErrorInsideArrayClosesConnection(t *testing.T) {
	leakcheck.Check(t)
	f := startFake(t, func(conn, cmd int, _ []string) string {
		if conn == 0 && cmd == 0 {
			return "*2\r\n-ERR inside\r\n$6\r\nstolen\r\n"
		}
		return "$-1\r\n"
	})
	cl := f.client()
	defer cl.close()
	if _, err := cl.do([]byte("GET"), []byte("a")); err == nil {
		t.Fatal("no error for an error inside an array")
	}
	v, err := cl.do([]byte("GET"), []byte("b"))
	if err != errNil {
		t.Fatalf("second command: %q, %v; want the nil reply of its own", v, err)
	}
}

// TestReplyBudget: a reply of many large strings, each within
// maxBulkLen, is refused once the whole passes maxReplyLen.
func TestReplyBudget(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	var b strings.Builder
	b.WriteString("*100\r\n")
	for range 100 {
		b.WriteString("$65536\r\n" + big + "\r\n")
	}
	_, err := readReply(bufio.NewReader(strings.NewReader(b.String())), 0)
	if !errors.Is(err, errReplyTooLong) {
		t.Fatalf("a reply of 6.4 MB: %v", err)
	}
	// Just within the bound it is read.
	b.Reset()
	b.WriteString("*60\r\n")
	for range 60 {
		b.WriteString("$65536\r\n" + big + "\r\n")
	}
	if v, err := readReply(bufio.NewReader(strings.NewReader(b.String())), 0); err != nil || len(v.([]any)) != 60 {
		t.Fatalf("a reply of 3.9 MB: %v", err)
	}
}

// TestScanRoundsBounded: a server whose SCAN cursor never returns to 0
// does not keep SelectSession going for ever.
func TestScanRoundsBounded(t *testing.T) {
	leakcheck.Check(t)
	f := startFake(t, func(_, _ int, args []string) string {
		if len(args) > 0 && args[0] == "SCAN" {
			return "*2\r\n$1\r\n7\r\n*0\r\n"
		}
		return "$-1\r\n"
	})
	c := New(f.ln.Addr().String())
	defer c.Terminate()
	if err := c.Init(session.InitArgs{Role: session.Client}); err != nil {
		t.Fatal(err)
	}
	// Without the bound this call never returns (the test's time-out
	// ends it).
	if got := c.SelectSession(session.PartialKey{Host: "h", Port: 1}); len(got) != 0 {
		t.Fatalf("%d sessions", len(got))
	}
	f.mu.Lock()
	n := f.count
	f.mu.Unlock()
	if n != maxScanRounds {
		t.Fatalf("%d SCAN commands, want %d", n, maxScanRounds)
	}
}
