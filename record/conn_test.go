package record

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

var (
	gcm12 = combo{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD}
	gcm13 = combo{cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD}
	cbc10 = combo{cipher.VersionTLS10, cipher.BulkAES128CBC, cipher.MACSHA1}
	cbc11 = combo{cipher.VersionTLS11, cipher.BulkAES128CBC, cipher.MACSHA1}
	cbc30 = combo{cipher.VersionSSL30, cipher.Bulk3DESEDECBC, cipher.MACSHA1}
)

// wire builds a byte stream of records in the clear.
type wire []byte

func (w wire) rec(typ ContentType, vers uint16, payload []byte) wire {
	w = Header{Type: typ, Version: vers, Length: len(payload)}.Append(w)
	return append(w, payload...)
}

// sealed appends a record sealed with p.
func (w wire) sealed(t testing.TB, p *Protection, typ ContentType, payload []byte) wire {
	t.Helper()
	out, err := p.Seal(w, typ, payload)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readConn(w []byte, cfg Config) *Conn {
	return NewConn(&loopback{in: bytes.NewReader(w)}, cfg)
}

// protectedReader returns a Conn reading w in version c.v under a read
// protection with keys seed.
func protectedReader(t *testing.T, c combo, seed byte, w []byte, cfg Config) *Conn {
	t.Helper()
	conn := readConn(w, cfg)
	if err := conn.SetVersion(c.v); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadProtection(newProt(t, c, seed)); err != nil {
		t.Fatal(err)
	}
	return conn
}

func hsMsg(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// parseRecords splits a byte stream into records.
func parseRecords(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		h, err := ParseHeader(b)
		if err != nil || len(b) < HeaderLen+h.Length {
			t.Fatalf("bad stream: %v", err)
		}
		out = append(out, b[:HeaderLen+h.Length])
		b = b[HeaderLen+h.Length:]
	}
	return out
}

// TestConnFragmentsAndReassembles writes application data larger than a
// record and handshake messages of every size through one Conn and reads
// them back through another.
func TestConnFragmentsAndReassembles(t *testing.T) {
	for _, c := range []combo{gcm12, gcm13, cbc11} {
		t.Run(c.String(), func(t *testing.T) {
			var tr loopback
			w := NewConn(&tr, Config{})
			w.SetVersion(c.v)
			big := bytes.Repeat([]byte("abcdefghij"), 4000) // 40000 bytes
			msgs := [][]byte{hsMsg(1, []byte("one")), hsMsg(2, nil), hsMsg(11, big), hsMsg(20, make([]byte, 12))}
			for _, m := range msgs[:2] {
				if err := w.WriteRecord(TypeHandshake, m); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.SetWriteProtection(newProt(t, c, 1)); err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs[2:] {
				if err := w.WriteRecord(TypeHandshake, m); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := w.Write(big); err != nil {
				t.Fatal(err)
			}
			recs := parseRecords(t, tr.out.Bytes())
			// One record in the clear for both small messages, three for
			// the 40000+4+16 handshake bytes, three for the data.
			if len(recs) != 7 {
				t.Fatalf("%d records", len(recs))
			}
			if recs[0][0] != byte(TypeHandshake) || len(recs[0]) != HeaderLen+len(msgs[0])+len(msgs[1]) {
				t.Fatalf("first record %x", recs[0])
			}

			r := readConn(tr.out.Bytes(), Config{})
			for i, m := range msgs {
				if i == 2 {
					r.SetVersion(c.v)
					if err := r.SetReadProtection(newProt(t, c, 1)); err != nil {
						t.Fatal(err)
					}
				}
				got, err := r.ReadHandshakeMessage()
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
				}
			}
			var data []byte
			for i := 0; i < 3; i++ {
				m, err := r.ReadMessage()
				if err != nil || m.Type != TypeApplicationData {
					t.Fatalf("data %d: %v %v", i, m.Type, err)
				}
				if i < 2 && len(m.Data) != MaxPlaintext {
					t.Fatalf("fragment %d of %d bytes", i, len(m.Data))
				}
				data = append(data, m.Data...)
			}
			if !bytes.Equal(data, big) {
				t.Fatal("data differs")
			}
			if _, err := r.ReadMessage(); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("end without close_notify: %v", err)
			}
		})
	}
}

// TestConnWriteLimit checks SetWriteLimit and SetReadLimit (RFC 6066
// max_fragment_length, RFC 8449 record_size_limit).
func TestConnWriteLimit(t *testing.T) {
	var tr loopback
	w := NewConn(&tr, Config{})
	w.SetVersion(cipher.VersionTLS12)
	w.SetWriteProtection(newProt(t, gcm12, 1))
	if err := w.SetWriteLimit(63); err == nil {
		t.Fatal("limit 63 accepted")
	}
	if err := w.SetWriteLimit(512); err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 2000))
	recs := parseRecords(t, tr.out.Bytes())
	if len(recs) != 4 || len(recs[3]) != HeaderLen+8+(2000-3*512)+16 {
		t.Fatalf("%d records", len(recs))
	}
	r := protectedReader(t, gcm12, 1, tr.out.Bytes(), Config{})
	r.SetReadLimit(511)
	_, err := r.ReadMessage()
	wantAlert(t, err, RecordOverflow)
}

// countingWriter counts the transport writes.
type countingWriter struct {
	loopback
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.loopback.Write(p)
}

// TestFlightInOneWrite checks that a TLS 1.2 flight (several handshake
// messages, change_cipher_spec, Finished under the new keys) is coalesced
// into one transport write and three records.
func TestFlightInOneWrite(t *testing.T) {
	tr := &countingWriter{}
	c := NewConn(tr, Config{})
	c.SetVersion(cipher.VersionTLS12)
	c.WriteRecord(TypeHandshake, hsMsg(11, make([]byte, 3000)))
	c.WriteRecord(TypeHandshake, hsMsg(12, make([]byte, 300)))
	c.WriteRecord(TypeHandshake, hsMsg(14, nil))
	c.WriteRecord(TypeChangeCipherSpec, []byte{1})
	c.SetWriteProtection(newProt(t, gcm12, 1))
	c.WriteRecord(TypeHandshake, hsMsg(20, make([]byte, 12)))
	if tr.writes != 0 {
		t.Fatalf("%d writes before Flush", tr.writes)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if tr.writes != 1 {
		t.Fatalf("%d writes", tr.writes)
	}
	recs := parseRecords(t, tr.out.Bytes())
	if len(recs) != 3 || recs[1][0] != byte(TypeChangeCipherSpec) || len(recs[2]) != HeaderLen+8+16+16 {
		t.Fatalf("%d records", len(recs))
	}
}

// TestHandshakeReassembly reads messages split over one-byte records and
// several messages per record.
func TestHandshakeReassembly(t *testing.T) {
	m1, m2, m3 := hsMsg(1, bytes.Repeat([]byte{7}, 300)), hsMsg(2, []byte{9}), hsMsg(14, nil)
	all := append(append(append([]byte(nil), m1...), m2...), m3...)
	var w wire
	for i := 0; i < len(m1)-1; i++ {
		w = w.rec(TypeHandshake, 0x0301, all[i:i+1])
	}
	w = w.rec(TypeHandshake, 0x0301, all[len(m1)-1:])
	c := readConn(w, Config{})
	for _, want := range [][]byte{m1, m2, m3} {
		got, err := c.ReadHandshakeMessage()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %x, %v", got, err)
		}
	}
	// The messages are the caller's: reading on does not change them.
	w = wire(nil).rec(TypeHandshake, 0x0301, append(append([]byte(nil), m2...), m2...))
	c = readConn(w, Config{})
	first, _ := c.ReadHandshakeMessage()
	keep := append([]byte(nil), first...)
	c.ReadHandshakeMessage()
	if !bytes.Equal(first, keep) {
		t.Fatal("a returned message changed")
	}
}

// TestMaxHandshakeSize checks that a declared length above the limit is
// refused with handshake_failure as soon as the header is in, before the
// body arrives.
func TestMaxHandshakeSize(t *testing.T) {
	hdr := []byte{1, 0x04, 0x00, 0x01} // 256 KiB + 1
	c := readConn(wire(nil).rec(TypeHandshake, 0x0301, hdr), Config{})
	_, err := c.ReadHandshakeMessage()
	wantAlert(t, err, HandshakeFailure)

	ok := hsMsg(1, make([]byte, 100))
	c = readConn(wire(nil).rec(TypeHandshake, 0x0301, ok), Config{MaxHandshakeSize: 100})
	if _, err := c.ReadHandshakeMessage(); err != nil {
		t.Fatal(err)
	}
	c = readConn(wire(nil).rec(TypeHandshake, 0x0301, hsMsg(1, make([]byte, 101))), Config{MaxHandshakeSize: 100})
	_, err = c.ReadHandshakeMessage()
	wantAlert(t, err, HandshakeFailure)
	// The error sticks.
	_, err = c.ReadHandshakeMessage()
	wantAlert(t, err, HandshakeFailure)
}

// TestHandshakeMustNotSpanKeyChange: RFC 8446, Section 5.1.
func TestHandshakeMustNotSpanKeyChange(t *testing.T) {
	fin := hsMsg(20, make([]byte, 32))
	for _, extra := range [][]byte{{4, 0}, hsMsg(4, nil)} {
		c := readConn(wire(nil).rec(TypeHandshake, 0x0303, append(append([]byte(nil), fin...), extra...)), Config{})
		c.SetVersion(cipher.VersionTLS13)
		if _, err := c.ReadHandshakeMessage(); err != nil {
			t.Fatal(err)
		}
		wantAlert(t, c.SetReadProtection(newProt(t, gcm13, 1)), UnexpectedMessage)
		_, err := c.ReadMessage()
		wantAlert(t, err, UnexpectedMessage)
	}
	// change_cipher_spec in the middle of a handshake message.
	w := wire(nil).rec(TypeHandshake, 0x0303, fin[:10]).rec(TypeChangeCipherSpec, 0x0303, []byte{1})
	c := readConn(w, Config{})
	c.SetVersion(cipher.VersionTLS12)
	_, err := c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
}

// TestChangeCipherSpec checks change_cipher_spec before and in TLS 1.3.
func TestChangeCipherSpec(t *testing.T) {
	c := readConn(wire(nil).rec(TypeChangeCipherSpec, 0x0303, []byte{1}), Config{})
	c.SetVersion(cipher.VersionTLS12)
	if err := c.ReadChangeCipherSpec(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{{2}, {1, 1}} {
		c = readConn(wire(nil).rec(TypeChangeCipherSpec, 0x0303, bad), Config{})
		c.SetVersion(cipher.VersionTLS12)
		wantAlert(t, c.ReadChangeCipherSpec(), DecodeError)
		c = readConn(wire(nil).rec(TypeChangeCipherSpec, 0x0303, bad), Config{})
		c.SetVersion(cipher.VersionTLS13)
		_, err := c.ReadMessage()
		wantAlert(t, err, UnexpectedMessage)
	}
	c = readConn(wire(nil).rec(TypeHandshake, 0x0303, hsMsg(2, nil)), Config{})
	c.SetVersion(cipher.VersionTLS12)
	wantAlert(t, c.ReadChangeCipherSpec(), UnexpectedMessage)

	// TLS 1.3: dropped while compatibility is on, even under protection.
	s := newProt(t, gcm13, 1)
	w := wire(nil).rec(TypeChangeCipherSpec, 0x0303, []byte{1}).sealed(t, s, TypeHandshake, hsMsg(8, nil))
	c = protectedReader(t, gcm13, 1, w, Config{})
	if m, err := c.ReadHandshakeMessage(); err != nil || m[0] != 8 {
		t.Fatalf("%x, %v", m, err)
	}
	c = protectedReader(t, gcm13, 1, w, Config{})
	c.SetCompatCCS(false)
	_, err := c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
	// A protected change_cipher_spec is refused.
	w = wire(nil).sealed(t, newProt(t, gcm13, 1), TypeChangeCipherSpec, []byte{1})
	_, err = protectedReader(t, gcm13, 1, w, Config{}).ReadMessage()
	wantAlert(t, err, UnexpectedMessage)

	// Writing: in TLS 1.3 always in the clear.
	var tr loopback
	wc := NewConn(&tr, Config{})
	wc.SetVersion(cipher.VersionTLS13)
	wc.SetWriteProtection(newProt(t, gcm13, 1))
	wc.WriteRecord(TypeChangeCipherSpec, []byte{1})
	wc.Flush()
	if !bytes.Equal(tr.out.Bytes(), []byte{20, 3, 3, 0, 1, 1}) {
		t.Fatalf("TLS 1.3 change_cipher_spec %x", tr.out.Bytes())
	}
}

// TestAlerts checks how alerts are delivered.
func TestAlerts(t *testing.T) {
	warn := func(d Description) []byte { return []byte{1, byte(d)} }
	// Warning alerts are messages, up to the limit.
	var w wire
	for i := 0; i < DefaultMaxWarningAlerts; i++ {
		w = w.rec(TypeAlert, 0x0303, warn(NoRenegotiation))
	}
	w = w.rec(TypeHandshake, 0x0303, hsMsg(1, nil))
	for i := 0; i <= DefaultMaxWarningAlerts; i++ {
		w = w.rec(TypeAlert, 0x0303, warn(UserCanceled))
	}
	c := readConn(w, Config{})
	c.SetVersion(cipher.VersionTLS12)
	for i := 0; i < DefaultMaxWarningAlerts; i++ {
		m, err := c.ReadMessage()
		if err != nil || m.Type != TypeAlert || m.Alert != (Alert{Level: Warning, Description: NoRenegotiation, Remote: true}) {
			t.Fatalf("alert %d: %+v, %v", i, m, err)
		}
	}
	if _, err := c.ReadHandshakeMessage(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < DefaultMaxWarningAlerts; i++ {
		_, err := c.ReadHandshakeMessage()
		var a Alert
		if !errors.As(err, &a) || a.Level != Warning || !a.Remote {
			t.Fatalf("warning as the handshake's error: %v", err)
		}
	}
	_, err := c.ReadMessage()
	wantAlert(t, err, DecodeError)

	// close_notify is io.EOF, and sticks.
	c = readConn(wire(nil).rec(TypeAlert, 0x0303, warn(CloseNotify)), Config{})
	for i := 0; i < 2; i++ {
		if _, err := c.ReadMessage(); err != io.EOF {
			t.Fatalf("close_notify: %v", err)
		}
	}
	// A fatal alert is the error, with Remote set.
	c = readConn(wire(nil).rec(TypeAlert, 0x0303, []byte{2, byte(UnknownCA)}), Config{})
	_, err = c.ReadMessage()
	var a Alert
	if !errors.As(err, &a) || a != (Alert{Level: Fatal, Description: UnknownCA, Remote: true}) {
		t.Fatalf("fatal alert: %v", err)
	}
	if err.Error() != "tls alert: received Fatal - Unknown CA" {
		t.Fatalf("text %q", err.Error())
	}
	// TLS 1.3: every alert but the closure alerts is an error.
	s := newProt(t, gcm13, 1)
	w = wire(nil).sealed(t, s, TypeAlert, warn(UserCanceled)).sealed(t, s, TypeAlert, warn(HandshakeFailure))
	c = protectedReader(t, gcm13, 1, w, Config{})
	if m, err := c.ReadMessage(); err != nil || m.Alert.Description != UserCanceled {
		t.Fatalf("user_canceled: %+v %v", m, err)
	}
	_, err = c.ReadMessage()
	if !errors.As(err, &a) || a.Description != HandshakeFailure || !a.Remote {
		t.Fatalf("TLS 1.3 warning handshake_failure: %v", err)
	}
	// Malformed alerts.
	for _, bad := range [][]byte{{1}, {1, 0, 0}, {3, 0}, {0, 40}, {}} {
		c = readConn(wire(nil).rec(TypeAlert, 0x0303, bad), Config{})
		_, err := c.ReadMessage()
		wantAlert(t, err, DecodeError)
	}
}

// TestTLS13AlertInTheClear: before the first protected record, a TLS 1.3
// peer may send an alert in the clear; after it, not.
func TestTLS13AlertInTheClear(t *testing.T) {
	clearAlert := wire(nil).rec(TypeAlert, 0x0303, []byte{2, byte(DecodeError)})
	c := protectedReader(t, gcm13, 1, clearAlert, Config{})
	_, err := c.ReadMessage()
	var a Alert
	if !errors.As(err, &a) || !a.Remote || a.Description != DecodeError {
		t.Fatalf("alert in the clear: %v", err)
	}
	w := wire(nil).sealed(t, newProt(t, gcm13, 1), TypeHandshake, hsMsg(8, nil))
	w = append(w, clearAlert...)
	c = protectedReader(t, gcm13, 1, w, Config{})
	c.ReadHandshakeMessage()
	_, err = c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
	// A handshake record in the clear after the key change.
	c = protectedReader(t, gcm13, 1, wire(nil).rec(TypeHandshake, 0x0303, hsMsg(8, nil)), Config{})
	_, err = c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
}

// TestEmptyRecords: empty application data records are skipped, up to the
// limit.
func TestEmptyRecords(t *testing.T) {
	for _, n := range []int{DefaultMaxEmptyRecords, DefaultMaxEmptyRecords + 1} {
		s := newProt(t, gcm12, 1)
		var w wire
		for i := 0; i < n; i++ {
			w = w.sealed(t, s, TypeApplicationData, nil)
		}
		w = w.sealed(t, s, TypeApplicationData, []byte("data"))
		c := protectedReader(t, gcm12, 1, w, Config{})
		m, err := c.ReadMessage()
		if n <= DefaultMaxEmptyRecords {
			if err != nil || string(m.Data) != "data" {
				t.Fatalf("%d empty records: %v", n, err)
			}
		} else {
			wantAlert(t, err, UnexpectedMessage)
		}
	}
	// TLS 1.3 compatibility change_cipher_spec records count too.
	var w wire
	for i := 0; i <= DefaultMaxEmptyRecords; i++ {
		w = w.rec(TypeChangeCipherSpec, 0x0303, []byte{1})
	}
	c := readConn(w, Config{})
	c.SetVersion(cipher.VersionTLS13)
	_, err := c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
	// An empty handshake record is refused.
	c = readConn(wire(nil).rec(TypeHandshake, 0x0301, nil), Config{})
	_, err = c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
}

// TestRecordHeaderChecks checks content type, version and length rules.
func TestRecordHeaderChecks(t *testing.T) {
	hello := hsMsg(1, nil)
	cases := []struct {
		name    string
		w       []byte
		version cipher.Version
		prot    *combo
		want    Description
	}{
		{"unknown type", wire(nil).rec(24, 0x0301, hello), 0, nil, UnexpectedMessage},
		{"type 0", wire(nil).rec(0, 0x0301, hello), 0, nil, UnexpectedMessage},
		{"SSL 2.0 header", []byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0}, 0, nil, UnexpectedMessage},
		{"version 2.0", wire(nil).rec(TypeHandshake, 0x0200, hello), 0, nil, ProtocolVersion},
		{"version 4.0", wire(nil).rec(TypeHandshake, 0x0400, hello), 0, nil, ProtocolVersion},
		{"other version", wire(nil).rec(TypeHandshake, 0x0301, hello), cipher.VersionTLS12, nil, ProtocolVersion},
		{"plaintext too long", wire(nil).rec(TypeHandshake, 0x0303, make([]byte, MaxPlaintext+1)), 0, nil, RecordOverflow},
		{"TLS 1.2 ciphertext too long", wire(nil).rec(TypeApplicationData, 0x0303, make([]byte, MaxCiphertext+1)), cipher.VersionTLS12, &gcm12, RecordOverflow},
		{"TLS 1.3 ciphertext too long", wire(nil).rec(TypeApplicationData, 0x0303, make([]byte, MaxCiphertextTLS13+1)), cipher.VersionTLS13, &gcm13, RecordOverflow},
		{"application data in the clear", wire(nil).rec(TypeApplicationData, 0x0303, []byte("x")), cipher.VersionTLS12, nil, UnexpectedMessage},
		{"application data inside a handshake message", wire(nil).rec(TypeHandshake, 0x0303, hello[:2]).rec(TypeApplicationData, 0x0303, []byte("x")), cipher.VersionTLS12, nil, UnexpectedMessage},
	}
	for _, c := range cases {
		conn := readConn(c.w, Config{})
		if c.version != 0 {
			conn.SetVersion(c.version)
		}
		if c.prot != nil {
			conn.SetReadProtection(newProt(t, *c.prot, 1))
		}
		_, err := conn.ReadMessage()
		var a Alert
		if !errors.As(err, &a) || a.Description != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	// An oversized length is refused from the header alone, before the
	// body is read: here the body never comes.
	conn := readConn([]byte{22, 3, 3, 0x40, 0x01}, Config{})
	_, err := conn.ReadMessage()
	wantAlert(t, err, RecordOverflow)
	// TLS 1.3 ignores legacy_record_version; the header is the
	// additional data, so the record is sealed with the header it carries.
	s3 := newProt(t, gcm13, 1)
	inner := append(append([]byte(nil), hello...), byte(TypeHandshake))
	hdr := Header{Type: TypeApplicationData, Version: 0x0301, Length: len(inner) + 16}.Append(nil)
	rec3 := append(hdr, s3.aead.Seal(nil, s3.xorNonce(0), inner, hdr)...)
	if m, err := protectedReader(t, gcm13, 1, rec3, Config{}).ReadHandshakeMessage(); err != nil || !bytes.Equal(m, hello) {
		t.Fatalf("TLS 1.3 record with version 0x0301: %v", err)
	}
}

// TestConnRefusesTamperedRecords flips every bit of a protected record
// read through a Conn: nothing is ever accepted, and the alert is the one
// the changed field calls for.
func TestConnRefusesTamperedRecords(t *testing.T) {
	for _, c := range []combo{gcm12, gcm13, cbc10, cbc30, {cipher.VersionTLS12, cipher.BulkRC4128, cipher.MACSHA1}} {
		rec := wire(nil).sealed(t, newProt(t, c, 3), TypeApplicationData, []byte("sixteen byte msg"))
		for bit := 0; bit < len(rec)*8; bit++ {
			bad := append([]byte(nil), rec...)
			bad[bit/8] ^= 1 << (bit % 8)
			m, err := protectedReader(t, c, 3, bad, Config{}).ReadMessage()
			var a Alert
			isAlert := errors.As(err, &a)
			ok := false
			switch i := bit / 8; {
			case i == 0:
				ok = isAlert && (a.Description == UnexpectedMessage || a.Description == BadRecordMAC || a.Description == DecodeError)
			case i == 1 || i == 2:
				if c.v == cipher.VersionTLS13 {
					ok = isAlert && a.Description == BadRecordMAC
				} else {
					ok = isAlert && a.Description == ProtocolVersion
				}
			case i == 3 || i == 4:
				ok = err == io.ErrUnexpectedEOF || isAlert && (a.Description == BadRecordMAC || a.Description == RecordOverflow)
			default:
				ok = isAlert && a.Description == BadRecordMAC
			}
			if !ok {
				t.Fatalf("%s bit %d: %v %v", c, bit, m.Type, err)
			}
		}
	}
}

// flakyReader fails once with a timeout, then reads.
type flakyReader struct {
	data    []byte
	timeout bool
}

type timeoutError struct{}

func (timeoutError) Error() string { return "i/o timeout" }
func (timeoutError) Timeout() bool { return true }

func (f *flakyReader) Read(p []byte) (int, error) {
	if !f.timeout {
		f.timeout = true
		n := copy(p, f.data[:3])
		f.data = f.data[n:]
		return n, timeoutError{}
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (f *flakyReader) Write(p []byte) (int, error) { return len(p), nil }

// TestTransportErrors: a timeout does not stick, and the bytes read before
// it are kept; the transport ending within a record is a truncation.
func TestTransportErrors(t *testing.T) {
	msg := hsMsg(1, []byte("hello"))
	c := NewConn(&flakyReader{data: wire(nil).rec(TypeHandshake, 0x0301, msg)}, Config{})
	if _, err := c.ReadHandshakeMessage(); !isTimeout(err) {
		t.Fatalf("first read: %v", err)
	}
	if got, err := c.ReadHandshakeMessage(); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("after the timeout: %x, %v", got, err)
	}
	full := wire(nil).rec(TypeHandshake, 0x0301, msg)
	for cut := 1; cut < len(full); cut++ {
		_, err := readConn(full[:cut], Config{}).ReadMessage()
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
}

// TestBeastMitigation checks how a write is split under each
// beast_mitigation setting, and that only SSL 3.0 and TLS 1.0 CBC suites
// are split.
func TestBeastMitigation(t *testing.T) {
	cases := []struct {
		c     combo
		mode  BeastMitigation
		sizes []int
	}{
		{cbc10, OneNMinusOne, []int{1, 4}},
		{cbc10, ZeroN, []int{0, 5}},
		{cbc10, BeastDisabled, []int{5}},
		{cbc30, OneNMinusOne, []int{1, 4}},
		{cbc11, OneNMinusOne, []int{5}},
		{gcm12, OneNMinusOne, []int{5}},
		{combo{cipher.VersionTLS10, cipher.BulkRC4128, cipher.MACSHA1}, OneNMinusOne, []int{5}},
	}
	for _, tc := range cases {
		var tr loopback
		w := NewConn(&tr, Config{BeastMitigation: tc.mode})
		w.SetVersion(tc.c.v)
		w.SetWriteProtection(newProt(t, tc.c, 1))
		if _, err := w.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		stream := append([]byte(nil), tr.out.Bytes()...)
		recs := parseRecords(t, tr.out.Bytes())
		o := newProt(t, tc.c, 1)
		var sizes []int
		var data []byte
		for _, r := range recs {
			_, p, err := o.Open(r)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(p))
			data = append(data, p...)
		}
		if string(data) != "hello" || len(sizes) != len(tc.sizes) {
			t.Fatalf("%s %s: records %v", tc.c, tc.mode, sizes)
		}
		for i := range sizes {
			if sizes[i] != tc.sizes[i] {
				t.Fatalf("%s %s: records %v, want %v", tc.c, tc.mode, sizes, tc.sizes)
			}
		}
		// The reader delivers the data whatever the split.
		r := protectedReader(t, tc.c, 1, stream, Config{})
		var got []byte
		for len(got) < 5 {
			m, err := r.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.Data...)
		}
		if string(got) != "hello" {
			t.Fatalf("%s %s: read %q", tc.c, tc.mode, got)
		}
	}
	if OneNMinusOne.String() != "one_n_minus_one" || ZeroN.String() != "zero_n" || BeastDisabled.String() != "disabled" {
		t.Fatal("Erlang names")
	}
}

// TestPaddingCheckOption: Config.DisablePaddingCheck reaches TLS 1.0 read
// protections only.
func TestPaddingCheckOption(t *testing.T) {
	payload := []byte("0123456789abcdef0123456789abcde")
	for _, c := range []combo{cbc10, cbc11} {
		rec := cbcRecord(t, newProt(t, c, 5), payload, 28, 0)
		conn := protectedReader(t, c, 5, rec, Config{DisablePaddingCheck: true})
		m, err := conn.ReadMessage()
		if c.v == cipher.VersionTLS10 {
			if err != nil || !bytes.Equal(m.Data, payload) {
				t.Fatalf("TLS 1.0 without the padding check: %v", err)
			}
		} else {
			wantAlert(t, err, BadRecordMAC)
		}
		_, err = protectedReader(t, c, 5, rec, Config{}).ReadMessage()
		wantAlert(t, err, BadRecordMAC)
	}
}

// TestWriteSide checks the write side's rules.
func TestWriteSide(t *testing.T) {
	var tr loopback
	c := NewConn(&tr, Config{})
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("application data written in the clear")
	}
	if err := c.WriteRecord(TypeAlert, nil); err == nil {
		t.Fatal("empty alert record")
	}
	if err := c.WriteRecord(ContentType(99), []byte{1}); err == nil {
		t.Fatal("unknown content type")
	}
	// Records in the clear carry InitialVersion, then the negotiated one.
	c.WriteRecord(TypeHandshake, hsMsg(1, nil))
	c.Flush()
	c.SetVersion(cipher.VersionTLS12)
	c.WriteRecord(TypeHandshake, hsMsg(2, nil))
	c.Flush()
	c2 := NewConn(&tr, Config{InitialVersion: cipher.VersionSSL30})
	c2.WriteRecord(TypeHandshake, hsMsg(1, nil))
	c2.Flush()
	recs := parseRecords(t, tr.out.Bytes())
	if recs[0][2] != 1 || recs[1][2] != 3 || recs[2][2] != 0 {
		t.Fatalf("versions %x %x %x", recs[0][1:3], recs[1][1:3], recs[2][1:3])
	}
	// A protection serves one direction once.
	p := newProt(t, gcm12, 1)
	if err := c.SetWriteProtection(p); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadProtection(p); err == nil {
		t.Fatal("protection installed twice")
	}
	// After a fatal alert nothing more is written.
	tr.out.Reset()
	if err := c.SendAlert(Fatal, HandshakeFailure); err != nil {
		t.Fatal(err)
	}
	if _, _, err := newProt(t, gcm12, 1).Open(tr.out.Bytes()); err != nil {
		t.Fatalf("alert record: %v", err)
	}
	n := tr.out.Len()
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrWriteClosed) {
		t.Fatalf("write after a fatal alert: %v", err)
	}
	if err := c.SendAlert(Fatal, InternalError); !errors.Is(err, ErrWriteClosed) || tr.out.Len() != n {
		t.Fatal("second alert written")
	}
}

// failingWriter fails every write.
type failingWriter struct{ loopback }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestWriteErrorsStick: after the transport fails a write, every write
// fails.
func TestWriteErrorsStick(t *testing.T) {
	c := NewConn(&failingWriter{}, Config{})
	c.SetVersion(cipher.VersionTLS12)
	c.SetWriteProtection(newProt(t, gcm12, 1))
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("write succeeded")
	}
	if err := c.WriteRecord(TypeHandshake, hsMsg(1, nil)); err == nil || err.Error() != "broken pipe" {
		t.Fatalf("second write: %v", err)
	}
}

// TestUnread returns what follows the last record.
func TestUnread(t *testing.T) {
	w := wire(nil).rec(TypeAlert, 0x0303, []byte{1, 0})
	w = append(w, "plain text after TLS"...)
	c := readConn(w, Config{})
	if _, err := c.ReadMessage(); err != io.EOF {
		t.Fatal(err)
	}
	if string(c.Unread()) != "plain text after TLS" {
		t.Fatalf("Unread = %q", c.Unread())
	}
}

// TestSkipEarlyData: a TLS 1.3 server that rejected 0-RTT skips the
// client's early data, within max_early_data_size (RFC 8446, Section
// 4.2.10), and only until the first record that opens.
func TestSkipEarlyData(t *testing.T) {
	early, hs := newProt(t, gcm13, 9), newProt(t, gcm13, 1)
	fin := hsMsg(20, make([]byte, 32))
	var w wire
	w = w.rec(TypeChangeCipherSpec, 0x0303, []byte{1})
	w = w.sealed(t, early, TypeApplicationData, make([]byte, 100)) // 117-byte body
	w = w.sealed(t, early, TypeApplicationData, make([]byte, 50))  // 67-byte body
	w = w.sealed(t, hs, TypeHandshake, fin)
	w = w.sealed(t, early, TypeApplicationData, make([]byte, 1))
	for _, budget := range []int{117 + 67, 117 + 67 - 1, 0} {
		c := protectedReader(t, gcm13, 1, w, Config{})
		c.SkipEarlyData(budget)
		m, err := c.ReadHandshakeMessage()
		if budget < 117+67 {
			wantAlert(t, err, BadRecordMAC)
			continue
		}
		if err != nil || !bytes.Equal(m, fin) {
			t.Fatalf("budget %d: %x, %v", budget, m, err)
		}
		// Skipping has ended: the next bad record is refused.
		_, err = c.ReadMessage()
		wantAlert(t, err, BadRecordMAC)
	}

	// After a HelloRetryRequest there is no read protection: records of
	// type application_data are skipped until the second ClientHello.
	hello := hsMsg(1, []byte{3, 3})
	w = wire(nil).rec(TypeApplicationData, 0x0303, make([]byte, 40)).rec(TypeApplicationData, 0x0303, nil).rec(TypeHandshake, 0x0303, hello)
	w = w.rec(TypeApplicationData, 0x0303, make([]byte, 40))
	c := readConn(w, Config{})
	c.SetVersion(cipher.VersionTLS13)
	c.SkipEarlyData(1000)
	if m, err := c.ReadHandshakeMessage(); err != nil || !bytes.Equal(m, hello) {
		t.Fatalf("second ClientHello: %x, %v", m, err)
	}
	_, err := c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)

	// Empty records cost nothing of the budget, so they are bounded as
	// empty records.
	w = nil
	for i := 0; i <= DefaultMaxEmptyRecords; i++ {
		w = w.rec(TypeApplicationData, 0x0303, nil)
	}
	c = readConn(w, Config{})
	c.SetVersion(cipher.VersionTLS13)
	c.SkipEarlyData(1000)
	_, err = c.ReadMessage()
	wantAlert(t, err, UnexpectedMessage)
}

// TestEarlyDataChangeCipherSpec: a TLS 1.3 client that sends early data
// writes its compatibility change_cipher_spec in the clear even before
// SetVersion, under the early data protection.
func TestEarlyDataChangeCipherSpec(t *testing.T) {
	var tr loopback
	c := NewConn(&tr, Config{})
	c.SetWriteProtection(newProt(t, gcm13, 1))
	c.WriteRecord(TypeChangeCipherSpec, []byte{1})
	c.Write([]byte("early"))
	recs := parseRecords(t, tr.out.Bytes())
	if !bytes.Equal(recs[0], []byte{20, 3, 3, 0, 1, 1}) || recs[1][0] != byte(TypeApplicationData) {
		t.Fatalf("records %x", recs)
	}
}
