package ssl

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

func TestHandshakeConfigClient(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("hsconfig root")
	client := root.Issue("client")
	c := mustResolve(t, RoleClient,
		Versions(TLSv1_3, TLSv1_2, TLSv1_1), CACerts(root.DER), Cert(client.DER), Key(client.Key),
		ALPNAdvertisedProtocols("h2", "http/1.1"), Fallback(true), Depth(3),
		ClientPreferredNextProtocols(PrecedenceServer, []string{"spdy/3"}, "http/1.1"))
	hc := c.handshakeConfig("example.com", netip.MustParseAddr("192.0.2.1"))
	if want := []cipher.Version{cipher.VersionTLS13, cipher.VersionTLS12, cipher.VersionTLS11}; !slices.Equal(hc.Versions, want) {
		t.Errorf("versions %v, want %v", hc.Versions, want)
	}
	if hc.ServerName != "example.com" || hc.PathOptions.Hostname != "example.com" || hc.PathOptions.IP.IsValid() {
		t.Errorf("server name %q, check name %q, ip %v", hc.ServerName, hc.PathOptions.Hostname, hc.PathOptions.IP)
	}
	if hc.PathOptions.Purpose != x509path.ServerAuth || hc.PathOptions.MaxDepth != 3 || len(hc.PathOptions.TrustedCerts) != 1 {
		t.Errorf("path options %+v", hc.PathOptions)
	}
	if !hc.Fallback || !hc.SecureRenegotiate || !hc.VerifyPeer || hc.FailIfNoPeerCert {
		t.Errorf("flags: fallback %v, secure renegotiate %v, verify %v, fail %v", hc.Fallback, hc.SecureRenegotiate, hc.VerifyPeer, hc.FailIfNoPeerCert)
	}
	if !slices.Equal(hc.ALPN, []string{"h2", "http/1.1"}) || hc.NextProtocols == nil ||
		!hc.NextProtocols.ServerPrecedence || hc.NextProtocols.Default != "http/1.1" || !slices.Equal(hc.NextProtocols.Protocols, []string{"spdy/3"}) {
		t.Errorf("ALPN %q, NPN %+v", hc.ALPN, hc.NextProtocols)
	}
	if len(hc.Certificates) != 1 || !bytes.Equal(hc.Certificates[0].Chain[0], client.DER) || hc.Certificates[0].Leaf == nil {
		t.Errorf("certificates %+v", hc.Certificates)
	}
	if hc.SNI != nil || hc.IssueSessionID {
		t.Error("client config has server settings")
	}
	if len(hc.Suites) == 0 || len(hc.Eccs) == 0 || len(hc.SignatureAlgs) == 0 {
		t.Error("suites, curves or signature algorithms missing")
	}

	// An address is checked, not sent; the peer's address stands in for a
	// missing name; disable sends and checks nothing.
	hc = c.handshakeConfig("192.0.2.7", netip.MustParseAddr("192.0.2.1"))
	if hc.ServerName != "" || hc.PathOptions.IP != netip.MustParseAddr("192.0.2.7") || hc.PathOptions.Hostname != "" {
		t.Errorf("address host: server name %q, ip %v, name %q", hc.ServerName, hc.PathOptions.IP, hc.PathOptions.Hostname)
	}
	hc = c.handshakeConfig("", netip.MustParseAddr("192.0.2.1"))
	if hc.ServerName != "" || hc.PathOptions.IP != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("upgrade: server name %q, ip %v", hc.ServerName, hc.PathOptions.IP)
	}
	c = mustResolve(t, RoleClient, CACerts(root.DER), ServerNameIndicationDisable())
	hc = c.handshakeConfig("example.com", netip.MustParseAddr("192.0.2.1"))
	if hc.ServerName != "" || hc.PathOptions.Hostname != "" || hc.PathOptions.IP.IsValid() {
		t.Errorf("disable: server name %q, name %q, ip %v", hc.ServerName, hc.PathOptions.Hostname, hc.PathOptions.IP)
	}
	c = mustResolve(t, RoleClient, CACerts(root.DER), ServerNameIndication("other.example"))
	hc = c.handshakeConfig("example.com", netip.Addr{})
	if hc.ServerName != "other.example" || hc.PathOptions.Hostname != "other.example" {
		t.Errorf("server_name_indication: %q, %q", hc.ServerName, hc.PathOptions.Hostname)
	}
}

func TestHandshakeConfigServer(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("hsconfig root")
	a := root.Issue("a", testpki.DNS("a.test"))
	b := root.Issue("b", testpki.DNS("b.test"))
	c := mustResolve(t, RoleServer, Cert(a.DER), Key(a.Key), CACerts(root.DER), Verify(VerifyPeer),
		FailIfNoPeerCert(true), ALPNPreferredProtocols("h2"), NextProtocolsAdvertised("spdy/3"),
		HonorCipherOrder(true), CertificateAuthorities(false),
		SNIHosts(map[string][]Option{"b.test": {Cert(b.DER), Key(b.Key)}}))
	hc := c.handshakeConfig("", netip.Addr{})
	if hc.PathOptions.Purpose != x509path.ClientAuth || hc.PathOptions.Hostname != "" || hc.ServerName != "" {
		t.Errorf("server path options %+v, server name %q", hc.PathOptions, hc.ServerName)
	}
	if !hc.VerifyPeer || !hc.FailIfNoPeerCert || !hc.HonorCipherOrder || !hc.OmitCANames || !hc.IssueSessionID {
		t.Errorf("flags %+v", hc)
	}
	if hc.DHParams == nil || !slices.Equal(hc.ALPN, []string{"h2"}) || !slices.Equal(hc.NextProtocolsAdvertised, []string{"spdy/3"}) {
		t.Errorf("dh %v, ALPN %q, NPN %q", hc.DHParams, hc.ALPN, hc.NextProtocolsAdvertised)
	}
	if hc.SNI == nil {
		t.Fatal("no SNI callback with sni_hosts")
	}
	if sc, err := hc.SNI("unknown.test"); sc != nil || err != nil {
		t.Errorf("unknown name: %v, %v; want the base config", sc, err)
	}
	sc, err := hc.SNI("B.test")
	if err != nil || sc == nil || len(sc.Certificates) != 1 || !bytes.Equal(sc.Certificates[0].Chain[0], b.DER) {
		t.Fatalf("b.test: %+v, %v", sc, err)
	}
	if !sc.VerifyPeer || !sc.FailIfNoPeerCert {
		t.Error("the SNI config lost the base options")
	}
	c = mustResolve(t, RoleServer, Cert(a.DER), Key(a.Key), SNIFun(func(name string) []Option {
		if name == "bad.test" {
			return []Option{Depth(-5)}
		}
		if name == "b.test" {
			return []Option{Cert(b.DER), Key(b.Key)}
		}
		return nil
	}))
	hc = c.handshakeConfig("", netip.Addr{})
	if _, err := hc.SNI("bad.test"); err == nil {
		t.Error("sni_fun with a bad option: no error")
	}
	if sc, err := hc.SNI("b.test"); err != nil || sc == nil || !bytes.Equal(sc.Certificates[0].Chain[0], b.DER) {
		t.Errorf("sni_fun b.test: %v, %v", sc, err)
	}
}

// TestHandshakeConfigEndToEnd runs handshakes between configs made from
// options, over net.Pipe: the server switches certificate by SNI, the
// client checks the name, ALPN is negotiated.
func TestHandshakeConfigEndToEnd(t *testing.T) {
	pki := testpki.New(t)
	root := pki.Root("hsconfig root")
	a := root.Issue("a", testpki.DNS("a.test"))
	b := root.Issue("b", testpki.DNS("b.test"))
	client := root.Issue("client")
	srv := mustResolve(t, RoleServer, Cert(a.DER), Key(a.Key), CACerts(root.DER), Verify(VerifyPeer),
		FailIfNoPeerCert(true), ALPNPreferredProtocols("h2", "http/1.1"), Versions(TLSv1_3, TLSv1_2),
		SNIHosts(map[string][]Option{"b.test": {Cert(b.DER), Key(b.Key)}}))
	for _, host := range []string{"a.test", "b.test"} {
		cli := mustResolve(t, RoleClient, CACerts(root.DER), Cert(client.DER), Key(client.Key),
			ALPNAdvertisedProtocols("http/1.1", "h2"), Versions(TLSv1_3, TLSv1_2))
		x, y := net.Pipe()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		type result struct {
			st  *handshake.State
			err error
		}
		done := make(chan result, 1)
		go func() {
			st, err := handshake.Server(ctx, record.NewConn(y, srv.rec), srv.handshakeConfig("", netip.Addr{}))
			if err != nil {
				y.Close()
			}
			done <- result{st, err}
		}()
		st, err := handshake.Client(ctx, record.NewConn(x, cli.rec), cli.handshakeConfig(host, netip.Addr{}))
		if err != nil {
			x.Close()
		}
		sr := <-done
		cancel()
		x.Close()
		y.Close()
		if err != nil || sr.err != nil {
			t.Fatalf("%s: client %v, server %v", host, err, sr.err)
		}
		want := a.DER
		if host == "b.test" {
			want = b.DER
		}
		if !bytes.Equal(st.PeerCertificates[0], want) || sr.st.ServerName != host || st.ALPN != "h2" || sr.st.ALPN != "h2" {
			t.Errorf("%s: certificate %v, server name %q, ALPN %q/%q", host, bytes.Equal(st.PeerCertificates[0], want), sr.st.ServerName, st.ALPN, sr.st.ALPN)
		}
		if len(sr.st.PeerCertificates) != 1 || !bytes.Equal(sr.st.PeerCertificates[0], client.DER) {
			t.Errorf("%s: server did not get the client certificate", host)
		}
		if st.Version != cipher.VersionTLS13 || sr.st.Version != cipher.VersionTLS13 {
			t.Errorf("%s: versions %s and %s, want TLS 1.3", host, st.Version, sr.st.Version)
		}
	}
}
