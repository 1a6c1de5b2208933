package redissession

// A minimal Redis client: RESP2 requests and replies over TCP, one
// command at a time per connection, with a small pool of idle
// connections. It speaks only what the cache needs (AUTH, SELECT, GET,
// SET with PX, DEL, SCAN) and bounds everything it reads.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

const (
	// maxBulkLen bounds a bulk string from the server: far above any
	// session encoding, far below what could exhaust memory.
	maxBulkLen = 1 << 20
	// maxArrayLen bounds an array reply (SCAN returns at most a few
	// times its COUNT).
	maxArrayLen = 1 << 16
	// maxLineLen bounds a simple string, error or integer line.
	maxLineLen = 4096
	// maxIdle is how many idle connections the pool keeps.
	maxIdle = 8
	// maxReplyLen bounds one whole reply: its strings and lines, and
	// elementCost for each array element, so that a server cannot make
	// one command hold maxArrayLen strings of maxBulkLen bytes.
	maxReplyLen = 4 << 20
	elementCost = 16
)

// errNil is a null bulk string: GET of a missing key.
var errNil = errors.New("redissession: nil reply")

// serverError is an error reply of the server (-ERR ...).
type serverError string

func (e serverError) Error() string { return "redissession: server error: " + string(e) }

// client is a pool of connections to one Redis server.
type client struct {
	addr     string
	password string
	username string
	db       int
	timeout  time.Duration
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)

	mu     sync.Mutex
	idle   []*respConn
	closed bool
}

type respConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// do runs one command and returns its reply: a string ([]byte), an
// integer (int64), an array ([]any), or errNil; an error reply is a
// serverError. The connection goes back to the pool unless the exchange
// failed.
func (cl *client) do(args ...[]byte) (any, error) {
	rc, err := cl.get()
	if err != nil {
		return nil, err
	}
	reply, err := rc.roundTrip(cl.timeout, args...)
	var se serverError
	if err != nil && err != errNil && !errors.As(err, &se) {
		rc.c.Close()
		return nil, err
	}
	cl.put(rc)
	return reply, err
}

func (cl *client) get() (*respConn, error) {
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return nil, net.ErrClosed
	}
	if n := len(cl.idle); n > 0 {
		rc := cl.idle[n-1]
		cl.idle = cl.idle[:n-1]
		cl.mu.Unlock()
		return rc, nil
	}
	cl.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), cl.timeout)
	defer cancel()
	c, err := cl.dial(ctx, "tcp", cl.addr)
	if err != nil {
		return nil, err
	}
	rc := &respConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
	if cl.password != "" {
		args := [][]byte{[]byte("AUTH"), []byte(cl.password)}
		if cl.username != "" {
			args = [][]byte{[]byte("AUTH"), []byte(cl.username), []byte(cl.password)}
		}
		if _, err := rc.roundTrip(cl.timeout, args...); err != nil {
			c.Close()
			return nil, err
		}
	}
	if cl.db != 0 {
		if _, err := rc.roundTrip(cl.timeout, []byte("SELECT"), []byte(strconv.Itoa(cl.db))); err != nil {
			c.Close()
			return nil, err
		}
	}
	return rc, nil
}

func (cl *client) put(rc *respConn) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed || len(cl.idle) >= maxIdle {
		rc.c.Close()
		return
	}
	cl.idle = append(cl.idle, rc)
}

// close closes the idle connections; connections in use close when
// their command ends.
func (cl *client) close() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.closed = true
	for _, rc := range cl.idle {
		rc.c.Close()
	}
	cl.idle = nil
}

// reopen makes a closed client usable again.
func (cl *client) reopen() {
	cl.mu.Lock()
	cl.closed = false
	cl.mu.Unlock()
}

// roundTrip writes a command as a RESP array of bulk strings and reads
// the reply, within timeout.
func (rc *respConn) roundTrip(timeout time.Duration, args ...[]byte) (any, error) {
	if err := rc.c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	fmt.Fprintf(rc.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(rc.w, "$%d\r\n", len(a))
		rc.w.Write(a)
		rc.w.WriteString("\r\n")
	}
	if err := rc.w.Flush(); err != nil {
		return nil, err
	}
	return readReply(rc.r, 0)
}

// errReplyTooLong is a reply over maxReplyLen.
var errReplyTooLong = errors.New("redissession: reply over the size bound")

// readReply reads one RESP2 reply of at most maxReplyLen bytes. An error
// reply is a serverError only at the top, where the whole reply has been
// read; one inside an array is an ordinary error, which closes the
// connection (the rest of the array was not read).
func readReply(r *bufio.Reader, depth int) (any, error) {
	budget := maxReplyLen
	return readValue(r, depth, &budget)
}

func readValue(r *bufio.Reader, depth int, budget *int) (any, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if *budget -= len(line) + 2; *budget < 0 {
		return nil, errReplyTooLong
	}
	if len(line) == 0 {
		return nil, errors.New("redissession: empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		if depth > 0 {
			return nil, fmt.Errorf("redissession: error reply inside an array: %q", line[1:])
		}
		return nil, serverError(line[1:])
	case ':':
		return strconv.ParseInt(string(line[1:]), 10, 64)
	case '$':
		n, err := strconv.Atoi(string(line[1:]))
		switch {
		case err != nil:
			return nil, fmt.Errorf("redissession: bad bulk length %q", line[1:])
		case n == -1:
			return nil, errNil
		case n < 0 || n > maxBulkLen:
			return nil, fmt.Errorf("redissession: bulk string of %d bytes", n)
		}
		if *budget -= n + 2; *budget < 0 {
			return nil, errReplyTooLong
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return nil, errors.New("redissession: bulk string not ended by CRLF")
		}
		return buf[:n], nil
	case '*':
		n, err := strconv.Atoi(string(line[1:]))
		switch {
		case err != nil:
			return nil, fmt.Errorf("redissession: bad array length %q", line[1:])
		case n == -1:
			return nil, errNil
		case n < 0 || n > maxArrayLen || depth > 2:
			return nil, fmt.Errorf("redissession: array of %d elements at depth %d", n, depth)
		}
		out := make([]any, 0, min(n, 1024))
		for range n {
			if *budget -= elementCost; *budget < 0 {
				return nil, errReplyTooLong
			}
			v, err := readValue(r, depth+1, budget)
			if err == errNil {
				v, err = nil, nil
			}
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("redissession: unknown reply type %q", line[0])
}

// readLine reads a line ended by CRLF, without it, of at most
// maxLineLen bytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLineLen+2 {
			return nil, errors.New("redissession: reply line too long")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, errors.New("redissession: reply line not ended by CRLF")
	}
	return line[:len(line)-2], nil
}
