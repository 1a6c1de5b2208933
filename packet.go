package ssl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
)

// Packet framing, as gen_tcp and Erlang's ssl do it (inet's packet option,
// erts' packet parser): received application data is cut into packets by
// the socket's packet type, and Send frames what it sends for the types
// that have a length header of their own (1, 2, 4).
//
// What a packet is, received:
//
//   - raw (0): whatever has arrived; no framing.
//   - 1, 2, 4: a big-endian length of that many bytes, then the body; the
//     packet delivered is the body (the header is stripped).
//   - line: bytes up to and including the line delimiter ('\n' unless
//     LineDelimiter says otherwise). With the buffer option set (Buffer),
//     a line longer than buffer bytes is delivered in pieces of buffer
//     bytes, the last one ending with the delimiter, as gen_tcp truncates
//     lines longer than its receive buffer (erts' packet parser: the
//     "line buffer full" and "truncated line" cases); packet_size is
//     checked first, on the whole line. Without the buffer option a line
//     is whole, as Erlang's ssl delivers it (its decode_packet has no
//     line_length).
//   - asn1: one ASN.1 BER element: a tag (the long form, 0x1f and then
//     bytes with the high bit set, is allowed), a length in the short form
//     or the long form of 1 to 4 bytes, and the content. As in Erlang, the
//     indefinite form (0x80) counts as a length of 0: the packet is the
//     tag and length alone.
//   - tpkt: RFC 1006: version 3, a reserved byte, a 16-bit length that
//     includes the 4-byte header.
//   - cdr: a CORBA GIOP message: "GIOP", version, flags (bit 0: the size
//     is little-endian), type, a 32-bit size; 12 bytes of header, then
//     size bytes.
//   - sunrm: a Sun RPC record mark: a 32-bit word, the top bit marking the
//     last fragment, the other 31 bits the length of the fragment after it.
//   - fcgi: a FastCGI record: version 1, type, request ID (2 bytes),
//     content length (2), padding length (1), a reserved byte; then the
//     content and the padding.
//
// Except for 1, 2 and 4 the packet delivered is the whole of it, header
// included, as Erlang delivers it.

// MaxPacketSize is the largest packet the socket buffers when packet_size
// is 0 (no limit set): 64 MiB, gen_tcp's own limit (TCP_MAX_PACKET_SIZE of
// the inet driver). A packet whose header announces more, or a line longer
// than that, is refused as a packet that breaks packet_size is. A
// packet_size set explicitly may be larger; it is the limit then. Recv
// refuses a length above it in raw mode.
const MaxPacketSize = 64 << 20

// maxPacketErrorData is how many bytes of the undecodable data a
// PacketError keeps.
const maxPacketErrorData = 64

// maxHeaderSlack bounds the bytes an ASN.1 tag may take beyond the packet
// limit before a packet still without a complete header is refused.
const maxHeaderSlack = 64

// ErrMsgSize matches (with errors.Is) every *PacketError: gen_tcp reports
// a received packet it cannot take, too long or malformed, as {error,
// emsgsize}. Erlang's ssl reports it as {error, {invalid_packet, Data}},
// which is what a PacketError's Term renders.
var ErrMsgSize error = &reasonError{"emsgsize", "the received packet is too large or malformed"}

// ErrPacketTooLarge matches (with errors.Is) the error Send returns when
// the data does not fit the packet's length header (more than 255 bytes
// with packet 1, 65535 with packet 2, 2^32-1 with packet 4); nothing is
// sent and the connection goes on, as in Erlang.
var ErrPacketTooLarge error = &reasonError{"packet_to_large", "the data is too large for the packet's length header"}

// PacketError is a received packet that cannot be decoded with the
// socket's packet type: longer than packet_size (or MaxPacketSize), or
// with a malformed header (a cdr header without "GIOP", a tpkt or fcgi
// header with another version, an asn1 length of more than 4 bytes, a tpkt
// length below 4). As in Erlang's ssl, the connection ends: Recv returns
// the error (in active mode an Error message carries it, followed by
// Closed), close_notify is sent and the transport closed; later calls
// return ErrClosed.
type PacketError struct {
	// Packet is the packet type the data was decoded with.
	Packet PacketType
	// Size is the length the header announces, counted as packet_size
	// counts it (the body, without the header; for line, the line with
	// its delimiter, or the bytes received without one), or -1 when the
	// header is malformed.
	Size int64
	// Limit is the limit Size broke: packet_size, or MaxPacketSize when
	// packet_size is 0. It is 0 for a malformed header.
	Limit int
	// Detail says what is malformed, for a malformed header.
	Detail string
	// Data is the start of the bytes that could not be decoded (at most
	// 64 bytes).
	Data []byte
}

// Error describes the packet.
func (e *PacketError) Error() string {
	if e.Size < 0 {
		return "ssl: invalid packet (" + e.Packet.String() + "): " + e.Detail
	}
	return "ssl: invalid packet (" + e.Packet.String() + "): " + strconv.FormatInt(e.Size, 10) +
		" bytes exceed the packet size limit of " + strconv.Itoa(e.Limit)
}

// Is reports whether target is ErrMsgSize.
func (e *PacketError) Is(target error) bool { return target == ErrMsgSize }

// Term renders Erlang's reason, {invalid_packet, Data}, with the bytes
// kept.
func (e *PacketError) Term() string { return "{invalid_packet," + erlBinary(e.Data) + "}" }

// packetTooLarge is the error of Send for data that does not fit the
// length header.
type packetTooLarge struct{ size, max int64 }

// Error says how large the data is and what the header allows.
func (e *packetTooLarge) Error() string {
	return "ssl: " + strconv.FormatInt(e.size, 10) + " bytes do not fit a packet of at most " +
		strconv.FormatInt(e.max, 10)
}

// Is reports whether target is ErrPacketTooLarge.
func (e *packetTooLarge) Is(target error) bool { return target == ErrPacketTooLarge }

// Term renders Erlang's reason, {badarg,{packet_to_large,Size,Max}}.
func (e *packetTooLarge) Term() string {
	return "{badarg,{packet_to_large," + strconv.FormatInt(e.size, 10) + "," + strconv.FormatInt(e.max, 10) + "}}"
}

// packetLimit is the limit packet_size sets: the value, or MaxPacketSize
// for 0.
func packetLimit(packetSize int) int {
	if packetSize > 0 {
		return packetSize
	}
	return MaxPacketSize
}

// packetDecoder cuts packets off the front of a buffer.
type packetDecoder struct {
	typ   PacketType
	limit int  // see packetLimit
	delim byte // the line delimiter
	trunc int  // for line, the buffer option: longer lines come in pieces of trunc bytes (0: none)
	// scanned is, for line, how many bytes at the front of the buffer are
	// known to hold no delimiter: a long line is searched once, not again
	// with every record.
	scanned int
}

// next returns the length of the packet at the front of buf, header
// included, and how many bytes of header to strip when delivering it; or
// total 0 when buf holds no complete packet yet; or a *PacketError. raw
// is not a framing: the caller takes what there is.
func (d *packetDecoder) next(buf []byte) (total, strip int, err error) {
	var hlen int
	var body int64
	switch d.typ {
	case Packet1, Packet2, Packet4:
		hlen = int(d.typ)
		if len(buf) < hlen {
			return 0, 0, nil
		}
		switch d.typ {
		case Packet1:
			body = int64(buf[0])
		case Packet2:
			body = int64(binary.BigEndian.Uint16(buf))
		default:
			body = int64(binary.BigEndian.Uint32(buf))
		}
		strip = hlen
	case PacketLine:
		return d.line(buf)
	case PacketASN1:
		var ok bool
		hlen, body, ok, err = d.asn1Header(buf)
		if err != nil || !ok {
			return 0, 0, err
		}
	case PacketTPKT:
		hlen = 4
		if len(buf) < hlen {
			return 0, 0, nil
		}
		if buf[0] != 3 {
			return 0, 0, d.malformed(buf, "tpkt version "+strconv.Itoa(int(buf[0]))+", not 3")
		}
		n := int64(binary.BigEndian.Uint16(buf[2:]))
		if n < 4 {
			return 0, 0, d.malformed(buf, "tpkt length "+strconv.FormatInt(n, 10)+" is shorter than its header")
		}
		body = n - 4
	case PacketCDR:
		hlen = 12
		if len(buf) < hlen {
			return 0, 0, nil
		}
		if string(buf[:4]) != "GIOP" {
			return 0, 0, d.malformed(buf, "cdr message does not start with GIOP")
		}
		if buf[6]&1 != 0 {
			body = int64(binary.LittleEndian.Uint32(buf[8:]))
		} else {
			body = int64(binary.BigEndian.Uint32(buf[8:]))
		}
	case PacketSunRM:
		hlen = 4
		if len(buf) < hlen {
			return 0, 0, nil
		}
		body = int64(binary.BigEndian.Uint32(buf) & 0x7fffffff)
	case PacketFCGI:
		hlen = 8
		if len(buf) < hlen {
			return 0, 0, nil
		}
		if buf[0] != 1 {
			return 0, 0, d.malformed(buf, "fcgi version "+strconv.Itoa(int(buf[0]))+", not 1")
		}
		body = int64(binary.BigEndian.Uint16(buf[4:])) + int64(buf[6])
	default:
		return 0, 0, errors.New("ssl: no framing for packet type " + d.typ.String())
	}
	if body > int64(d.limit) {
		return 0, 0, d.tooLarge(buf, body)
	}
	total = hlen + int(body)
	if len(buf) < total {
		return 0, 0, nil
	}
	return total, strip, nil
}

// line finds the end of a line.
func (d *packetDecoder) line(buf []byte) (total, strip int, err error) {
	from := min(d.scanned, len(buf))
	if i := bytes.IndexByte(buf[from:], d.delim); i >= 0 {
		n := from + i + 1
		if n > d.limit {
			return 0, 0, d.tooLarge(buf, int64(n))
		}
		d.scanned = 0
		if d.trunc > 0 && n > d.trunc {
			return d.trunc, 0, nil // a truncated line: its first piece
		}
		return n, 0, nil
	}
	d.scanned = len(buf)
	if len(buf) > d.limit {
		return 0, 0, d.tooLarge(buf, int64(len(buf)))
	}
	if d.trunc > 0 && len(buf) >= d.trunc {
		d.scanned = 0
		return d.trunc, 0, nil // the line buffer is full
	}
	return 0, 0, nil
}

// lineTrunc is the piece size of long lines: the buffer option when it
// was set, 0 (no pieces) otherwise.
func lineTrunc(sock *socketOptions) int {
	if sock.buffer.set {
		return sock.buffer.v
	}
	return 0
}

// asn1Header reads the tag and length of a BER element; ok is false when
// buf does not hold them yet.
func (d *packetDecoder) asn1Header(buf []byte) (hlen int, body int64, ok bool, err error) {
	if len(buf) < 2 {
		return 0, 0, false, nil
	}
	i := 1
	if buf[0]&0x1f == 0x1f { // the long form of the tag
		for i < len(buf) && buf[i]&0x80 != 0 {
			i++
		}
		if i >= len(buf)-1 {
			if len(buf) > d.limit+maxHeaderSlack {
				return 0, 0, false, d.tooLarge(buf, int64(len(buf)))
			}
			return 0, 0, false, nil
		}
		i++
	}
	l := buf[i]
	i++
	if l&0x80 == 0 {
		return i, int64(l), true, nil
	}
	n := int(l & 0x7f)
	if n > 4 {
		return 0, 0, false, d.malformed(buf, "asn1 length of "+strconv.Itoa(n)+" bytes")
	}
	if len(buf) < i+n {
		return 0, 0, false, nil
	}
	for _, b := range buf[i : i+n] {
		body = body<<8 | int64(b)
	}
	return i + n, body, true, nil
}

func (d *packetDecoder) tooLarge(buf []byte, size int64) *PacketError {
	return &PacketError{Packet: d.typ, Size: size, Limit: d.limit, Data: errorData(buf)}
}

func (d *packetDecoder) malformed(buf []byte, detail string) *PacketError {
	return &PacketError{Packet: d.typ, Size: -1, Detail: detail, Data: errorData(buf)}
}

func errorData(buf []byte) []byte {
	return append([]byte(nil), buf[:min(len(buf), maxPacketErrorData)]...)
}

// packetHeader returns the length header Send puts before data of n bytes
// with packet type t: none for every type but 1, 2 and 4, which the
// application frames itself (as in Erlang).
func packetHeader(t PacketType, n int64) ([]byte, error) {
	switch t {
	case Packet1, Packet2, Packet4:
	default:
		return nil, nil
	}
	max := int64(1)<<(8*int(t)) - 1
	if n > max {
		return nil, &packetTooLarge{size: n, max: max}
	}
	h := make([]byte, 4)
	binary.BigEndian.PutUint32(h, uint32(n))
	return h[4-int(t):], nil
}
