package record

import (
	stdcipher "crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"runtime"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

// memPipe is a transport that keeps what is written for the next reads,
// in one reused buffer.
type memPipe struct {
	buf []byte
	off int
}

func (m *memPipe) Write(p []byte) (int, error) {
	if m.off == len(m.buf) {
		m.buf, m.off = m.buf[:0], 0
	}
	m.buf = append(m.buf, p...)
	return len(p), nil
}

func (m *memPipe) Read(p []byte) (int, error) {
	n := copy(p, m.buf[m.off:])
	m.off += n
	return n, nil
}

// cpuTimer starts measuring the CPU time of the benchmark's thread; the
// function it returns reports it as cpu-ns/op. On a machine shared with
// other work, wall time (ns/op) also counts the time the benchmark waited
// for a CPU; CPU time does not, so it is the figure to compare between
// benchmarks run at different moments.
func cpuTimer(b *testing.B) func() {
	runtime.LockOSThread()
	start, ok := threadCPUTime()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		end, _ := threadCPUTime()
		runtime.UnlockOSThread()
		if ok {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

var benchCombos = []struct {
	name string
	c    combo
}{
	{"tls12/aes128gcm", combo{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD}},
	{"tls12/chacha20poly1305", combo{cipher.VersionTLS12, cipher.BulkChaCha20Poly1305, cipher.MACAEAD}},
	{"tls13/aes128gcm", combo{cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD}},
	{"tls13/chacha20poly1305", combo{cipher.VersionTLS13, cipher.BulkChaCha20Poly1305, cipher.MACAEAD}},
	{"tls12/aes128cbc-sha256", combo{cipher.VersionTLS12, cipher.BulkAES128CBC, cipher.MACSHA256}},
}

// sealOpen seals and opens one 16 KiB record, reusing buf.
func sealOpen(tb testing.TB, s, o *Protection, buf, payload []byte) {
	rec, err := s.Seal(buf[:0], TypeApplicationData, payload)
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := o.Open(rec); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSealOpen seals and opens a 16 KiB record with our protection.
func BenchmarkSealOpen(b *testing.B) {
	for _, bc := range benchCombos {
		b.Run(bc.name, func(b *testing.B) {
			s, o := newProt(b, bc.c, 1), newProt(b, bc.c, 1)
			buf, payload := make([]byte, 0, maxRecord), make([]byte, MaxPlaintext)
			b.SetBytes(MaxPlaintext)
			b.ReportAllocs()
			defer cpuTimer(b)()
			for i := 0; i < b.N; i++ {
				sealOpen(b, s, o, buf, payload)
			}
		})
	}
}

// BenchmarkBareSealOpen is the baseline: the bare AEAD's Seal and Open on
// the same sizes and buffers, and for CBC, HMAC-SHA256 and AES-CBC
// encryption and decryption of the same amount of data.
func BenchmarkBareSealOpen(b *testing.B) {
	for _, bc := range benchCombos {
		b.Run(bc.name, func(b *testing.B) {
			p := newProt(b, bc.c, 1)
			buf, payload := make([]byte, 0, maxRecord), make([]byte, MaxPlaintext)
			nonce, ad := make([]byte, 12), make([]byte, 13)
			b.SetBytes(MaxPlaintext)
			b.ReportAllocs()
			defer cpuTimer(b)()
			if p.aead != nil {
				a := p.aead
				for i := 0; i < b.N; i++ {
					sealed := a.Seal(buf[:0], nonce, payload, ad)
					if _, err := a.Open(sealed[:0], nonce, sealed, ad); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			mac := hmac.New(sha256.New, make([]byte, 32))
			iv := make([]byte, 16)
			enc := stdcipher.NewCBCEncrypter(p.block, iv)
			dec := stdcipher.NewCBCDecrypter(p.block, iv)
			var sum [32]byte
			n := MaxPlaintext + 32 + 16 // payload, MAC, a block of padding
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				data := append(buf[:0], payload...)
				mac.Reset()
				mac.Write(ad)
				mac.Write(data)
				data = mac.Sum(data)
				data = data[:n]
				enc.CryptBlocks(data, data)
				dec.CryptBlocks(data, data)
				mac.Reset()
				mac.Write(ad)
				mac.Write(data[:MaxPlaintext])
				mac.Sum(sum[:0])
			}
		})
	}
}

// BenchmarkConnRoundTrip writes 16 KiB with Conn.Write and reads it back
// with Conn.ReadMessage over an in-memory transport.
func BenchmarkConnRoundTrip(b *testing.B) {
	for _, bc := range benchCombos {
		b.Run(bc.name, func(b *testing.B) {
			w, r, payload := connPair(b, bc.c)
			b.SetBytes(MaxPlaintext)
			b.ReportAllocs()
			defer cpuTimer(b)()
			for i := 0; i < b.N; i++ {
				roundTrip(b, w, r, payload)
			}
		})
	}
}

func connPair(tb testing.TB, c combo) (w, r *Conn, payload []byte) {
	pipe := &memPipe{buf: make([]byte, 0, 2*maxRecord)}
	w, r = NewConn(pipe, Config{}), NewConn(pipe, Config{})
	w.SetVersion(c.v)
	r.SetVersion(c.v)
	w.SetWriteProtection(newProt(tb, c, 1))
	r.SetReadProtection(newProt(tb, c, 1))
	return w, r, make([]byte, MaxPlaintext)
}

func roundTrip(tb testing.TB, w, r *Conn, payload []byte) {
	if _, err := w.Write(payload); err != nil {
		tb.Fatal(err)
	}
	m, err := r.ReadMessage()
	if err != nil || len(m.Data) != len(payload) {
		tb.Fatalf("read %d bytes: %v", len(m.Data), err)
	}
}

// TestSteadyStateAllocations checks that sealing and opening, and a Conn's
// Write and ReadMessage, allocate nothing once the buffers exist.
func TestSteadyStateAllocations(t *testing.T) {
	for _, bc := range benchCombos {
		s, o := newProt(t, bc.c, 1), newProt(t, bc.c, 1)
		buf, payload := make([]byte, 0, maxRecord), make([]byte, MaxPlaintext)
		if n := testing.AllocsPerRun(20, func() { sealOpen(t, s, o, buf, payload) }); n != 0 {
			t.Errorf("%s: %v allocations per seal and open", bc.name, n)
		}
		w, r, payload := connPair(t, bc.c)
		roundTrip(t, w, r, payload)
		if n := testing.AllocsPerRun(20, func() { roundTrip(t, w, r, payload) }); n != 0 {
			t.Errorf("%s: %v allocations per Conn round trip", bc.name, n)
		}
	}
}
