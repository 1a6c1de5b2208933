package ssl

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// recvAsync receives n bytes on s in another goroutine.
func recvAsync(s *Socket, n int) <-chan recvResult {
	ch := make(chan recvResult, 1)
	go func() {
		b, err := s.Recv(n, hangLimit)
		ch <- recvResult{b, err}
	}()
	return ch
}

type recvResult struct {
	b   []byte
	err error
}

func clientRandomOf(t *testing.T, s *Socket) []byte {
	t.Helper()
	info, err := s.ConnectionInformation("client_random")
	if err != nil {
		t.Fatal(err)
	}
	return info.ClientRandom
}

// TestRenegotiatePassive renegotiates passive sockets from either side.
func TestRenegotiatePassive(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, initiator := range []string{"client", "server"} {
		t.Run(initiator, func(t *testing.T) {
			server, client := passivePair12(t, c)
			before := clientRandomOf(t, client)
			a, b := client, server
			if initiator == "server" {
				a, b = server, client
			}
			got := recvAsync(b, 5)
			if err := a.Renegotiate(); err != nil {
				t.Fatalf("Renegotiate: %v", err)
			}
			if err := a.Send([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.err != nil || string(r.b) != "hello" {
				t.Fatalf("Recv %q, %v", r.b, r.err)
			}
			after := clientRandomOf(t, client)
			if bytes.Equal(before, after) || !bytes.Equal(after, clientRandomOf(t, server)) {
				t.Fatalf("client random %x -> %x (server %x)", before, after, clientRandomOf(t, server))
			}
			_ = time.Second
		})
	}
}

// seqTraffic sends n numbered packets on s.
func seqTraffic(s *Socket, n int, errs chan<- error) {
	go func() {
		for i := 0; i < n; i++ {
			if err := s.Send([]byte(fmt.Sprintf("seq %d %s", i, strings.Repeat("x", i%700)))); err != nil {
				errs <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		errs <- nil
	}()
}

// checkSeq reports whether p is packet i of seqTraffic.
func checkSeq(p []byte, i int) error {
	want := fmt.Sprintf("seq %d %s", i, strings.Repeat("x", i%700))
	if string(p) != want {
		return fmt.Errorf("packet %d: got %.40q", i, p)
	}
	return nil
}

// activeReceive takes n packets of seqTraffic from s's messages; with
// reneg set it calls Renegotiate from the owner itself at packet n/2.
func activeReceive(t *testing.T, s *Socket, n int, reneg bool, errs chan<- error) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for i := 0; i < n; {
			select {
			case m := <-s.Messages():
				d, ok := m.(Data)
				if !ok {
					errs <- fmt.Errorf("message %d: %#v", i, m)
					return
				}
				if err := checkSeq(d.Data, i); err != nil {
					errs <- err
					return
				}
				i++
				if reneg && i == n/2 {
					if err := s.Renegotiate(); err != nil {
						errs <- fmt.Errorf("Renegotiate from the owner: %w", err)
						return
					}
				}
			case <-time.After(hangLimit):
				errs <- fmt.Errorf("no packet %d", i)
				return
			case <-stop:
				errs <- fmt.Errorf("stopped at packet %d", i)
				return
			}
		}
		errs <- nil
	}()
}

// TestRenegotiateActiveTraffic renegotiates many times in a row, from
// either side, while both send numbered packets: none is lost or
// reordered, and the owner itself may renegotiate while data comes.
func TestRenegotiateActiveTraffic(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	const n = 400
	noRenegotiationWait(t)
	for _, initiator := range []string{"client", "server"} {
		t.Run(initiator, func(t *testing.T) {
			opts := []Option{Versions(TLSv1_2), Packet(4)}
			server, client := pair(t, c, opts, opts)
			a, b := client, server
			if initiator == "server" {
				a, b = server, client
			}
			before := clientRandomOf(t, client)
			errs := make(chan error, 4)
			seqTraffic(a, n, errs)
			seqTraffic(b, n, errs)
			activeReceive(t, a, n, true, errs)
			activeReceive(t, b, n, false, errs)
			for i := 0; i < 5; i++ {
				if err := a.Renegotiate(); err != nil {
					t.Fatalf("Renegotiate %d: %v", i, err)
				}
			}
			for i := 0; i < 4; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			sameHandshake(t, server, client, before)
		})
	}
}

// noRenegotiationWait lifts the server's wait between client-initiated
// renegotiations for the sockets the test makes.
func noRenegotiationWait(t *testing.T) {
	old := renegotiationWait
	renegotiationWait = 0
	t.Cleanup(func() { renegotiationWait = old })
}

// sameHandshake waits for both sides to report the same handshake, one
// other than the one whose client random was before (the side that
// finishes a renegotiation first may return before the other has read
// the last Finished).
func sameHandshake(t *testing.T, server, client *Socket, before []byte) {
	t.Helper()
	for end := time.Now().Add(hangLimit); ; time.Sleep(5 * time.Millisecond) {
		after := clientRandomOf(t, client)
		if !bytes.Equal(before, after) && bytes.Equal(after, clientRandomOf(t, server)) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("client random %x -> %x, server's %x", before, after, clientRandomOf(t, server))
		}
	}
}
