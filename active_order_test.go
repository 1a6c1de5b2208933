package ssl

import (
	"testing"
	"time"
)

// TestActiveOnceLoop: an owner that takes each message and sets active
// once again at once (the usual Erlang loop) never loses an activation to
// the delivery it just took, whatever the timing.
func TestActiveOnceLoop(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false), Packet(Packet2)}, []Option{Active(false), Packet(Packet2)})
	const n = 300
	go func() {
		for i := 0; i < n; i++ {
			if err := client.Send([]byte{byte(i >> 8), byte(i)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		if err := server.Setopts(ActiveOnce()); err != nil {
			t.Fatal(err)
		}
		d, ok := next(t, server.Messages()).(Data)
		if !ok || len(d.Data) != 2 || int(d.Data[0])<<8|int(d.Data[1]) != i {
			t.Fatalf("message %d: %v", i, d)
		}
	}
	empty(t, server.Messages())
}

// TestRecvTakesAnUndeliveredMessage: with active once, a message the
// owner has not taken yet goes to a Recv instead (the socket counts as
// passive once the message is on its way), never to both.
func TestRecvTakesAnUndeliveredMessage(t *testing.T) {
	checkLeaks(t)
	owner := make(chan Message) // unbuffered: the delivery waits
	server, client := pair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false)})
	if err := server.ControllingProcess(owner); err != nil {
		t.Fatal(err)
	}
	if err := client.Send([]byte("only once")); err != nil {
		t.Fatal(err)
	}
	if err := server.Setopts(ActiveOnce()); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(hangLimit); ; time.Sleep(time.Millisecond) {
		server.mu.Lock()
		sending := server.sending
		server.mu.Unlock()
		if sending {
			break
		}
		if time.Now().After(end) {
			t.Fatal("no delivery started")
		}
	}
	got, err := server.Recv(0, hangLimit)
	if err != nil || string(got) != "only once" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
	select {
	case m := <-owner:
		t.Fatalf("the owner got %v too", m)
	case <-time.After(20 * time.Millisecond):
	}
	if opts, _ := server.Getopts("active"); opts[0].Value != false {
		t.Errorf("active = %v after the Recv", opts[0].Value)
	}
}
