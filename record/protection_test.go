package record

import (
	"bytes"
	"crypto/hmac"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

var allVersions = []cipher.Version{cipher.VersionSSL30, cipher.VersionTLS10, cipher.VersionTLS11, cipher.VersionTLS12, cipher.VersionTLS13}

// combo is one kind of record protection: a version with a bulk cipher
// and a MAC.
type combo struct {
	v    cipher.Version
	bulk cipher.Bulk
	mac  cipher.MAC
}

func (c combo) String() string { return fmt.Sprintf("%s/%s/%s", c.v, c.bulk, c.mac) }

// registryCombos returns every (version, bulk, MAC) the suite registry
// allows, each once.
func registryCombos(t testing.TB) []combo {
	seen := map[combo]bool{}
	var out []combo
	for _, s := range cipher.Suites() {
		for _, v := range allVersions {
			if !s.ValidFor(v) {
				continue
			}
			c := combo{v, s.Cipher, s.MAC}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d protections in the registry", len(out))
	}
	return out
}

// testKeys returns keys of the right sizes for c, filled with a pattern
// that depends on seed.
func testKeys(c combo, seed byte) Keys {
	fill := func(n int, salt byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed*31 + salt + byte(i*7)
		}
		return b
	}
	p := c.bulk.Params()
	k := Keys{Key: fill(p.KeyLen, 1), MAC: fill(c.mac.Size(), 2)}
	switch {
	case c.v == cipher.VersionTLS13:
		k.IV = fill(12, 3)
	case p.Kind == cipher.KindAEAD:
		k.IV = fill(p.FixedIVLen, 3)
	case p.Kind == cipher.KindBlock && c.v <= cipher.VersionTLS10:
		k.IV = fill(p.BlockSize, 3)
	}
	return k
}

func newProt(t testing.TB, c combo, seed byte) *Protection {
	t.Helper()
	p, err := NewBulkProtection(c.v, c.bulk, c.mac, testKeys(c, seed))
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return p
}

func wantAlert(t testing.TB, err error, d Description) {
	t.Helper()
	var a Alert
	if !errors.As(err, &a) || a.Description != d || a.Level != Fatal {
		t.Fatalf("error %v, want fatal %s", err, d)
	}
}

// TestRoundTripEverySuite seals and opens records of many sizes with every
// protection the registry allows, in sequence (so CBC chaining and RC4
// state carry over), and checks each record's size.
func TestRoundTripEverySuite(t *testing.T) {
	sizes := []int{0, 1, 15, 16, 17, 31, 255, 256, 1000, 4097, MaxPlaintext}
	for _, c := range registryCombos(t) {
		t.Run(c.String(), func(t *testing.T) {
			sealer, opener := newProt(t, c, 1), newProt(t, c, 1)
			buf := make([]byte, 0, maxRecord)
			for i, n := range sizes {
				payload := bytes.Repeat([]byte{byte(i + 1)}, n)
				typ := []ContentType{TypeApplicationData, TypeHandshake, TypeAlert}[i%3]
				rec, err := sealer.Seal(buf[:0], typ, payload)
				if err != nil {
					t.Fatal(err)
				}
				if len(rec) != sealer.sealedLen(n) || len(rec)-HeaderLen > sealer.maxBody() {
					t.Fatalf("%d-byte payload sealed into %d bytes (sealedLen %d)", n, len(rec), sealer.sealedLen(n))
				}
				if c.v != cipher.VersionTLS13 && (ContentType(rec[0]) != typ || uint16(rec[1])<<8|uint16(rec[2]) != uint16(c.v)) {
					t.Fatalf("header %x", rec[:5])
				}
				if n >= 16 && bytes.Contains(rec, payload) && c.bulk != cipher.BulkNull {
					t.Fatalf("payload in the clear")
				}
				gotTyp, got, err := opener.Open(rec)
				if err != nil {
					t.Fatalf("open %d bytes: %v", n, err)
				}
				if gotTyp != typ || !bytes.Equal(got, payload) {
					t.Fatalf("open %d bytes: got %s %d bytes", n, gotTyp, len(got))
				}
			}
			if sealer.Sequence() != uint64(len(sizes)) || opener.Sequence() != uint64(len(sizes)) {
				t.Fatalf("sequence numbers %d, %d", sealer.Sequence(), opener.Sequence())
			}
		})
	}
}

// TestTamperEverySuite checks that every single-bit change of a record,
// every truncation, a wrong sequence number and a replay all fail, with
// bad_record_mac, except a change of the length field (decode_error: the
// record no longer matches its header) and, in SSL 3.0 only, a change of
// the version, which the SSL 3.0 MAC does not cover (the Conn refuses it
// with protocol_version; see TestConnRefusesTamperedRecords).
func TestTamperEverySuite(t *testing.T) {
	payload := []byte("the quick brown fox jumps over the lazy dog")
	for _, c := range registryCombos(t) {
		t.Run(c.String(), func(t *testing.T) {
			rec, err := newProt(t, c, 2).Seal(nil, TypeApplicationData, payload)
			if err != nil {
				t.Fatal(err)
			}
			open := func(r []byte, seq uint64) error {
				p := newProt(t, c, 2)
				p.seq = seq
				_, _, err := p.Open(append([]byte(nil), r...))
				return err
			}
			if err := open(rec, 0); err != nil {
				t.Fatalf("untouched record: %v", err)
			}
			for bit := 0; bit < len(rec)*8; bit++ {
				bad := append([]byte(nil), rec...)
				bad[bit/8] ^= 1 << (bit % 8)
				err := open(bad, 0)
				switch i := bit / 8; {
				case i == 3 || i == 4:
					wantAlert(t, err, DecodeError)
				case (i == 1 || i == 2) && c.v == cipher.VersionSSL30:
					if err != nil {
						t.Fatalf("SSL 3.0 version byte changed: %v", err)
					}
				default:
					wantAlert(t, err, BadRecordMAC)
				}
			}
			for cut := 1; cut <= len(rec)-HeaderLen; cut++ {
				short := append([]byte(nil), rec[:len(rec)-cut]...)
				short[3], short[4] = byte((len(short)-HeaderLen)>>8), byte(len(short)-HeaderLen)
				wantAlert(t, open(short, 0), BadRecordMAC)
			}
			wantAlert(t, open(rec, 1), BadRecordMAC)
			wantAlert(t, open(rec, math.MaxUint64), BadRecordMAC)

			p := newProt(t, c, 2)
			if _, _, err := p.Open(append([]byte(nil), rec...)); err != nil {
				t.Fatal(err)
			}
			_, _, err = p.Open(append([]byte(nil), rec...))
			wantAlert(t, err, BadRecordMAC)

			wantAlert(t, open(rec[:HeaderLen+0], 0), DecodeError)
			other := newProt(t, c, 3)
			_, _, err = other.Open(append([]byte(nil), rec...))
			wantAlert(t, err, BadRecordMAC)
		})
	}
}

// TestSequenceNumberNeverWraps: the last sequence number, 2^64 - 1, is
// used once, then the protection refuses to seal or open.
func TestSequenceNumberNeverWraps(t *testing.T) {
	for _, c := range []combo{
		{cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD},
		{cipher.VersionTLS12, cipher.BulkChaCha20Poly1305, cipher.MACAEAD},
		{cipher.VersionTLS12, cipher.BulkAES128CBC, cipher.MACSHA256},
	} {
		s, o := newProt(t, c, 4), newProt(t, c, 4)
		s.seq, o.seq = math.MaxUint64, math.MaxUint64
		rec, err := s.Seal(nil, TypeApplicationData, []byte("last"))
		if err != nil {
			t.Fatalf("%s: last record: %v", c, err)
		}
		if _, _, err := o.Open(rec); err != nil {
			t.Fatalf("%s: open last record: %v", c, err)
		}
		_, err = s.Seal(nil, TypeApplicationData, []byte("one more"))
		wantAlert(t, err, InternalError)
		_, _, err = o.Open(rec)
		wantAlert(t, err, InternalError)
	}
}

// cbcRecord builds a CBC record by hand, with a chosen padding: padLen
// bytes of pad and the length byte padLen. It uses the protection's own
// MAC and cipher, so a valid padding gives a valid record.
func cbcRecord(t *testing.T, p *Protection, payload []byte, padLen int, pad byte) []byte {
	t.Helper()
	vers := wireVersion(p.version)
	rec := Header{Type: TypeApplicationData, Version: vers}.Append(nil)
	iv := make([]byte, p.prefixLen())
	rec = append(rec, iv...)
	rec = append(rec, payload...)
	rec = p.mac.sum(rec, 0, TypeApplicationData, vers, payload)
	for i := 0; i < padLen; i++ {
		rec = append(rec, pad)
	}
	rec = append(rec, byte(padLen))
	body := rec[HeaderLen:]
	if len(body)%p.blockSize != 0 {
		t.Fatalf("bad test padding: %d bytes", len(body))
	}
	if p.explicitIV {
		p.enc.SetIV(iv)
		body = body[len(iv):]
	}
	p.enc.CryptBlocks(body, body)
	rec[3], rec[4] = byte((len(rec)-HeaderLen)>>8), byte(len(rec)-HeaderLen)
	return rec
}

// TestCBCPadding checks the padding rules: TLS accepts any valid padding
// up to 255 bytes and refuses a wrong padding byte anywhere in it, unless
// TLS 1.0's padding check is off; SSL 3.0 ignores the padding bytes but
// refuses a padding as long as a block or longer.
func TestCBCPadding(t *testing.T) {
	payload := []byte("0123456789abcdef0123456789abcde") // 31 bytes
	type tc struct {
		v            cipher.Version
		padLen       int
		pad          byte
		noCheck      bool
		wantAccepted bool
	}
	// AES-128-CBC-SHA: 31 + 20 + 1 = 52; padding lengths that fill blocks
	// are 12, 28, ..., 252.
	cases := []tc{
		{cipher.VersionTLS12, 12, 12, false, true},
		{cipher.VersionTLS12, 252, 252, false, true},
		{cipher.VersionTLS12, 252, 251, false, false},
		{cipher.VersionTLS11, 28, 27, false, false},
		{cipher.VersionTLS10, 28, 27, false, false},
		{cipher.VersionTLS10, 28, 27, true, true},
		{cipher.VersionTLS10, 252, 0xaa, true, true},
		{cipher.VersionSSL30, 12, 0xaa, false, true},
		{cipher.VersionSSL30, 28, 28, false, false},
	}
	for _, c := range cases {
		cb := combo{c.v, cipher.BulkAES128CBC, cipher.MACSHA1}
		rec := cbcRecord(t, newProt(t, cb, 5), payload, c.padLen, c.pad)
		o := newProt(t, cb, 5)
		o.paddingCheck = !(c.noCheck && c.v == cipher.VersionTLS10)
		_, got, err := o.Open(rec)
		if c.wantAccepted {
			if err != nil || !bytes.Equal(got, payload) {
				t.Errorf("%s pad %d×%d check=%v: %v", c.v, c.padLen, c.pad, o.paddingCheck, err)
			}
		} else if a := (Alert{}); !errors.As(err, &a) || a.Description != BadRecordMAC {
			t.Errorf("%s pad %d×%d: %v, want bad_record_mac", c.v, c.padLen, c.pad, err)
		}
	}
	// A wrong padding byte at each position of a long padding is caught.
	cb := combo{cipher.VersionTLS12, cipher.BulkAES128CBC, cipher.MACSHA1}
	for pos := 0; pos < 252; pos++ {
		s := newProt(t, cb, 6)
		rec := cbcRecordWithBadByte(t, s, payload, 252, pos)
		_, _, err := newProt(t, cb, 6).Open(rec)
		wantAlert(t, err, BadRecordMAC)
	}
}

func cbcRecordWithBadByte(t *testing.T, p *Protection, payload []byte, padLen, pos int) []byte {
	t.Helper()
	vers := wireVersion(p.version)
	plain := append([]byte(nil), payload...)
	plain = p.mac.sum(plain, 0, TypeApplicationData, vers, payload)
	for i := 0; i <= padLen; i++ {
		b := byte(padLen)
		if i == pos {
			b ^= 0x40
		}
		plain = append(plain, b)
	}
	iv := make([]byte, p.blockSize)
	p.enc.SetIV(iv)
	p.enc.CryptBlocks(plain, plain)
	rec := Header{Type: TypeApplicationData, Version: vers, Length: len(iv) + len(plain)}.Append(nil)
	return append(append(rec, iv...), plain...)
}

// TestConstantTimeMACMatches checks sumConstantTime against the plain MAC
// for every length a CBC record's padding allows, with each MAC.
func TestConstantTimeMACMatches(t *testing.T) {
	data := make([]byte, 700)
	for i := range data {
		data[i] = byte(i * 13)
	}
	for _, c := range []struct {
		v   cipher.Version
		mac cipher.MAC
	}{
		{cipher.VersionSSL30, cipher.MACMD5}, {cipher.VersionSSL30, cipher.MACSHA1},
		{cipher.VersionTLS10, cipher.MACMD5}, {cipher.VersionTLS10, cipher.MACSHA1},
		{cipher.VersionTLS12, cipher.MACSHA256}, {cipher.VersionTLS12, cipher.MACSHA384},
	} {
		key := bytes.Repeat([]byte{0x0b}, c.mac.Size())
		m1, _ := newRecordMAC(c.v, c.mac, key)
		m2, _ := newRecordMAC(c.v, c.mac, key)
		for _, max := range []int{255, 300, 699} {
			for n := max - 255; n <= max; n++ {
				want := m1.sum(nil, 9, TypeApplicationData, uint16(c.v), data[:n])
				got := m2.sumConstantTime(nil, 9, TypeApplicationData, uint16(c.v), data[:max], n)
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %s n=%d max=%d: constant-time MAC differs", c.v, c.mac, n, max)
				}
			}
		}
	}
}

// TestConstantTimeMACCompressions simulates the Merkle-Damgård hash under
// the MAC (blocks of B bytes, a padding of one byte and an L-byte length)
// and checks that the inner hash does the same number of compression calls
// for every secret length: the digest of the n-byte message, then the
// extra bytes.
func TestConstantTimeMACCompressions(t *testing.T) {
	for _, c := range []struct {
		v   cipher.Version
		mac cipher.MAC
	}{
		{cipher.VersionSSL30, cipher.MACMD5}, {cipher.VersionSSL30, cipher.MACSHA1},
		{cipher.VersionTLS12, cipher.MACSHA1}, {cipher.VersionTLS12, cipher.MACSHA256},
		{cipher.VersionTLS12, cipher.MACSHA384},
	} {
		m, _ := newRecordMAC(c.v, c.mac, make([]byte, c.mac.Size()))
		B := 64
		L := 8
		if c.mac == cipher.MACSHA384 {
			B, L = 128, 16
		}
		prefix := B // the HMAC ipad block
		hdr := 13
		if c.v == cipher.VersionSSL30 {
			prefix = c.mac.Size() + map[cipher.MAC]int{cipher.MACMD5: 48, cipher.MACSHA1: 40}[c.mac]
			hdr = 11
		}
		for _, max := range []int{255, 256, 1000, MaxPlaintext + 255} {
			want := -1
			for n := max - 255; n <= max; n++ {
				absorbed := prefix + hdr + n
				calls := absorbed / B // during the writes
				buffered := absorbed % B
				if buffered+1+L > B { // the digest, on a copy of the state
					calls += 2
				} else {
					calls++
				}
				extra := m.extraBytes(max, n)
				if extra < 0 || extra > len(m.zeros) {
					t.Fatalf("%s %s: %d extra bytes", c.v, c.mac, extra)
				}
				calls += (buffered + extra) / B
				if want < 0 {
					want = calls
				}
				if calls != want {
					t.Fatalf("%s %s max=%d n=%d: %d compressions, %d for n=%d", c.v, c.mac, max, n, calls, want, max-255)
				}
			}
		}
	}
}

// TestExtractMAC compares the constant-time extraction with slicing, for
// every start position the padding allows.
func TestExtractMAC(t *testing.T) {
	for _, size := range []int{16, 20, 32, 48} {
		for _, n := range []int{size + 1, size + 40, size + 256, size + 600} {
			body := make([]byte, n)
			for i := range body {
				body[i] = byte(i*5 + 3)
			}
			for start := max(0, n-size-256); start <= n-size-1; start++ {
				out := make([]byte, size)
				extractMAC(out, body, start)
				if !bytes.Equal(out, body[start:start+size]) {
					t.Fatalf("size %d n %d start %d: got %x", size, n, start, out)
				}
			}
		}
	}
}

// TestAEADNonces checks our nonce constructions with published AEAD
// vectors. The TLS additional data is a record's, not the vectors', so
// the AEAD is called with the vector's data after the nonce comes from
// the record layer.
func TestAEADNonces(t *testing.T) {
	// AES-GCM, Test Case 4 of McGrew and Viega, "The Galois/Counter Mode
	// of Operation (GCM)": the 96-bit IV cafebabe facedbaddecaf888 is the
	// TLS 1.2 salt (RFC 5288, Section 3) followed by the explicit nonce.
	gcm, err := NewBulkProtection(cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD,
		Keys{Key: unhex(t, "feffe9928665731c6d6a8f9467308308"), IV: unhex(t, "cafebabe")})
	if err != nil {
		t.Fatal(err)
	}
	gcm.seq = 0xfacedbaddecaf888
	rec, err := gcm.Seal(nil, TypeApplicationData, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec[HeaderLen:HeaderLen+8], unhex(t, "facedbaddecaf888")) {
		t.Fatalf("explicit nonce %x, want the sequence number", rec[HeaderLen:HeaderLen+8])
	}
	nonce := gcm.nonceTLS12(0, rec[HeaderLen:HeaderLen+8])
	if !bytes.Equal(nonce, unhex(t, "cafebabefacedbaddecaf888")) {
		t.Fatalf("GCM nonce %x", nonce)
	}
	plain := unhex(t, `d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
		1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39`)
	want := unhex(t, `42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
		21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091
		5bc94fbc3221a5db94fae95ae7121a47`)
	got := gcm.aead.Seal(nil, nonce, plain, unhex(t, "feedfacedeadbeeffeedfacedeadbeefabaddad2"))
	if !bytes.Equal(got, want) {
		t.Fatalf("GCM test case 4 = %x", got)
	}

	// ChaCha20-Poly1305, RFC 8439 Section 2.8.2: the nonce
	// 07000000 4041424344454647 is the IV 07000000 00000000 00000000 XOR
	// the sequence number 4041424344454647, in TLS 1.2 (RFC 7905) and in
	// TLS 1.3 (RFC 8446, Section 5.3) alike.
	plain = []byte("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
	want = unhex(t, `d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
		3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
		92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
		3ff4def08e4b7a9de576d26586cec64b6116 1ae10b594f09e26a7e902ecbd0600691`)
	for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS13} {
		cc, err := NewBulkProtection(v, cipher.BulkChaCha20Poly1305, cipher.MACAEAD, Keys{
			Key: unhex(t, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
			IV:  unhex(t, "070000000000000000000000"),
		})
		if err != nil {
			t.Fatal(err)
		}
		nonce := cc.xorNonce(0x4041424344454647)
		if v == cipher.VersionTLS12 {
			nonce = cc.nonceTLS12(0x4041424344454647, nil)
		}
		got := cc.aead.Seal(nil, nonce, plain, unhex(t, "50515253c0c1c2c3c4c5c6c7"))
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: RFC 8439 2.8.2 = %x", v, got)
		}
	}
}

// TestTLS13Padding checks that PadTo pads the inner plaintext, that the
// padding is stripped on opening, and that the record size limit holds.
func TestTLS13Padding(t *testing.T) {
	c := combo{cipher.VersionTLS13, cipher.BulkAES256GCM, cipher.MACAEAD}
	for _, padTo := range []int{0, 1, 16, 256, 4096} {
		for _, n := range []int{0, 1, 100, 4095, 4096, MaxPlaintext} {
			s, o := newProt(t, c, 7), newProt(t, c, 7)
			s.padTo = padTo
			rec, err := s.Seal(nil, TypeHandshake, bytes.Repeat([]byte{1}, n))
			if err != nil {
				t.Fatal(err)
			}
			inner := len(rec) - HeaderLen - 16
			if padTo > 1 && inner%padTo != 0 && inner != MaxPlaintext+1 || inner > MaxPlaintext+1 || inner < n+1 {
				t.Fatalf("padTo %d, %d bytes: inner plaintext of %d bytes", padTo, n, inner)
			}
			typ, got, err := o.Open(rec)
			if err != nil || typ != TypeHandshake || len(got) != n {
				t.Fatalf("padTo %d, %d bytes: %s %d, %v", padTo, n, typ, len(got), err)
			}
		}
	}
}

// TestTLS13InnerPlaintext checks what the inner plaintext may not be: all
// zeros (no content type) is an unexpected_message, as is an unknown
// content type; a plaintext above 2^14 + 1 bytes is a record_overflow.
func TestTLS13InnerPlaintext(t *testing.T) {
	c := combo{cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD}
	seal := func(inner []byte) []byte {
		s := newProt(t, c, 8)
		hdr := Header{Type: TypeApplicationData, Version: 0x0303, Length: len(inner) + 16}.Append(nil)
		return append(hdr, s.aead.Seal(nil, s.xorNonce(0), inner, hdr)...)
	}
	for _, tc := range []struct {
		inner []byte
		want  Description
	}{
		{[]byte{0, 0, 0}, UnexpectedMessage},
		{[]byte{}, UnexpectedMessage},
		{[]byte{'a', 99, 0}, UnexpectedMessage},
		{make([]byte, MaxPlaintext+2), RecordOverflow},
	} {
		_, _, err := newProt(t, c, 8).Open(seal(tc.inner))
		wantAlert(t, err, tc.want)
	}
	tooLong := make([]byte, MaxPlaintext+2)
	tooLong[len(tooLong)-1] = byte(TypeApplicationData)
	_, _, err := newProt(t, c, 8).Open(seal(tooLong))
	wantAlert(t, err, RecordOverflow)
	ok := append(make([]byte, MaxPlaintext), byte(TypeApplicationData))
	if _, got, err := newProt(t, c, 8).Open(seal(ok)); err != nil || len(got) != MaxPlaintext {
		t.Fatalf("2^14-byte payload: %d, %v", len(got), err)
	}
}

// TestOversizedPayload checks record_overflow on a payload above 2^14
// bytes inside a valid protected record, before TLS 1.3.
func TestOversizedPayload(t *testing.T) {
	c := combo{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD}
	s := newProt(t, c, 9)
	payload := make([]byte, MaxPlaintext+1)
	rec := Header{Type: TypeApplicationData, Version: 0x0303}.Append(nil)
	rec = append(rec, make([]byte, 8)...)
	ad := s.additionalData(0, TypeApplicationData, 0x0303, len(payload))
	rec = append(rec, s.aead.Seal(nil, s.nonceTLS12(0, rec[HeaderLen:]), payload, ad)...)
	rec[3], rec[4] = byte((len(rec)-HeaderLen)>>8), byte(len(rec)-HeaderLen)
	_, _, err := newProt(t, c, 9).Open(rec)
	wantAlert(t, err, RecordOverflow)

	n := combo{cipher.VersionTLS12, cipher.BulkNull, cipher.MACSHA256}
	s = newProt(t, n, 9)
	rec = Header{Type: TypeApplicationData, Version: 0x0303}.Append(nil)
	rec = append(rec, payload...)
	rec = s.mac.sum(rec, 0, TypeApplicationData, 0x0303, payload)
	rec[3], rec[4] = byte((len(rec)-HeaderLen)>>8), byte(len(rec)-HeaderLen)
	_, _, err = newProt(t, n, 9).Open(rec)
	wantAlert(t, err, RecordOverflow)

	if _, err := newProt(t, c, 9).Seal(nil, TypeApplicationData, payload); err == nil {
		t.Fatal("sealed a payload above 2^14 bytes")
	}
}

// TestNewProtectionRefuses lists combinations that are not protections.
func TestNewProtectionRefuses(t *testing.T) {
	k16, k32 := make([]byte, 16), make([]byte, 32)
	for _, c := range []struct {
		v    cipher.Version
		bulk cipher.Bulk
		mac  cipher.MAC
		k    Keys
	}{
		{cipher.VersionTLS13, cipher.BulkAES128CBC, cipher.MACSHA256, Keys{Key: k16, MAC: k32}},
		{cipher.VersionTLS11, cipher.BulkAES128GCM, cipher.MACAEAD, Keys{Key: k16, IV: k16[:4]}},
		{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD, Keys{Key: k16, IV: k16[:12]}},
		{cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD, Keys{Key: k16, IV: k16[:4]}},
		{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACSHA256, Keys{Key: k16, IV: k16[:4]}},
		{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD, Keys{Key: k32, IV: k16[:4]}},
		{cipher.VersionTLS12, cipher.BulkAES128CBC, cipher.MACSHA256, Keys{Key: k16, MAC: k16}},
		{cipher.VersionTLS12, cipher.BulkAES128CBC, cipher.MACAEAD, Keys{Key: k16}},
		{cipher.VersionTLS10, cipher.BulkAES128CBC, cipher.MACSHA1, Keys{Key: k16, MAC: k32[:20]}},
		{cipher.VersionSSL30, cipher.BulkAES128CBC, cipher.MACSHA256, Keys{Key: k16, MAC: k32, IV: k16}},
		{cipher.VersionTLS12, cipher.BulkNull, cipher.MACNull, Keys{}},
		{cipher.VersionTLS12, cipher.BulkNull, cipher.MACSHA1, Keys{Key: k16, MAC: k32[:20]}},
		{0x0305, cipher.BulkAES128GCM, cipher.MACAEAD, Keys{Key: k16, IV: k16[:12]}},
		{cipher.VersionTLS12, cipher.Bulk(200), cipher.MACSHA1, Keys{MAC: k32[:20]}},
	} {
		if _, err := NewBulkProtection(c.v, c.bulk, c.mac, c.k); err == nil {
			t.Errorf("NewBulkProtection(%s, %s, %s) accepted", c.v, c.bulk, c.mac)
		}
	}
	s := cipher.SuiteByID(0x1301)
	if _, err := NewProtection(cipher.VersionTLS12, s, Keys{Key: k16, IV: k16[:12]}); err == nil {
		t.Error("TLS 1.3 suite accepted in TLS 1.2")
	}
	if _, err := NewProtection(cipher.VersionTLS13, s, Keys{Key: k16, IV: k16[:12]}); err != nil {
		t.Error(err)
	}
	if _, err := NewProtection(cipher.VersionTLS13, nil, Keys{}); err == nil {
		t.Error("nil suite accepted")
	}
}

// TestMACDefinitions computes the record MACs from their definitions,
// written out here independently of recordMAC: the SSL 3.0 MAC of RFC
// 6101, Section 5.2.3.1, hash(secret || pad_2 || hash(secret || pad_1 ||
// seq_num || type || length || content)) with pad_1 = 0x36 and pad_2 =
// 0x5c repeated 48 times for MD5 and 40 times for SHA-1; and the TLS MAC
// of RFC 5246, Section 6.2.3.1, HMAC(secret, seq_num || type || version
// || length || content).
func TestMACDefinitions(t *testing.T) {
	content := []byte("some record content")
	seq := uint64(0x0102030405060708)
	be := func(v uint64, n int) []byte {
		b := make([]byte, n)
		for i := n - 1; i >= 0; i-- {
			b[i] = byte(v)
			v >>= 8
		}
		return b
	}
	for _, m := range []cipher.MAC{cipher.MACMD5, cipher.MACSHA1} {
		secret := bytes.Repeat([]byte{0xab}, m.Size())
		padLen := map[cipher.MAC]int{cipher.MACMD5: 48, cipher.MACSHA1: 40}[m]
		inner := m.Hash()()
		inner.Write(secret)
		inner.Write(bytes.Repeat([]byte{0x36}, padLen))
		inner.Write(be(seq, 8))
		inner.Write([]byte{23})
		inner.Write(be(uint64(len(content)), 2))
		inner.Write(content)
		outer := m.Hash()()
		outer.Write(secret)
		outer.Write(bytes.Repeat([]byte{0x5c}, padLen))
		outer.Write(inner.Sum(nil))
		want := outer.Sum(nil)
		r, err := newRecordMAC(cipher.VersionSSL30, m, secret)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.sum(nil, seq, TypeApplicationData, 0x0300, content); !bytes.Equal(got, want) {
			t.Errorf("SSL 3.0 %s MAC %x, want %x", m, got, want)
		}
	}
	for _, m := range []cipher.MAC{cipher.MACMD5, cipher.MACSHA1, cipher.MACSHA256, cipher.MACSHA384} {
		secret := bytes.Repeat([]byte{0xcd}, m.Size())
		h := hmac.New(m.Hash(), secret)
		h.Write(be(seq, 8))
		h.Write([]byte{22, 3, 2})
		h.Write(be(uint64(len(content)), 2))
		h.Write(content)
		want := h.Sum(nil)
		r, err := newRecordMAC(cipher.VersionTLS11, m, secret)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.sum(nil, seq, TypeHandshake, 0x0302, content); !bytes.Equal(got, want) {
			t.Errorf("TLS %s MAC %x, want %x", m, got, want)
		}
	}
}
