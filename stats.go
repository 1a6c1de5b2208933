package ssl

import (
	"math"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// statConn sits between the record layer and the transport and counts
// what crosses it, for Getstat: TLS records (handshake, alerts,
// application data), as Erlang's getstat on an ssl socket reports the
// statistics of the TCP socket under it.
type statConn struct {
	conn    net.Conn
	pending atomic.Int64 // bytes of writes under way

	mu   sync.Mutex
	recv statCounter
	send statCounter
}

// statCounter is one direction's statistics, with the inet driver's
// definitions: a packet is what one read returned or one write took.
type statCounter struct {
	oct, cnt, max int64
	avg, dvi      float64
}

// add counts a packet of n bytes. The running average and the running
// average deviation from it are inet's (inet_input_count): avg moves by
// (n-avg)/cnt, dvi by ((n-avg)-dvi)/cnt with the new avg.
func (c *statCounter) add(n int64, deviation bool) {
	c.oct += n
	c.cnt++
	c.avg += (float64(n) - c.avg) / float64(c.cnt)
	if deviation {
		c.dvi += ((float64(n) - c.avg) - c.dvi) / float64(c.cnt)
	}
	c.max = max(c.max, n)
}

// Read reads from the transport and counts what came.
func (c *statConn) Read(p []byte) (int, error) {
	n, err := c.conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.recv.add(int64(n), true)
		c.mu.Unlock()
	}
	return n, err
}

// Write writes to the transport and counts what went; while it runs, its
// bytes are pending.
func (c *statConn) Write(p []byte) (int, error) {
	c.pending.Add(int64(len(p)))
	n, err := c.conn.Write(p)
	c.pending.Add(-int64(len(p)))
	if n > 0 {
		c.mu.Lock()
		c.send.add(int64(n), false)
		c.mu.Unlock()
	}
	return n, err
}

// statNames are the statistics Getstat knows, in inet's order.
var statNames = []string{
	"recv_oct", "recv_cnt", "recv_max", "recv_avg", "recv_dvi",
	"send_oct", "send_cnt", "send_max", "send_avg", "send_pend",
}

// Getstat returns statistics of the socket's transport, as Erlang's
// getstat/1,2 (inet:getstat/2) on an ssl socket, which reports the TCP
// socket under it: the bytes counted are TLS records (handshake, alerts
// and application data, protected), not application data. names chooses
// among
//
//   - recv_oct, send_oct: bytes received from and written to the
//     transport;
//   - recv_cnt, send_cnt: reads that returned data, writes made (the
//     "packets" of inet's count);
//   - recv_max, send_max: the largest of them, in bytes;
//   - recv_avg, send_avg: their average size (whole bytes, truncated);
//   - recv_dvi: the running average deviation of the read sizes from
//     their average, as the inet driver computes it (absolute value,
//     truncated);
//   - send_pend: bytes handed to the transport by a write not yet
//     finished (the inet driver's queue; this socket writes synchronously,
//     so it is the write under way).
//
// With no names it returns all of them. An unknown name is refused with
// Erlang's einval. The counts start when the socket is made (they include
// the handshake) and survive the end of the connection; after Close it
// returns ErrClosed. Any transport is counted, CBInfo's and upgraded ones
// included.
func (s *Socket) Getstat(names ...string) (map[string]int64, error) {
	if s.isClosed() {
		return nil, ErrClosed
	}
	if len(names) == 0 {
		names = statNames
	}
	st := s.stats
	st.mu.Lock()
	recv, send := st.recv, st.send
	st.mu.Unlock()
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var v int64
		switch n {
		case "recv_oct":
			v = recv.oct
		case "recv_cnt":
			v = recv.cnt
		case "recv_max":
			v = recv.max
		case "recv_avg":
			v = int64(recv.avg)
		case "recv_dvi":
			v = int64(math.Abs(recv.dvi))
		case "send_oct":
			v = send.oct
		case "send_cnt":
			v = send.cnt
		case "send_max":
			v = send.max
		case "send_avg":
			v = int64(send.avg)
		case "send_pend":
			v = st.pending.Load()
		default:
			known := append([]string(nil), statNames...)
			sort.Strings(known)
			return nil, &reasonError{"einval", "no statistic is called " + quoteAtom(n) + "; the names are " + strings.Join(known, ", ")}
		}
		out[n] = v
	}
	return out, nil
}
