package ssl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A packet stream of each type: the wire bytes of a few packets and the
// packets the decoder must deliver from them.
type packetCase struct {
	typ   PacketType
	delim byte
	wire  [][]byte // the packets as sent
	want  [][]byte // the packets as delivered
}

func (c packetCase) name() string {
	if c.delim != 0 && c.delim != '\n' {
		return c.typ.String() + "_" + string(c.delim)
	}
	return c.typ.String()
}

func lenPrefixed(n int, body []byte) []byte {
	h := make([]byte, 4)
	binary.BigEndian.PutUint32(h, uint32(len(body)))
	return append(h[4-n:], body...)
}

func tpkt(body []byte) []byte {
	h := []byte{3, 0, 0, 0}
	binary.BigEndian.PutUint16(h[2:], uint16(len(body)+4))
	return append(h, body...)
}

func giop(little bool, body []byte) []byte {
	h := []byte{'G', 'I', 'O', 'P', 1, 0, 0, 0, 0, 0, 0, 0}
	if little {
		h[6] = 1
		binary.LittleEndian.PutUint32(h[8:], uint32(len(body)))
	} else {
		binary.BigEndian.PutUint32(h[8:], uint32(len(body)))
	}
	return append(h, body...)
}

func sunrm(last bool, body []byte) []byte {
	w := uint32(len(body))
	if last {
		w |= 1 << 31
	}
	return append(binary.BigEndian.AppendUint32(nil, w), body...)
}

func fcgi(body []byte, pad int) []byte {
	h := []byte{1, 5, 0, 1, byte(len(body) >> 8), byte(len(body)), byte(pad), 0}
	return append(append(h, body...), make([]byte, pad)...)
}

// ber encodes a BER element with the given tag bytes and length form:
// "short", "long1" .. "long4" or "indefinite".
func ber(tag []byte, form string, body []byte) []byte {
	out := append([]byte(nil), tag...)
	n := len(body)
	switch form {
	case "short":
		out = append(out, byte(n))
	case "indefinite":
		return append(out, 0x80)
	default:
		k := int(form[4] - '0')
		out = append(out, 0x80|byte(k))
		for i := k - 1; i >= 0; i-- {
			out = append(out, byte(n>>(8*i)))
		}
	}
	return append(out, body...)
}

func packetCases() []packetCase {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20) // 320 bytes
	same := func(w ...[]byte) packetCase { return packetCase{wire: w, want: w} }
	cases := []packetCase{}
	for _, n := range []int{1, 2, 4} {
		bodies := [][]byte{[]byte("one"), {}, []byte("three"), big[:250]}
		if n > 1 {
			bodies = append(bodies, big)
		}
		c := packetCase{typ: PacketType(n)}
		for _, b := range bodies {
			c.wire = append(c.wire, lenPrefixed(n, b))
			c.want = append(c.want, b)
		}
		cases = append(cases, c)
	}
	line := same([]byte("first line\n"), []byte("\n"), []byte("x\n"), append(append([]byte(nil), big...), '\n'))
	line.typ, line.delim = PacketLine, '\n'
	semi := same([]byte("a;"), []byte("bc\n;"), []byte(";"))
	semi.typ, semi.delim = PacketLine, ';'
	asn := same(
		ber([]byte{0x30}, "short", []byte("short form")),
		ber([]byte{0x04}, "long1", big[:200]),
		ber([]byte{0x04}, "long2", big),
		ber([]byte{0x1f, 0x81, 0x01}, "long3", []byte("long tag")),
		ber([]byte{0x02}, "long4", []byte{1}),
		ber([]byte{0x30}, "indefinite", nil),
		ber([]byte{0x05}, "short", nil),
	)
	asn.typ = PacketASN1
	tp := same(tpkt([]byte("hello")), tpkt(nil), tpkt(big))
	tp.typ = PacketTPKT
	cdr := same(giop(false, []byte("big-endian")), giop(true, []byte("little-endian")), giop(true, nil), giop(false, big))
	cdr.typ = PacketCDR
	rm := same(sunrm(false, []byte("fragment")), sunrm(true, []byte("last")), sunrm(true, nil), sunrm(true, big))
	rm.typ = PacketSunRM
	fc := same(fcgi([]byte("content"), 1), fcgi(nil, 0), fcgi(big, 7))
	fc.typ = PacketFCGI
	return append(cases, line, semi, asn, tp, cdr, rm, fc)
}

// decodeAll feeds wire to a decoder cut into pieces of step bytes (all at
// once for step 0), as records would bring it, and returns the packets
// decoded.
func decodeAll(t *testing.T, d *packetDecoder, wire []byte, step int) [][]byte {
	t.Helper()
	var buf []byte
	var out [][]byte
	if step == 0 {
		step = len(wire)
	}
	for len(wire) > 0 || len(buf) > 0 {
		n := min(step, len(wire))
		buf = append(buf, wire[:n]...)
		wire = wire[n:]
		for len(buf) > 0 {
			total, strip, err := d.next(buf)
			if err != nil {
				t.Fatalf("decode error: %v", err)
			}
			if total == 0 {
				break
			}
			out = append(out, append([]byte{}, buf[strip:total]...))
			buf = buf[total:]
		}
		if n == 0 && len(buf) > 0 {
			t.Fatalf("%d bytes left over: %q", len(buf), buf)
		}
	}
	return out
}

// TestPacketDecoding cuts every stream at every byte boundary (one byte
// at a time, and in pieces of every size up to the whole) and coalesced.
func TestPacketDecoding(t *testing.T) {
	for _, c := range packetCases() {
		t.Run(c.name(), func(t *testing.T) {
			wire := bytes.Join(c.wire, nil)
			for step := 0; step <= len(wire); step++ {
				d := &packetDecoder{typ: c.typ, limit: MaxPacketSize, delim: c.delim}
				got := decodeAll(t, d, wire, step)
				if len(got) != len(c.want) {
					t.Fatalf("pieces of %d: %d packets, want %d", step, len(got), len(c.want))
				}
				for i := range got {
					if !bytes.Equal(got[i], c.want[i]) {
						t.Fatalf("pieces of %d: packet %d = %q, want %q", step, i, got[i], c.want[i])
					}
				}
			}
		})
	}
}

// TestPacketLimits: packet_size bounds the body (the line, for line),
// exactly; a header announcing more is refused before the body comes.
func TestPacketLimits(t *testing.T) {
	body := bytes.Repeat([]byte("z"), 100)
	tests := []struct {
		typ    PacketType
		packet []byte // a packet whose body (or line) is 100 bytes
	}{
		{Packet1, lenPrefixed(1, body)},
		{Packet2, lenPrefixed(2, body)},
		{Packet4, lenPrefixed(4, body)},
		{PacketLine, append(body[:99:99], '\n')},
		{PacketASN1, ber([]byte{4}, "long1", body)},
		{PacketTPKT, tpkt(body)},
		{PacketCDR, giop(false, body)},
		{PacketSunRM, sunrm(true, body)},
		{PacketFCGI, fcgi(body[:90], 10)},
	}
	for _, tc := range tests {
		d := &packetDecoder{typ: tc.typ, limit: 100, delim: '\n'}
		if total, _, err := d.next(tc.packet); err != nil || total != len(tc.packet) {
			t.Errorf("%v at the limit: %d, %v", tc.typ, total, err)
		}
		d = &packetDecoder{typ: tc.typ, limit: 99, delim: '\n'}
		// Only the header (or, for line, all but the delimiter) has
		// arrived: the decoder refuses already, except for line, which
		// needs one byte more than the limit to know.
		cut := len(tc.packet) - 100
		if tc.typ == PacketLine {
			cut = 100
		}
		_, _, err := d.next(tc.packet[:cut])
		var pe *PacketError
		if !errors.As(err, &pe) || !errors.Is(err, ErrMsgSize) || pe.Size != 100 || pe.Limit != 99 || pe.Packet != tc.typ {
			t.Errorf("%v over the limit: %v (%+v)", tc.typ, err, pe)
			continue
		}
		if !strings.HasPrefix(pe.Term(), "{invalid_packet,<<") || len(pe.Data) > maxPacketErrorData {
			t.Errorf("%v: term %s, %d bytes of data", tc.typ, pe.Term(), len(pe.Data))
		}
	}

	// No limit set: MaxPacketSize. A 4-byte header of 2^32-1 is refused
	// at once, a long line once it is longer.
	d := &packetDecoder{typ: Packet4, limit: packetLimit(0)}
	if _, _, err := d.next([]byte{0xff, 0xff, 0xff, 0xff}); !errors.Is(err, ErrMsgSize) {
		t.Errorf("packet 4 of 2^32-1 bytes: %v", err)
	}
	if _, _, err := d.next(lenPrefixed(4, nil)[:3]); err != nil {
		t.Errorf("3 bytes of a packet 4 header: %v", err)
	}
	d = &packetDecoder{typ: PacketLine, limit: 10, delim: '\n'}
	if total, _, err := d.next([]byte("0123456789")); total != 0 || err != nil {
		t.Errorf("10 bytes of a line limited to 10: %d, %v", total, err)
	}
	if _, _, err := d.next([]byte("0123456789A")); !errors.Is(err, ErrMsgSize) {
		t.Errorf("11 bytes of a line limited to 10: %v", err)
	}
	// A long ASN.1 tag that never ends is bounded too.
	d = &packetDecoder{typ: PacketASN1, limit: 100}
	if _, _, err := d.next(append([]byte{0x1f}, bytes.Repeat([]byte{0x81}, 100+maxHeaderSlack)...)); !errors.Is(err, ErrMsgSize) {
		t.Errorf("endless ASN.1 tag: %v", err)
	}
	if total, _, err := d.next(append([]byte{0x1f}, bytes.Repeat([]byte{0x81}, 50)...)); total != 0 || err != nil {
		t.Errorf("long ASN.1 tag not yet ended: %d, %v", total, err)
	}
}

// TestPacketMalformed: headers that cannot be valid.
func TestPacketMalformed(t *testing.T) {
	tests := []struct {
		typ PacketType
		in  []byte
	}{
		{PacketTPKT, []byte{2, 0, 0, 10}},
		{PacketTPKT, []byte{3, 0, 0, 3}},
		{PacketCDR, []byte("GIOX\x01\x00\x00\x00\x00\x00\x00\x00")},
		{PacketFCGI, []byte{2, 1, 0, 1, 0, 0, 0, 0}},
		{PacketASN1, []byte{0x30, 0x85, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		d := &packetDecoder{typ: tc.typ, limit: MaxPacketSize}
		_, _, err := d.next(tc.in)
		var pe *PacketError
		if !errors.As(err, &pe) || pe.Size != -1 || pe.Detail == "" || !errors.Is(err, ErrMsgSize) {
			t.Errorf("%v %x: %v", tc.typ, tc.in, err)
		}
	}
}

// TestPacketHeaderOnSend: the length header Send adds, and the limits of
// the header sizes.
func TestPacketHeaderOnSend(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		typ := PacketType(n)
		max := int64(1)<<(8*n) - 1
		h, err := packetHeader(typ, 5)
		if err != nil || !bytes.Equal(h, lenPrefixed(n, make([]byte, 5))[:n]) {
			t.Errorf("packet %d header of 5: %x, %v", n, h, err)
		}
		if h, err := packetHeader(typ, max); err != nil || len(h) != n {
			t.Errorf("packet %d header of %d: %x, %v", n, max, h, err)
		}
		_, err = packetHeader(typ, max+1)
		if !errors.Is(err, ErrPacketTooLarge) || err.(termer).Term() != fmt.Sprintf("{badarg,{packet_to_large,%d,%d}}", max+1, max) {
			t.Errorf("packet %d header of %d: %v", n, max+1, err)
		}
	}
	for _, typ := range []PacketType{PacketRaw, PacketLine, PacketASN1, PacketTPKT, PacketCDR, PacketSunRM, PacketFCGI} {
		if h, err := packetHeader(typ, 1<<40); h != nil || err != nil {
			t.Errorf("%v adds a header %x, %v", typ, h, err)
		}
	}
}

// FuzzPacketDecoder: no input makes the decoder panic, return a length
// beyond the buffer or the limit, or loop; lines cut by the buffer option
// included.
func FuzzPacketDecoder(f *testing.F) {
	for _, c := range packetCases() {
		f.Add(byte(c.typ), c.delim, uint16(1000), bytes.Join(c.wire, nil))
	}
	types := []PacketType{Packet1, Packet2, Packet4, PacketLine, PacketASN1, PacketTPKT, PacketCDR, PacketSunRM, PacketFCGI}
	f.Fuzz(func(t *testing.T, typ byte, delim byte, limit uint16, in []byte) {
		// The top bits of limit also choose the buffer option's piece size
		// for long lines (0: whole lines).
		d := &packetDecoder{typ: types[int(typ)%len(types)], limit: int(limit) + 1, delim: delim, trunc: int(limit >> 12)}
		for len(in) > 0 {
			total, strip, err := d.next(in)
			if err != nil || total == 0 {
				return
			}
			if total > len(in) || strip > total || total-strip > d.limit+maxHeaderSlack {
				t.Fatalf("%v: total %d strip %d of %d bytes, limit %d", d.typ, total, strip, len(in), d.limit)
			}
			in = in[total:]
		}
	})
}
