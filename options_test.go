package ssl

import (
	"crypto"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/internal/testpki"
	sslpem "github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/x509path"
)

// TestConstructors checks that every constructor makes the option named
// after the Erlang option with the documented value, and that every option
// resolve knows has a constructor.
func TestConstructors(t *testing.T) {
	signer := crypto.Signer(nil)
	vf := func(*x509.Certificate, x509path.Event, any) (x509path.Verdict, any) { return x509path.Valid, nil }
	tests := []struct {
		opt   Option
		name  string
		value any
	}{
		{Verify(VerifyPeer), "verify", VerifyPeer},
		{FailIfNoPeerCert(true), "fail_if_no_peer_cert", true},
		{Depth(3), "depth", 3},
		{Cert([]byte{1}), "cert", [][]byte{{1}}},
		{CertFile("c.pem"), "certfile", "c.pem"},
		{Key(signer), "key", signer},
		{KeyDER(sslpem.ECPrivateKey, []byte{2}), "key", DERKey{Kind: sslpem.ECPrivateKey, DER: []byte{2}}},
		{KeyFile("k.pem"), "keyfile", "k.pem"},
		{Password("pw"), "password", "pw"},
		{CACerts([]byte{3}), "cacerts", [][]byte{{3}}},
		{CACertFile("ca.pem"), "cacertfile", "ca.pem"},
		{DH([]byte{4}), "dh", []byte{4}},
		{DHFile("dh.pem"), "dhfile", "dh.pem"},
		{Ciphers(), "ciphers", []CipherSuite(nil)},
		{EccsOption(X25519), "eccs", []NamedCurve{X25519}},
		{SecureRenegotiate(false), "secure_renegotiate", false},
		{CRLCheck(crl.BestEffort), "crl_check", crl.BestEffort},
		{Versions(TLSv1_2), "versions", []Protocol{TLSv1_2}},
		{HibernateAfter(time.Second), "hibernate_after", time.Second},
		{PaddingCheck(false), "padding_check", false},
		{BeastMitigation(ZeroN), "beast_mitigation", ZeroN},
		{ReuseSessions(false), "reuse_sessions", false},
		{ReuseSessionsSave(), "reuse_sessions", "save"},
		{ReuseSessionID([]byte{5}), "reuse_session", []byte{5}},
		{ALPNAdvertisedProtocols("h2"), "alpn_advertised_protocols", []string{"h2"}},
		{ALPNPreferredProtocols("h2"), "alpn_preferred_protocols", []string{"h2"}},
		{ClientPreferredNextProtocols(PrecedenceServer, []string{"a"}, "b"), "client_preferred_next_protocols", NextProtocols{PrecedenceServer, []string{"a"}, "b"}},
		{NextProtocolsAdvertised("a"), "next_protocols_advertised", []string{"a"}},
		{PSKIdentity("id"), "psk_identity", "id"},
		{SRPIdentity("u", "p"), "srp_identity", SRPCredentials{"u", "p"}},
		{ServerNameIndication("h"), "server_name_indication", "h"},
		{ServerNameIndicationDisable(), "server_name_indication", "disable"},
		{Fallback(true), "fallback", true},
		{SignatureAlgs(Ed25519), "signature_algs", []SignatureScheme{Ed25519}},
		{SignatureAlgsCert(RSAPKCS1SHA1), "signature_algs_cert", []SignatureScheme{RSAPKCS1SHA1}},
		{HonorCipherOrder(true), "honor_cipher_order", true},
		{HonorEccOrder(true), "honor_ecc_order", true},
		{SNIHosts(nil), "sni_hosts", map[string][]Option(nil)},
		{ClientRenegotiation(false), "client_renegotiation", false},
		{V2HelloCompatible(true), "v2_hello_compatible", true},
		{LogAlert(false), "log_alert", false},
		{LogLevel(LevelError), "log_level", LevelError},
		{MaxHandshakeSize(9), "max_handshake_size", 9},
		{ProtocolOption(DTLS), "protocol", DTLS},
		{SupportedGroups(Secp256r1), "supported_groups", []NamedCurve{Secp256r1}},
		{MiddleboxCompMode(false), "middlebox_comp_mode", false},
		{SessionTickets(TicketsAuto), "session_tickets", TicketsAuto},
		{UseTicket([]byte{6}), "use_ticket", [][]byte{{6}}},
		{EarlyData([]byte{7}), "early_data", []byte{7}},
		{EarlyDataEnabled(true), "early_data", true},
		{AntiReplay(AntiReplay10K), "anti_replay", AntiReplay10K},
		{KeyUpdateAt(10), "key_update_at", int64(10)},
		{PSKKeyExchangeModes(PSKKE), "psk_key_exchange_modes", []PSKMode{PSKKE}},
		{KeepSecrets(true), "keep_secrets", true},
		{Cookie(false), "cookie", false},
		{CertificateAuthorities(true), "certificate_authorities", true},
		{AlertTimeoutOption(time.Second), "alert_timeout", time.Second},
		{Handshake(HandshakeFull), "handshake", HandshakeFull},
		{Active(false), "active", false},
		{ActiveOnce(), "active", "once"},
		{ActiveN(3), "active", 3},
		{Mode(List), "mode", List},
		{Packet(Packet2), "packet", Packet2},
		{PacketSize(10), "packet_size", 10},
		{Header(2), "header", 2},
		{ReuseAddr(true), "reuseaddr", true},
		{Nodelay(true), "nodelay", true},
		{Keepalive(true), "keepalive", true},
		{IP(netip.IPv6Loopback()), "ip", netip.IPv6Loopback()},
		{Port(1), "port", 1},
		{Inet(), "inet", true},
		{Inet6(), "inet6", true},
		{Backlog(9), "backlog", 9},
		{ExitOnClose(false), "exit_on_close", false},
		{SendTimeout(time.Second), "send_timeout", time.Second},
		{SendTimeoutClose(true), "send_timeout_close", true},
		{Buffer(1), "buffer", 1},
		{RecBuf(1), "recbuf", 1},
		{SndBuf(1), "sndbuf", 1},
		{LingerOption(true, time.Second), "linger", Linger{true, time.Second}},
		{TOS(1), "tos", 1},
		{Priority(1), "priority", 1},
		{LineDelimiter(0), "line_delimiter", byte(0)},
		{ShowEconnreset(true), "show_econnreset", true},
		{DelaySend(true), "delay_send", true},
		{Deliver(DeliverTerm), "deliver", DeliverTerm},
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		if tc.opt.Name != tc.name || !reflect.DeepEqual(tc.opt.Value, tc.value) {
			t.Errorf("constructor gave %s = %#v, want %s = %#v", tc.opt.Name, tc.opt.Value, tc.name, tc.value)
		}
		covered[tc.name] = true
	}
	// Function-valued options, compared by kind.
	funcOpts := []Option{
		VerifyFun(vf, 1), PartialChain(func([][]byte) ([]byte, bool) { return nil, false }),
		UserLookupFun(func(LookupKind, string, any) (LookupResult, bool) { return LookupResult{}, false }, nil),
		ReuseSession(func([]byte, []byte, int, CipherSuite) bool { return true }),
		SessionTicketsTLS12(true), TicketKeys(nil),
		SNIFun(func(string) []Option { return nil }), CRLCache(DefaultCRLCache()),
		Logger(nil), Keylog(io.Discard), CBInfo(CallbackInfo{}),
	}
	wantFuncNames := []string{"verify_fun", "partial_chain", "user_lookup_fun", "reuse_session", "session_tickets_tls12", "ticket_keys", "sni_fun", "crl_cache", "logger", "keylog", "cb_info"}
	for i, o := range funcOpts {
		if o.Name != wantFuncNames[i] {
			t.Errorf("constructor %d gave %s, want %s", i, o.Name, wantFuncNames[i])
		}
		covered[o.Name] = true
	}
	if _, ok := funcOpts[0].Value.(VerifyFunSpec); !ok || funcOpts[0].Value.(VerifyFunSpec).UserState != 1 {
		t.Errorf("VerifyFun value %#v", funcOpts[0].Value)
	}
	var missing []string
	for name := range optSpecs {
		if !covered[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("options without a constructor test: %v", missing)
	}
}

func TestEnumAtoms(t *testing.T) {
	tests := []struct {
		v    interface{ String() string }
		want string
	}{
		{VerifyNone, "verify_none"}, {VerifyPeer, "verify_peer"}, {VerifyType(0), "ssl.VerifyType(0)"},
		{Binary, "binary"}, {List, "list"},
		{PacketRaw, "raw"}, {Packet1, "1"}, {Packet2, "2"}, {Packet4, "4"}, {PacketLine, "line"},
		{PacketASN1, "asn1"}, {PacketCDR, "cdr"}, {PacketSunRM, "sunrm"}, {PacketFCGI, "fcgi"}, {PacketTPKT, "tpkt"},
		{PacketType(3), "PacketType(3)"},
		{OneNMinusOne, "one_n_minus_one"}, {ZeroN, "zero_n"}, {BeastDisabled, "disabled"},
		{TLS, "tls"}, {DTLS, "dtls"},
		{TicketsDisabled, "disabled"}, {TicketsManual, "manual"}, {TicketsAuto, "auto"}, {TicketsStateful, "stateful"},
		{TicketsStateless, "stateless"}, {TicketsStatefulWithCert, "stateful_with_cert"}, {TicketsStatelessWithCert, "stateless_with_cert"},
		{LevelNone, "none"}, {LevelEmergency, "emergency"}, {LevelAlert, "alert"}, {LevelCritical, "critical"},
		{LevelError, "error"}, {LevelWarning, "warning"}, {LevelNotice, "notice"}, {LevelInfo, "info"},
		{LevelDebug, "debug"}, {LevelAll, "all"}, {Severity(20), "ssl.Severity(20)"},
		{HandshakeFull, "full"}, {HandshakeHello, "hello"},
		{PrecedenceClient, "client"}, {PrecedenceServer, "server"},
		{DeliverTerm, "term"},
		{LookupPSK, "psk"}, {LookupSRP, "srp"},
		{SRP1024, "srp_1024"}, {SRP8192, "srp_8192"}, {SRPGroup(0), "ssl.SRPGroup(0)"},
		{RoleClient, "client"}, {RoleServer, "server"}, {Role(0), "undefined"},
		{X25519, "x25519"}, {Secp256r1, "secp256r1"}, {Secp384r1, "secp384r1"}, {Secp521r1, "secp521r1"},
		{RSAPSSRSAESHA256, "rsa_pss_rsae_sha256"}, {Ed25519, "eddsa_ed25519"},
	}
	for _, tc := range tests {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.v, got, tc.want)
		}
	}
	if g, err := ParseNamedCurve("secp384r1"); err != nil || g != Secp384r1 {
		t.Errorf("ParseNamedCurve = %v, %v", g, err)
	}
	if s, err := ParseSignatureScheme("{sha256, rsa}"); err != nil || s != RSAPKCS1SHA256 {
		t.Errorf("ParseSignatureScheme = %v, %v", s, err)
	}
	for sev := LevelNone; sev <= LevelAll; sev++ {
		if sev > LevelEmergency && sev.slogLevel() > (sev-1).slogLevel() {
			t.Errorf("%v logs above %v", sev, sev-1)
		}
	}
}

func TestOptionRendering(t *testing.T) {
	tests := []struct {
		opt  Option
		want string
	}{
		{Verify(VerifyPeer), "{verify,verify_peer}"},
		{Option{"verify", "verify_none"}, "{verify,verify_none}"},
		{Versions(TLSv1_3, TLSv1_2), "{versions,['tlsv1.3','tlsv1.2']}"},
		{Option{"versions", []string{"tlsv1.2"}}, "{versions,['tlsv1.2']}"},
		{CertFile("/a/b.pem"), `{certfile,"/a/b.pem"}`},
		{Password("secret"), `{password,"******"}`},
		{ALPNAdvertisedProtocols("h2", "http/1.1"), `{alpn_advertised_protocols,[<<"h2">>,<<"http/1.1">>]}`},
		{Active(true), "{active,true}"},
		{ActiveOnce(), "{active,once}"},
		{Packet(PacketRaw), "{packet,0}"},
		{Packet(PacketLine), "{packet,line}"},
		{Depth(1), "{depth,1}"},
		{SendTimeout(Infinity), "{send_timeout,infinity}"},
		{CRLCheck(crl.Peer), "{crl_check,peer}"},
		{EccsOption(X25519, Secp256r1), "{eccs,[x25519,secp256r1]}"},
		{SRPIdentity("u", "p"), `{srp_identity,{"u","******"}}`},
		{ServerNameIndicationDisable(), "{server_name_indication,disable}"},
		{Option{"server_name_indication", "example.com"}, `{server_name_indication,"example.com"}`},
		{ProtocolOption(DTLS), "{protocol,dtls}"},
	}
	for _, tc := range tests {
		if got := tc.opt.String(); got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
		}
		if tc.opt.Term() != tc.opt.String() {
			t.Errorf("Term() differs from String() for %s", tc.want)
		}
	}
}

func TestOptionErrorForms(t *testing.T) {
	cause := errors.New("cause")
	tests := []struct {
		err  *OptionError
		term string
		msg  string
	}{
		{&OptionError{Name: "verify", Value: VerifyType(9), Reason: "invalid", Detail: "bad"},
			"{options,{verify,9}}", "ssl: invalid option {verify,9}: bad"},
		{&OptionError{Name: "verify", Value: "bogus"}, "{options,{verify,bogus}}", "ssl: invalid option {verify,bogus}"},
		{&OptionError{Name: "dh", Value: []byte{1}, Reason: "server_only"}, "{option,server_only,dh}",
			"ssl: the option dh is for servers only and was given to a client"},
		{&OptionError{Name: "fallback", Value: true, Reason: "client_only"}, "{option,client_only,fallback}",
			"ssl: the option fallback is for clients only and was given to a server"},
		{incompatible("why", Option{"verify", VerifyNone}, Option{"fail_if_no_peer_cert", true}),
			"{options,incompatible,[{verify,verify_none},{fail_if_no_peer_cert,true}]}",
			"ssl: incompatible options [{verify,verify_none},{fail_if_no_peer_cert,true}]: why"},
		{incompatible("why", bare("sni_fun"), bare("sni_hosts")), "{options,incompatible,[sni_fun,sni_hosts]}",
			"ssl: incompatible options [sni_fun,sni_hosts]: why"},
		{incompatible("why", bare("key"), undefinedOpt("cert")), "{options,incompatible,[key,{cert,undefined}]}",
			"ssl: incompatible options [key,{cert,undefined}]: why"},
		{&OptionError{Name: "packet", Value: "http", Reason: "unsupported", Detail: "no"}, "{options,{packet,http}}",
			"ssl: unsupported option value {packet,http}: no"},
		{&OptionError{Name: "nosuch", Value: 1, Reason: "unknown_option"}, "{options,{nosuch,1}}", "ssl: unknown option nosuch"},
		{&OptionError{Name: "ip", Value: 1, Reason: "not_settable"}, "{options,{ip,1}}", "ssl: the option ip cannot be changed on an open socket"},
		{fileError("keyfile", "/k.pem", cause), `{options,{keyfile,"/k.pem","cause"}}`, `ssl: the file "/k.pem" of option keyfile cannot be used: cause`},
		{fileError("keyfile", "/k.pem", sslpem.ErrIncorrectPassword), `{options,{keyfile,"/k.pem",incorrect_password}}`, ""},
		{fileError("keyfile", "/k.pem", sslpem.ErrNoPrivateKey), `{options,{keyfile,"/k.pem",no_private_key}}`, ""},
		{fileError("certfile", "/d", &os.PathError{Op: "read", Path: "/d", Err: syscall.EISDIR}), `{options,{certfile,"/d",eisdir}}`, ""},
		{fileError("certfile", "/d", os.ErrPermission), `{options,{certfile,"/d",eacces}}`, ""},
	}
	for _, tc := range tests {
		if got := tc.err.Term(); got != tc.term {
			t.Errorf("Term() = %s, want %s", got, tc.term)
		}
		if tc.msg != "" && tc.err.Error() != tc.msg {
			t.Errorf("Error() = %q, want %q", tc.err.Error(), tc.msg)
		}
	}
	fe := fileError("keyfile", "/k.pem", cause)
	if !errors.Is(fe, cause) {
		t.Error("a file error does not wrap its cause")
	}
}

// Fuzzing the option resolution.

// fuzzNames are the option names the fuzzer picks from: every option,
// Erlang's shorthand and a few that do not exist. The options added after
// the seed corpus was made (fuzzLateNames) come last, so that the seeds
// keep naming the options they were made with.
var fuzzNames = func() []string {
	names := make([]string, 0, len(optSpecs)+8)
	for n := range optSpecs {
		if !slices.Contains(fuzzLateNames, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	names = append(names, "binary", "list", "ifaddr", "", "bogus", "VERIFY")
	for _, n := range fuzzLateNames {
		if _, ok := optSpecs[n]; ok {
			names = append(names, n)
		}
	}
	return names
}()

// fuzzLateNames are the options added after the seed corpus, in the order
// they were added.
var fuzzLateNames = []string{"session_tickets_tls12", "ticket_keys", "psk_key_exchange_modes"}

// fuzzFiles are the files file options may name during fuzzing.
type fuzzFixture struct {
	dir   string
	files []string
	certs [][]byte
	keys  []crypto.Signer
}

func newFuzzFixture(tb testing.TB) *fuzzFixture {
	pki := testpki.New(tb)
	root := pki.Root("fuzz root")
	leaf := root.Issue("fuzz", testpki.DNS("fuzz.example"))
	dir := tb.TempDir()
	ff := &fuzzFixture{dir: dir, certs: [][]byte{root.DER, leaf.DER}, keys: []crypto.Signer{leaf.Key, root.Key}}
	for name, data := range map[string][]byte{
		"ca.pem":   root.PEM(),
		"cert.pem": append(leaf.PEM(), root.PEM()...),
		"key.pem":  leaf.KeyPEM(),
		"both.pem": append(leaf.PEM(), leaf.KeyPEM()...),
		"junk.pem": []byte("-----BEGIN X-----\nAAAA\n-----END X-----\n"),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			tb.Fatal(err)
		}
		ff.files = append(ff.files, p)
	}
	sort.Strings(ff.files)
	ff.files = append(ff.files, filepath.Join(dir, "missing.pem"), dir)
	return ff
}

func (ff *fuzzFixture) isFile(s string) bool {
	for _, f := range ff.files {
		if f == s {
			return true
		}
	}
	return false
}

// fuzzReader takes values off the fuzzer's bytes; past the end it gives
// zeros.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) bytes() []byte {
	n := int(r.byte())
	if n > len(r.b) {
		n = len(r.b)
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *fuzzReader) u16() uint16 { return uint16(r.byte())<<8 | uint16(r.byte()) }

func (r *fuzzReader) i64() int64 {
	var b [8]byte
	for i := range b {
		b[i] = r.byte()
	}
	return int64(binary.BigEndian.Uint64(b[:]))
}

// value makes one option value of the kind the next byte selects.
func (r *fuzzReader) value(ff *fuzzFixture, depth int) any {
	switch r.byte() % 24 {
	case 0:
		return nil
	case 1:
		return r.byte()&1 == 1
	case 2:
		return int(int8(r.byte()))
	case 3:
		return r.i64()
	case 4:
		return string(r.bytes())
	case 5:
		return r.bytes()
	case 6:
		n := int(r.byte() % 5)
		out := make([]string, n)
		for i := range out {
			out[i] = string(r.bytes())
		}
		return out
	case 7:
		n := int(r.byte() % 5)
		out := make([][]byte, n)
		for i := range out {
			out[i] = r.bytes()
		}
		return out
	case 8:
		return math.Float64frombits(uint64(r.i64()))
	case 9:
		n := int(r.byte() % 4)
		out := make([]any, n)
		for i := range out {
			if depth < 2 {
				out[i] = r.value(ff, depth+1)
			}
		}
		return out
	case 10:
		return time.Duration(r.i64())
	case 11:
		n := int(r.byte() % 5)
		out := make([]Protocol, n)
		for i := range out {
			out[i] = Protocol(r.u16())
		}
		return out
	case 12:
		n := int(r.byte() % 5)
		out := make([]NamedCurve, n)
		for i := range out {
			out[i] = NamedCurve(r.u16())
		}
		return out
	case 13:
		n := int(r.byte() % 5)
		out := make([]SignatureScheme, n)
		for i := range out {
			out[i] = SignatureScheme(r.u16())
		}
		return out
	case 14:
		n := int(r.byte() % 5)
		out := make([]CipherSuite, n)
		all := cipher.Suites()
		for i := range out {
			out[i] = suiteOf(all[int(r.byte())%len(all)])
			if r.byte()&1 == 1 {
				out[i].PRF = cipher.PRF(r.byte())
			}
		}
		return out
	case 15:
		return ff.files[int(r.byte())%len(ff.files)]
	case 16:
		return [][]byte{ff.certs[int(r.byte())%len(ff.certs)]}
	case 17:
		return ff.keys[int(r.byte())%len(ff.keys)]
	case 18:
		// An enumeration value of some type, in or out of range.
		b := r.byte()
		return []any{VerifyType(b), ModeType(b), PacketType(b), TransportProtocol(b), SessionTicketsMode(b),
			Severity(b), HandshakeMode(b), DeliverType(b), BeastMitigationMode(b), crl.CheckMode(int8(b))}[r.byte()%10]
	case 19:
		if depth >= 2 {
			return nil
		}
		hosts := map[string][]Option{}
		for i := 0; i < int(r.byte()%3); i++ {
			hosts[string(r.bytes())] = r.options(ff, depth+1)
		}
		return hosts
	case 20:
		return NextProtocols{Precedence: Precedence(r.byte()), Protocols: []string{string(r.bytes())}, Default: string(r.bytes())}
	case 21:
		return BloomFilter{Window: time.Duration(r.i64()), K: int(int8(r.byte())), M: int(r.i64())}
	case 22:
		return DERKey{Kind: sslpem.Kind(r.byte() % 16), DER: r.bytes()}
	default:
		return Linger{On: r.byte()&1 == 1, Timeout: time.Duration(r.i64())}
	}
}

// options makes a list of options from the fuzzer's bytes.
func (r *fuzzReader) options(ff *fuzzFixture, depth int) []Option {
	n := int(r.byte() % 10)
	opts := make([]Option, 0, n)
	for i := 0; i < n; i++ {
		name := fuzzNames[int(r.byte())%len(fuzzNames)]
		v := r.value(ff, depth)
		// File options only ever name the fixture's files.
		switch name {
		case "certfile", "keyfile", "cacertfile", "dhfile":
			if s, ok := v.(string); ok && s != "" && !ff.isFile(s) {
				v = ff.files[int(s[0])%len(ff.files)]
			}
		}
		opts = append(opts, Option{name, v})
	}
	return opts
}

func FuzzResolve(f *testing.F) {
	ff := newFuzzFixture(f)
	// The operating system's store is the fixture's CA, so that client
	// defaults resolve the same everywhere.
	systemCAFiles, systemCADirs = []string{ff.files[1]}, nil
	lookupEnv = func(string) (string, bool) { return "", false }
	env := defaultEnv()

	f.Add([]byte{})
	f.Add([]byte{1, 0, 0})
	seeds, err := filepath.Glob("testdata/fuzz/FuzzResolve/*")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed corpus in testdata/fuzz/FuzzResolve: %v", err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{b: data}
		opts := r.options(ff, 0)
		for _, role := range []Role{RoleClient, RoleServer} {
			c, err := resolveEnv(role, opts, env)
			if err != nil {
				var oe *OptionError
				if !errors.As(err, &oe) {
					t.Fatalf("resolve error %T %v is not an *OptionError", err, err)
				}
				term := oe.Term()
				if !strings.HasPrefix(term, "{option") || FormatError(err) == "" || oe.Error() == "" {
					t.Fatalf("bad error rendering: %q %q", term, FormatError(err))
				}
				continue
			}
			checkConfig(t, c, opts)
		}
	})
}

// checkConfig checks what every resolved config must satisfy, and uses it
// the ways the socket code will.
func checkConfig(t *testing.T, c *config, opts []Option) {
	t.Helper()
	if len(c.versions) == 0 || c.maxVersion != c.versions[0] || c.minVersion != c.versions[len(c.versions)-1] {
		t.Fatalf("versions %v, min %v max %v", c.versions, c.minVersion, c.maxVersion)
	}
	if len(c.suites) == 0 || len(c.suites) != len(c.suiteIDs) {
		t.Fatalf("no suites for %v", c.versions)
	}
	for _, s := range c.suites {
		ok := false
		for _, v := range c.versions {
			ok = ok || s.ValidFor(cipher.Version(tlsEquivalent(v)))
		}
		if !ok {
			t.Fatalf("suite %v valid for none of %v", s, c.versions)
		}
	}
	if (c.certChain == nil) != (c.key == nil) || (c.certChain != nil && c.leaf == nil) {
		t.Fatalf("certificate %d without key %v or the reverse", len(c.certChain), c.key)
	}
	if c.verifyFun == nil || c.crlCache == nil || c.logger == nil || len(c.groups) == 0 {
		t.Fatal("a default is missing")
	}
	if c.role == RoleServer && c.dh == nil {
		t.Fatal("a server without DH parameters")
	}
	if _, err := c.getopts(); err != nil {
		t.Fatalf("getopts: %v", err)
	}
	var sockOpts []Option
	for _, o := range opts {
		if spec, ok := optSpecs[o.Name]; ok && spec.settable {
			sockOpts = append(sockOpts, o)
		}
	}
	if _, err := c.setopts(sockOpts...); err != nil {
		t.Fatalf("setopts of options that resolved: %v", err)
	}
	if m, err := c.merge(nil); err != nil || m != c {
		t.Fatalf("merge(nil): %v", err)
	}
	if _, err := c.forServerName("fuzz.example"); err != nil {
		var oe *OptionError
		if !errors.As(err, &oe) {
			t.Fatalf("forServerName error %T", err)
		}
	}
	_ = c.checkServerCredentials()
	sni, name, ip := c.peerIdentity("fuzz.example", netip.Addr{})
	_ = c.pathOptions(name, ip)
	_ = sni
	_ = c.definedOptions()
	if len(c.opts) != len(opts) {
		t.Fatalf("kept %d options of %d", len(c.opts), len(opts))
	}
}

// TestFuzzSeedCorpus checks that the committed seeds reach deep into the
// resolution: most of them resolve for at least one role.
func TestFuzzSeedCorpus(t *testing.T) {
	ff := newFuzzFixture(t)
	useSystemCAs(t, []string{ff.files[1]}, nil)
	seeds, err := filepath.Glob("testdata/fuzz/FuzzResolve/*")
	if err != nil || len(seeds) < 10 {
		t.Fatalf("seed corpus: %d files, %v", len(seeds), err)
	}
	resolved := 0
	for _, p := range seeds {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(raw), "\n", 3)
		if len(lines) < 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s is not a fuzz corpus file", p)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		opts := (&fuzzReader{b: []byte(s)}).options(ff, 0)
		ok := false
		for _, role := range []Role{RoleClient, RoleServer} {
			if c, err := resolve(role, opts); err == nil {
				checkConfig(t, c, opts)
				ok = true
			}
		}
		if ok {
			resolved++
		}
		t.Logf("%s: %v resolved=%v", filepath.Base(p), opts, ok)
	}
	if resolved < len(seeds)/2 {
		t.Errorf("only %d of %d seeds resolve", resolved, len(seeds))
	}
}
