package ssl

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpssl/ssl/record"
)

// next returns the next message on ch, failing the test after hangLimit.
func next(t *testing.T, ch <-chan Message) Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(hangLimit):
		t.Fatal("no message arrived")
	}
	return nil
}

// nextData returns the data of the next message, which must be Data.
func nextData(t *testing.T, s *Socket, ch <-chan Message) []byte {
	t.Helper()
	m := next(t, ch)
	d, ok := m.(Data)
	if !ok {
		t.Fatalf("got %v, want Data", m)
	}
	if d.Sock != s || d.Socket() != s {
		t.Fatal("the message names another socket")
	}
	if len(d.Data) == 0 {
		t.Fatal("an empty Data message")
	}
	return d.Data
}

// empty fails unless ch holds no message.
func empty(t *testing.T, ch <-chan Message) {
	t.Helper()
	select {
	case m := <-ch:
		t.Fatalf("unexpected message %v", m)
	default:
	}
}

func TestActiveTrueDeliversData(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), nil, []Option{Active(false)})
	if err := client.Send([]byte("foo")); err != nil {
		t.Fatal(err)
	}
	got := nextData(t, server, server.Messages())
	if string(got) != "foo" {
		t.Fatalf("Data %q", got)
	}
	got[0] = 'X' // the owner's copy
	if err := client.Send([]byte("bar")); err != nil {
		t.Fatal(err)
	}
	if got := nextData(t, server, server.Messages()); string(got) != "bar" {
		t.Fatalf("Data %q", got)
	}
	opts, _ := server.Getopts("active")
	if opts[0].Value != true {
		t.Errorf("Getopts active = %v", opts[0].Value)
	}
}

// TestActiveTransitionsLoseNothing streams numbered bytes while the
// receiver goes through every mode, and checks that the bytes come out
// exactly once and in order.
func TestActiveTransitionsLoseNothing(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false)}, []Option{Active(false)})
	const total = 600 << 10
	sendErr := make(chan error, 1)
	go func() {
		data := numbered(0, total)
		for off := 0; off < total; {
			n := min(1+off%3001, total-off)
			if err := client.Send(data[off : off+n]); err != nil {
				sendErr <- err
				return
			}
			off += n
		}
		sendErr <- nil
	}()

	var got []byte
	msgs := server.Messages()
	take := func(n int) { // take up to n messages in active mode
		for i := 0; i < n && len(got) < total; i++ {
			got = append(got, nextData(t, server, msgs)...)
		}
	}
	drain := func() { // messages sent before a switch to passive mode
		for {
			select {
			case m := <-msgs:
				d, ok := m.(Data)
				if !ok {
					if _, passive := m.(Passive); passive {
						continue
					}
					t.Fatalf("unexpected %v", m)
				}
				got = append(got, d.Data...)
			default:
				return
			}
		}
	}
	recv := func(length int) {
		if len(got) >= total {
			return
		}
		length = min(length, total-len(got))
		b, err := server.Recv(length, hangLimit)
		if err != nil {
			t.Fatalf("Recv(%d): %v", length, err)
		}
		got = append(got, b...)
	}
	setopts := func(o Option) {
		if err := server.Setopts(o); err != nil {
			t.Fatalf("Setopts(%v): %v", o, err)
		}
	}
	for round := 0; len(got) < total; round++ {
		setopts(Active(true))
		take(3)
		setopts(Active(false))
		drain()
		recv(0)
		recv(1000)
		setopts(ActiveOnce())
		take(1)
		drain() // once: at most one message, already taken
		recv(5)
		setopts(ActiveN(4)) // four messages, then Passive
		for i := 0; i < 4 && len(got) < total; i++ {
			got = append(got, nextData(t, server, msgs)...)
		}
		if len(got) < total {
			if m := next(t, msgs); m != (Passive{Sock: server}) {
				t.Fatalf("after ActiveN ran out: %v, want Passive", m)
			}
			if opts, _ := server.Getopts("active"); opts[0].Value != false {
				t.Fatalf("after Passive, active = %v", opts[0].Value)
			}
		}
		recv(0)
		setopts(ActiveN(10))
		take(2)
		setopts(ActiveN(-20)) // the count drops below 0: passive, no message
		drain()
		recv(3)
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	checkNumbered(t, got, total)
}

func TestActiveOnce(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{ActiveOnce()}, []Option{Active(false)})
	if err := client.Send([]byte("one")); err != nil {
		t.Fatal(err)
	}
	if got := nextData(t, server, server.Messages()); string(got) != "one" {
		t.Fatalf("Data %q", got)
	}
	if err := client.Send([]byte("two")); err != nil {
		t.Fatal(err)
	}
	// Passive now: the data waits for Recv.
	if got := recvExactly(t, server, 3); string(got) != "two" {
		t.Fatalf("Recv after active once: %q", got)
	}
	empty(t, server.Messages())
}

func TestActiveNPassiveMessage(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{ActiveN(2)}, []Option{Active(false)})
	for i := 0; i < 3; i++ {
		if err := client.Send([]byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []byte
	for len(got) < 2 {
		got = append(got, nextData(t, server, server.Messages())...)
	}
	// Each record is one message; two records give two Data, then Passive.
	if m := next(t, server.Messages()); m != (Passive{Sock: server}) {
		t.Fatalf("got %v, want Passive", m)
	}
	if got := recvExactly(t, server, 1); string(got) != "c" {
		t.Fatalf("Recv after Passive = %q", got)
	}
	if string(got) != "ab" {
		t.Fatalf("Data %q", got)
	}
	empty(t, server.Messages())
	if opts, _ := server.Getopts("active"); opts[0].Value != false {
		t.Errorf("active = %v", opts[0].Value)
	}
	if err := server.Setopts(ActiveN(5)); err != nil {
		t.Fatal(err)
	}
	if opts, _ := server.Getopts("active"); opts[0].Value != 5 {
		t.Errorf("active after ActiveN(5) = %v", opts[0].Value)
	}
	if err := server.Setopts(ActiveN(3)); err != nil {
		t.Fatal(err)
	}
	if opts, _ := server.Getopts("active"); opts[0].Value != 8 {
		t.Errorf("active after adding 3 = %v", opts[0].Value)
	}
}

func TestControllingProcessUnderTraffic(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), nil, []Option{Active(false)})
	const total = 300 << 10
	go func() {
		data := numbered(0, total)
		for off := 0; off < total; off += 1000 {
			if client.Send(data[off:min(off+1000, total)]) != nil {
				return
			}
		}
	}()
	var got []byte
	owner := server.Messages()
	for round := 0; len(got) < total; round++ {
		// Take a few messages, hand over to a new channel, take what the
		// old one still holds, and go on with the new one.
		for i := 0; i < 5 && len(got) < total; i++ {
			got = append(got, nextData(t, server, owner)...)
		}
		var nextOwner chan Message
		if round%3 != 2 {
			nextOwner = make(chan Message, round%4) // unbuffered ones too
		}
		if err := server.ControllingProcess(nextOwner); err != nil {
			t.Fatal(err)
		}
	drain:
		for {
			select {
			case m := <-owner:
				got = append(got, m.(Data).Data...)
			default:
				break drain
			}
		}
		if nextOwner == nil {
			owner = server.Messages()
		} else {
			owner = nextOwner
		}
	}
	checkNumbered(t, got, total)
}

// TestClosedOnceInEveryMode closes the peer while the socket is in each
// mode and checks that Closed comes exactly once, last.
func TestClosedOnceInEveryMode(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	modes := []struct {
		name string
		opt  Option
	}{
		{"true", Active(true)},
		{"once", ActiveOnce()},
		{"n", ActiveN(3)},
		{"passive", Active(false)},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			server, client := pair(t, c, []Option{m.opt}, []Option{Active(false)})
			if err := client.Send([]byte("last words")); err != nil {
				t.Fatal(err)
			}
			client.Close()
			var got []byte
			closed := 0
			for closed == 0 {
				if !server.isActive() {
					// once and N run out, passive never started: go
					// active to see the rest, as Erlang's setopts does.
					if err := server.Setopts(Active(true)); err != nil {
						t.Fatal(err)
					}
				}
				switch msg := next(t, server.Messages()).(type) {
				case Data:
					got = append(got, msg.Data...)
				case Closed:
					closed++
				case Passive:
				default:
					t.Fatalf("unexpected %v", msg)
				}
			}
			if string(got) != "last words" {
				t.Errorf("data before Closed: %q", got)
			}
			// Going active again delivers nothing more.
			if err := server.Setopts(Active(true)); err != nil {
				t.Fatal(err)
			}
			server.Close() // waits for the reader
			empty(t, server.Messages())
		})
	}
}

func TestLocalCloseInActiveModeSendsNothing(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	for _, opt := range []Option{Active(true), ActiveOnce(), ActiveN(4), Active(false)} {
		server, client := pair(t, c, []Option{opt}, []Option{Active(false)})
		if err := server.Close(); err != nil {
			t.Fatal(err)
		}
		empty(t, server.Messages())
		if _, err := client.Recv(0, hangLimit); err != ErrClosed {
			t.Errorf("%v: the peer's Recv = %v, want ErrClosed", opt, err)
		}
	}
}

// TestCloseUnblocksFullMailbox closes an active socket whose owner takes
// nothing while the peer keeps sending.
func TestCloseUnblocksFullMailbox(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), nil, []Option{Active(false)})
	for i := 0; i < 3*DefaultMailboxSize; i++ {
		if err := client.Send([]byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Fill the mailbox (not needed for the test to pass, only to make the
	// reader block).
	for end := time.Now().Add(hangLimit); len(server.Messages()) < DefaultMailboxSize && time.Now().Before(end); {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { server.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(hangLimit):
		t.Fatal("Close hung on a full mailbox")
	}
	if n := len(server.Messages()); n > DefaultMailboxSize {
		t.Errorf("%d messages buffered", n)
	}
}

// TestFlowControl checks that an owner that does not take messages stops
// the reading: the sender blocks, and everything arrives once the owner
// takes its messages.
func TestFlowControl(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), nil, []Option{Active(false), SendTimeout(300 * time.Millisecond)})
	chunk := numbered(0, 16<<10)
	sent := 0
	for {
		if err := client.Send(chunk); err != nil {
			if !errors.Is(err, ErrTimeout) {
				t.Fatal(err)
			}
			break
		}
		sent++
		if sent > 10000 {
			t.Fatal("the sender never blocked: nothing holds the data back")
		}
	}
	if n := len(server.Messages()); n != DefaultMailboxSize {
		t.Errorf("mailbox holds %d messages, want it full (%d)", n, DefaultMailboxSize)
	}
	// Everything sent arrives.
	var got int
	for got < sent*len(chunk) {
		got += len(nextData(t, server, server.Messages()))
	}
}

func TestActiveErrorThenClosed(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), nil, []Option{Active(false)})
	// A record the server cannot open: bad_record_mac.
	if _, err := client.transport.Write([]byte{23, 3, 3, 0, 40, 1, 2, 3, 4, 5, 6, 7, 8,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	m := next(t, server.Messages())
	e, ok := m.(Error)
	if !ok {
		t.Fatalf("got %v, want Error", m)
	}
	var ae *AlertError
	if !errors.As(e.Reason, &ae) || ae.Remote || record.Description(ae.Description) != record.BadRecordMAC {
		t.Fatalf("Error reason %v, want a bad_record_mac this side sent", e.Reason)
	}
	if m := next(t, server.Messages()); m != (Closed{Sock: server}) {
		t.Fatalf("after Error: %v, want Closed", m)
	}
	// The peer receives the alert.
	if _, err := client.Recv(0, hangLimit); !errors.As(err, &ae) || !ae.Remote || record.Description(ae.Description) != record.BadRecordMAC {
		t.Fatalf("the peer's Recv = %v, want the bad_record_mac alert", err)
	}
	if err := server.Send([]byte("x")); !errors.Is(err, record.Alert{Description: record.BadRecordMAC}) {
		t.Errorf("Send after the fatal alert = %v, want the same alert", err)
	}
}

func TestMessageStrings(t *testing.T) {
	cases := map[string]fmt.Stringer{
		"{ssl,Socket,<<3 bytes>>}":    Data{Data: []byte("abc")},
		"{ssl_closed,Socket}":         Closed{},
		"{ssl_passive,Socket}":        Passive{},
		"{ssl_error,Socket,closed}":   Error{Reason: ErrClosed},
		"{ssl_error,Socket,\"boom\"}": Error{Reason: errors.New("boom")},
		"{ssl_error,Socket,timeout}":  Error{Reason: ErrTimeout},
	}
	for want, m := range cases {
		if got := m.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", m, got, want)
		}
	}
}
