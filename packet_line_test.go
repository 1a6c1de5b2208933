package ssl

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestPacketLineTruncation: with the buffer option, lines longer than it
// come in pieces of buffer bytes, as gen_tcp cuts them (erts' packet
// parser), at every cut of the stream; packet_size still applies to the
// whole line; without the option lines are whole.
func TestPacketLineTruncation(t *testing.T) {
	wire := []byte("0123456789abc\n01234\n0123\nx\n" + "0123456789\n")
	want := []string{"01234", "56789", "abc\n", "01234", "\n", "0123\n", "x\n", "01234", "56789", "\n"}
	for step := 0; step <= len(wire); step++ {
		d := &packetDecoder{typ: PacketLine, delim: '\n', limit: MaxPacketSize, trunc: 5}
		got := decodeAll(t, d, wire, step)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("step %d: %q, want %q", step, got, want)
		}
	}
	d := &packetDecoder{typ: PacketLine, delim: '\n', limit: MaxPacketSize}
	if got := decodeAll(t, d, wire, 1); len(got) != 5 || string(got[0]) != "0123456789abc\n" {
		t.Fatalf("without buffer: %q", got)
	}
	// packet_size is checked first: a line of 11 with its delimiter
	// against a limit of 8 is an error even with pieces of 4, as in erts.
	d = &packetDecoder{typ: PacketLine, delim: '\n', limit: 8, trunc: 4}
	if _, _, err := d.next([]byte("0123456789\n")); !errors.Is(err, ErrMsgSize) {
		t.Fatalf("line over packet_size: %v", err)
	}
	if total, _, err := d.next([]byte("012345")); total != 4 || err != nil {
		t.Fatalf("no delimiter yet, buffer full: %d, %v", total, err)
	}
}

// TestPacketLineBufferSocket: a socket with packet line and buffer 8
// delivers a long line in pieces, passive and active, and Setopts changes
// the piece size between lines.
func TestPacketLineBufferSocket(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := pair(t, c, []Option{Active(false), Packet(PacketLine), Buffer(8)}, []Option{Active(false)})
	if err := client.Send([]byte("0123456789abcdef0123\nshort\n")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"01234567", "89abcdef", "0123\n", "short\n"} {
		got, err := server.Recv(0, hangLimit)
		if err != nil || string(got) != want {
			t.Fatalf("Recv %q, %v; want %q", got, err, want)
		}
	}
	if err := server.Setopts(Buffer(4), Active(true)); err != nil {
		t.Fatal(err)
	}
	if err := client.Send([]byte("abcdefgh\n")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"abcd", "efgh", "\n"} {
		select {
		case m := <-server.Messages():
			if d, ok := m.(Data); !ok || string(d.Data) != want {
				t.Fatalf("got %#v, want %q", m, want)
			}
		case <-time.After(hangLimit):
			t.Fatal("no message")
		}
	}
}

// TestInformationUndefinedItems: srp_username and max_fragment_length,
// items of current OTP, are never defined here (no SRP, no
// max_fragment_length); asking gives nothing, beside the items that are.
func TestInformationUndefinedItems(t *testing.T) {
	checkLeaks(t)
	c := newCreds(t)
	server, client := passivePair12(t, c)
	for _, s := range []*Socket{server, client} {
		info, err := s.ConnectionInformation("srp_username", "protocol", "max_fragment_length")
		if err != nil || len(info.Items) != 1 || info.Items[0] != "protocol" || info.Protocol != TLSv1_2 {
			t.Fatalf("%+v, %v", info.Items, err)
		}
	}
}
