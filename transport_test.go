package ssl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// The transport tests run the socket calls over transports other than
// TCP: net.Pipe (synchronous, no half-close, no IP addresses) through the
// upgrade calls, and Unix sockets through CBInfo's Dial and Listen.

// pipePair upgrades the two ends of a net.Pipe.
func pipePair(t *testing.T, serverOpts, clientOpts []Option) (server, client *Socket) {
	t.Helper()
	c := newCreds(t)
	a, b := net.Pipe()
	ch := make(chan *Socket, 1)
	go func() {
		s, err := SSLAcceptConn(a, c.serverOpts(serverOpts...), hangLimit)
		if err != nil {
			t.Error(err)
		}
		ch <- s
	}()
	client, err := ConnectConn(b, c.clientOpts(clientOpts...), hangLimit)
	server = <-ch
	if err != nil || server == nil {
		t.Fatalf("ConnectConn: %v", err)
	}
	t.Cleanup(func() {
		// Both at once: a pipe takes the close_notify only when the
		// other side reads.
		done := make(chan struct{})
		go func() { server.Close(); close(done) }()
		client.Close()
		<-done
	})
	return server, client
}

// unixPair connects over a Unix socket with CBInfo.
func unixPair(t *testing.T, serverOpts, clientOpts []Option) (server, client *Socket) {
	t.Helper()
	c := newCreds(t)
	path := filepath.Join(t.TempDir(), "tls.sock")
	cb := CBInfo(CallbackInfo{
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		Listen: func(network, address string) (net.Listener, error) { return net.Listen("unix", path) },
	})
	ls, err := Listen(0, c.serverOpts(append([]Option{cb}, serverOpts...)...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	ch := make(chan *Socket, 1)
	go func() {
		s, err := ls.TransportAccept(hangLimit)
		if err == nil {
			if err = s.SSLAccept(hangLimit); err != nil {
				s.Close()
			}
		}
		if err != nil {
			t.Error(err)
			s = nil
		}
		ch <- s
	}()
	client, err = Connect("localhost", 443, c.clientOpts(append([]Option{cb}, clientOpts...)...), hangLimit)
	server = <-ch
	if err != nil || server == nil {
		t.Fatalf("Connect over a Unix socket: %v", err)
	}
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return server, client
}

func TestOtherTransports(t *testing.T) {
	checkLeaks(t)
	for _, tr := range []struct {
		name string
		pair func(*testing.T, []Option, []Option) (*Socket, *Socket)
		half bool // the transport has CloseWrite
	}{
		{"pipe", pipePair, false},
		{"unix", unixPair, true},
	} {
		t.Run(tr.name, func(t *testing.T) {
			server, client := tr.pair(t, []Option{Active(false), ExitOnClose(false), HibernateAfter(10 * time.Millisecond)},
				[]Option{Active(false), ExitOnClose(false)})

			// Data, with a framing, in passive and active mode.
			go func() { _ = client.Send([]byte("raw bytes")) }()
			if got := recvExactly(t, server, 9); string(got) != "raw bytes" {
				t.Fatalf("got %q", got)
			}
			if err := server.Setopts(Packet(Packet4), Active(true)); err != nil {
				t.Fatal(err)
			}
			if err := client.Setopts(Packet(Packet4)); err != nil {
				t.Fatal(err)
			}
			go func() { _ = client.Send([]byte("packet one"), []byte(" and more")) }()
			if got := nextData(t, server, server.Messages()); string(got) != "packet one and more" {
				t.Fatalf("got %q", got)
			}
			if err := server.Setopts(Active(false), Packet(PacketRaw)); err != nil {
				t.Fatal(err)
			}
			if err := client.Setopts(Packet(PacketRaw)); err != nil {
				t.Fatal(err)
			}

			// Options of the system are stored and reported.
			if err := server.Setopts(Nodelay(true), RecBuf(4096)); err != nil {
				t.Fatal(err)
			}
			if opts, _ := server.Getopts("nodelay", "recbuf"); opts[0].Value != true || opts[1].Value != 4096 {
				t.Errorf("Getopts = %v", opts)
			}

			// Time-outs use the transport's deadlines.
			if _, err := server.Recv(0, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
				t.Errorf("Recv with nothing to read = %v", err)
			}

			// Statistics and key material.
			st, err := server.Getstat()
			if err != nil || st["recv_oct"] == 0 || st["send_oct"] == 0 || st["recv_cnt"] == 0 {
				t.Errorf("Getstat = %v, %v", st, err)
			}
			a, err1 := server.PRF(MasterSecret, []byte("x"), []PRFSeed{ClientRandom, ServerRandom}, 20)
			b, err2 := client.PRF(MasterSecret, []byte("x"), []PRFSeed{ClientRandom, ServerRandom}, 20)
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("PRF: %x %v, %x %v", a, err1, b, err2)
			}

			// Hibernation after activity, then data again.
			before := server.hib.count.Load()
			go func() { _ = client.Send([]byte("sleep")) }()
			if got := recvExactly(t, server, 5); string(got) != "sleep" {
				t.Fatalf("got %q", got)
			}
			waitFor(t, "hibernation", func() bool { return server.hib.count.Load() > before && server.hib.asleep.Load() })
			go func() { _ = client.Send([]byte("awake")) }()
			if got := recvExactly(t, server, 5); string(got) != "awake" {
				t.Fatalf("got %q", got)
			}

			if tr.name == "pipe" {
				if _, err := server.Peername(); err == nil {
					t.Error("Peername of a pipe succeeded")
				}
			}

			// Shutdown(Write): close_notify; the peer (exit_on_close
			// false) still answers.
			done := make(chan error, 1)
			go func() { done <- client.Shutdown(Write) }()
			if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
				t.Fatalf("Recv after the peer's Shutdown(Write) = %v", err)
			}
			if err := <-done; err != nil {
				t.Fatalf("Shutdown(Write): %v", err)
			}
			go func() { _ = server.Send([]byte("after half-close")) }()
			if got := recvExactly(t, client, 16); string(got) != "after half-close" {
				t.Fatalf("got %q", got)
			}

			// Downgrade both: plain bytes from the server, which has not
			// half-closed.
			type res struct {
				c   net.Conn
				err error
			}
			ch := make(chan res, 1)
			go func() {
				c, err := server.CloseDowngrade(hangLimit)
				ch <- res{c, err}
			}()
			cplain, err := client.CloseDowngrade(hangLimit)
			if err != nil {
				t.Fatalf("client CloseDowngrade: %v", err)
			}
			defer cplain.Close()
			r := <-ch
			if r.err != nil {
				t.Fatalf("server CloseDowngrade: %v", r.err)
			}
			defer r.c.Close()
			_ = cplain.SetDeadline(time.Now().Add(hangLimit))
			go func() { _, _ = r.c.Write([]byte("plain over " + tr.name + "\n")) }()
			line, err := bufio.NewReader(cplain).ReadString('\n')
			if err != nil || line != "plain over "+tr.name+"\n" {
				t.Fatalf("plain line %q, %v", line, err)
			}
			if tr.half {
				// The client's Shutdown half-closed the Unix socket: the
				// server's plain side reads the end.
				_ = r.c.SetDeadline(time.Now().Add(hangLimit))
				if n, err := r.c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("server plain read after the half-close: %d, %v", n, err)
				}
			}
		})
	}
}

// TestSendUpdatesKeysAtKeyUpdateAt: Send goes through TLS 1.3's automatic
// key update: past key_update_at bytes the write keys change, packets
// included, and the data arrives whole.
func TestSendUpdatesKeysAtKeyUpdateAt(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false), Packet(Packet2), KeepSecrets(true)},
		[]Option{Active(false), Packet(Packet2), KeyUpdateAt(1000), KeepSecrets(true), Versions(TLSv1_3)})
	msg := bytes.Repeat([]byte("k"), 700)
	for i := 0; i < 5; i++ {
		if err := client.Send(msg); err != nil {
			t.Fatal(err)
		}
		if got, err := server.Recv(0, hangLimit); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("packet %d: %d bytes, %v", i, len(got), err)
		}
	}
	info, err := client.ConnectionInformation("client_traffic_secret")
	if err != nil || info.ClientKeyUpdates < 2 {
		t.Errorf("client key updates after 3500 bytes with key_update_at 1000: %d, %v", info.ClientKeyUpdates, err)
	}
}
