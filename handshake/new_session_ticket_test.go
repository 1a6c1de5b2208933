package handshake

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func TestNewSessionTicketRFC8448(t *testing.T) {
	b := unhex(t, rfc8448NewSessionTicket)
	m, err := UnmarshalNewSessionTicket(b, cipher.VersionTLS13)
	if err != nil {
		t.Fatal(err)
	}
	if m.Lifetime != 30 || m.AgeAdd != 0xfad6aac5 || !bytes.Equal(m.Nonce, []byte{0, 0}) || len(m.Ticket) != 0xb2 ||
		!bytes.HasPrefix(m.Ticket, unhex(t, "2c035d829359ee5ff7af4ec9")) || !m.EarlyData || m.MaxEarlyDataSize != 0x400 ||
		m.Unknown != nil || len(m.ExtensionOrder) != 1 {
		t.Fatalf("parsed %+v", m)
	}
	// The ticket is the identity the resumed ClientHello offers.
	ch, err := UnmarshalClientHello(unhex(t, rfc8448ResumedClientHello))
	if err != nil || !bytes.Equal(ch.PSKIdentities[0].Identity, m.Ticket) {
		t.Fatalf("ticket and PSK identity differ: %v", err)
	}
	built := &NewSessionTicket{Version: cipher.VersionTLS13, Lifetime: 30, AgeAdd: 0xfad6aac5, Nonce: []byte{0, 0},
		Ticket: m.Ticket, EarlyData: true, MaxEarlyDataSize: 0x400}
	out, err := built.Marshal()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("built %x, %v", out, err)
	}
}

func randNewSessionTicket(r *rand.Rand, v cipher.Version) *NewSessionTicket {
	m := &NewSessionTicket{Version: v, Lifetime: r.Uint32()}
	if v < cipher.VersionTLS13 {
		m.Ticket = randBytes(r, 0, 300)
		return m
	}
	m.AgeAdd = r.Uint32()
	m.Nonce = randBytes(r, 0, 32)
	m.Ticket = randBytes(r, 1, 300)
	if r.Intn(2) == 0 {
		m.EarlyData, m.MaxEarlyDataSize = true, r.Uint32()
	}
	m.Unknown = randUnknown(r, 2)
	if len(m.Unknown) > 0 && m.EarlyData && r.Intn(2) == 0 {
		m.ExtensionOrder = append(extensionOrder(m.Unknown), ExtEarlyData)
	}
	return m
}

func TestNewSessionTicketRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for i := 0; i < 1000; i++ {
		v := allVersions[r.Intn(len(allVersions))]
		checkRoundTrip(t, randNewSessionTicket(r, v), v)
	}
}

func TestNewSessionTicketEncodings(t *testing.T) {
	// RFC 5077, Section 3.3: lifetime hint and ticket, possibly empty.
	b := frame(TypeNewSessionTicket, []byte{0, 0, 1, 0, 0, 2, 0xab, 0xcd})
	m, err := UnmarshalNewSessionTicket(b, cipher.VersionTLS12)
	if err != nil || m.Lifetime != 256 || !bytes.Equal(m.Ticket, []byte{0xab, 0xcd}) {
		t.Fatalf("%+v, %v", m, err)
	}
	checkTruncations(t, b, cipher.VersionTLS12)
	if _, err := UnmarshalNewSessionTicket(frame(TypeNewSessionTicket, []byte{0, 0, 0, 0, 0, 0}), cipher.VersionTLS12); err != nil {
		t.Fatalf("empty ticket refused: %v", err)
	}
	checkTruncations(t, unhex(t, rfc8448NewSessionTicket), cipher.VersionTLS13)
	for _, c := range []struct {
		name string
		body []byte
		want record.Description
	}{
		{"empty ticket", []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0}, record.DecodeError},
		{"early_data of 2 bytes", append([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 9}, vec16(rawExt(ExtEarlyData, []byte{0, 1})...)...), record.DecodeError},
		{"server_name", append([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 9}, vec16(rawExt(ExtServerName, nil)...)...), record.IllegalParameter},
		{"duplicate early_data", append([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 9}, vec16(append(rawExt(ExtEarlyData, []byte{0, 0, 0, 1}), rawExt(ExtEarlyData, []byte{0, 0, 0, 1})...)...)...), record.IllegalParameter},
		{"no extension block", []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 9}, record.DecodeError},
	} {
		_, err := UnmarshalNewSessionTicket(frame(TypeNewSessionTicket, c.body), cipher.VersionTLS13)
		if err == nil {
			t.Fatalf("%s: parsed", c.name)
		}
		wantAlert(t, err, c.want)
	}
	for name, m := range map[string]*NewSessionTicket{
		"TLS 1.2 with a nonce":        {Version: cipher.VersionTLS12, Nonce: []byte{1}},
		"TLS 1.2 with early data":     {Version: cipher.VersionTLS12, EarlyData: true},
		"TLS 1.3 empty ticket":        {Version: cipher.VersionTLS13},
		"max early data without flag": {Version: cipher.VersionTLS13, Ticket: []byte{1}, MaxEarlyDataSize: 5},
		"unknown holds early_data":    {Version: cipher.VersionTLS13, Ticket: []byte{1}, Unknown: []Extension{{Type: ExtEarlyData}}},
		"nonce of 256 bytes":          {Version: cipher.VersionTLS13, Ticket: []byte{1}, Nonce: make([]byte, 256)},
		"ticket of 65536 bytes":       {Version: cipher.VersionTLS12, Ticket: make([]byte, 65536)},
	} {
		if b, err := m.Marshal(); err == nil {
			t.Errorf("%s: marshalled to %x", name, b)
		}
	}
}
