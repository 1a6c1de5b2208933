package handshake

import (
	"math/rand"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// The message contexts FuzzExtensions puts an extension block in.
const (
	fuzzCtxClientHello uint8 = iota
	fuzzCtxServerHello
	fuzzCtxHelloRetryRequest
	fuzzCtxEncryptedExtensions
	fuzzCtxCertificateRequest
	fuzzCtxNewSessionTicket
	fuzzCtxCertificateEntry
	fuzzCtxCount
)

// wrapExtensions returns a whole message of the context ctx whose
// extension block holds block (without its length), and the version to
// parse it in.
func wrapExtensions(ctx uint8, block []byte) ([]byte, cipher.Version) {
	exts := vec16(block...)
	switch ctx % fuzzCtxCount {
	case fuzzCtxClientHello:
		body := append([]byte{3, 3}, make([]byte, 32)...)
		body = append(body, 0, 0, 2, 0x13, 0x01, 1, 0)
		return frame(TypeClientHello, append(body, exts...)), 0
	case fuzzCtxServerHello, fuzzCtxHelloRetryRequest:
		random := make([]byte, 32)
		if ctx%fuzzCtxCount == fuzzCtxHelloRetryRequest {
			random = HelloRetryRequestRandom[:]
		}
		body := append(append([]byte{3, 3}, random...), 0, 0x13, 0x01, 0)
		return frame(TypeServerHello, append(body, exts...)), 0
	case fuzzCtxEncryptedExtensions:
		return frame(TypeEncryptedExtensions, exts), cipher.VersionTLS13
	case fuzzCtxCertificateRequest:
		return frame(TypeCertificateRequest, append([]byte{1, 7}, exts...)), cipher.VersionTLS13
	case fuzzCtxNewSessionTicket:
		body := []byte{0, 0, 0, 9, 1, 2, 3, 4, 1, 0, 0, 2, 0xaa, 0xbb}
		return frame(TypeNewSessionTicket, append(body, exts...)), cipher.VersionTLS13
	}
	entry := append([]byte{0, 0, 2, 0x30, 0x00}, exts...)
	list := append([]byte{byte(len(entry) >> 16), byte(len(entry) >> 8), byte(len(entry))}, entry...)
	return frame(TypeCertificate, append([]byte{0}, list...)), cipher.VersionTLS13
}

// parseExtensionsIn parses block in a message of context ctx.
func parseExtensionsIn(ctx uint8, block []byte) error {
	msg, v := wrapExtensions(ctx, block)
	_, err := ParseMessage(msg, v)
	return err
}

// extSeed is a valid extension block for a context.
type extSeed struct {
	name  string
	ctx   uint8
	block []byte
}

// extensionBlock returns the extension block (without its length) of a
// message built or parsed here, by the offsets of its fixed fields.
func extensionBlock(tb testing.TB, m Message) []byte {
	tb.Helper()
	b, err := m.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	var off int
	switch m := m.(type) {
	case *ClientHello:
		off = HeaderLen + 2 + 32 + 1 + len(m.SessionID) + 2 + 2*len(m.CipherSuites) + 1 + len(m.CompressionMethods)
	case *ServerHello:
		off = HeaderLen + 2 + 32 + 1 + len(m.SessionID) + 3
	case *EncryptedExtensions:
		off = HeaderLen
	case *CertificateRequest:
		off = HeaderLen + 1 + len(m.RequestContext)
	case *NewSessionTicket:
		off = HeaderLen + 9 + len(m.Nonce) + 2 + len(m.Ticket)
	default:
		tb.Fatalf("extensionBlock of %T", m)
	}
	if off == len(b) {
		return nil
	}
	return b[off+2:]
}

// extensionSeeds returns valid extension blocks of every context.
func extensionSeeds(tb testing.TB) []extSeed {
	tb.Helper()
	var out []extSeed
	for _, m := range rfc8448Messages(tb) {
		p, err := ParseMessage(m.msg, cipher.VersionTLS13)
		if err != nil {
			tb.Fatal(err)
		}
		switch p := p.(type) {
		case *ClientHello:
			out = append(out, extSeed{m.name, fuzzCtxClientHello, extensionBlock(tb, p)})
		case *ServerHello:
			out = append(out, extSeed{m.name, fuzzCtxServerHello, extensionBlock(tb, p)})
		case *EncryptedExtensions:
			out = append(out, extSeed{m.name, fuzzCtxEncryptedExtensions, extensionBlock(tb, p)})
		case *NewSessionTicket:
			out = append(out, extSeed{m.name, fuzzCtxNewSessionTicket, extensionBlock(tb, p)})
		}
	}
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 4; i++ {
		ch := randClientHello(r)
		ch.SessionID, ch.CipherSuites, ch.CompressionMethods, ch.Version = nil, []uint16{0x1301}, []uint8{0}, cipher.VersionTLS12
		out = append(out, extSeed{"gen-client-hello", fuzzCtxClientHello, extensionBlock(tb, ch)})
		sh := randServerHello(r, cipher.VersionTLS12)
		out = append(out, extSeed{"gen-server-hello-12", fuzzCtxServerHello, extensionBlock(tb, sh)})
		sh = randServerHello(r, cipher.VersionTLS13)
		ctx := fuzzCtxServerHello
		if sh.IsHelloRetryRequest() {
			ctx = fuzzCtxHelloRetryRequest
		}
		out = append(out, extSeed{"gen-server-hello-13", ctx, extensionBlock(tb, sh)})
		out = append(out, extSeed{"gen-encrypted-extensions", fuzzCtxEncryptedExtensions, extensionBlock(tb, randEncryptedExtensions(r))})
		cr := randCertificateRequest(r, cipher.VersionTLS13)
		cr.RequestContext = []byte{7}
		out = append(out, extSeed{"gen-certificate-request", fuzzCtxCertificateRequest, extensionBlock(tb, cr)})
		nst := randNewSessionTicket(r, cipher.VersionTLS13)
		nst.Nonce, nst.Ticket = []byte{0}, []byte{0xaa, 0xbb}
		out = append(out, extSeed{"gen-new-session-ticket", fuzzCtxNewSessionTicket, extensionBlock(tb, nst)})
	}
	out = append(out,
		extSeed{"hrr", fuzzCtxHelloRetryRequest, append(append(rawExt(ExtSupportedVersions, []byte{3, 4}), rawExt(ExtKeyShare, []byte{0, 0x17})...), rawExt(ExtCookie, vec16(1, 2, 3))...)},
		extSeed{"cert-entry", fuzzCtxCertificateEntry, append(rawExt(ExtStatusRequest, []byte{1, 0, 0, 1, 0x30}), rawExt(ExtSCT, vec16(vec16(1, 2)...))...)},
		extSeed{"cert-entry-empty", fuzzCtxCertificateEntry, nil},
	)
	return out
}

// FuzzExtensions puts any extension block in a message of any context
// that carries one and parses the message: no panic, an alert or success,
// and what it accepts must keep its bytes and re-encode to the same fields.
func FuzzExtensions(f *testing.F) {
	f.Fuzz(func(t *testing.T, ctx uint8, block []byte) {
		if len(block) > 0xffff {
			return
		}
		msg, v := wrapExtensions(ctx, block)
		m, err := ParseMessage(msg, v)
		if err != nil {
			var a record.Alert
			if !asAlert(err, &a) || a.Level != record.Fatal {
				t.Fatalf("error %v is not a fatal alert", err)
			}
			return
		}
		checkParsed(t, m, msg, v)
	})
}

func TestExtensionTypeString(t *testing.T) {
	for typ, want := range map[ExtensionType]string{
		ExtServerName: "server_name", ExtALPN: "application_layer_protocol_negotiation",
		ExtRenegotiationInfo: "renegotiation_info", ExtNextProtocolNegotiation: "next_protocol_negotiation",
		0x0a0a: "unknown(2570)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint16(typ), got, want)
		}
	}
	if !ExtKeyShare.Recognised() || ExtensionType(0x0a0a).Recognised() {
		t.Fatal("Recognised")
	}
}

// TestExtensionsAllowedTLS13 checks RFC 8446, Section 4.2: a recognised
// extension in a TLS 1.3 message that may not carry it is an
// illegal_parameter, an unrecognised one is kept.
func TestExtensionsAllowedTLS13(t *testing.T) {
	sv13 := rawExt(ExtSupportedVersions, []byte{3, 4})
	for _, c := range []struct {
		ctx uint8
		ext []byte
	}{
		{fuzzCtxEncryptedExtensions, rawExt(ExtKeyShare, vec16())},
		{fuzzCtxEncryptedExtensions, rawExt(ExtExtendedMasterSecret, nil)},
		{fuzzCtxEncryptedExtensions, rawExt(ExtSignatureAlgorithms, vec16(4, 3))},
		{fuzzCtxEncryptedExtensions, rawExt(ExtStatusRequest, nil)},
		{fuzzCtxNewSessionTicket, rawExt(ExtServerName, nil)},
		{fuzzCtxCertificateRequest, rawExt(ExtALPN, vec16(vec8('x')...))},
		{fuzzCtxCertificateEntry, rawExt(ExtEarlyData, nil)},
		{fuzzCtxHelloRetryRequest, rawExt(ExtPreSharedKey, []byte{0, 0})},
		{fuzzCtxHelloRetryRequest, rawExt(ExtServerName, nil)},
		{fuzzCtxServerHello, rawExt(ExtCookie, vec16(1))},
		{fuzzCtxServerHello, rawExt(ExtExtendedMasterSecret, nil)},
		{fuzzCtxServerHello, rawExt(ExtALPN, vec16(vec8('x')...))},
		{fuzzCtxClientHello, rawExt(ExtOIDFilters, vec16())},
	} {
		var prefix []byte
		switch c.ctx {
		case fuzzCtxHelloRetryRequest, fuzzCtxServerHello:
			prefix = sv13
		case fuzzCtxCertificateRequest:
			prefix = rawExt(ExtSignatureAlgorithms, vec16(4, 3))
		}
		block := append(append([]byte(nil), prefix...), c.ext...)
		wantAlert(t, parseExtensionsIn(c.ctx, block), record.IllegalParameter)
		// The same data under an unrecognised type is kept.
		block[len(prefix)], block[len(prefix)+1] = 0xda, 0xda
		if err := parseExtensionsIn(c.ctx, block); err != nil {
			t.Fatalf("context %d: unknown extension refused: %v", c.ctx, err)
		}
	}
	// In a TLS 1.2 ServerHello the same extensions are kept for the state
	// machine, which refuses what the client did not offer.
	for _, ext := range [][]byte{rawExt(ExtCookie, vec16(1)), rawExt(ExtSupportedGroups, vec16(0, 29)), rawExt(ExtPadding, nil)} {
		msg, _ := wrapExtensions(fuzzCtxServerHello, ext)
		m, err := UnmarshalServerHello(msg)
		if err != nil || len(m.Unknown) != 1 {
			t.Fatalf("TLS 1.2 ServerHello with %x: %v", ext, err)
		}
	}
}

// TestExtensionBlockErrors checks the framing of extension blocks in every
// context.
func TestExtensionBlockErrors(t *testing.T) {
	for ctx := uint8(0); ctx < fuzzCtxCount; ctx++ {
		base := []byte{}
		if ctx == fuzzCtxHelloRetryRequest {
			base = rawExt(ExtSupportedVersions, []byte{3, 4})
		}
		if ctx == fuzzCtxCertificateRequest {
			base = rawExt(ExtSignatureAlgorithms, vec16(4, 3))
		}
		if err := parseExtensionsIn(ctx, base); err != nil {
			t.Fatalf("context %d: base block: %v", ctx, err)
		}
		for _, bad := range [][]byte{{0}, {0xda, 0xda, 0}, {0xda, 0xda, 0, 2, 1}} {
			wantAlert(t, parseExtensionsIn(ctx, append(append([]byte(nil), base...), bad...)), record.DecodeError)
		}
		dup := append(append(append([]byte(nil), base...), rawExt(0xdada, nil)...), rawExt(0xdada, []byte{1})...)
		wantAlert(t, parseExtensionsIn(ctx, dup), record.IllegalParameter)
	}
}
