package record

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/otpssl/ssl/cipher"
)

// The protected records of RFC 8448, Section 3 ("Simple 1-RTT Handshake",
// TLS_AES_128_GCM_SHA256), with the write keys and IVs the RFC lists for
// each direction and the payloads it lists for each record.
var rfc8448 = struct {
	serverHSKey, serverHSIV, clientHSKey, clientHSIV string
	serverAPKey, serverAPIV, clientAPKey, clientAPIV string

	serverHello                   string // the ServerHello record, in the clear
	serverFlight, serverFlightMsg string // EE, Certificate, CertificateVerify, Finished
	clientFinished, clientFinMsg  string
	ticket, ticketMsg             string // NewSessionTicket
	clientApp, serverApp          string // application data, payload 00..31
	clientAlert, serverAlert      string // close_notify
}{
	serverHSKey: "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
	serverHSIV:  "5d 31 3e b2 67 12 76 ee 13 00 0b 30",
	clientHSKey: "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
	clientHSIV:  "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f",
	serverAPKey: "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
	serverAPIV:  "cf 78 2b 88 dd 83 54 9a ad f1 e9 84",
	clientAPKey: "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
	clientAPIV:  "5b 78 92 3d ee 08 57 90 33 e5 23 d9",

	serverHello: `16 03 03 00 5a 02 00 00 56 03 03 a6 af 06 a4 12 18 60
		dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2
		69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95
		fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75
		1f 0f 00 2b 00 02 03 04`,

	serverFlight: `17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f
		45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca
		07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd
		05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b
		d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e
		f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c
		7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8
		bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92
		8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70
		a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8
		94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea
		52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f
		44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89
		f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3
		6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1
		00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e
		1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84
		c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c
		f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f
		c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be
		5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6
		fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb
		56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10
		dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38
		eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f
		60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78
		40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3
		79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e
		75 0e dc 53 37 0d 2b`,
	serverFlightMsg: `080000240022000a00140012001d00170018001901000101010201030104001c
		00024001000000000b0001b9000001b50001b0308201ac30820115a003020102
		020102300d06092a864886f70d01010b0500300e310c300a0603550403130372
		7361301e170d3136303733303031323335395a170d3236303733303031323335
		395a300e310c300a0603550403130372736130819f300d06092a864886f70d01
		0101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c
		0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19e
		aa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e2
		2a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a
		8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304
		023000300b0603551d0f0404030205a0300d06092a864886f70d01010b050003
		81810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594
		365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd
		335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb
		2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4
		2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f82
		4cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef78
		0c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671
		459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda
		65cdf5aea20d53dfacd42f74f3140000209b9b141d906337fbd2cbdce71df4de
		da4ab42c309572cb7fffee5454b78f0718`,

	clientFinished: `17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0
		51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c
		ae ac ab 68 67 d7 26 c4 05 46`,
	clientFinMsg: `14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76
		94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61`,

	ticket: `17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24
		0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a
		01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1
		70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0
		9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15
		13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77
		f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3
		47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74
		bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b
		3b 6c 67 79 b3 7b f1 59 85 68 4f`,
	ticketMsg: `04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00 b2 2c 03 5d 82 93 59
		ee 5f f7 af 4e c9 00 00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa
		90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22 60
		97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f
		d6 1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37
		25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90 6c 5b
		3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f
		ac 5c 03 27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88
		e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00 2a 00 04 00 00 04 00`,

	clientApp: `17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea
		42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b
		62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4`,
	serverApp: `17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc
		32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8
		fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d`,
	clientAlert: "17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3",
	serverAlert: "17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9",
}

// rfc8448AppPayload is the application data both sides send in RFC 8448,
// Section 3: the 50 bytes 00, 01, ..., 31.
func rfc8448AppPayload() []byte {
	b := make([]byte, 50)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func tls13AES128(t testing.TB, key, iv string) *Protection {
	t.Helper()
	p, err := NewBulkProtection(cipher.VersionTLS13, cipher.BulkAES128GCM, cipher.MACAEAD,
		Keys{Key: unhex(t, key), IV: unhex(t, iv)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRFC8448Records opens every protected record of the trace with the
// direction's keys at its sequence number, checks the content type and
// payload the RFC lists, and seals the payload back to the same bytes.
func TestRFC8448Records(t *testing.T) {
	v := rfc8448
	alert := []byte{1, 0} // warning close_notify
	cases := []struct {
		name    string
		key, iv string
		seq     uint64
		record  string
		typ     ContentType
		payload []byte
	}{
		{"server handshake flight", v.serverHSKey, v.serverHSIV, 0, v.serverFlight, TypeHandshake, unhex(t, v.serverFlightMsg)},
		{"client Finished", v.clientHSKey, v.clientHSIV, 0, v.clientFinished, TypeHandshake, unhex(t, v.clientFinMsg)},
		{"server NewSessionTicket", v.serverAPKey, v.serverAPIV, 0, v.ticket, TypeHandshake, unhex(t, v.ticketMsg)},
		{"server application data", v.serverAPKey, v.serverAPIV, 1, v.serverApp, TypeApplicationData, rfc8448AppPayload()},
		{"server close_notify", v.serverAPKey, v.serverAPIV, 2, v.serverAlert, TypeAlert, alert},
		{"client application data", v.clientAPKey, v.clientAPIV, 0, v.clientApp, TypeApplicationData, rfc8448AppPayload()},
		{"client close_notify", v.clientAPKey, v.clientAPIV, 1, v.clientAlert, TypeAlert, alert},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := unhex(t, c.record)
			opener := tls13AES128(t, c.key, c.iv)
			opener.seq = c.seq
			typ, payload, err := opener.Open(append([]byte(nil), want...))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if typ != c.typ || !bytes.Equal(payload, c.payload) {
				t.Fatalf("Open = %s %x, want %s %x", typ, payload, c.typ, c.payload)
			}
			sealer := tls13AES128(t, c.key, c.iv)
			sealer.seq = c.seq
			got, err := sealer.Seal(nil, c.typ, c.payload)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Seal =\n%x\nwant\n%x", got, want)
			}
		})
	}
}

// loopback is a transport whose reads come from in and whose writes go to
// out.
type loopback struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (l *loopback) Read(p []byte) (int, error)  { return l.in.Read(p) }
func (l *loopback) Write(p []byte) (int, error) { return l.out.Write(p) }

// TestRFC8448ClientConn plays the client of the trace through a Conn: it
// reads the server's records as they come on the wire (the ServerHello in
// the clear, then the protected flight, ticket, data and close_notify),
// splitting the flight into its four messages, and writes its own
// Finished, data and close_notify, which must be the RFC's bytes.
func TestRFC8448ClientConn(t *testing.T) {
	v := rfc8448
	var wire []byte
	for _, r := range []string{v.serverHello, v.serverFlight, v.ticket, v.serverApp, v.serverAlert} {
		wire = append(wire, unhex(t, r)...)
	}
	tr := &loopback{in: bytes.NewReader(wire)}
	c := NewConn(tr, Config{})

	sh, err := c.ReadHandshakeMessage()
	if err != nil || !bytes.Equal(sh, unhex(t, v.serverHello)[HeaderLen:]) {
		t.Fatalf("ServerHello = %x, %v", sh, err)
	}
	if err := c.SetVersion(cipher.VersionTLS13); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadProtection(tls13AES128(t, v.serverHSKey, v.serverHSIV)); err != nil {
		t.Fatal(err)
	}
	flight := unhex(t, v.serverFlightMsg)
	for _, want := range []struct {
		typ byte
		n   int
	}{{8, 40}, {11, 445}, {15, 136}, {20, 36}} {
		msg, err := c.ReadHandshakeMessage()
		if err != nil {
			t.Fatal(err)
		}
		if msg[0] != want.typ || len(msg) != want.n || !bytes.Equal(msg, flight[:want.n]) {
			t.Fatalf("message %d of %d bytes, want %d of %d", msg[0], len(msg), want.typ, want.n)
		}
		flight = flight[want.n:]
	}
	c.SetCompatCCS(false)
	if err := c.SetReadProtection(tls13AES128(t, v.serverAPKey, v.serverAPIV)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteProtection(tls13AES128(t, v.clientHSKey, v.clientHSIV)); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteRecord(TypeHandshake, unhex(t, v.clientFinMsg)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteProtection(tls13AES128(t, v.clientAPKey, v.clientAPIV)); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tr.out.Bytes(), unhex(t, v.clientFinished)) {
		t.Fatalf("client Finished record = %x", tr.out.Bytes())
	}
	tr.out.Reset()

	ticket, err := c.ReadHandshakeMessage()
	if err != nil || !bytes.Equal(ticket, unhex(t, v.ticketMsg)) {
		t.Fatalf("NewSessionTicket = %x, %v", ticket, err)
	}
	m, err := c.ReadMessage()
	if err != nil || m.Type != TypeApplicationData || !bytes.Equal(m.Data, rfc8448AppPayload()) {
		t.Fatalf("application data = %v %x, %v", m.Type, m.Data, err)
	}
	if _, err := c.ReadMessage(); !errors.Is(err, io.EOF) {
		t.Fatalf("after close_notify: %v, want io.EOF", err)
	}

	if n, err := c.Write(rfc8448AppPayload()); err != nil || n != 50 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := c.SendAlert(Warning, CloseNotify); err != nil {
		t.Fatal(err)
	}
	want := append(unhex(t, v.clientApp), unhex(t, v.clientAlert)...)
	if !bytes.Equal(tr.out.Bytes(), want) {
		t.Fatalf("client records =\n%x\nwant\n%x", tr.out.Bytes(), want)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrWriteClosed) {
		t.Fatalf("Write after close_notify: %v", err)
	}
}
