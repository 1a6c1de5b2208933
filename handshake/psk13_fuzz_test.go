package handshake

import (
	"bytes"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/session"
)

// fuzzTicketServer is a server with stateless tickets under a fixed key,
// in the start state with TLS_AES_128_GCM_SHA256 chosen, and a ClientHello
// that offers a valid ticket of it, for the seeds.
func fuzzTicketServer(tb testing.TB) (*server13, []byte) {
	tb.Helper()
	keys, err := session.NewStaticTicketKeys([session.TicketKeyLen]byte{7})
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	suite := cipher.SuiteByID(0x1301)
	cfg := &Config{Tickets: &ServerTickets{Keys: keys}, Now: func() time.Time { return now }}
	c := &server13{cfg: cfg, suite: suite}
	psk := bytes.Repeat([]byte{1}, 32)
	sess := &session.Session{Version: cipher.VersionTLS13, CipherSuite: suite.ID, MasterSecret: psk,
		Created: now.Add(-time.Minute), TicketLifetime: 7200, TicketAgeAdd: 12345, ServerName: "fuzz.test"}
	enc, err := sess.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	ticket, err := keys.Seal(enc)
	if err != nil {
		tb.Fatal(err)
	}
	sess.Ticket = ticket
	ccfg := &Config{ServerName: "fuzz.test", Now: cfg.Now, PSKs: []*session.Session{sess}}
	h := &ClientHello{Version: cipher.VersionTLS12, CipherSuites: []uint16{suite.ID}, CompressionMethods: []uint8{0},
		ServerName: "fuzz.test", SupportedVersions: []cipher.Version{cipher.VersionTLS13}}
	psks := pskOffer(ccfg, []*cipher.Suite{suite})
	addPSKs(ccfg, h, psks)
	if err := bindPSKs(h, psks, nil); err != nil {
		tb.Fatal(err)
	}
	raw, err := h.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return c, raw
}

// FuzzSelectPSK13 feeds ClientHello messages to the server's PSK
// selection: any bytes give a session, none, or an error, never a panic;
// the seed's valid offer is selected.
func FuzzSelectPSK13(f *testing.F) {
	c, raw := fuzzTicketServer(f)
	f.Add(raw)
	ch, err := UnmarshalClientHello(raw)
	if err != nil {
		f.Fatal(err)
	}
	if got, err := c.selectPSK(ch, nil); err != nil || got == nil {
		f.Fatalf("seed not selected: %v", err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ch, err := UnmarshalClientHello(data)
		if err != nil {
			return
		}
		got, err := c.selectPSK(ch, nil)
		if got != nil && (err != nil || int(got.index) >= len(ch.PSKIdentities)) {
			t.Fatalf("selected %d of %d with %v", got.index, len(ch.PSKIdentities), err)
		}
	})
}

// FuzzClientTicket13 feeds NewSessionTicket messages to a TLS 1.3
// client's post-handshake handling: a well-formed one gives a session
// whose ticket and values are the message's, anything else an error,
// never a panic.
func FuzzClientTicket13(f *testing.F) {
	for _, nst := range []*NewSessionTicket{
		{Version: cipher.VersionTLS13, Lifetime: 7200, AgeAdd: 1, Nonce: []byte{0}, Ticket: []byte("ticket")},
		{Version: cipher.VersionTLS13, Lifetime: 60, Ticket: bytes.Repeat([]byte{9}, 200), EarlyData: true, MaxEarlyDataSize: 16384},
		{Version: cipher.VersionTLS13, Lifetime: MaxTicketLifetime + 1, Ticket: []byte{1}},
	} {
		b, err := nst.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Other post-handshake messages need the record layer (a
		// KeyUpdate changes its keys): tickets only.
		if len(data) > 0 && MessageType(data[0]) != TypeNewSessionTicket {
			return
		}
		var got *session.Session
		st := &State{Version: cipher.VersionTLS13, ServerName: "fuzz.test", client: true,
			cfg: &Config{OnTicket: func(s *session.Session) { got = s }}}
		st.tls13 = &conn13{suite: cipher.SuiteByID(0x1302), client: true, resumption: bytes.Repeat([]byte{3}, 48)}
		if err := st.handle13(nil, data); err != nil {
			if got != nil {
				t.Fatal("a session from a refused message")
			}
			return
		}
		nst, err := UnmarshalNewSessionTicket(data, cipher.VersionTLS13)
		if err != nil {
			t.Fatalf("accepted a message that does not parse: %v", err)
		}
		if nst.Lifetime == 0 {
			if got != nil {
				t.Fatal("a session from a ticket of lifetime 0")
			}
			return
		}
		if got == nil || !bytes.Equal(got.Ticket, nst.Ticket) || got.TicketAgeAdd != nst.AgeAdd ||
			got.TicketLifetime != nst.Lifetime || len(got.MasterSecret) != 48 {
			t.Fatalf("session %+v from %+v", got, nst)
		}
		if _, err := got.MarshalBinary(); err != nil {
			t.Fatalf("the session does not encode: %v", err)
		}
	})
}
