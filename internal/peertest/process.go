package peertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is an outside peer program run by a test. Its output is kept
// for diagnostics, and it is killed (with its process group) when the test
// ends.
type Process struct {
	Cmd *exec.Cmd
	// Stdin writes to the program's standard input; it stays open until
	// the test closes it or the program ends.
	Stdin io.WriteCloser
	out   syncBuffer
	done  chan struct{}
	err   error
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Start runs the program (found with Require) with args.
func Start(tb testing.TB, name string, args ...string) *Process {
	tb.Helper()
	path := Require(tb, name)
	cmd := exec.Command(path, args...)
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	cmd.Stdout = &p.out
	cmd.Stderr = &p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	p.Stdin = stdin
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		p.Kill()
		if tb.Failed() {
			tb.Logf("output of %s %v:\n%s", name, args, p.Output())
		}
	})
	return p
}

// Output returns what the program printed so far (stdout and stderr).
func (p *Process) Output() string { return p.out.String() }

// Kill ends the program and its process group and waits for it.
func (p *Process) Kill() {
	if p.Cmd.Process != nil {
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	}
	<-p.done
}

// Wait waits up to d for the program to exit and returns its error (nil
// for a zero exit status), or a timeout error.
func (p *Process) Wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		return fmt.Errorf("peer did not exit within %v", d)
	}
}

// Done is closed when the program has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitListening waits until something accepts TCP connections on
// 127.0.0.1:port, the process exits, or d passes.
func (p *Process) WaitListening(tb testing.TB, port int, d time.Duration) {
	tb.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		var dialer net.Dialer
		c, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-p.done:
			tb.Fatalf("peer exited before listening on %s: %v\n%s", addr, p.err, p.Output())
		case <-ctx.Done():
			tb.Fatalf("peer not listening on %s after %v\n%s", addr, d, p.Output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitOutput waits until the program has printed s, the program exits, or
// d passes; it fails the test in the last two cases.
func (p *Process) WaitOutput(tb testing.TB, s string, d time.Duration) {
	tb.Helper()
	deadline := time.After(d)
	for !strings.Contains(p.Output(), s) {
		select {
		case <-p.done:
			if strings.Contains(p.Output(), s) {
				return
			}
			tb.Fatalf("peer exited before printing %q: %v\n%s", s, p.err, p.Output())
		case <-deadline:
			tb.Fatalf("peer did not print %q within %v\n%s", s, d, p.Output())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
