package ssl

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// The packet tests run every packet type over real TLS connections: the
// sender, in raw mode, sends the wire bytes of a stream of packets in
// records of a given size (one byte per record puts a record boundary at
// every byte; one record for all coalesces the packets), and the receiver
// cuts them into packets, in passive mode (Recv, Read) and active mode.

// sendInRecords sends wire in pieces of step bytes, each its own Send and
// so its own record(s); step 0 sends it whole. It may run in its own
// goroutine: a failure is reported with t.Error.
func sendInRecords(t *testing.T, s *Socket, wire []byte, step int) {
	t.Helper()
	if step == 0 {
		step = len(wire)
	}
	for len(wire) > 0 {
		n := min(step, len(wire))
		if err := s.Send(wire[:n]); err != nil {
			t.Errorf("Send: %v", err)
			return
		}
		wire = wire[n:]
	}
}

func packetOpts(c packetCase, extra ...Option) []Option {
	opts := []Option{Packet(c.typ)}
	if c.delim != 0 {
		opts = append(opts, LineDelimiter(c.delim))
	}
	return append(opts, extra...)
}

func TestPacketTypesOverTLS(t *testing.T) {
	checkLeaks(t)
	creds := newCreds(t)
	for _, c := range packetCases() {
		t.Run(c.name(), func(t *testing.T) {
			wire := bytes.Join(c.wire, nil)
			server, client := pair(t, creds, packetOpts(c, Active(false)), []Option{Active(false)})
			for _, step := range []int{1, 2, 3, 7, 100, 0} {
				// Passive: one packet per Recv(0).
				go sendInRecords(t, client, wire, step)
				for i, want := range c.want {
					got, err := server.Recv(0, hangLimit)
					if err != nil || !bytes.Equal(got, want) || got == nil {
						t.Fatalf("records of %d: packet %d = %q, %v; want %q", step, i, got, err, want)
					}
				}
				if b, err := server.Recv(0, 0); !errors.Is(err, ErrTimeout) {
					t.Fatalf("records of %d: bytes left over: %q, %v", step, b, err)
				}
			}

			// Active: one Data message per packet, empty ones included.
			if err := server.Setopts(Active(true)); err != nil {
				t.Fatal(err)
			}
			go sendInRecords(t, client, wire, 1)
			for i, want := range c.want {
				m := next(t, server.Messages())
				d, ok := m.(Data)
				if !ok || !bytes.Equal(d.Data, want) {
					t.Fatalf("active: message %d = %v, want %q", i, m, want)
				}
			}
			if err := server.Setopts(Active(false)); err != nil {
				t.Fatal(err)
			}

			// Read (net.Conn): the packets' bytes in order.
			go sendInRecords(t, client, wire, 5)
			want := bytes.Join(c.want, nil)
			got := make([]byte, len(want))
			_ = server.SetReadDeadline(time.Now().Add(hangLimit))
			if _, err := io.ReadFull(server, got); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Read: %q, %v; want %q", got, err, want)
			}
			_ = server.SetReadDeadline(time.Time{})
		})
	}
}

// TestPacketSendFraming: Send adds the length header with 1, 2 and 4 (one
// packet for all the pieces), and nothing with the other types.
func TestPacketSendFraming(t *testing.T) {
	checkLeaks(t)
	creds := newCreds(t)
	for _, n := range []int{1, 2, 4} {
		typ := PacketType(n)
		server, client := pair(t, creds, []Option{Active(false), Packet(typ)}, []Option{Active(false)})
		pieces := [][]byte{[]byte("ab"), nil, []byte("cde")}
		if err := server.Send(pieces...); err != nil {
			t.Fatal(err)
		}
		if err := server.Send(); err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte("q"), 250)
		if err := server.Send(big); err != nil {
			t.Fatal(err)
		}
		want := append(append(lenPrefixed(n, []byte("abcde")), lenPrefixed(n, nil)...), lenPrefixed(n, big)...)
		if got := recvExactly(t, client, len(want)); !bytes.Equal(got, want) {
			t.Errorf("packet %d: the wire has %x, want %x", n, got, want)
		}
		// Too long for the header: refused, nothing sent, the
		// connection goes on.
		if n == 1 {
			err := server.Send(make([]byte, 200), make([]byte, 56))
			if !errors.Is(err, ErrPacketTooLarge) || reasonTerm(err) != "{badarg,{packet_to_large,256,255}}" {
				t.Errorf("Send of 256 bytes with packet 1 = %v", err)
			}
			if err := server.Send([]byte("ok")); err != nil {
				t.Fatalf("Send after the refusal: %v", err)
			}
			if got := recvExactly(t, client, 3); !bytes.Equal(got, lenPrefixed(1, []byte("ok"))) {
				t.Errorf("after the refusal the wire has %x", got)
			}
		}
		// Both sides framed: packets go through whole, also large ones
		// spanning records.
		if err := client.Setopts(Packet(typ)); err != nil {
			t.Fatal(err)
		}
		if n > 1 {
			big = bytes.Repeat([]byte("r"), 60000)
		}
		if err := client.Send(big); err != nil {
			t.Fatal(err)
		}
		if got, err := server.Recv(0, hangLimit); err != nil || !bytes.Equal(got, big) {
			t.Errorf("packet %d round trip of %d bytes: %d bytes, %v", n, len(big), len(got), err)
		}
	}

	// The other types send the application's bytes as they are.
	server, client := pair(t, creds, []Option{Active(false), Packet(PacketLine)}, []Option{Active(false)})
	if err := server.Send([]byte("no newline added")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, client, 16); string(got) != "no newline added" {
		t.Errorf("line mode sent %q", got)
	}
}

// TestPacketRecvLength: in packet modes the length must be 0; in raw mode
// it is bounded.
func TestPacketRecvLength(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false), Packet(Packet2)}, []Option{Active(false)})
	if _, err := server.Recv(3, 0); reasonTerm(err) != "einval" {
		t.Errorf("Recv(3) with packet 2 = %v, want einval", err)
	}
	if err := server.Setopts(Packet(PacketRaw)); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Recv(MaxPacketSize+1, 0); reasonTerm(err) != "enomem" {
		t.Errorf("Recv(MaxPacketSize+1) = %v, want enomem", err)
	}
	// Packet 2 on the sending side: a raw receiver gets the header too.
	if err := client.Setopts(Packet(Packet2)); err != nil {
		t.Fatal(err)
	}
	if err := client.Send([]byte("xyz")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, server, 5); !bytes.Equal(got, []byte{0, 3, 'x', 'y', 'z'}) {
		t.Errorf("raw receiver got %x", got)
	}
}

// TestPacketTooLargeEndsTheConnection: a packet above packet_size is an
// error, once, after which the connection is closed, as in Erlang's ssl;
// the peer sees close_notify. In active mode the error is an Error
// message, followed by Closed.
func TestPacketTooLargeEndsTheConnection(t *testing.T) {
	checkLeaks(t)
	creds := newCreds(t)
	for _, active := range []bool{false, true} {
		server, client := pair(t, creds, []Option{Active(active), Packet(Packet2), PacketSize(10)}, []Option{Active(false), Packet(Packet2)})
		if err := client.Send([]byte("0123456789")); err != nil { // at the limit
			t.Fatal(err)
		}
		if err := client.Send([]byte("0123456789A")); err != nil { // one byte over
			t.Fatal(err)
		}
		var perr error
		if active {
			if d := nextData(t, server, server.Messages()); string(d) != "0123456789" {
				t.Fatalf("first packet %q", d)
			}
			m := next(t, server.Messages())
			e, ok := m.(Error)
			if !ok {
				t.Fatalf("got %v, want an Error", m)
			}
			perr = e.Reason
			if m := next(t, server.Messages()); m != (Closed{Sock: server}) {
				t.Fatalf("got %v after the Error, want Closed", m)
			}
		} else {
			if got, err := server.Recv(0, hangLimit); err != nil || string(got) != "0123456789" {
				t.Fatalf("first packet %q, %v", got, err)
			}
			_, perr = server.Recv(0, hangLimit)
			if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
				t.Errorf("Recv after the packet error = %v, want ErrClosed", err)
			}
		}
		var pe *PacketError
		if !errors.As(perr, &pe) || !errors.Is(perr, ErrMsgSize) || pe.Size != 11 || pe.Limit != 10 ||
			!bytes.HasPrefix(pe.Data, []byte{0, 11, '0'}) {
			t.Fatalf("active %v: error %v (%+v)", active, perr, pe)
		}
		if reasonTerm(perr) != `{invalid_packet,<<0,11,48,49,50,51,52,53,54,55,56,57,65>>}` {
			t.Errorf("term %s", reasonTerm(perr))
		}
		if err := server.Send([]byte("x")); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after the packet error = %v", err)
		}
		if _, err := client.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
			t.Errorf("the peer's Recv = %v, want ErrClosed (close_notify)", err)
		}
	}
}

// TestPacketSwitchingMidStream: Setopts changes the packet type between
// packets of one record; nothing is lost or reordered, in passive and
// active mode.
func TestPacketSwitchingMidStream(t *testing.T) {
	checkLeaks(t)
	creds := newCreds(t)
	steps := []struct {
		typ  PacketType
		want string
	}{
		{PacketLine, "line one\n"},
		{Packet2, "ab"},
		{Packet4, "cdef"},
		{PacketTPKT, string(tpkt([]byte("t")))},
		{PacketLine, "second line\n"},
		{Packet1, ""},
		{PacketASN1, string(ber([]byte{4}, "short", []byte("asn")))},
	}
	var wire []byte
	for _, st := range steps {
		switch st.typ {
		case Packet1, Packet2, Packet4:
			wire = append(wire, lenPrefixed(int(st.typ), []byte(st.want))...)
		default:
			wire = append(wire, st.want...)
		}
	}
	wire = append(wire, "raw rest"...)

	for _, mode := range []string{"passive", "active once"} {
		for _, step := range []int{0, 1, 4} {
			server, client := pair(t, creds, []Option{Active(false)}, []Option{Active(false)})
			sendInRecords(t, client, wire, step)
			for i, st := range steps {
				if err := server.Setopts(Packet(st.typ)); err != nil {
					t.Fatal(err)
				}
				var got []byte
				if mode == "passive" {
					var err error
					if got, err = server.Recv(0, hangLimit); err != nil {
						t.Fatal(err)
					}
				} else {
					if err := server.Setopts(ActiveOnce()); err != nil {
						t.Fatal(err)
					}
					m := next(t, server.Messages())
					d, ok := m.(Data)
					if !ok {
						t.Fatalf("%s records of %d: step %d: %v", mode, step, i, m)
					}
					got = d.Data
				}
				if string(got) != st.want {
					t.Fatalf("%s records of %d: step %d (%v) = %q, want %q", mode, step, i, st.typ, got, st.want)
				}
			}
			if err := server.Setopts(Packet(PacketRaw)); err != nil {
				t.Fatal(err)
			}
			if got := recvExactly(t, server, 8); string(got) != "raw rest" {
				t.Fatalf("%s records of %d: rest %q", mode, step, got)
			}
		}
	}
}

// TestPacketDecodedStaysDecoded: a packet the active reader has cut off
// and not yet delivered when the socket goes passive and changes packet
// type is delivered as it was cut.
func TestPacketDecodedStaysDecoded(t *testing.T) {
	checkLeaks(t)
	owner := make(chan Message) // unbuffered: a delivery waits for the test
	server, client := pair(t, newCreds(t), []Option{Active(false), Packet(Packet2)}, []Option{Active(false), Packet(Packet2)})
	if err := server.ControllingProcess(owner); err != nil {
		t.Fatal(err)
	}
	if err := client.Send([]byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := client.Send([]byte("second")); err != nil {
		t.Fatal(err)
	}
	if err := server.Setopts(Active(true)); err != nil {
		t.Fatal(err)
	}
	// Wait until the reader has cut the first packet and waits on the
	// channel.
	for end := time.Now().Add(hangLimit); ; time.Sleep(time.Millisecond) {
		server.mu.Lock()
		sending := server.sending
		server.mu.Unlock()
		if sending {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the reader never tried to deliver")
		}
	}
	if err := server.Setopts(Active(false), Packet(PacketRaw)); err != nil {
		t.Fatal(err)
	}
	got, err := server.Recv(0, hangLimit)
	if err != nil || string(got) != "first" {
		t.Fatalf("first Recv = %q, %v; want the decoded packet", got, err)
	}
	if got := recvExactly(t, server, 8); !bytes.Equal(got, lenPrefixed(2, []byte("second"))) {
		t.Fatalf("then raw: %x", got)
	}
}

// TestPacketCloseDropsPartialPacket: the peer closing after half a packet
// ends the receiver's data with ErrClosed; the half is dropped.
func TestPacketCloseDropsPartialPacket(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), []Option{Active(false), Packet(Packet4)}, []Option{Active(false)})
	if err := client.Send(append(lenPrefixed(4, []byte("whole")), 0, 0, 0, 9, 'h', 'a')); err != nil {
		t.Fatal(err)
	}
	client.Close()
	if got, err := server.Recv(0, hangLimit); err != nil || string(got) != "whole" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
	if got, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv of the partial packet = %q, %v; want ErrClosed", got, err)
	}
}

// TestPacketTooLargeEveryType: for every packet type, a packet one byte
// over packet_size (the body; the line, for line) ends the connection
// with a PacketError after the packet at the limit is delivered.
func TestPacketTooLargeEveryType(t *testing.T) {
	checkLeaks(t)
	creds := newCreds(t)
	ten, eleven := []byte("0123456789"), []byte("0123456789A")
	tests := []struct {
		typ       PacketType
		ok, over  []byte
		delivered []byte
	}{
		{Packet1, lenPrefixed(1, ten), lenPrefixed(1, eleven), ten},
		{Packet4, lenPrefixed(4, ten), lenPrefixed(4, eleven), ten},
		{PacketLine, []byte("012345678\n"), []byte("0123456789\n"), []byte("012345678\n")},
		{PacketASN1, ber([]byte{4}, "short", ten), ber([]byte{4}, "long2", eleven), ber([]byte{4}, "short", ten)},
		{PacketTPKT, tpkt(ten), tpkt(eleven), tpkt(ten)},
		{PacketCDR, giop(true, ten), giop(true, eleven), giop(true, ten)},
		{PacketSunRM, sunrm(true, ten), sunrm(false, eleven), sunrm(true, ten)},
		{PacketFCGI, fcgi(ten[:8], 2), fcgi(ten, 1), fcgi(ten[:8], 2)},
	}
	for _, tc := range tests {
		server, client := pair(t, creds, []Option{Active(false), Packet(tc.typ), PacketSize(10)}, []Option{Active(false)})
		if err := client.Send(tc.ok, tc.over); err != nil {
			t.Fatal(err)
		}
		if got, err := server.Recv(0, hangLimit); err != nil || !bytes.Equal(got, tc.delivered) {
			t.Fatalf("%v: packet at the limit: %q, %v", tc.typ, got, err)
		}
		_, err := server.Recv(0, hangLimit)
		var pe *PacketError
		if !errors.As(err, &pe) || pe.Size != 11 || pe.Limit != 10 || pe.Packet != tc.typ {
			t.Fatalf("%v: packet over the limit: %v", tc.typ, err)
		}
		if _, err := server.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
			t.Errorf("%v: Recv after the error = %v", tc.typ, err)
		}
		if _, err := client.Recv(0, hangLimit); !errors.Is(err, ErrClosed) {
			t.Errorf("%v: the peer's Recv = %v, want ErrClosed", tc.typ, err)
		}
	}
}
