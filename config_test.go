package ssl

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/crl"
	"github.com/otpssl/ssl/handshake"
	sslpem "github.com/otpssl/ssl/pem"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"

	"github.com/otpssl/ssl/internal/testpki"
)

// fixture is a small PKI written to files: a root CA, a server and a
// client certificate with their keys, in every form the file options take.
type fixture struct {
	root, server, client, other *testpki.Cert

	caFile      string // the root, PEM
	certFile    string // the server certificate and the root
	keyFile     string // the server key, PKCS #8
	bothFile    string // the server certificate followed by its key
	encKeyFile  string // the server key, encrypted with "s3cret"
	clientCert  string
	clientKey   string
	dhFile      string
	emptyFile   string // PEM with no entries
	garbageFile string // not PEM
	dhDER       []byte
}

const fixturePassword = "s3cret"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pki := testpki.New(t)
	f := &fixture{}
	f.root = pki.Root("Test Root CA")
	f.server = f.root.Issue("server", testpki.DNS("example.com", "www.example.com"))
	f.client = f.root.Issue("client", testpki.ExtKeyUsage(x509.ExtKeyUsageClientAuth))
	f.other = pki.Root("Other CA")
	dir := t.TempDir()
	write := func(name string, parts ...[]byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Join(parts, nil), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.caFile = write("ca.pem", f.root.PEM())
	f.certFile = write("cert.pem", f.server.PEM(), f.root.PEM())
	f.keyFile = write("key.pem", f.server.KeyPEM())
	f.bothFile = write("both.pem", f.server.PEM(), f.server.KeyPEM())
	ecKey := f.server.Key.(*ecdsa.PrivateKey)
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 legacy PEM encryption is what the keyfile password option reads
	block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", ecDER, []byte(fixturePassword), x509.PEMCipherAES256) //nolint:staticcheck
	if err != nil {
		t.Fatal(err)
	}
	f.encKeyFile = write("enc.pem", pem.EncodeToMemory(block))
	f.clientCert = write("client.pem", f.client.PEM())
	f.clientKey = write("clientkey.pem", f.client.KeyPEM())
	p := handshake.FFDHEParams(handshake.FFDHE2048)
	f.dhDER, err = asn1.Marshal(struct{ P, G *big.Int }{p.P, p.G})
	if err != nil {
		t.Fatal(err)
	}
	f.dhFile = write("dh.pem", pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: f.dhDER}))
	f.emptyFile = write("empty.pem", []byte("nothing here\n"))
	f.garbageFile = write("garbage.pem", []byte("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"))
	return f
}

// useSystemCAs makes the operating system's CA store the given files and
// directories for the test.
func useSystemCAs(t *testing.T, files, dirs []string) {
	t.Helper()
	oldFiles, oldDirs, oldEnv := systemCAFiles, systemCADirs, lookupEnv
	systemCAFiles, systemCADirs = files, dirs
	lookupEnv = func(string) (string, bool) { return "", false }
	t.Cleanup(func() { systemCAFiles, systemCADirs, lookupEnv = oldFiles, oldDirs, oldEnv })
}

func mustResolve(t *testing.T, role Role, opts ...Option) *config {
	t.Helper()
	c, err := resolve(role, opts)
	if err != nil {
		t.Fatalf("resolve(%v, %v) = %v", role, opts, err)
	}
	return c
}

// optErr resolves opts expecting an *OptionError.
func optErr(t *testing.T, role Role, opts ...Option) *OptionError {
	t.Helper()
	c, err := resolve(role, opts)
	if err == nil {
		t.Fatalf("resolve(%v, %v) succeeded (versions %v)", role, opts, c.versions)
	}
	var oe *OptionError
	if !errors.As(err, &oe) {
		t.Fatalf("resolve(%v, %v) = %T %v, not an *OptionError", role, opts, err, err)
	}
	return oe
}

func funcPtr(f any) uintptr { return reflect.ValueOf(f).Pointer() }

// noVerify keeps client tests away from the system CA store.
var noVerify = Verify(VerifyNone)

type recordingCache struct{ crl.Cache }

func TestResolveAcceptsEveryOption(t *testing.T) {
	f := newFixture(t)
	useSystemCAs(t, []string{f.caFile}, nil)
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logBuf, nil))
	keylog := &bytes.Buffer{}
	myVerify := func(*x509.Certificate, x509path.Event, any) (x509path.Verdict, any) { return x509path.Valid, nil }
	myPartial := func([][]byte) ([]byte, bool) { return nil, false }
	mySNI := func(string) []Option { return nil }
	myReuse := func([]byte, []byte, int, CipherSuite) bool { return true }
	myLookup := func(LookupKind, string, any) (LookupResult, bool) { return LookupResult{}, false }
	cache := recordingCache{}
	dial := func(context.Context, string, string) (net.Conn, error) { return nil, nil }
	pkcs8, err := x509.MarshalPKCS8PrivateKey(f.server.Key)
	if err != nil {
		t.Fatal(err)
	}
	tls1 := Versions(TLSv1_2, TLSv1_1, TLSv1)
	suite := CipherSuites(SuitesDefault)[0]
	legacySuite, _ := CipherSuiteFromID(0xc013) // ECDHE-RSA-AES128-SHA

	tests := []struct {
		name  string
		role  Role
		opts  []Option
		check func(c *config) bool
	}{
		{"protocol dtls", RoleClient, []Option{noVerify, ProtocolOption(DTLS)},
			func(c *config) bool { return c.protocol == DTLS && reflect.DeepEqual(c.versions, []Protocol{DTLSv1_2}) }},
		{"protocol dtls versions", RoleClient, []Option{noVerify, ProtocolOption(DTLS), Versions(DTLSv1, DTLSv1_2)},
			func(c *config) bool { return reflect.DeepEqual(c.versions, []Protocol{DTLSv1_2, DTLSv1}) }},
		{"log_level", RoleClient, []Option{noVerify, LogLevel(LevelDebug)},
			func(c *config) bool { return c.logLevel == LevelDebug && c.logEnabled(LevelDebug) }},
		{"log_alert false", RoleClient, []Option{noVerify, LogAlert(false)},
			func(c *config) bool { return c.logLevel == LevelNone && !c.logEnabled(LevelEmergency) }},
		{"log_alert true", RoleClient, []Option{noVerify, LogAlert(true)},
			func(c *config) bool {
				return c.logLevel == LevelNotice && !c.logEnabled(LevelInfo) && c.logEnabled(LevelWarning)
			}},
		{"log_level beats log_alert", RoleClient, []Option{noVerify, LogLevel(LevelInfo), LogAlert(false)},
			func(c *config) bool { return c.logLevel == LevelInfo }},
		{"logger", RoleClient, []Option{noVerify, Logger(logger)},
			func(c *config) bool { return c.logger == logger }},
		{"keep_secrets", RoleClient, []Option{noVerify, KeepSecrets(true)},
			func(c *config) bool { return c.keepSecrets }},
		{"keylog", RoleClient, []Option{noVerify, Keylog(keylog)},
			func(c *config) bool { return c.keylog == keylog }},
		{"versions sorted", RoleClient, []Option{noVerify, Versions(TLSv1_2, TLSv1_3)},
			func(c *config) bool {
				return reflect.DeepEqual(c.versions, []Protocol{TLSv1_3, TLSv1_2}) && c.maxVersion == TLSv1_3 && c.minVersion == TLSv1_2
			}},
		{"versions sslv3 initial record version", RoleClient, []Option{noVerify, Versions(SSLv3)},
			func(c *config) bool {
				return c.rec.InitialVersion == cipher.VersionSSL30 && c.eccs == nil && c.sigAlgs == nil
			}},
		{"middlebox_comp_mode", RoleClient, []Option{noVerify, MiddleboxCompMode(false)},
			func(c *config) bool { return !c.middleboxCompat }},
		{"verify_none client", RoleClient, []Option{Verify(VerifyNone)},
			func(c *config) bool {
				return c.verify == VerifyNone && funcPtr(c.verifyFun) == funcPtr(x509path.DefaultVerifyNone) && c.trusted == nil
			}},
		{"verify_peer server", RoleServer, []Option{Verify(VerifyPeer), CACerts(f.root.DER)},
			func(c *config) bool {
				return c.verify == VerifyPeer && c.failIfNoPeerCert && funcPtr(c.verifyFun) == funcPtr(x509path.DefaultVerifyPeer)
			}},
		{"verify_fun", RoleClient, []Option{VerifyFun(myVerify, "state")},
			func(c *config) bool { return funcPtr(c.verifyFun) == funcPtr(myVerify) && c.verifyUserState == "state" }},
		{"cacerts", RoleClient, []Option{CACerts(f.root.DER, f.other.DER)},
			func(c *config) bool {
				return c.trustSource == "cacerts" && len(c.trusted) == 2 && bytes.Equal(c.trusted[1], f.other.DER)
			}},
		{"cacertfile", RoleClient, []Option{CACertFile(f.caFile)},
			func(c *config) bool {
				return c.trustSource == "cacertfile" && len(c.trusted) == 1 && bytes.Equal(c.trusted[0], f.root.DER)
			}},
		{"cacerts overrides cacertfile", RoleClient, []Option{CACertFile(f.caFile), CACerts(f.other.DER)},
			func(c *config) bool { return c.trustSource == "cacerts" && bytes.Equal(c.trusted[0], f.other.DER) }},
		{"partial_chain", RoleClient, []Option{PartialChain(myPartial)},
			func(c *config) bool { return funcPtr(c.partialChain) == funcPtr(myPartial) }},
		{"fail_if_no_peer_cert false", RoleServer, []Option{Verify(VerifyPeer), CACertFile(f.caFile), FailIfNoPeerCert(false)},
			func(c *config) bool { return !c.failIfNoPeerCert }},
		{"fail_if_no_peer_cert false on a client", RoleClient, []Option{noVerify, FailIfNoPeerCert(false)},
			func(c *config) bool { return !c.failIfNoPeerCert }},
		{"depth 0", RoleClient, []Option{noVerify, Depth(0)},
			func(c *config) bool { return c.depth == 0 && c.pathOptions("", netip.Addr{}).MaxDepth == -1 }},
		{"depth 3", RoleClient, []Option{noVerify, Depth(3)},
			func(c *config) bool { return c.depth == 3 && c.pathOptions("", netip.Addr{}).MaxDepth == 3 }},
		{"depth 255", RoleClient, []Option{noVerify, Depth(255)},
			func(c *config) bool { return c.depth == 255 }},
		{"crl_check", RoleClient, []Option{noVerify, CRLCheck(crl.Peer)},
			func(c *config) bool {
				return c.crlCheck == crl.Peer && c.pathOptions("", netip.Addr{}).CRLCheck == crl.Peer
			}},
		{"crl_cache", RoleClient, []Option{noVerify, CRLCache(cache)},
			func(c *config) bool { return c.crlCache == crl.Cache(cache) }},
		{"cert and key", RoleServer, []Option{Cert(f.server.DER, f.root.DER), Key(f.server.Key)},
			func(c *config) bool {
				return len(c.certChain) == 2 && c.leaf.Subject.CommonName == "server" && c.key == f.server.Key
			}},
		{"key as DER", RoleServer, []Option{Cert(f.server.DER), KeyDER(sslpem.PrivateKeyInfo, pkcs8)},
			func(c *config) bool { return c.key.Public().(*ecdsa.PublicKey).Equal(f.server.Key.Public()) }},
		{"certfile and keyfile", RoleServer, []Option{CertFile(f.certFile), KeyFile(f.keyFile)},
			func(c *config) bool {
				return len(c.certChain) == 2 && bytes.Equal(c.certChain[0], f.server.DER) && c.key.Public().(*ecdsa.PublicKey).Equal(f.server.Key.Public())
			}},
		{"keyfile defaults to certfile", RoleServer, []Option{CertFile(f.bothFile)},
			func(c *config) bool {
				return c.key != nil && c.key.Public().(*ecdsa.PublicKey).Equal(f.server.Key.Public())
			}},
		{"encrypted keyfile with password", RoleServer, []Option{CertFile(f.certFile), KeyFile(f.encKeyFile), Password(fixturePassword)},
			func(c *config) bool { return c.key.Public().(*ecdsa.PublicKey).Equal(f.server.Key.Public()) }},
		{"client certificate", RoleClient, []Option{noVerify, CertFile(f.clientCert), KeyFile(f.clientKey)},
			func(c *config) bool { return c.leaf.Subject.CommonName == "client" }},
		{"session_tickets client", RoleClient, []Option{noVerify, SessionTickets(TicketsAuto), EarlyData([]byte("GET /"))},
			func(c *config) bool { return c.sessionTickets == TicketsAuto && string(c.earlyData) == "GET /" }},
		{"use_ticket", RoleClient, []Option{noVerify, SessionTickets(TicketsManual), UseTicket([]byte("t1")), EarlyData(nil)},
			func(c *config) bool { return c.sessionTickets == TicketsManual && len(c.useTicket) == 1 }},
		{"session_tickets server", RoleServer, []Option{SessionTickets(TicketsStateless), AntiReplay(AntiReplay10K), EarlyDataEnabled(true)},
			func(c *config) bool {
				return c.sessionTickets == TicketsStateless && *c.antiReplay == AntiReplay10K && c.earlyDataEnabled
			}},
		{"server_name_indication", RoleClient, []Option{noVerify, ServerNameIndication("Example.COM.")},
			func(c *config) bool {
				sni, name, _ := c.peerIdentity("other.org", netip.Addr{})
				return c.sni == "Example.COM" && sni == "Example.COM" && name == "Example.COM"
			}},
		{"server_name_indication disable", RoleClient, []Option{noVerify, ServerNameIndicationDisable()},
			func(c *config) bool {
				sni, name, ip := c.peerIdentity("example.com", netip.MustParseAddr("192.0.2.1"))
				return c.sniDisabled && sni == "" && name == "" && !ip.IsValid()
			}},
		{"server_name_indication IP", RoleClient, []Option{noVerify, ServerNameIndication("192.0.2.7")},
			func(c *config) bool {
				sni, name, ip := c.peerIdentity("example.com", netip.Addr{})
				return c.sniIsIP && sni == "" && name == "" && ip == netip.MustParseAddr("192.0.2.7")
			}},
		{"sni_fun", RoleServer, []Option{SNIFun(mySNI)},
			func(c *config) bool { return funcPtr(c.sniFun) == funcPtr(mySNI) }},
		{"signature_algs", RoleClient, []Option{noVerify, SignatureAlgs(Ed25519, RSAPSSRSAESHA256, Ed25519)},
			func(c *config) bool {
				return reflect.DeepEqual(c.sigAlgs, []SignatureScheme{Ed25519, RSAPSSRSAESHA256}) && c.sigAlgsCert == nil
			}},
		{"signature_algs_cert", RoleClient, []Option{noVerify, SignatureAlgsCert(RSAPKCS1SHA256)},
			func(c *config) bool {
				return reflect.DeepEqual(c.sigAlgsCert, []SignatureScheme{RSAPKCS1SHA256}) &&
					reflect.DeepEqual(c.sigAlgs, handshake.DefaultSignatureSchemes())
			}},
		{"alpn client", RoleClient, []Option{noVerify, ALPNAdvertisedProtocols("h2", "http/1.1")},
			func(c *config) bool { return reflect.DeepEqual(c.alpnAdvertised, []string{"h2", "http/1.1"}) }},
		{"alpn server", RoleServer, []Option{ALPNPreferredProtocols(strings.Repeat("x", 255))},
			func(c *config) bool { return len(c.alpnPreferred) == 1 && len(c.alpnPreferred[0]) == 255 }},
		{"npn client", RoleClient, []Option{noVerify, ClientPreferredNextProtocols(PrecedenceServer, []string{"spdy/3"}, "http/1.1")},
			func(c *config) bool {
				return c.npnClient.Precedence == PrecedenceServer && c.npnClient.Default == "http/1.1" && c.npnClient.Protocols[0] == "spdy/3"
			}},
		{"npn server", RoleServer, []Option{NextProtocolsAdvertised("spdy/3", "http/1.1")},
			func(c *config) bool { return len(c.npnAdvertised) == 2 }},
		{"beast_mitigation", RoleClient, []Option{noVerify, tls1, BeastMitigation(ZeroN)},
			func(c *config) bool { return c.rec.BeastMitigation == ZeroN }},
		{"padding_check", RoleClient, []Option{noVerify, tls1, PaddingCheck(false)},
			func(c *config) bool { return c.rec.DisablePaddingCheck }},
		{"honor orders", RoleServer, []Option{HonorCipherOrder(true), HonorEccOrder(true)},
			func(c *config) bool { return c.honorCipherOrder && c.honorEccOrder }},
		{"cookie", RoleServer, []Option{Cookie(false)},
			func(c *config) bool { return !c.cookie }},
		{"client_renegotiation", RoleServer, []Option{ClientRenegotiation(false)},
			func(c *config) bool { return !c.clientReneg }},
		{"dh", RoleServer, []Option{DH(f.dhDER)},
			func(c *config) bool { return c.dh.P.BitLen() == 2048 }},
		{"dhfile", RoleServer, []Option{DHFile(f.dhFile)},
			func(c *config) bool { return c.dh.P.Cmp(handshake.FFDHEParams(handshake.FFDHE2048).P) == 0 }},
		{"dh default", RoleServer, nil,
			func(c *config) bool { return c.dh.P.Cmp(handshake.DefaultDHParams().P) == 0 }},
		{"v2_hello_compatible", RoleServer, []Option{V2HelloCompatible(true)},
			func(c *config) bool { return c.rec.V2HelloCompatible }},
		{"fallback", RoleClient, []Option{noVerify, Fallback(true)},
			func(c *config) bool { return c.fallback }},
		{"key_update_at", RoleClient, []Option{noVerify, KeyUpdateAt(1 << 20)},
			func(c *config) bool { return c.keyUpdateAt == 1<<20 }},
		{"secure_renegotiate", RoleClient, []Option{noVerify, SecureRenegotiate(false)},
			func(c *config) bool { return !c.secureRenegotiate }},
		{"reuse_sessions false", RoleServer, []Option{ReuseSessions(false)},
			func(c *config) bool { return !c.reuseSessions }},
		{"reuse_sessions save", RoleClient, []Option{noVerify, ReuseSessionsSave()},
			func(c *config) bool { return c.reuseSessions && c.saveSessions }},
		{"reuse_session client", RoleClient, []Option{noVerify, ReuseSessionID([]byte{1, 2, 3})},
			func(c *config) bool { return bytes.Equal(c.reuseSessionID, []byte{1, 2, 3}) }},
		{"reuse_session server", RoleServer, []Option{ReuseSession(myReuse)},
			func(c *config) bool { return funcPtr(c.reuseSessionFun) == funcPtr(myReuse) }},
		{"psk_identity", RoleClient, []Option{noVerify, PSKIdentity("me"), UserLookupFun(myLookup, 7)},
			func(c *config) bool {
				return c.pskIdentity == "me" && funcPtr(c.userLookup) == funcPtr(myLookup) && c.userLookupState == 7
			}},
		{"srp_identity", RoleClient, []Option{noVerify, SRPIdentity("alice", "pw")},
			func(c *config) bool { return c.srp.Username == "alice" && c.srp.Password == "pw" }},
		{"supported_groups", RoleClient, []Option{noVerify, SupportedGroups(Secp384r1, X25519)},
			func(c *config) bool { return reflect.DeepEqual(c.groups, []NamedCurve{Secp384r1, X25519}) }},
		{"supported_groups drops unimplemented", RoleClient, []Option{noVerify, {Name: "supported_groups", Value: []string{"x448", "ffdhe2048"}}},
			func(c *config) bool { return reflect.DeepEqual(c.groups, []NamedCurve{FFDHE2048}) }},
		{"ciphers", RoleClient, []Option{noVerify, Ciphers(suite, legacySuite)},
			func(c *config) bool {
				return len(c.suites) == 2 && c.suiteIDs[0] == suite.ID() && c.suiteIDs[1] == 0xc013
			}},
		{"ciphers drop suites of other versions", RoleClient, []Option{noVerify, Versions(TLSv1_3), Ciphers(suite, legacySuite)},
			func(c *config) bool { return len(c.suites) == 1 && c.suites[0].TLS13() }},
		{"ciphers string", RoleClient, []Option{noVerify, {Name: "ciphers", Value: "ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384"}},
			func(c *config) bool { return len(c.suites) == 2 && c.suiteIDs[0] == 0xc02f && c.suiteIDs[1] == 0x1302 }},
		{"ciphers empty means default", RoleClient, []Option{noVerify, Ciphers()},
			func(c *config) bool { return len(c.suites) == len(cipher.DefaultSuites()) }},
		{"default ciphers for tls 1.0", RoleClient, []Option{noVerify, Versions(TLSv1)},
			func(c *config) bool {
				for _, s := range c.suites {
					if !s.ValidFor(cipher.VersionTLS10) || !s.KeyExchange.ForwardSecret() {
						return false
					}
				}
				return len(c.suites) > 0
			}},
		{"eccs", RoleClient, []Option{noVerify, EccsOption(Secp521r1)},
			func(c *config) bool { return reflect.DeepEqual(c.eccs, []NamedCurve{Secp521r1}) }},
		{"eccs ignored with tls 1.3 only", RoleClient, []Option{noVerify, Versions(TLSv1_3), {Name: "eccs", Value: "garbage"}},
			func(c *config) bool { return c.eccs == nil }},
		{"handshake full", RoleClient, []Option{noVerify, Handshake(HandshakeFull)},
			func(c *config) bool { return true }},
		{"max_handshake_size", RoleClient, []Option{noVerify, MaxHandshakeSize(1<<24 - 1)},
			func(c *config) bool { return c.rec.MaxHandshakeSize == 1<<24-1 }},
		{"hibernate_after", RoleClient, []Option{noVerify, HibernateAfter(3 * time.Second)},
			func(c *config) bool { return c.hibernateAfter == 3*time.Second }},
		{"alert_timeout", RoleClient, []Option{noVerify, AlertTimeoutOption(time.Second)},
			func(c *config) bool { return c.alertTimeout == time.Second }},
		{"certificate_authorities", RoleClient, []Option{noVerify, CertificateAuthorities(true)},
			func(c *config) bool { return c.certAuthorities }},
		{"cb_info", RoleClient, []Option{noVerify, CBInfo(CallbackInfo{Dial: dial})},
			func(c *config) bool { return c.cbInfo != nil && funcPtr(c.cbInfo.Dial) == funcPtr(dial) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustResolve(t, tc.role, tc.opts...)
			if !tc.check(c) {
				t.Errorf("resolved config does not reflect %v", tc.opts)
			}
			// The options are kept, in order, for Getopts and merging.
			if len(c.opts) != len(tc.opts) {
				t.Errorf("kept %d options, given %d", len(c.opts), len(tc.opts))
			}
		})
	}
}

func TestResolveDefaults(t *testing.T) {
	f := newFixture(t)
	useSystemCAs(t, []string{filepath.Join(t.TempDir(), "missing.pem"), f.caFile}, nil)

	c := mustResolve(t, RoleClient)
	if c.verify != VerifyPeer || c.trustSource != "system" || len(c.trusted) != 1 || !bytes.Equal(c.trusted[0], f.root.DER) {
		t.Errorf("client default: verify %v, trust %q %d", c.verify, c.trustSource, len(c.trusted))
	}
	if funcPtr(c.verifyFun) != funcPtr(x509path.DefaultVerifyPeer) {
		t.Error("client default verify fun is not DefaultVerifyPeer")
	}
	if !reflect.DeepEqual(c.versions, []Protocol{TLSv1_3, TLSv1_2}) {
		t.Errorf("default versions %v", c.versions)
	}
	if c.depth != 10 || c.pathOptions("", netip.Addr{}).MaxDepth != 10 {
		t.Errorf("default depth %d", c.depth)
	}
	if !c.secureRenegotiate || !c.reuseSessions || c.honorCipherOrder || c.failIfNoPeerCert || c.fallback {
		t.Error("wrong boolean defaults")
	}
	if !reflect.DeepEqual(c.groups, handshake.DefaultGroups()) || !reflect.DeepEqual(c.eccs, handshake.DefaultEccs()) ||
		!reflect.DeepEqual(c.sigAlgs, handshake.DefaultSignatureSchemes()) {
		t.Error("wrong group or signature defaults")
	}
	def := cipher.DefaultSuites()
	if len(c.suites) != len(def) || c.suites[0] != def[0] {
		t.Errorf("default suites: %d, want %d", len(c.suites), len(def))
	}
	if c.rec.MaxHandshakeSize != record.DefaultMaxHandshakeSize || c.rec.BeastMitigation != OneNMinusOne || c.rec.DisablePaddingCheck || c.rec.V2HelloCompatible {
		t.Errorf("record defaults %+v", c.rec)
	}
	if c.alertTimeout != 5*time.Second || c.hibernateAfter != Infinity || c.keyUpdateAt != 1<<38 || c.logLevel != LevelNotice || c.logger != slog.Default() {
		t.Error("wrong timing or logging defaults")
	}
	if c.crlCheck != crl.Off || c.crlCache != crl.Cache(DefaultCRLCache()) {
		t.Error("wrong CRL defaults")
	}
	if c.sessionTickets != TicketsDisabled || !c.middleboxCompat || c.certAuthorities {
		t.Error("wrong TLS 1.3 defaults")
	}
	po := c.pathOptions("example.com", netip.Addr{})
	if po.Purpose != x509path.ServerAuth || po.Hostname != "example.com" || len(po.TrustedCerts) != 1 {
		t.Errorf("client path options %+v", po)
	}

	s := mustResolve(t, RoleServer)
	if s.verify != VerifyNone || s.trusted != nil || s.failIfNoPeerCert || funcPtr(s.verifyFun) != funcPtr(x509path.DefaultVerifyNone) {
		t.Errorf("server default: verify %v trust %d", s.verify, len(s.trusted))
	}
	if !s.cookie || !s.clientReneg || !s.certAuthorities || s.dh == nil {
		t.Error("wrong server defaults")
	}
	if s.pathOptions("", netip.Addr{}).Purpose != x509path.ClientAuth {
		t.Error("server path validation purpose is not client_auth")
	}
	// verify_peer on a server means fail_if_no_peer_cert, as current OTP.
	s = mustResolve(t, RoleServer, Verify(VerifyPeer), CACerts(f.root.DER))
	if !s.failIfNoPeerCert {
		t.Error("server verify_peer does not default fail_if_no_peer_cert to true")
	}
}

func TestSystemCAStore(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	for i, c := range []*testpki.Cert{f.root, f.other, f.root} {
		if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".pem"), c.PEM(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	useSystemCAs(t, []string{filepath.Join(dir, "none.pem")}, []string{filepath.Join(dir, "missing"), dir})
	c := mustResolve(t, RoleClient)
	if c.trustSource != "system" || len(c.trusted) != 2 {
		t.Errorf("directory store gave %d certificates, want 2 (duplicates dropped)", len(c.trusted))
	}

	// SSL_CERT_FILE comes first.
	lookupEnv = func(k string) (string, bool) {
		if k == "SSL_CERT_FILE" {
			return f.caFile, true
		}
		return "", false
	}
	c = mustResolve(t, RoleClient)
	if len(c.trusted) != 1 || !bytes.Equal(c.trusted[0], f.root.DER) {
		t.Errorf("SSL_CERT_FILE not used: %d certificates", len(c.trusted))
	}

	// No store at all is an error when the options are resolved (at
	// Connect), with Erlang's term for verify_peer without cacerts.
	useSystemCAs(t, []string{filepath.Join(dir, "none.pem")}, []string{filepath.Join(dir, "missing")})
	oe := optErr(t, RoleClient)
	if oe.Term() != "{options,incompatible,[{verify,verify_peer},{cacerts,undefined}]}" {
		t.Errorf("Term() = %s", oe.Term())
	}
	if !errors.Is(oe, ErrNoSystemCAs) {
		t.Error("the error does not wrap ErrNoSystemCAs")
	}
	// verify_none needs no store; cacerts neither.
	mustResolve(t, RoleClient, Verify(VerifyNone))
	mustResolve(t, RoleClient, CACerts(f.root.DER))
}

func TestResolveRefusesBadValues(t *testing.T) {
	f := newFixture(t)
	useSystemCAs(t, []string{f.caFile}, nil)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tls1 := Versions(TLSv1_2, TLSv1)
	tests := []struct {
		name   string
		role   Role
		opts   []Option
		term   string
		reason string
	}{
		{"unknown option", RoleClient, []Option{{Name: "bogus", Value: 1}}, "{options,{bogus,1}}", "unknown_option"},
		{"verify atom", RoleClient, []Option{{Name: "verify", Value: "bogus"}}, "{options,{verify,bogus}}", "invalid"},
		{"verify number", RoleClient, []Option{Verify(VerifyType(7))}, "{options,{verify,7}}", "invalid"},
		{"verify zero", RoleClient, []Option{Verify(0)}, "{options,{verify,0}}", "invalid"},
		{"protocol", RoleClient, []Option{noVerify, {Name: "protocol", Value: "quic"}}, "{options,{protocol,quic}}", "invalid"},
		{"log_level", RoleClient, []Option{noVerify, {Name: "log_level", Value: "loud"}}, "{options,{log_level,loud}}", "invalid"},
		{"log_alert", RoleClient, []Option{noVerify, {Name: "log_alert", Value: 1}}, "{options,{log_alert,1}}", "invalid"},
		{"logger", RoleClient, []Option{noVerify, Logger(nil)}, "{options,{logger,undefined}}", "invalid"},
		{"keylog", RoleClient, []Option{noVerify, {Name: "keylog", Value: "file"}}, `{options,{keylog,"file"}}`, "invalid"},
		{"keylog nil", RoleClient, []Option{noVerify, Keylog((*bytes.Buffer)(nil))}, "{options,{keylog,undefined}}", "invalid"},
		{"versions empty", RoleClient, []Option{noVerify, Versions()}, "{options,{versions,[]}}", "invalid"},
		{"versions unknown atom", RoleClient, []Option{noVerify, {Name: "versions", Value: []string{"tlsv1.2", "tlsv9"}}},
			"{options,{tlsv9,{versions,['tlsv1.2',tlsv9]}}}", "invalid"},
		{"versions unknown number", RoleClient, []Option{noVerify, Versions(Protocol(0x0305))},
			"{options,{'0x0305',{versions,['0x0305']}}}", "invalid"},
		{"versions duplicate", RoleClient, []Option{noVerify, Versions(TLSv1_2, TLSv1_2)}, "{options,{versions,['tlsv1.2','tlsv1.2']}}", "invalid"},
		{"versions dtls with tls", RoleClient, []Option{noVerify, Versions(DTLSv1_2)}, "{options,{'dtlsv1.2',{versions,['dtlsv1.2']}}}", "invalid"},
		{"versions tls with dtls", RoleClient, []Option{noVerify, ProtocolOption(DTLS), Versions(TLSv1_2)}, "{options,{'tlsv1.2',{versions,['tlsv1.2']}}}", "invalid"},
		{"versions gap", RoleClient, []Option{noVerify, Versions(TLSv1_3, TLSv1)}, "{options,missing_version,{'tlsv1.2',{versions,['tlsv1.3',tlsv1]}}}", "missing_version"},
		{"versions not a list", RoleClient, []Option{noVerify, {Name: "versions", Value: 12}}, "{options,{versions,12}}", "invalid"},
		{"middlebox not bool", RoleClient, []Option{noVerify, {Name: "middlebox_comp_mode", Value: "yes"}}, "{options,{middlebox_comp_mode,yes}}", "invalid"},
		{"cacerts garbage", RoleClient, []Option{CACerts([]byte("junk"))}, `{options,{cacerts,[<<"junk">>]}}`, "invalid"},
		{"cacerts type", RoleClient, []Option{{Name: "cacerts", Value: "x"}}, `{options,{cacerts,"x"}}`, "invalid"},
		{"cacertfile missing", RoleClient, []Option{CACertFile(missing)}, `{options,{cacertfile,"` + missing + `",enoent}}`, "file_error"},
		{"cacertfile empty", RoleClient, []Option{CACertFile(f.emptyFile)}, `{options,{cacertfile,"` + f.emptyFile + `",no_certificates}}`, "file_error"},
		{"cacertfile name", RoleClient, []Option{CACertFile("")}, `{options,{cacertfile,""}}`, "invalid"},
		{"partial_chain", RoleClient, []Option{{Name: "partial_chain", Value: 3}}, "{options,{partial_chain,3}}", "invalid"},
		{"fail_if_no_peer_cert", RoleServer, []Option{{Name: "fail_if_no_peer_cert", Value: "perhaps"}}, "{options,{fail_if_no_peer_cert,perhaps}}", "invalid"},
		{"depth negative", RoleClient, []Option{noVerify, Depth(-1)}, "{options,{depth,-1}}", "invalid"},
		{"depth too big", RoleClient, []Option{noVerify, Depth(256)}, "{options,{depth,256}}", "invalid"},
		{"verify_fun", RoleClient, []Option{VerifyFun(nil, nil)}, "{options,{verify_fun,{undefined,undefined}}}", "invalid"},
		{"crl_check", RoleClient, []Option{noVerify, {Name: "crl_check", Value: "always"}}, "{options,{crl_check,always}}", "invalid"},
		{"crl_check mode", RoleClient, []Option{noVerify, CRLCheck(crl.CheckMode(9))}, "{options,{crl_check,9}}", "invalid"},
		{"crl_cache", RoleClient, []Option{noVerify, CRLCache(nil)}, "{options,{crl_cache,undefined}}", "invalid"},
		{"cert empty", RoleServer, []Option{Cert()}, "{options,{cert,[]}}", "invalid"},
		{"cert garbage", RoleServer, []Option{Cert([]byte{1, 2})}, "{options,{cert,[<<1,2>>]}}", "invalid"},
		{"certfile missing", RoleServer, []Option{CertFile(missing)}, `{options,{certfile,"` + missing + `",enoent}}`, "file_error"},
		{"certfile without certificates", RoleServer, []Option{CertFile(f.keyFile)}, `{options,{certfile,"` + f.keyFile + `",no_certificates}}`, "file_error"},
		{"certfile not PEM", RoleServer, []Option{CertFile(f.garbageFile)}, `{options,{certfile,"` + f.garbageFile + `",`, "file_error"},
		{"key nil", RoleServer, []Option{Cert(f.server.DER), Key((*ecdsa.PrivateKey)(nil))}, "{options,{key,undefined}}", "invalid"},
		{"key DER garbage", RoleServer, []Option{Cert(f.server.DER), KeyDER(sslpem.ECPrivateKey, []byte{1})}, "{options,{key,{'ECPrivateKey',<<1>>}}}", "invalid"},
		{"key DER kind", RoleServer, []Option{Cert(f.server.DER), KeyDER(sslpem.Certificate, []byte{1})}, "{options,{key,{'Certificate',<<1>>}}}", "invalid"},
		{"key type", RoleServer, []Option{Cert(f.server.DER), {Name: "key", Value: "pem"}}, `{options,{key,"pem"}}`, "invalid"},
		{"keyfile missing", RoleServer, []Option{CertFile(f.certFile), KeyFile(missing)}, `{options,{keyfile,"` + missing + `",enoent}}`, "file_error"},
		{"keyfile without key", RoleServer, []Option{CertFile(f.certFile)}, `{options,{keyfile,"` + f.certFile + `",no_private_key}}`, "file_error"},
		{"keyfile wrong password", RoleServer, []Option{CertFile(f.certFile), KeyFile(f.encKeyFile), Password("wrong")},
			`{options,{keyfile,"` + f.encKeyFile + `",incorrect_password}}`, "file_error"},
		{"keyfile no password", RoleServer, []Option{CertFile(f.certFile), KeyFile(f.encKeyFile)},
			`{options,{keyfile,"` + f.encKeyFile + `",incorrect_password}}`, "file_error"},
		{"password type", RoleServer, []Option{CertFile(f.certFile), KeyFile(f.keyFile), {Name: "password", Value: 1234}}, "{options,{password,1234}}", "invalid"},
		{"session_tickets client value", RoleClient, []Option{noVerify, SessionTickets(TicketsStateless)}, "{options,{session_tickets,stateless}}", "invalid"},
		{"session_tickets server value", RoleServer, []Option{SessionTickets(TicketsAuto)}, "{options,{session_tickets,auto}}", "invalid"},
		{"use_ticket empty", RoleClient, []Option{noVerify, SessionTickets(TicketsManual), UseTicket()}, "{options,{use_ticket,[]}}", "invalid"},
		{"early_data client type", RoleClient, []Option{noVerify, SessionTickets(TicketsAuto), EarlyDataEnabled(true)}, "{options,{early_data,true}}", "invalid"},
		{"early_data server type", RoleServer, []Option{SessionTickets(TicketsStateful), EarlyData([]byte("x"))}, `{options,{early_data,<<"x">>}}`, "invalid"},
		{"anti_replay", RoleServer, []Option{SessionTickets(TicketsStateless), {Name: "anti_replay", Value: "1m"}}, "{options,{anti_replay,'1m'}}", "invalid"},
		{"anti_replay bloom", RoleServer, []Option{SessionTickets(TicketsStateless), AntiReplay(BloomFilter{Window: 0, K: 1, M: 1})}, "{options,{anti_replay,{0,1,1}}}", "invalid"},
		{"server_name_indication empty", RoleClient, []Option{noVerify, ServerNameIndication("")}, `{options,{server_name_indication,""}}`, "invalid"},
		{"server_name_indication space", RoleClient, []Option{noVerify, ServerNameIndication("a b.com")}, `{options,{server_name_indication,"a b.com"}}`, "invalid"},
		{"server_name_indication label", RoleClient, []Option{noVerify, ServerNameIndication("a..com")}, `{options,{server_name_indication,"a..com"}}`, "invalid"},
		{"server_name_indication long label", RoleClient, []Option{noVerify, ServerNameIndication(strings.Repeat("a", 64) + ".com")},
			`{options,{server_name_indication,"` + strings.Repeat("a", 64) + `.com"}}`, "invalid"},
		{"server_name_indication wildcard", RoleClient, []Option{noVerify, ServerNameIndication("*.example.com")}, `{options,{server_name_indication,"*.example.com"}}`, "invalid"},
		{"server_name_indication non-ASCII", RoleClient, []Option{noVerify, ServerNameIndication("bücher.de")}, `{options,{server_name_indication,"bücher.de"}}`, "invalid"},
		{"server_name_indication too long", RoleClient, []Option{noVerify, ServerNameIndication(strings.Repeat("a.", 128))},
			`{options,{server_name_indication,"` + strings.Repeat("a.", 128) + `"}}`, "invalid"},
		{"server_name_indication true", RoleClient, []Option{noVerify, {Name: "server_name_indication", Value: true}}, "{options,{server_name_indication,true}}", "invalid"},
		{"sni_fun", RoleServer, []Option{{Name: "sni_fun", Value: "f"}}, `{options,{sni_fun,"f"}}`, "invalid"},
		{"sni_hosts type", RoleServer, []Option{{Name: "sni_hosts", Value: []string{"a"}}}, `{options,{sni_hosts,["a"]}}`, "invalid"},
		{"sni_hosts host", RoleServer, []Option{SNIHosts(map[string][]Option{"bad host": nil})}, `{options,{sni_hosts,[{"bad host",[]}]}}`, "invalid"},
		{"sni_hosts recursive", RoleServer, []Option{SNIHosts(map[string][]Option{"a.com": {SNIHosts(nil)}})}, "{options,{sni_hosts,[]}}", "invalid"},
		{"signature_algs empty", RoleClient, []Option{noVerify, SignatureAlgs()}, "{options,{no_supported_algorithms,{signature_algs,[]}}}", "invalid"},
		{"signature_algs_cert empty", RoleClient, []Option{noVerify, SignatureAlgsCert()}, "{options,{no_supported_signature_schemes,{signature_algs_cert,[]}}}", "invalid"},
		{"signature_algs unknown", RoleClient, []Option{noVerify, {Name: "signature_algs", Value: []string{"rsa_pss_rsae_sha256", "magic"}}},
			"{options,{signature_algs,[rsa_pss_rsae_sha256,magic]}}", "invalid"},
		{"signature_algs unsupported", RoleClient, []Option{noVerify, SignatureAlgs(handshake.Ed448)}, "{options,{signature_algs,[eddsa_ed448]}}", "invalid"},
		{"alpn empty list", RoleClient, []Option{noVerify, ALPNAdvertisedProtocols()}, "{options,{alpn_advertised_protocols,[]}}", "invalid"},
		{"alpn empty name", RoleClient, []Option{noVerify, ALPNAdvertisedProtocols("h2", "")}, "{options,{alpn_advertised_protocols,{invalid_protocol,<<>>}}}", "invalid"},
		{"alpn long name", RoleServer, []Option{ALPNPreferredProtocols(strings.Repeat("x", 256))},
			"{options,{alpn_preferred_protocols,{invalid_protocol,<<" + strings.TrimSuffix(strings.Repeat("120,", 32), ",") + ",...>>}}}", "invalid"},
		{"npn precedence", RoleClient, []Option{noVerify, tls1, ClientPreferredNextProtocols(Precedence(5), []string{"a"}, "")},
			"{options,{client_preferred_next_protocols,{invalid_precedence,5}}}", "invalid"},
		{"npn empty name", RoleServer, []Option{tls1, NextProtocolsAdvertised("")}, "{options,{next_protocols_advertised,{invalid_protocol,<<>>}}}", "invalid"},
		{"beast_mitigation", RoleClient, []Option{noVerify, tls1, {Name: "beast_mitigation", Value: "half"}}, "{options,{beast_mitigation,half}}", "invalid"},
		{"padding_check", RoleClient, []Option{noVerify, tls1, {Name: "padding_check", Value: 0}}, "{options,{padding_check,0}}", "invalid"},
		{"dh garbage", RoleServer, []Option{DH([]byte{1, 2, 3})}, "{options,{dh,<<1,2,3>>}}", "invalid"},
		{"dhfile missing", RoleServer, []Option{DHFile(missing)}, `{options,{dhfile,"` + missing + `",enoent}}`, "file_error"},
		{"dhfile without parameters", RoleServer, []Option{DHFile(f.caFile)}, `{options,{dhfile,"` + f.caFile + `",`, "file_error"},
		{"key_update_at", RoleClient, []Option{noVerify, KeyUpdateAt(0)}, "{options,{key_update_at,0}}", "invalid"},
		{"reuse_sessions server save", RoleServer, []Option{ReuseSessionsSave()}, "{options,{reuse_sessions,save}}", "invalid"},
		{"reuse_sessions client", RoleClient, []Option{noVerify, {Name: "reuse_sessions", Value: "always"}}, "{options,{reuse_sessions,always}}", "invalid"},
		{"reuse_session client fun", RoleClient, []Option{noVerify, ReuseSession(func([]byte, []byte, int, CipherSuite) bool { return true })},
			"{options,{reuse_session,#Fun<ssl.ReuseSessionFun>}}", "invalid"},
		{"reuse_session server id", RoleServer, []Option{ReuseSessionID([]byte{1})}, "{options,{reuse_session,<<1>>}}", "invalid"},
		{"psk_identity long", RoleClient, []Option{noVerify, PSKIdentity(strings.Repeat("a", 65536))}, "{options,{psk_identity,", "invalid"},
		{"srp_identity empty user", RoleClient, []Option{noVerify, SRPIdentity("", "pw")}, `{options,{srp_identity,{"","******"}}}`, "invalid"},
		{"user_lookup_fun", RoleClient, []Option{noVerify, UserLookupFun(nil, 1)}, "{options,{user_lookup_fun,{undefined,1}}}", "invalid"},
		{"supported_groups unknown", RoleClient, []Option{noVerify, {Name: "supported_groups", Value: []string{"x25519", "curve9"}}},
			"{options,{supported_groups,[x25519,curve9]}}", "invalid"},
		{"supported_groups none valid", RoleClient, []Option{noVerify, {Name: "supported_groups", Value: []string{"x448", "sect571r1"}}},
			"{options,{supported_groups,none_valid}}", "invalid"},
		{"supported_groups empty", RoleClient, []Option{noVerify, SupportedGroups()}, "{options,{supported_groups,none_valid}}", "invalid"},
		{"eccs none valid", RoleClient, []Option{noVerify, {Name: "eccs", Value: []string{"brainpoolP256r1"}}}, "{options,{eccs,none_valid}}", "invalid"},
		{"eccs not a curve", RoleClient, []Option{noVerify, EccsOption(FFDHE2048)}, "{options,{eccs,none_valid}}", "invalid"},
		{"eccs unregistered", RoleClient, []Option{noVerify, EccsOption(NamedCurve(0x9999))}, "{options,{eccs,[39321]}}", "invalid"},
		{"ciphers unknown name", RoleClient, []Option{noVerify, {Name: "ciphers", Value: "ECDHE-RSA-AES128-GCM-SHA256:NOPE"}},
			`{options,{ciphers,"ECDHE-RSA-AES128-GCM-SHA256:NOPE"}}`, "invalid"},
		{"ciphers unknown suite", RoleClient, []Option{noVerify, Ciphers(CipherSuite{KeyExchange: cipher.KXRSA, Cipher: cipher.BulkChaCha20Poly1305})},
			"{options,{ciphers,[#{cipher => chacha20_poly1305,key_exchange => rsa,mac => null,prf => default_prf}]}}", "invalid"},
		{"ciphers type", RoleClient, []Option{noVerify, {Name: "ciphers", Value: 3}}, "{options,{ciphers,3}}", "invalid"},
		{"handshake hello", RoleClient, []Option{noVerify, Handshake(HandshakeHello)}, "{options,{handshake,hello}}", "unsupported"},
		{"handshake atom", RoleClient, []Option{noVerify, {Name: "handshake", Value: "half"}}, "{options,{handshake,half}}", "invalid"},
		{"max_handshake_size 0", RoleClient, []Option{noVerify, MaxHandshakeSize(0)}, "{options,{max_handshake_size,0}}", "invalid"},
		{"max_handshake_size big", RoleClient, []Option{noVerify, MaxHandshakeSize(1 << 24)}, "{options,{max_handshake_size,16777216}}", "invalid"},
		{"hibernate_after negative", RoleClient, []Option{noVerify, HibernateAfter(-5)}, `{options,{hibernate_after,"-5ns"}}`, "invalid"},
		{"alert_timeout infinity", RoleClient, []Option{noVerify, AlertTimeoutOption(Infinity)}, "{options,{alert_timeout,infinity}}", "invalid"},
		{"certificate_authorities", RoleServer, []Option{{Name: "certificate_authorities", Value: "y"}}, "{options,{certificate_authorities,y}}", "invalid"},
		{"cb_info empty", RoleClient, []Option{noVerify, CBInfo(CallbackInfo{})}, "{options,{cb_info,{undefined,undefined}}}", "invalid"},
		{"active", RoleClient, []Option{noVerify, {Name: "active", Value: "twice"}}, "{options,{active,twice}}", "invalid"},
		{"active range", RoleClient, []Option{noVerify, ActiveN(40000)}, "{options,{active,40000}}", "invalid"},
		{"mode", RoleClient, []Option{noVerify, Mode(ModeType(4))}, "{options,{mode,4}}", "invalid"},
		{"bare binary with a value", RoleClient, []Option{noVerify, {Name: "binary", Value: 1}}, "{options,{binary,1}}", "invalid"},
		{"packet 3", RoleClient, []Option{noVerify, {Name: "packet", Value: 3}}, "{options,{packet,3}}", "invalid"},
		{"packet http", RoleClient, []Option{noVerify, {Name: "packet", Value: "http"}}, "{options,{packet,http}}", "unsupported"},
		{"packet http_bin", RoleClient, []Option{noVerify, {Name: "packet", Value: "http_bin"}}, "{options,{packet,http_bin}}", "unsupported"},
		{"packet_size", RoleClient, []Option{noVerify, PacketSize(-1)}, "{options,{packet_size,-1}}", "invalid"},
		{"header", RoleClient, []Option{noVerify, Header(-1)}, "{options,{header,-1}}", "invalid"},
		{"deliver port", RoleClient, []Option{noVerify, {Name: "deliver", Value: "port"}}, "{options,{deliver,port}}", "unsupported"},
		{"deliver", RoleClient, []Option{noVerify, Deliver(DeliverType(2))}, "{options,{deliver,2}}", "invalid"},
		{"exit_on_close", RoleClient, []Option{noVerify, {Name: "exit_on_close", Value: nil}}, "{options,{exit_on_close,undefined}}", "invalid"},
		{"send_timeout", RoleClient, []Option{noVerify, SendTimeout(-2)}, `{options,{send_timeout,"-2ns"}}`, "invalid"},
		{"backlog", RoleServer, []Option{Backlog(-1)}, "{options,{backlog,-1}}", "invalid"},
		{"nodelay", RoleClient, []Option{noVerify, {Name: "nodelay", Value: 1}}, "{options,{nodelay,1}}", "invalid"},
		{"ip", RoleClient, []Option{noVerify, {Name: "ip", Value: "localhost"}}, `{options,{ip,"localhost"}}`, "invalid"},
		{"ip zero", RoleClient, []Option{noVerify, IP(netip.Addr{})}, "{options,{ip,#netip.Addr<>}}", "invalid"},
		{"port", RoleClient, []Option{noVerify, Port(70000)}, "{options,{port,70000}}", "invalid"},
		{"recbuf", RoleClient, []Option{noVerify, RecBuf(0)}, "{options,{recbuf,0}}", "invalid"},
		{"tos", RoleClient, []Option{noVerify, TOS(256)}, "{options,{tos,256}}", "invalid"},
		{"linger", RoleClient, []Option{noVerify, LingerOption(true, -time.Second)}, "{options,{linger,{true,-1}}}", "invalid"},
		{"inet6 value", RoleClient, []Option{noVerify, {Name: "inet6", Value: 6}}, "{options,{inet6,6}}", "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oe := optErr(t, tc.role, tc.opts...)
			if oe.Reason != tc.reason {
				t.Errorf("Reason = %q, want %q (%v)", oe.Reason, tc.reason, oe)
			}
			term := oe.Term()
			if strings.HasSuffix(tc.term, ",") || strings.HasSuffix(tc.term, "{psk_identity,") {
				if !strings.HasPrefix(term, tc.term) {
					t.Errorf("Term() = %s, want prefix %s", term, tc.term)
				}
			} else if term != tc.term {
				t.Errorf("Term() = %s\nwant     %s", term, tc.term)
			}
			if oe.Detail == "" && oe.Reason != "server_only" && oe.Reason != "client_only" {
				t.Errorf("no Detail in %v", oe)
			}
			if !strings.HasPrefix(oe.Error(), "ssl: ") {
				t.Errorf("Error() = %q", oe.Error())
			}
		})
	}
}

func TestResolveRoleChecks(t *testing.T) {
	f := newFixture(t)
	serverOnlyOpts := []Option{
		FailIfNoPeerCert(true), DH(f.dhDER), DHFile(f.dhFile), ALPNPreferredProtocols("h2"),
		NextProtocolsAdvertised("h2"), HonorCipherOrder(true), HonorEccOrder(true),
		SNIHosts(map[string][]Option{}), SNIFun(func(string) []Option { return nil }),
		ClientRenegotiation(false), V2HelloCompatible(true), Cookie(true), AntiReplay(AntiReplay10K),
	}
	for _, o := range serverOnlyOpts {
		oe := optErr(t, RoleClient, noVerify, o)
		want := "{option,server_only," + o.Name + "}"
		if oe.Reason != "server_only" || oe.Term() != want || oe.Name != o.Name {
			t.Errorf("%v on a client: %s (%s), want %s", o, oe.Term(), oe.Reason, want)
		}
		if !strings.Contains(oe.Error(), "for servers only") {
			t.Errorf("Error() = %q", oe.Error())
		}
	}
	clientOnlyOpts := []Option{
		ServerNameIndication("example.com"), ServerNameIndicationDisable(), ALPNAdvertisedProtocols("h2"),
		ClientPreferredNextProtocols(PrecedenceClient, []string{"h2"}, ""), Fallback(true),
		SRPIdentity("u", "p"), UseTicket([]byte("t")),
	}
	for _, o := range clientOnlyOpts {
		oe := optErr(t, RoleServer, o)
		want := "{option,client_only," + o.Name + "}"
		if oe.Reason != "client_only" || oe.Term() != want {
			t.Errorf("%v on a server: %s (%s), want %s", o, oe.Term(), oe.Reason, want)
		}
	}
	// The role check comes before the value checks, in the order given.
	oe := optErr(t, RoleClient, noVerify, Depth(-5), HonorCipherOrder(true), DH(nil))
	if oe.Term() != "{option,server_only,honor_cipher_order}" {
		t.Errorf("first role error: %s", oe.Term())
	}
	// Options valid for both roles pass both ways.
	for _, role := range []Role{RoleClient, RoleServer} {
		mustResolve(t, role, noVerify, Depth(2), Versions(TLSv1_2), PSKIdentity("x"), ReuseSessions(true), SecureRenegotiate(true))
	}
	if _, err := resolve(Role(0), nil); err == nil {
		t.Error("a config without a role resolved")
	}
}

func TestResolveIncompatible(t *testing.T) {
	f := newFixture(t)
	useSystemCAs(t, []string{f.caFile}, nil)
	dsaKey := sslpem.DSASigner{}
	_ = dsaKey
	tests := []struct {
		name string
		role Role
		opts []Option
		term string
	}{
		{"verify_none with fail_if_no_peer_cert", RoleServer, []Option{Verify(VerifyNone), FailIfNoPeerCert(true)},
			"{options,incompatible,[{verify,verify_none},{fail_if_no_peer_cert,true}]}"},
		{"server verify_peer without cacerts", RoleServer, []Option{Verify(VerifyPeer)},
			"{options,incompatible,[{verify,verify_peer},{cacerts,undefined}]}"},
		{"sni_fun with sni_hosts", RoleServer, []Option{SNIFun(func(string) []Option { return nil }), SNIHosts(map[string][]Option{"a.com": nil})},
			"{options,incompatible,[sni_fun,sni_hosts]}"},
		{"cert without key", RoleServer, []Option{Cert(f.server.DER)}, "{options,incompatible,[cert,{key,undefined}]}"},
		{"key without cert", RoleServer, []Option{Key(f.server.Key)}, "{options,incompatible,[key,{cert,undefined}]}"},
		{"keyfile without cert", RoleServer, []Option{KeyFile(f.keyFile)}, "{options,incompatible,[keyfile,{cert,undefined}]}"},
		{"key of another certificate", RoleServer, []Option{Cert(f.server.DER), Key(f.client.Key)}, "{options,incompatible,[cert,key]}"},
		{"keyfile of another certificate", RoleServer, []Option{CertFile(f.clientCert), KeyFile(f.keyFile)}, "{options,incompatible,[certfile,keyfile]}"},
		{"ciphers of no configured version", RoleClient, []Option{Versions(TLSv1_2), Ciphers(CipherSuites(SuitesDefault)[0])},
			"{options,incompatible,[ciphers,{versions,['tlsv1.2']}]}"},
		{"session_tickets without tls 1.3", RoleClient, []Option{Versions(TLSv1_2), SessionTickets(TicketsAuto)},
			"{options,incompatible,[session_tickets,{versions,['tlsv1.2']}]}"},
		{"server session_tickets without tls 1.3", RoleServer, []Option{Versions(TLSv1_2, TLSv1_1), SessionTickets(TicketsStateful)},
			"{options,incompatible,[session_tickets,{versions,['tlsv1.2','tlsv1.1']}]}"},
		{"middlebox without tls 1.3", RoleClient, []Option{Versions(TLSv1_2), MiddleboxCompMode(false)},
			"{options,incompatible,[middlebox_comp_mode,{versions,['tlsv1.2']}]}"},
		{"supported_groups without tls 1.3", RoleClient, []Option{Versions(TLSv1_2), SupportedGroups(X25519)},
			"{options,incompatible,[supported_groups,{versions,['tlsv1.2']}]}"},
		{"key_update_at without tls 1.3", RoleClient, []Option{Versions(TLSv1_2), KeyUpdateAt(100)},
			"{options,incompatible,[key_update_at,{versions,['tlsv1.2']}]}"},
		{"cookie without tls 1.3", RoleServer, []Option{Versions(TLSv1_2), Cookie(false)},
			"{options,incompatible,[cookie,{versions,['tlsv1.2']}]}"},
		{"client certificate_authorities without tls 1.3", RoleClient, []Option{Versions(TLSv1_2), CertificateAuthorities(true)},
			"{options,incompatible,[certificate_authorities,{versions,['tlsv1.2']}]}"},
		{"secure_renegotiate with tls 1.3 only", RoleClient, []Option{Versions(TLSv1_3), SecureRenegotiate(false)},
			"{options,incompatible,[secure_renegotiate,{versions,['tlsv1.3']}]}"},
		{"client_renegotiation with tls 1.3 only", RoleServer, []Option{Versions(TLSv1_3), ClientRenegotiation(false)},
			"{options,incompatible,[client_renegotiation,{versions,['tlsv1.3']}]}"},
		{"fallback with tls 1.3 only", RoleClient, []Option{Versions(TLSv1_3), Fallback(true)},
			"{options,incompatible,[fallback,{versions,['tlsv1.3']}]}"},
		{"reuse_sessions with tls 1.3 only", RoleClient, []Option{Versions(TLSv1_3), ReuseSessions(false)},
			"{options,incompatible,[reuse_sessions,{versions,['tlsv1.3']}]}"},
		{"psk_identity with tls 1.3 only", RoleClient, []Option{Versions(TLSv1_3), PSKIdentity("a")},
			"{options,incompatible,[psk_identity,{versions,['tlsv1.3']}]}"},
		{"npn with tls 1.3 only", RoleServer, []Option{Versions(TLSv1_3), NextProtocolsAdvertised("h2")},
			"{options,incompatible,[next_protocols_advertised,{versions,['tlsv1.3']}]}"},
		{"beast_mitigation without tls 1.0", RoleClient, []Option{BeastMitigation(BeastDisabled)},
			"{options,incompatible,[beast_mitigation,{versions,['tlsv1.3','tlsv1.2']}]}"},
		{"padding_check without tls 1.0", RoleClient, []Option{PaddingCheck(false)},
			"{options,incompatible,[padding_check,{versions,['tlsv1.3','tlsv1.2']}]}"},
		{"signature_algs before tls 1.2", RoleClient, []Option{Versions(TLSv1_1), SignatureAlgs(RSAPKCS1SHA256)},
			"{options,incompatible,[signature_algs,{versions,['tlsv1.1']}]}"},
		{"signature_algs_cert before tls 1.2", RoleClient, []Option{Versions(TLSv1), SignatureAlgsCert(RSAPKCS1SHA256)},
			"{options,incompatible,[signature_algs_cert,{versions,[tlsv1]}]}"},
		{"use_ticket without manual", RoleClient, []Option{SessionTickets(TicketsAuto), UseTicket([]byte{1})},
			"{options,incompatible,[{use_ticket,[<<1>>]},{session_tickets,auto}]}"},
		{"early_data without tickets", RoleClient, []Option{EarlyData([]byte("x"))},
			"{options,incompatible,[early_data,{session_tickets,disabled}]}"},
		{"early_data manual without use_ticket", RoleClient, []Option{SessionTickets(TicketsManual), EarlyData([]byte("x"))},
			"{options,incompatible,[early_data,{session_tickets,manual},{use_ticket,undefined}]}"},
		{"server early_data without tickets", RoleServer, []Option{EarlyDataEnabled(true)},
			"{options,incompatible,[early_data,{session_tickets,disabled}]}"},
		{"anti_replay with stateful tickets", RoleServer, []Option{SessionTickets(TicketsStateful), AntiReplay(AntiReplay100K)},
			"{options,incompatible,[{anti_replay,{10,5,729845}},{session_tickets,stateful}]}"},
		{"anti_replay without tickets", RoleServer, []Option{{Name: "anti_replay", Value: "10k"}},
			"{options,incompatible,[{anti_replay,'10k'},{session_tickets,disabled}]}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oe := optErr(t, tc.role, tc.opts...)
			if oe.Reason != "incompatible" || oe.Term() != tc.term {
				t.Errorf("Term() = %s (%s)\nwant     %s", oe.Term(), oe.Reason, tc.term)
			}
			if len(oe.Options) < 2 || oe.Name != oe.Options[0].Name {
				t.Errorf("Options = %v, Name = %q", oe.Options, oe.Name)
			}
		})
	}
}

func TestResolveKeyTypesAndVersions(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("root")
	ed := root.Issue("ed", testpki.Key(testpki.Ed25519))
	oe := optErr(t, RoleServer, Versions(TLSv1_1, TLSv1), Cert(ed.DER), Key(ed.Key))
	if oe.Term() != "{options,incompatible,[key,{versions,['tlsv1.1',tlsv1]}]}" {
		t.Errorf("Ed25519 before TLS 1.2: %s", oe.Term())
	}
	mustResolve(t, RoleServer, Versions(TLSv1_2), Cert(ed.DER), Key(ed.Key))
	rsa := root.Issue("rsa", testpki.Key(testpki.RSA2048))
	c := mustResolve(t, RoleServer, Versions(TLSv1), Cert(rsa.DER), Key(rsa.Key))
	if c.leaf.Subject.CommonName != "rsa" {
		t.Error("RSA certificate not loaded")
	}
}

// panicSigner is a crypto.Signer whose Public method fails.
type panicSigner struct{ ecdsa.PrivateKey }

func (panicSigner) Public() crypto.PublicKey { panic("no public key") }

func TestResolveDoesNotPanicOnBrokenValues(t *testing.T) {
	f := newFixture(t)
	oe := optErr(t, RoleServer, Cert(f.server.DER), Key(&panicSigner{}))
	if !strings.Contains(oe.Detail, "no public key") {
		t.Errorf("Detail = %q", oe.Detail)
	}
	// A zero ECDSA key has no curve: comparing it must not crash.
	optErr(t, RoleServer, Cert(f.server.DER), Key(&ecdsa.PrivateKey{}))
}

func TestLastValueWins(t *testing.T) {
	f := newFixture(t)
	useSystemCAs(t, []string{f.caFile}, nil)
	c := mustResolve(t, RoleClient, Verify(VerifyPeer), Depth(1), Depth(7), Verify(VerifyNone), Active(false), ActiveOnce(),
		Versions(TLSv1_2), Versions(TLSv1_3), Option{Name: "binary"}, Option{Name: "list"})
	if c.depth != 7 || c.verify != VerifyNone || c.sock.active.value() != "once" || !reflect.DeepEqual(c.versions, []Protocol{TLSv1_3}) || c.sock.mode != List {
		t.Errorf("last values lost: depth %d verify %v active %v versions %v mode %v", c.depth, c.verify, c.sock.active.value(), c.versions, c.sock.mode)
	}
	// An invalid value that is overridden later is not looked at, as in
	// Erlang, where the options become a map first.
	mustResolve(t, RoleClient, noVerify, Depth(-1), Depth(2))
	// The earlier one is kept in the list.
	if len(c.opts) != 10 {
		t.Errorf("kept %d options", len(c.opts))
	}
}

func TestHandWrittenOptions(t *testing.T) {
	f := newFixture(t)
	useSystemCAs(t, []string{f.caFile}, nil)
	tests := []struct {
		role  Role
		opt   Option
		check func(c *config) bool
	}{
		{RoleClient, Option{"verify", "verify_none"}, func(c *config) bool { return c.verify == VerifyNone }},
		{RoleServer, Option{"verify", "verify_peer"}, func(c *config) bool { return c.verify == VerifyPeer }},
		{RoleClient, Option{"mode", "list"}, func(c *config) bool { return c.sock.mode == List }},
		{RoleClient, Option{"packet", "line"}, func(c *config) bool { return c.sock.packet == PacketLine }},
		{RoleClient, Option{"packet", 4}, func(c *config) bool { return c.sock.packet == Packet4 }},
		{RoleClient, Option{"packet", float64(2)}, func(c *config) bool { return c.sock.packet == Packet2 }},
		{RoleClient, Option{"packet", "raw"}, func(c *config) bool { return c.sock.packet == PacketRaw }},
		{RoleClient, Option{"packet", "tpkt"}, func(c *config) bool { return c.sock.packet == PacketTPKT }},
		{RoleClient, Option{"active", "once"}, func(c *config) bool { return c.sock.active.kind == activeOnce }},
		{RoleClient, Option{"active", "false"}, func(c *config) bool { return c.sock.active.kind == activeFalse }},
		{RoleClient, Option{"active", float64(5)}, func(c *config) bool { return c.sock.active.kind == activeN && c.sock.active.n == 5 }},
		{RoleClient, Option{"versions", []string{"tlsv1.2", "tlsv1.3"}}, func(c *config) bool { return c.maxVersion == TLSv1_3 && c.minVersion == TLSv1_2 }},
		{RoleClient, Option{"versions", []any{"tlsv1.2"}}, func(c *config) bool { return c.maxVersion == TLSv1_2 }},
		{RoleClient, Option{"crl_check", "best_effort"}, func(c *config) bool { return c.crlCheck == crl.BestEffort }},
		{RoleClient, Option{"crl_check", true}, func(c *config) bool { return c.crlCheck == crl.On }},
		{RoleClient, Option{"crl_check", "peer"}, func(c *config) bool { return c.crlCheck == crl.Peer }},
		{RoleClient, Option{"log_level", "debug"}, func(c *config) bool { return c.logLevel == LevelDebug }},
		{RoleClient, Option{"protocol", "dtls"}, func(c *config) bool { return c.protocol == DTLS }},
		{RoleServer, Option{"session_tickets", "stateless"}, func(c *config) bool { return c.sessionTickets == TicketsStateless }},
		{RoleClient, Option{"session_tickets", "manual"}, func(c *config) bool { return c.sessionTickets == TicketsManual }},
		{RoleServer, Option{"handshake", "full"}, func(c *config) bool { return true }},
		{RoleClient, Option{"depth", float64(4)}, func(c *config) bool { return c.depth == 4 }},
		{RoleClient, Option{"depth", uint8(4)}, func(c *config) bool { return c.depth == 4 }},
		{RoleClient, Option{"secure_renegotiate", "false"}, func(c *config) bool { return !c.secureRenegotiate }},
		{RoleClient, Option{"hibernate_after", 1500}, func(c *config) bool { return c.hibernateAfter == 1500*time.Millisecond }},
		{RoleClient, Option{"hibernate_after", "infinity"}, func(c *config) bool { return c.hibernateAfter == Infinity }},
		{RoleClient, Option{"alert_timeout", "250ms"}, func(c *config) bool { return c.alertTimeout == 250*time.Millisecond }},
		{RoleClient, Option{"send_timeout", 3000}, func(c *config) bool { return c.sock.sendTimeout == 3*time.Second }},
		{RoleClient, Option{"eccs", []string{"secp384r1", "sect571r1"}}, func(c *config) bool { return reflect.DeepEqual(c.eccs, []NamedCurve{Secp384r1}) }},
		{RoleClient, Option{"supported_groups", []any{"x25519"}}, func(c *config) bool { return reflect.DeepEqual(c.groups, []NamedCurve{X25519}) }},
		{RoleClient, Option{"signature_algs", []string{"{sha256,rsa}", "rsa_pss_rsae_sha256"}},
			func(c *config) bool {
				return reflect.DeepEqual(c.sigAlgs, []SignatureScheme{RSAPKCS1SHA256, RSAPSSRSAESHA256})
			}},
		{RoleClient, Option{"signature_algs", "[{sha384, ecdsa}, eddsa_ed25519]"},
			func(c *config) bool {
				return reflect.DeepEqual(c.sigAlgs, []SignatureScheme{ECDSASecp384r1SHA384, Ed25519})
			}},
		{RoleClient, Option{"ciphers", []string{"TLS_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"}},
			func(c *config) bool { return reflect.DeepEqual(c.suiteIDs, []uint16{0x1301, 0xc02c}) }},
		{RoleClient, Option{"ciphers", []uint16{0x1303}}, func(c *config) bool { return reflect.DeepEqual(c.suiteIDs, []uint16{0x1303}) }},
		{RoleClient, Option{"alpn_advertised_protocols", [][]byte{[]byte("h2")}}, func(c *config) bool { return c.alpnAdvertised[0] == "h2" }},
		{RoleClient, Option{"alpn_advertised_protocols", []any{"h2", []byte("http/1.1")}}, func(c *config) bool { return len(c.alpnAdvertised) == 2 }},
		{RoleClient, Option{"server_name_indication", "disable"}, func(c *config) bool { return c.sniDisabled }},
		{RoleClient, Option{"server_name_indication", false}, func(c *config) bool { return c.sniDisabled }},
		{RoleServer, Option{"early_data", "disabled"}, func(c *config) bool { return !c.earlyDataEnabled }},
		{RoleClient, Option{"reuse_sessions", "save"}, func(c *config) bool { return c.saveSessions }},
		{RoleClient, Option{"beast_mitigation", "zero_n"}, func(c *config) bool { return true }},
		{RoleClient, Option{"deliver", "term"}, func(c *config) bool { return c.sock.deliver == DeliverTerm }},
		{RoleClient, Option{"ip", "::1"}, func(c *config) bool { return c.sock.ip == netip.MustParseAddr("::1") }},
		{RoleClient, Option{"ip", net.IPv4(10, 0, 0, 1)}, func(c *config) bool { return c.sock.ip == netip.MustParseAddr("10.0.0.1") }},
		{RoleClient, Option{"ifaddr", "10.0.0.2"}, func(c *config) bool { return c.sock.ip == netip.MustParseAddr("10.0.0.2") }},
		{RoleClient, Option{"cacerts", []any{f.root.DER}}, func(c *config) bool { return len(c.trusted) == 1 }},
		{RoleClient, Option{"verify_fun", x509path.VerifyFun(x509path.DefaultVerifyNone)},
			func(c *config) bool { return funcPtr(c.verifyFun) == funcPtr(x509path.DefaultVerifyNone) }},
		{RoleClient, Option{"user_lookup_fun", UserLookupFunc(func(LookupKind, string, any) (LookupResult, bool) { return LookupResult{}, true })},
			func(c *config) bool { return c.userLookup != nil }},
		{RoleClient, Option{"srp_identity", []string{"u", "p"}}, func(c *config) bool { return c.srp.Username == "u" }},
		{RoleServer, Option{"anti_replay", "100k"}, nil}, // needs stateless tickets: see below
	}
	for _, tc := range tests {
		if tc.check == nil {
			continue
		}
		opts := []Option{tc.opt}
		if tc.role == RoleClient && tc.opt.Name != "verify" && tc.opt.Name != "cacerts" && tc.opt.Name != "verify_fun" {
			opts = append([]Option{noVerify}, opts...)
		}
		if tc.opt.Name == "beast_mitigation" {
			opts = append(opts, Versions(TLSv1_2, TLSv1))
		}
		if tc.opt.Name == "verify" && tc.role == RoleServer {
			opts = append(opts, CACertFile(f.caFile))
		}
		c, err := resolve(tc.role, opts)
		if err != nil {
			t.Errorf("%v: %v", tc.opt, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("%v not reflected in the config", tc.opt)
		}
	}
	c := mustResolve(t, RoleServer, Option{"session_tickets", "stateless"}, Option{"anti_replay", "100k"})
	if *c.antiReplay != AntiReplay100K {
		t.Error("anti_replay 100k not reflected")
	}
}

func TestSocketOptionsAndGetopts(t *testing.T) {
	tests := []struct {
		opt  Option
		name string
		want any
	}{
		{Active(false), "active", false},
		{Active(true), "active", true},
		{ActiveOnce(), "active", "once"},
		{ActiveN(-3), "active", -3},
		{Mode(List), "mode", List},
		{Option{Name: "binary"}, "mode", Binary},
		{Packet(Packet2), "packet", Packet2},
		{Packet(PacketASN1), "packet", PacketASN1},
		{PacketSize(1 << 20), "packet_size", 1 << 20},
		{Header(4), "header", 4},
		{Deliver(DeliverTerm), "deliver", DeliverTerm},
		{ExitOnClose(false), "exit_on_close", false},
		{SendTimeout(2 * time.Second), "send_timeout", 2 * time.Second},
		{SendTimeoutClose(true), "send_timeout_close", true},
		{DelaySend(true), "delay_send", true},
		{Backlog(128), "backlog", 128},
		{ReuseAddr(true), "reuseaddr", true},
		{Nodelay(true), "nodelay", true},
		{Keepalive(false), "keepalive", false},
		{IP(netip.MustParseAddr("127.0.0.1")), "ip", netip.MustParseAddr("127.0.0.1")},
		{Port(4433), "port", 4433},
		{Buffer(4096), "buffer", 4096},
		{RecBuf(65536), "recbuf", 65536},
		{SndBuf(32768), "sndbuf", 32768},
		{LingerOption(true, 5*time.Second), "linger", Linger{On: true, Timeout: 5 * time.Second}},
		{TOS(16), "tos", 16},
		{Priority(6), "priority", 6},
		{LineDelimiter(';'), "line_delimiter", byte(';')},
		{Option{"line_delimiter", "|"}, "line_delimiter", byte('|')},
		{Option{"line_delimiter", 0}, "line_delimiter", byte(0)},
		{ShowEconnreset(true), "show_econnreset", true},
	}
	for _, tc := range tests {
		c := mustResolve(t, RoleClient, noVerify, tc.opt)
		got, err := c.getopts(tc.name)
		if err != nil {
			t.Errorf("getopts(%s): %v", tc.name, err)
			continue
		}
		if len(got) != 1 || got[0].Name != tc.name || !reflect.DeepEqual(got[0].Value, tc.want) {
			t.Errorf("%v: getopts(%s) = %v, want %v", tc.opt, tc.name, got, tc.want)
		}
	}
	c := mustResolve(t, RoleClient, noVerify, Inet6())
	if c.sock.family != "inet6" {
		t.Error("inet6 not reflected")
	}

	// Defaults: Erlang's emulated defaults; the operating system's
	// options unset (nil) until the socket layer reads them.
	all, err := c.getopts()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"active": true, "mode": Binary, "packet": PacketRaw, "packet_size": 0, "header": 0,
		"deliver": DeliverTerm, "exit_on_close": true, "send_timeout": Infinity, "send_timeout_close": false,
		"delay_send": false, "backlog": 5, "reuseaddr": nil, "nodelay": nil, "keepalive": nil, "ip": nil,
		"port": nil, "buffer": nil, "recbuf": nil, "sndbuf": nil, "linger": nil, "tos": nil, "priority": nil,
		"line_delimiter": byte('\n'), "show_econnreset": false,
	}
	if len(all) != len(want) {
		t.Errorf("getopts() gave %d options, want %d", len(all), len(want))
	}
	for _, o := range all {
		if w, ok := want[o.Name]; !ok || !reflect.DeepEqual(o.Value, w) {
			t.Errorf("default %s = %#v, want %#v", o.Name, o.Value, w)
		}
	}
	if terms := termOf(all[:3]); terms != "[{active,true},{mode,binary},{packet,0}]" {
		t.Errorf("getopts terms %s", terms)
	}

	for _, name := range []string{"verify", "nosuch"} {
		_, err := c.getopts("active", name)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Term() != "{options,{socket_options,"+name+"}}" {
			t.Errorf("getopts(%s) = %v", name, err)
		}
	}
}

func TestSetopts(t *testing.T) {
	c := mustResolve(t, RoleServer, Active(false), Packet(Packet4))
	n, err := c.setopts(ActiveN(10), Mode(List), Nodelay(true), SendTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := n.getopts("active", "mode", "nodelay", "send_timeout", "packet")
	want := []Option{{"active", 10}, {"mode", List}, {"nodelay", true}, {"send_timeout", time.Second}, {"packet", Packet4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after setopts: %v, want %v", got, want)
	}
	// The original config is unchanged.
	if old, _ := c.getopts("active"); old[0].Value != false {
		t.Errorf("setopts changed the original: %v", old)
	}
	// Merging later keeps the changes: they are in the option list.
	m, err := n.merge([]Option{Packet(PacketLine)})
	if err != nil {
		t.Fatal(err)
	}
	if m.sock.active.value() != 10 || m.sock.packet != PacketLine || m.sock.mode != List {
		t.Errorf("merge lost setopts: %v %v %v", m.sock.active.value(), m.sock.packet, m.sock.mode)
	}

	tests := []struct {
		opt    Option
		reason string
		term   string
	}{
		{Verify(VerifyPeer), "not_settable", "{options,{socket_options,[{verify,verify_peer}],einval}}"},
		{Versions(TLSv1_2), "not_settable", "{options,{socket_options,[{versions,['tlsv1.2']}],einval}}"},
		{CertFile("x.pem"), "not_settable", `{options,{socket_options,[{certfile,"x.pem"}],einval}}`},
		{IP(netip.MustParseAddr("::1")), "not_settable", "{options,{socket_options,[{ip,#netip.Addr<>}],einval}}"},
		{Backlog(3), "not_settable", "{options,{socket_options,[{backlog,3}],einval}}"},
		{Port(1), "not_settable", "{options,{socket_options,[{port,1}],einval}}"},
		{Option{"nosuch", 1}, "unknown_option", "{options,{socket_options,[{nosuch,1}],einval}}"},
		{Option{"active", "perhaps"}, "invalid", "{options,{socket_options,{active,perhaps}}}"},
		{Option{"packet", "http"}, "unsupported", "{options,{socket_options,{packet,http}}}"},
		{Option{"nodelay", "maybe"}, "invalid", "{options,{socket_options,[{nodelay,'maybe'}],einval}}"},
	}
	for _, tc := range tests {
		_, err := c.setopts(Active(true), tc.opt)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Reason != tc.reason || oe.Term() != tc.term {
			t.Errorf("setopts(%v) = %v (%v), want %s %s", tc.opt, err, oe, tc.reason, tc.term)
		}
	}
	if _, err := c.setopts(Option{Name: "list"}); err != nil {
		t.Errorf("setopts(list): %v", err)
	}
}

func TestMergeAtSSLAccept(t *testing.T) {
	f := newFixture(t)
	listen := mustResolve(t, RoleServer, CertFile(f.certFile), KeyFile(f.keyFile), Active(false), HonorCipherOrder(false))
	accepted, err := listen.merge([]Option{Verify(VerifyPeer), CACertFile(f.caFile), HonorCipherOrder(true), ALPNPreferredProtocols("h2")})
	if err != nil {
		t.Fatal(err)
	}
	if accepted.verify != VerifyPeer || !accepted.failIfNoPeerCert || !accepted.honorCipherOrder || accepted.alpnPreferred[0] != "h2" ||
		accepted.sock.active.kind != activeFalse || accepted.leaf == nil {
		t.Error("extra options not merged over the listen options")
	}
	if listen.verify != VerifyNone || listen.honorCipherOrder {
		t.Error("merge changed the listen config")
	}
	if same, _ := listen.merge(nil); same != listen {
		t.Error("merging nothing made a new config")
	}
	// The extra options are checked like any others, with the listen
	// options: a client option is refused, and so is a combination.
	_, err = listen.merge([]Option{ServerNameIndication("x.com")})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Term() != "{option,client_only,server_name_indication}" {
		t.Errorf("merge of a client option: %v", err)
	}
	_, err = listen.merge([]Option{FailIfNoPeerCert(true)})
	if !errors.As(err, &oe) || oe.Reason != "incompatible" {
		t.Errorf("merge of fail_if_no_peer_cert under verify_none: %v", err)
	}
}

func TestSNI(t *testing.T) {
	f := newFixture(t)
	pki := testpki.New(t)
	other := pki.Root("other").Issue("other", testpki.DNS("other.org"))
	dir := t.TempDir()
	otherCert := filepath.Join(dir, "other.pem")
	otherKey := filepath.Join(dir, "otherkey.pem")
	if err := os.WriteFile(otherCert, other.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherKey, other.KeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	base := []Option{CertFile(f.certFile), KeyFile(f.keyFile), ALPNPreferredProtocols("h2")}
	hosts := SNIHosts(map[string][]Option{
		"Other.ORG.": {CertFile(otherCert), KeyFile(otherKey), HonorCipherOrder(true)},
	})
	c := mustResolve(t, RoleServer, append(base, hosts)...)
	hc, err := c.forServerName("other.org")
	if err != nil {
		t.Fatal(err)
	}
	if hc == c || hc.leaf.Subject.CommonName != "other" || !hc.honorCipherOrder || hc.alpnPreferred[0] != "h2" {
		t.Error("sni_hosts entry not merged over the listen options")
	}
	if hc.sniHosts != nil || hc.sniFun != nil {
		t.Error("the per-host config keeps the SNI options")
	}
	for _, name := range []string{"OTHER.org", "other.org."} {
		if h, _ := c.forServerName(name); h != hc {
			t.Errorf("%s does not find the entry", name)
		}
	}
	if h, _ := c.forServerName("unknown.net"); h != c {
		t.Error("an unknown name does not fall back to the listen config")
	}
	if h, _ := c.forServerName(""); h != c {
		t.Error("no name does not give the listen config")
	}

	// Errors in a host's options are found at Listen.
	_, err = resolve(RoleServer, append(base, SNIHosts(map[string][]Option{"a.com": {Depth(300)}})))
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Term() != "{options,{depth,300}}" || !strings.Contains(oe.Detail, `"a.com"`) {
		t.Errorf("bad host options: %v", err)
	}

	// sni_fun is called per name and its options merged.
	var asked []string
	fun := SNIFun(func(name string) []Option {
		asked = append(asked, name)
		switch name {
		case "other.org":
			return []Option{CertFile(otherCert), KeyFile(otherKey)}
		case "bad.org":
			return []Option{Depth(-1)}
		case "loop.org":
			return []Option{SNIFun(nil)}
		case "panic.org":
			panic("boom")
		}
		return nil
	})
	c = mustResolve(t, RoleServer, append(base, fun)...)
	hc, err = c.forServerName("other.org")
	if err != nil || hc.leaf.Subject.CommonName != "other" || hc.sniFun != nil || hc.alpnPreferred[0] != "h2" {
		t.Errorf("sni_fun merge: %v", err)
	}
	if h, err := c.forServerName("nothing.org"); err != nil || h != c {
		t.Errorf("sni_fun returning nil: %v", err)
	}
	if _, err := c.forServerName("bad.org"); !errors.As(err, &oe) || oe.Term() != "{options,{depth,-1}}" {
		t.Errorf("sni_fun with bad options: %v", err)
	}
	if _, err := c.forServerName("loop.org"); !errors.As(err, &oe) || oe.Name != "sni_fun" {
		t.Errorf("sni_fun returning sni_fun: %v", err)
	}
	if _, err := c.forServerName("panic.org"); !errors.As(err, &oe) || !strings.Contains(oe.Detail, "boom") {
		t.Errorf("sni_fun panicking: %v", err)
	}
	if len(asked) != 5 {
		t.Errorf("sni_fun called for %v", asked)
	}
	// A client config has no SNI configs.
	cl := mustResolve(t, RoleClient, noVerify)
	if h, err := cl.forServerName("x.org"); err != nil || h != cl {
		t.Error("forServerName on a client")
	}
}

func TestServerCredentials(t *testing.T) {
	f := newFixture(t)
	c := mustResolve(t, RoleServer)
	err := c.checkServerCredentials()
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Term() != "{options,{certs_keys,cert_and_key_required}}" {
		t.Errorf("server without certificate: %v", err)
	}
	for _, opts := range [][]Option{
		{CertFile(f.certFile), KeyFile(f.keyFile)},
		{Versions(TLSv1_2), Option{"ciphers", "PSK-AES128-GCM-SHA256"}},
		{Versions(TLSv1_2), Option{"ciphers", "ECDHE-RSA-AES128-GCM-SHA256:ADH-AES128-GCM-SHA256"}},
		{SNIFun(func(string) []Option { return nil })},
	} {
		if err := mustResolve(t, RoleServer, opts...).checkServerCredentials(); err != nil {
			t.Errorf("%v: %v", opts, err)
		}
	}
	if err := mustResolve(t, RoleClient, noVerify).checkServerCredentials(); err != nil {
		t.Errorf("client: %v", err)
	}
}

func TestPeerIdentity(t *testing.T) {
	c := mustResolve(t, RoleClient, noVerify)
	peer := netip.MustParseAddr("192.0.2.9")
	tests := []struct {
		host       string
		sni, check string
		ip         netip.Addr
	}{
		{"example.com.", "example.com", "example.com", netip.Addr{}},
		{"192.0.2.1", "", "", netip.MustParseAddr("192.0.2.1")},
		{"[2001:db8::1]", "", "", netip.MustParseAddr("2001:db8::1")},
		{"", "", "", peer},
	}
	for _, tc := range tests {
		sni, check, ip := c.peerIdentity(tc.host, peer)
		if sni != tc.sni || check != tc.check || ip != tc.ip {
			t.Errorf("peerIdentity(%q) = %q %q %v", tc.host, sni, check, ip)
		}
	}
	po := c.pathOptions("example.com", netip.Addr{})
	if po.Hostname != "example.com" || po.IP.IsValid() {
		t.Errorf("pathOptions %+v", po)
	}
}

func TestDefinedOptions(t *testing.T) {
	f := newFixture(t)
	c := mustResolve(t, RoleServer, Depth(1), CertFile(f.certFile), KeyFile(f.encKeyFile), Password(fixturePassword), Active(false), Depth(2))
	got := c.definedOptions()
	want := []Option{{"depth", 2}, {"certfile", f.certFile}, {"keyfile", f.encKeyFile}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("definedOptions = %v, want %v", got, want)
	}
}

func TestConfigIsImmutable(t *testing.T) {
	f := newFixture(t)
	cacerts := [][]byte{f.root.DER}
	chain := [][]byte{f.server.DER, f.root.DER}
	versions := []Protocol{TLSv1_2, TLSv1_3}
	alpn := []string{"h2"}
	ticket := [][]byte{[]byte("t")}
	c := mustResolve(t, RoleClient, Verify(VerifyPeer), CACerts(cacerts...), Cert(chain...), Key(f.server.Key),
		Versions(versions...), ALPNAdvertisedProtocols(alpn...), SessionTickets(TicketsManual), UseTicket(ticket...))
	cacerts[0], chain[0], versions[0], alpn[0], ticket[0] = nil, nil, SSLv3, "x", nil
	if c.trusted[0] == nil || c.certChain[0] == nil || c.versions[1] != TLSv1_2 || c.alpnAdvertised[0] != "h2" || c.useTicket[0] == nil {
		t.Error("the config shares the caller's slices")
	}
}

// TestSetoptsKeepsTheOptionListBounded: a socket that sets options again
// and again (ActiveOnce after every message) does not grow its list.
func TestSetoptsKeepsTheOptionListBounded(t *testing.T) {
	c := mustResolve(t, RoleServer, Active(false))
	n0 := len(c.opts)
	for i := 0; i < 1000; i++ {
		var err error
		if c, err = c.setopts(ActiveOnce(), Option{Name: "binary"}, Packet(Packet2)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.opts) > n0+3 {
		t.Errorf("after 1000 setopts the option list has %d entries, it had %d", len(c.opts), n0)
	}
	if c.sock.packet != Packet2 || c.sock.active.kind != activeOnce {
		t.Errorf("setopts lost a value: %v %v", c.sock.packet, c.sock.active.value())
	}
}
