package ssl

import (
	"bytes"
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
