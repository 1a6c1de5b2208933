package record

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

// chunkedPipe is a transport that hands out its input in the pieces the
// test queues, records the size of every buffer Read is given, and times
// out (as a deadline would) when nothing is queued.
type chunkedPipe struct {
	chunks   [][]byte
	readLens []int
	out      bytes.Buffer
}

func (p *chunkedPipe) Read(b []byte) (int, error) {
	p.readLens = append(p.readLens, len(b))
	if len(p.chunks) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(b, p.chunks[0])
	if n == len(p.chunks[0]) {
		p.chunks = p.chunks[1:]
	} else {
		p.chunks[0] = p.chunks[0][n:]
	}
	return n, nil
}

func (p *chunkedPipe) Write(b []byte) (int, error) { return p.out.Write(b) }

// TestReleaseBuffers: an idle Conn gives its buffers back, a read after
// that waits with a small buffer, and data goes on flowing both ways,
// also when part of a record was buffered at the release.
func TestReleaseBuffers(t *testing.T) {
	for _, c := range []combo{gcm12, gcm13, cbc10} {
		t.Run(c.String(), func(t *testing.T) {
			// The writer seals three messages.
			wr := &chunkedPipe{}
			w := NewConn(wr, Config{BeastMitigation: BeastDisabled})
			if err := w.SetVersion(c.v); err != nil {
				t.Fatal(err)
			}
			if err := w.SetWriteProtection(newProt(t, c, 7)); err != nil {
				t.Fatal(err)
			}
			msgs := [][]byte{bytes.Repeat([]byte("a"), 3000), []byte("second"), bytes.Repeat([]byte("c"), 100)}
			var recs [][]byte
			for i, m := range msgs {
				if _, err := w.Write(m); err != nil {
					t.Fatal(err)
				}
				recs = append(recs, append([]byte(nil), wr.out.Bytes()...))
				wr.out.Reset()
				if wbuf := w.WriteBuffered(); wbuf == 0 {
					t.Fatalf("message %d: no write buffer after a write", i)
				}
				w.ReleaseWriteBuffers()
				if wbuf := w.WriteBuffered(); wbuf != 0 {
					t.Fatalf("message %d: %d bytes of write buffers after the release", i, wbuf)
				}
			}

			rd := &chunkedPipe{}
			r := NewConn(rd, Config{})
			if err := r.SetVersion(c.v); err != nil {
				t.Fatal(err)
			}
			if err := r.SetReadProtection(newProt(t, c, 7)); err != nil {
				t.Fatal(err)
			}
			read := func(want []byte) {
				t.Helper()
				m, err := r.ReadMessage()
				if err != nil || m.Type != TypeApplicationData || !bytes.Equal(m.Data, want) {
					t.Fatalf("ReadMessage = %v %d bytes, %v; want %d bytes", m.Type, len(m.Data), err, len(want))
				}
			}

			// The first message arrives whole.
			rd.chunks = [][]byte{recs[0]}
			read(msgs[0])
			if rbuf := r.ReadBuffered(); rbuf < len(recs[0]) {
				t.Fatalf("read buffers %d bytes while reading a record of %d", rbuf, len(recs[0]))
			}
			r.ReleaseReadBuffers()
			if rbuf := r.ReadBuffered(); rbuf != 0 {
				t.Fatalf("%d bytes of read buffers after the release", rbuf)
			}

			// Idle: a read that times out holds only the small buffer.
			rd.readLens = nil
			if _, err := r.ReadMessage(); !isTimeout(err) {
				t.Fatalf("read with nothing to read: %v", err)
			}
			if len(rd.readLens) != 1 || rd.readLens[0] > wakeReadSize {
				t.Fatalf("idle read was given buffers of %v bytes", rd.readLens)
			}
			if rbuf := r.ReadBuffered(); rbuf != 0 {
				t.Fatalf("%d bytes of read buffers after an idle read", rbuf)
			}

			// Half of the second record, a release in the middle, then
			// the rest with the third record.
			half := len(recs[1]) / 2
			rd.chunks = [][]byte{recs[1][:half]}
			if _, err := r.ReadMessage(); !isTimeout(err) {
				t.Fatalf("read of half a record: %v", err)
			}
			r.ReleaseReadBuffers()
			if rbuf := r.ReadBuffered(); rbuf != half {
				t.Fatalf("read buffers hold %d bytes after the release, want the %d unread", rbuf, half)
			}
			rd.chunks = [][]byte{append(append([]byte(nil), recs[1][half:]...), recs[2]...)}
			read(msgs[1])
			read(msgs[2])
		})
	}
}

// TestReleaseBuffersHandshakeAndEOF: a partly received handshake message
// survives a release, and the transport ending while released is a
// truncation as before.
func TestReleaseBuffersHandshakeAndEOF(t *testing.T) {
	msg := hsMsg(1, bytes.Repeat([]byte("h"), 40))
	rec1 := wire(nil).rec(TypeHandshake, 0x0301, msg[:10])
	rec2 := wire(nil).rec(TypeHandshake, 0x0301, msg[10:])
	rd := &chunkedPipe{chunks: [][]byte{rec1}}
	c := NewConn(rd, Config{})
	if _, err := c.ReadMessage(); !isTimeout(err) {
		t.Fatalf("read of part of a message: %v", err)
	}
	c.ReleaseReadBuffers()
	if rbuf := c.ReadBuffered(); rbuf != 10 {
		t.Fatalf("read buffers hold %d bytes, want the 10 of the partial message", rbuf)
	}
	rd.chunks = [][]byte{rec2}
	got, err := c.ReadHandshakeMessage()
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("message after the release: %x, %v", got, err)
	}

	c.ReleaseReadBuffers()
	eof := NewConn(&loopback{in: bytes.NewReader(nil)}, Config{})
	eof.ReleaseReadBuffers()
	if _, err := eof.ReadMessage(); err != io.ErrUnexpectedEOF {
		t.Fatalf("end of transport after a release: %v", err)
	}
}

// TestBuffersGrowWithRecords: a connection that moves small messages keeps
// small buffers; large records grow them to their full sizes, once.
func TestBuffersGrowWithRecords(t *testing.T) {
	p := &chunkedPipe{}
	w := NewConn(p, Config{})
	if err := w.SetVersion(cipher.VersionTLS12); err != nil {
		t.Fatal(err)
	}
	if err := w.SetWriteProtection(newProt(t, gcm12, 3)); err != nil {
		t.Fatal(err)
	}
	r := NewConn(p, Config{})
	if err := r.SetVersion(cipher.VersionTLS12); err != nil {
		t.Fatal(err)
	}
	if err := r.SetReadProtection(newProt(t, gcm12, 3)); err != nil {
		t.Fatal(err)
	}
	roundTrip := func(msg []byte) {
		t.Helper()
		if _, err := w.Write(msg); err != nil {
			t.Fatal(err)
		}
		p.chunks = append(p.chunks, append([]byte(nil), p.out.Bytes()...))
		p.out.Reset()
		var got []byte
		for len(got) < len(msg) {
			m, err := r.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.Data...)
		}
		if !bytes.Equal(got, msg) {
			t.Fatal("data differs")
		}
	}
	for i := 0; i < 10; i++ {
		roundTrip([]byte("small message"))
	}
	if rb, wb := r.ReadBuffered(), w.WriteBuffered(); rb > initialBufSize || wb > initialBufSize {
		t.Errorf("small messages: buffers of %d and %d bytes", rb, wb)
	}
	big := bytes.Repeat([]byte("L"), 3*MaxPlaintext)
	roundTrip(big)
	if rb, wb := r.ReadBuffered(), w.WriteBuffered(); rb != readBufSize || wb != writeBufSize {
		t.Errorf("large records: buffers of %d and %d bytes, want %d and %d", rb, wb, readBufSize, writeBufSize)
	}
	roundTrip([]byte("small again"))
	if rb, wb := r.ReadBuffered(), w.WriteBuffered(); rb != readBufSize || wb != writeBufSize {
		t.Errorf("the buffers shrank without a release: %d and %d bytes", rb, wb)
	}
}
