package peertest

import (
	"net"
	"strconv"
	"testing"
	"time"
)

func TestRequiredReadsTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		val  string
		want bool
	}{{"", false}, {"0", false}, {"1", true}, {"yes", true}} {
		t.Setenv(RequireEnv, c.val)
		if got := Required(); got != c.want {
			t.Errorf("%s=%q: Required() = %v, want %v", RequireEnv, c.val, got, c.want)
		}
	}
}

func TestRequireFindsAProgramOnPath(t *testing.T) {
	if Require(t, "sh") == "" {
		t.Fatal("Require returned an empty path for sh")
	}
}

func TestProcessOutputAndExit(t *testing.T) {
	p := Start(t, "sh", "-c", "read line; echo got $line; exit 3")
	if _, err := p.Stdin.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	p.WaitOutput(t, "got hello", 5*time.Second)
	if err := p.Wait(5 * time.Second); err == nil {
		t.Fatal("exit status 3 reported as success")
	}
}

func TestWaitListeningSeesAListener(t *testing.T) {
	port := FreePort(t)
	p := Start(t, "sh", "-c", "sleep 30")
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	p.WaitListening(t, port, 5*time.Second)
}
