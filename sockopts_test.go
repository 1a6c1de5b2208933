package ssl

import (
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestSetoptsAppliesToTheTransport: every socket option Setopts takes is
// reported by Getopts, and the operating system's ones reach the live TCP
// socket.
func TestSetoptsAppliesToTheTransport(t *testing.T) {
	if !isUnix {
		t.Skip("the live values are read with getsockopt on Unix")
	}
	checkLeaks(t)
	server, _ := pair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false)})
	set := []Option{
		Mode(List), Header(3), Packet(PacketLine), PacketSize(4096), LineDelimiter('\r'),
		Deliver(DeliverTerm), ExitOnClose(false), SendTimeout(3 * time.Second), SendTimeoutClose(true),
		DelaySend(true), ReuseAddr(true), Nodelay(true), Keepalive(true), Buffer(8192),
		RecBuf(65536), SndBuf(65536), LingerOption(true, 7*time.Second), TOS(0x10), ShowEconnreset(true),
	}
	if runtime.GOOS == "linux" {
		set = append(set, Priority(5))
	}
	if err := server.Setopts(set...); err != nil {
		t.Fatalf("Setopts: %v", err)
	}
	names := make([]string, len(set))
	for i, o := range set {
		names[i] = o.Name
	}
	got, err := server.Getopts(names...)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range got {
		if o.Name != set[i].Name || o.Value != set[i].Value {
			t.Errorf("Getopts %s = %#v, want %#v", set[i].Name, o.Value, set[i].Value)
		}
	}

	live := func(name string) int {
		t.Helper()
		v, ok := liveSocketOption(server.transport, name)
		if !ok {
			t.Fatalf("the live %s cannot be read", name)
		}
		switch x := v.(type) {
		case bool:
			return boolInt(x)
		case int:
			return x
		}
		t.Fatalf("live %s = %#v", name, v)
		return 0
	}
	for name, want := range map[string]int{"nodelay": 1, "keepalive": 1, "reuseaddr": 1, "tos": 0x10} {
		if got := live(name); got != want {
			t.Errorf("live %s = %d, want %d", name, got, want)
		}
	}
	// The kernel reports buffer sizes as it keeps them (Linux doubles).
	if got := live("recbuf"); got < 65536 {
		t.Errorf("live recbuf = %d", got)
	}
	if got := live("sndbuf"); got < 65536 {
		t.Errorf("live sndbuf = %d", got)
	}
	if runtime.GOOS == "linux" {
		if got := live("priority"); got != 5 {
			t.Errorf("live priority = %d, want 5", got)
		}
	}
	if runtime.GOOS == "linux" {
		if on, secs := liveLinger(t, server.transport); on != 1 || secs != 7 {
			t.Errorf("live linger = %d, %d, want on, 7 s", on, secs)
		}
	}

	// Turning them off again reaches the socket too.
	if err := server.Setopts(Nodelay(false), Keepalive(false), LingerOption(false, 0)); err != nil {
		t.Fatal(err)
	}
	if live("nodelay") != 0 || live("keepalive") != 0 {
		t.Error("nodelay or keepalive still on")
	}
	if runtime.GOOS == "linux" {
		if on, _ := liveLinger(t, server.transport); on != 0 {
			t.Errorf("live linger on = %d, want off", on)
		}
	}

	// Options never set are read from the socket.
	all, err := server.Getopts()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(socketOptionNames) {
		t.Errorf("Getopts() gave %d options, want %d", len(all), len(socketOptionNames))
	}
}

// TestSetoptsSystemRefusal: an option the system refuses is an
// *OptionError with the system's reason, and the socket's settings do not
// change.
func TestSetoptsSystemRefusal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SO_PRIORITY is Linux's")
	}
	checkLeaks(t)
	server, _ := pair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false)})
	err := server.Setopts(Packet(Packet2), Priority(7))
	got, _ := server.Getopts("priority", "packet")
	if os.Geteuid() == 0 {
		// Root may set any priority.
		if err != nil || got[0].Value != 7 || got[1].Value != Packet2 {
			t.Fatalf("as root: Setopts = %v, Getopts %v", err, got)
		}
		if v, _ := liveSocketOption(server.transport, "priority"); v != 7 {
			t.Errorf("live priority %v", v)
		}
	} else {
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Reason != "eperm" || oe.Term() != "{options,{socket_options,[{priority,7}],eperm}}" {
			t.Fatalf("Setopts(priority 7) = %v, want eperm", err)
		}
		if got[1].Value != PacketRaw {
			t.Errorf("a refused Setopts changed the packet type to %v", got[1].Value)
		}
	}

	// A transport the system no longer knows: the failure names the
	// option.
	c1, c2 := tcpPair(t)
	c2.Close()
	c1.Close()
	sock := defaultSocketOptions()
	sock.nodelay = optBool{v: true, set: true}
	var oe *OptionError
	if err := applySocketOptions(c1, &sock, nil); !errors.As(err, &oe) || oe.Name != "nodelay" {
		t.Errorf("options on a closed connection: %v", err)
	}
}

// tcpPair returns two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2 := <-ch
	if c2 == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c1.Close(); c2.Close() })
	return c1.(*net.TCPConn), c2.(*net.TCPConn)
}

// TestShowEconnreset: a reset from the peer is ErrClosed by default and
// econnreset with show_econnreset, in passive and active mode.
func TestShowEconnreset(t *testing.T) {
	checkLeaks(t)
	creds := newCreds(t)
	for _, show := range []bool{false, true} {
		for _, active := range []bool{false, true} {
			server, client := pair(t, creds, []Option{Active(active), ShowEconnreset(show)}, []Option{Active(false)})
			// Linger 0: the close sends a TCP RST.
			tc := client.transport.(*net.TCPConn)
			if err := tc.SetLinger(0); err != nil {
				t.Fatal(err)
			}
			tc.Close()
			var err error
			if active {
				m := next(t, server.Messages())
				if e, ok := m.(Error); ok {
					err = e.Reason
					m = next(t, server.Messages())
				} else {
					err = ErrClosed
				}
				if _, ok := m.(Closed); !ok {
					t.Fatalf("show %v: got %v, want Closed", show, m)
				}
			} else {
				_, err = server.Recv(0, hangLimit)
			}
			if show {
				if !errors.Is(err, syscall.ECONNRESET) || reasonTerm(err) != "econnreset" {
					t.Errorf("show_econnreset, active %v: %v", active, err)
				}
			} else if err != ErrClosed {
				t.Errorf("default, active %v: %v, want ErrClosed", active, err)
			}
		}
	}
}
