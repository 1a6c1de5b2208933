package record

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

// The fuzz targets. Their seed corpora are in testdata/fuzz/<name>/;
// run one with, for example,
//
//	go test -run '^$' -fuzz '^FuzzOpen$' -fuzztime 3m -parallel 1 ./record/

// fuzzCombos are the protections FuzzOpen opens with, with fixed keys:
// one of each kind and version family.
var fuzzCombos = []combo{
	{cipher.VersionTLS12, cipher.BulkNull, cipher.MACSHA256},
	{cipher.VersionSSL30, cipher.BulkNull, cipher.MACMD5},
	{cipher.VersionTLS10, cipher.BulkRC4128, cipher.MACSHA1},
	{cipher.VersionSSL30, cipher.BulkAES128CBC, cipher.MACSHA1},
	{cipher.VersionSSL30, cipher.Bulk3DESEDECBC, cipher.MACMD5},
	{cipher.VersionTLS10, cipher.BulkAES256CBC, cipher.MACSHA1},
	{cipher.VersionTLS11, cipher.Bulk3DESEDECBC, cipher.MACSHA1},
	{cipher.VersionTLS12, cipher.BulkAES128CBC, cipher.MACSHA256},
	{cipher.VersionTLS12, cipher.BulkAES256CBC, cipher.MACSHA384},
	{cipher.VersionTLS12, cipher.BulkAES128GCM, cipher.MACAEAD},
	{cipher.VersionTLS12, cipher.BulkChaCha20Poly1305, cipher.MACAEAD},
	{cipher.VersionTLS12, cipher.BulkAES128CCM8, cipher.MACAEAD},
	{cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD},
	{cipher.VersionTLS13, cipher.BulkChaCha20Poly1305, cipher.MACAEAD},
	{cipher.VersionTLS13, cipher.BulkAES128CCM, cipher.MACAEAD},
}

// isAlertOr reports whether err is an Alert or one of the other errors.
func isAlertOr(err error, others ...error) bool {
	var a Alert
	if errors.As(err, &a) {
		return a.Level == Fatal || a.Remote
	}
	for _, o := range others {
		if err == o {
			return true
		}
	}
	return false
}

// FuzzOpen opens arbitrary records with each kind of protection. It must
// never panic; it fails with an alert, or gives a payload of at most 2^14
// bytes inside the record which seals and opens again.
func FuzzOpen(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, rec []byte) {
		c := fuzzCombos[int(kind)%len(fuzzCombos)]
		p := newProt(t, c, 42)
		keep := rec
		rec = append([]byte(nil), rec...) // Open works in place; the input is the fuzzer's
		typ, payload, err := p.Open(rec)
		if err != nil {
			if !isAlertOr(err) {
				t.Fatalf("%s: error %v is not an alert", c, err)
			}
			return
		}
		if len(payload) > MaxPlaintext || !typ.Valid() {
			t.Fatalf("%s: %s payload of %d bytes", c, typ, len(payload))
		}
		var sealed []byte
		if c.v == cipher.VersionTLS12 && c.bulk.Params().ExplicitNonceLen > 0 {
			// The explicit nonce is the sender's choice; ours is the
			// sequence number.
			sealed = newProtSealWithNonce(t, c, typ, payload, keep[HeaderLen:HeaderLen+8])
		} else if sealed, err = newProt(t, c, 42).Seal(nil, typ, payload); err != nil {
			t.Fatal(err)
		}
		// Sealing is a function of the payload except where the sender
		// chooses: CBC padding and IVs, TLS 1.3 padding, and the SSL 3.0
		// header version, which its MAC does not cover.
		bk := c.bulk.Params().Kind
		if bk != cipher.KindBlock && c.v != cipher.VersionTLS13 && c.v != cipher.VersionSSL30 && !bytes.Equal(sealed, keep) {
			t.Fatalf("%s: re-sealed record differs", c)
		}
		if _, again, err := newProt(t, c, 42).Open(sealed); err != nil || !bytes.Equal(again, payload) {
			t.Fatalf("%s: re-sealed record does not open: %v", c, err)
		}
	})
}

// newProtSealWithNonce seals a TLS 1.2 GCM or CCM record whose explicit
// nonce is the given one.
func newProtSealWithNonce(t *testing.T, c combo, typ ContentType, payload, explicit []byte) []byte {
	p := newProt(t, c, 42)
	rec := Header{Type: typ, Version: uint16(c.v)}.Append(nil)
	rec = append(rec, explicit...)
	ad := p.additionalData(0, typ, uint16(c.v), len(payload))
	rec = p.aead.Seal(rec, p.nonceTLS12(0, explicit), payload, ad)
	rec[3], rec[4] = byte((len(rec)-HeaderLen)>>8), byte(len(rec)-HeaderLen)
	return rec
}

// FuzzReadStream reads an arbitrary byte stream as records in the clear.
// The first byte picks the settings: bit 0 reads first with
// ReadClientHello and SSL 2.0 hellos allowed, bits 1-2 the version, bit 3
// releases the read buffers before every read (hibernation), bits 4-7 a
// small max_handshake_size. It must never panic nor return
// application data (there is no protection); every handshake message it
// returns is whole.
func FuzzReadStream(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mode := data[0]
		cfg := Config{V2HelloCompatible: mode&1 != 0, MaxHandshakeSize: int(mode>>4) * 300, MaxEmptyRecords: 3, MaxWarningAlerts: 3}
		c := readConn(data[1:], cfg)
		if v := []cipher.Version{0, cipher.VersionSSL30, cipher.VersionTLS12, cipher.VersionTLS13}[mode>>1&3]; v != 0 {
			c.SetVersion(v)
		}
		max := c.cfg.MaxHandshakeSize
		checkMsg := func(m []byte) {
			if len(m) < 4 || len(m) != 4+int(m[1])<<16+int(m[2])<<8+int(m[3]) || len(m)-4 > max {
				t.Fatalf("bad handshake message %x", m)
			}
		}
		if mode&1 != 0 {
			m, v2, err := c.ReadClientHello()
			switch {
			case err != nil:
				if !isAlertOr(err, io.EOF, io.ErrUnexpectedEOF) {
					t.Fatalf("error %v", err)
				}
				return
			case v2 != nil:
				if len(v2.Challenge) < 16 || len(v2.Challenge) > 32 || len(v2.CipherSpecs) == 0 {
					t.Fatalf("bad SSL 2.0 hello %+v", v2)
				}
			default:
				checkMsg(m)
			}
		}
		for i := 0; i < len(data)+1; i++ {
			if mode&8 != 0 {
				// Bit 3: an idle connection's release before every
				// read.
				c.ReleaseReadBuffers()
			}
			m, err := c.ReadMessage()
			if err != nil {
				if !isAlertOr(err, io.EOF, io.ErrUnexpectedEOF) {
					t.Fatalf("error %v", err)
				}
				if _, again := c.ReadMessage(); again != err {
					t.Fatalf("error did not stick: %v then %v", err, again)
				}
				return
			}
			switch m.Type {
			case TypeHandshake:
				checkMsg(m.Data)
			case TypeAlert:
				if m.Alert.Level != Warning {
					t.Fatalf("alert %+v as a message", m.Alert)
				}
			case TypeChangeCipherSpec:
			default:
				t.Fatalf("%s without protection", m.Type)
			}
		}
		t.Fatal("no end of stream")
	})
}

// FuzzHandshakeReassembly cuts a byte stream into handshake records at
// the sizes given and reads it back as handshake messages, with a
// max_handshake_size of 2000. The messages must be the stream's prefix,
// in order; what is left must be an incomplete message or a refused one.
func FuzzHandshakeReassembly(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream, sizes []byte) {
		var w wire
		rest := stream
		for i := 0; len(rest) > 0; i++ {
			n := 1
			if len(sizes) > 0 {
				n = int(sizes[i%len(sizes)])%64 + 1
				if sizes[i%len(sizes)] >= 192 {
					n *= 300
				}
			}
			n = min(n, len(rest), MaxPlaintext)
			w = w.rec(TypeHandshake, 0x0303, rest[:n])
			rest = rest[n:]
		}
		const max = 2000
		c := readConn(w, Config{MaxHandshakeSize: max})
		var got []byte
		for {
			m, err := c.ReadHandshakeMessage()
			if err == nil {
				got = append(got, m...)
				continue
			}
			if !bytes.HasPrefix(stream, got) {
				t.Fatal("messages are not the stream's prefix")
			}
			left := stream[len(got):]
			var a Alert
			switch {
			case err == io.ErrUnexpectedEOF:
				if len(left) >= 4 && len(left) >= 4+int(left[1])<<16+int(left[2])<<8+int(left[3]) {
					t.Fatalf("a whole message was left: %x", left)
				}
			case errors.As(err, &a) && a.Description == HandshakeFailure:
				if len(left) < 4 || int(left[1])<<16+int(left[2])<<8+int(left[3]) <= max {
					t.Fatalf("refused a message within the limit: %x", left[:min(4, len(left))])
				}
			default:
				t.Fatalf("error %v", err)
			}
			return
		}
	})
}

// FuzzParseV2ClientHello parses arbitrary SSL 2.0 hellos; what parses
// must encode back to the same bytes.
func FuzzParseV2ClientHello(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, err := ParseV2ClientHello(msg)
		if err != nil {
			if !isAlertOr(err) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if !bytes.Equal(v2Hello(h.Version, h.CipherSpecs, nil, h.Challenge), msg) || !bytes.Equal(h.Raw, msg) {
			t.Fatalf("%x parsed as %+v", msg, h)
		}
		r := h.Random()
		if !bytes.HasSuffix(r[:], h.Challenge) {
			t.Fatal("random")
		}
	})
}

// FuzzParseAlert decodes arbitrary alert bodies; what decodes must encode
// back to the same bytes.
func FuzzParseAlert(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseAlert(body)
		if err != nil {
			if !isAlertOr(err) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if m := a.Marshal(); !bytes.Equal(m[:], body) || a.Description.String() == "" || a.Text() == "" {
			t.Fatalf("%x decoded as %+v", body, a)
		}
	})
}
