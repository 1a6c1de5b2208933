package handshake_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

func goConfig(p *hsPKI) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS10,
		MaxVersion: tls.VersionTLS12,
		RootCAs:    p.pool(),
		ClientCAs:  p.pool(),
		ServerName: hsServerName,
	}
}

// wantGoRemote fails unless crypto/tls reports having received alert d.
func wantGoRemote(tb testing.TB, err error, d record.Description) {
	tb.Helper()
	var ae tls.AlertError
	if errors.As(err, &ae) && record.Description(ae) == d {
		return
	}
	// crypto/tls reports received alerts as "remote error: tls: <text>".
	if err != nil && strings.Contains(err.Error(), "remote error") &&
		strings.Contains(strings.ReplaceAll(err.Error(), " ", "_"), alertWord(d)) {
		return
	}
	tb.Fatalf("crypto/tls: %v; want it to receive %s", err, d)
}

func alertWord(d record.Description) string {
	switch d {
	case record.NoApplicationProtocol:
		return "no_application_protocol"
	case record.UnknownCA:
		return "unknown_certificate_authority"
	case record.HandshakeFailure:
		return "handshake_failure"
	case record.BadCertificate:
		return "bad_certificate"
	case record.CertificateExpired:
		return "expired_certificate"
	case record.InappropriateFallback:
		return "inappropriate_fallback"
	case record.ProtocolVersion:
		return "protocol_version"
	}
	return d.String()
}

// wantRemote fails unless err is a *handshake.Error carrying alert d
// received from the peer.
func wantRemote(tb testing.TB, err error, d record.Description) {
	tb.Helper()
	var he *handshake.Error
	if !errors.As(err, &he) || !he.Alert.Remote || he.Alert.Description != d {
		tb.Fatalf("got %v, want a received %s", err, d)
	}
}

func TestGoTLSALPN(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	t.Run("ours-server", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA)
		ours.Suites = cipher.DefaultSuites()
		ours.ALPN = []string{"h2", "http/1.1"}
		theirs := goConfig(p)
		theirs.NextProtos = []string{"http/1.1", "h2"}
		res := goPair(t, false, ours, theirs)
		if res.ours.err != nil || res.goErr != nil || res.dataErr != nil {
			t.Fatalf("%v / %v / %v", res.ours.err, res.goErr, res.dataErr)
		}
		if res.ours.st.ALPN != "h2" || res.goState.NegotiatedProtocol != "h2" {
			t.Fatalf("ALPN: ours %q, crypto/tls %q; want h2 (the server's preference)", res.ours.st.ALPN, res.goState.NegotiatedProtocol)
		}
	})
	t.Run("ours-client", func(t *testing.T) {
		ours := p.clientConfig(cipher.DefaultSuites()...)
		ours.ALPN = []string{"spdy/3", "http/1.1"}
		theirs := goConfig(p)
		theirs.Certificates = []tls.Certificate{tlsCert(p.serverECDSA)}
		theirs.NextProtos = []string{"http/1.1"}
		res := goPair(t, true, ours, theirs)
		if res.ours.err != nil || res.goErr != nil || res.dataErr != nil {
			t.Fatalf("%v / %v / %v", res.ours.err, res.goErr, res.dataErr)
		}
		if res.ours.st.ALPN != "http/1.1" || res.goState.NegotiatedProtocol != "http/1.1" {
			t.Fatalf("ALPN: ours %q, crypto/tls %q", res.ours.st.ALPN, res.goState.NegotiatedProtocol)
		}
	})
	t.Run("ours-server-no-overlap", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
		ours.ALPN = []string{"h2"}
		theirs := goConfig(p)
		theirs.NextProtos = []string{"http/1.1"}
		res := goPair(t, false, ours, theirs)
		he := wantHSAlert(t, res.ours.err, record.NoApplicationProtocol)
		if he.State != "hello" || !errors.Is(res.ours.err, handshake.ErrNoApplicationProtocol) {
			t.Fatalf("state %q, cause %v", he.State, he.Err)
		}
		wantGoRemote(t, res.goErr, record.NoApplicationProtocol)
	})
	t.Run("ours-client-no-overlap", func(t *testing.T) {
		ours := p.clientConfig(cipher.DefaultSuites()...)
		ours.ALPN = []string{"spdy/3"}
		theirs := goConfig(p)
		theirs.Certificates = []tls.Certificate{tlsCert(p.serverECDSA)}
		theirs.NextProtos = []string{"h2"}
		res := goPair(t, true, ours, theirs)
		wantRemote(t, res.ours.err, record.NoApplicationProtocol)
	})
}

func TestGoTLSSNI(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	t.Run("ours-client", func(t *testing.T) {
		theirs := goConfig(p)
		var seen string
		theirs.GetCertificate = func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			seen = h.ServerName
			c := tlsCert(p.serverRSA)
			return &c, nil
		}
		res := goPair(t, true, p.clientConfig(cipher.DefaultSuites()...), theirs)
		if res.ours.err != nil || res.goErr != nil {
			t.Fatalf("%v / %v", res.ours.err, res.goErr)
		}
		if seen != hsServerName || res.ours.st.ServerName != hsServerName {
			t.Fatalf("server saw %q, client reports %q", seen, res.ours.st.ServerName)
		}
	})
	t.Run("ours-server-switches-config", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
		other := p.root.Issue("other", testpki.DNS("other.test"))
		var asked []string
		ours.SNI = func(name string) (*handshake.Config, error) {
			asked = append(asked, name)
			if name != "other.test" {
				return nil, nil
			}
			return p.serverConfig(other, cipher.DefaultSuites()...), nil
		}
		for _, name := range []string{"other.test", hsServerName} {
			theirs := goConfig(p)
			theirs.ServerName = name
			res := goPair(t, false, ours, theirs)
			if res.ours.err != nil || res.goErr != nil {
				t.Fatalf("%s: %v / %v", name, res.ours.err, res.goErr)
			}
			want := p.serverECDSA.DER
			if name == "other.test" {
				want = other.DER
			}
			if !bytes.Equal(res.goState.PeerCertificates[0].Raw, want) || res.ours.st.ServerName != name {
				t.Fatalf("%s: wrong certificate or server name %q", name, res.ours.st.ServerName)
			}
		}
		if len(asked) != 2 || asked[0] != "other.test" {
			t.Fatalf("SNI callback called with %q", asked)
		}
	})
	t.Run("ours-server-sni-error", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
		ours.SNI = func(string) (*handshake.Config, error) { return nil, errors.New("no such host") }
		res := goPair(t, false, ours, goConfig(p))
		wantHSAlert(t, res.ours.err, record.InternalError)
	})
}

func TestGoTLSClientCertificates(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionTLS11, cipher.VersionTLS10} {
		for _, cc := range []*testpki.Cert{p.clientECDSA, p.clientRSA} {
			name := v.String() + "/" + cc.Cert.Subject.CommonName
			t.Run("ours-server-required/"+name, func(t *testing.T) {
				ours := p.serverConfig(p.serverRSA, cipher.Suites()...)
				ours.VerifyPeer, ours.FailIfNoPeerCert = true, true
				theirs := goConfig(p)
				theirs.MaxVersion = uint16(v)
				theirs.Certificates = []tls.Certificate{tlsCert(cc)}
				res := goPair(t, false, ours, theirs)
				if res.ours.err != nil || res.goErr != nil || res.dataErr != nil {
					t.Fatalf("%v / %v / %v", res.ours.err, res.goErr, res.dataErr)
				}
				if pc := res.ours.st.PeerCertificates; len(pc) != 1 || !bytes.Equal(pc[0], cc.DER) {
					t.Fatalf("peer certificates %d", len(pc))
				}
			})
			t.Run("ours-client/"+name, func(t *testing.T) {
				ours := p.clientConfig(cipher.DefaultSuites()...)
				ours.Suites = append(ours.Suites, suitesByName(t, "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA")...)
				ours.Certificates = []handshake.Credential{cred(p.clientOther), cred(cc)}
				theirs := goConfig(p)
				theirs.MaxVersion = uint16(v)
				theirs.Certificates = []tls.Certificate{tlsCert(p.serverECDSA)}
				theirs.ClientAuth = tls.RequireAndVerifyClientCert
				res := goPair(t, true, ours, theirs)
				if res.ours.err != nil || res.goErr != nil || res.dataErr != nil {
					t.Fatalf("%v / %v / %v", res.ours.err, res.goErr, res.dataErr)
				}
				if pc := res.goState.PeerCertificates; len(pc) != 1 || !bytes.Equal(pc[0].Raw, cc.DER) {
					t.Fatal("crypto/tls did not get the certificate its CA names select")
				}
			})
		}
	}
	t.Run("ours-server-optional-missing", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
		ours.VerifyPeer = true
		ours.OmitCANames = true
		theirs := goConfig(p)
		var info *tls.CertificateRequestInfo
		theirs.GetClientCertificate = func(i *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			info = i
			return &tls.Certificate{}, nil
		}
		res := goPair(t, false, ours, theirs)
		if info == nil || len(info.AcceptableCAs) != 0 {
			t.Fatalf("CertificateRequest with OmitCANames: %+v", info)
		}
		if res.ours.err != nil || res.goErr != nil || res.dataErr != nil {
			t.Fatalf("%v / %v / %v", res.ours.err, res.goErr, res.dataErr)
		}
		if len(res.ours.st.PeerCertificates) != 0 {
			t.Fatal("peer certificates without a client certificate")
		}
	})
	t.Run("ours-server-fail-if-no-peer-cert", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
		ours.VerifyPeer, ours.FailIfNoPeerCert = true, true
		res := goPair(t, false, ours, goConfig(p))
		he := wantHSAlert(t, res.ours.err, record.HandshakeFailure)
		if he.State != "certify" || !errors.Is(res.ours.err, handshake.ErrPeerCertificateRequired) {
			t.Fatalf("state %q, cause %v", he.State, he.Err)
		}
		wantGoRemote(t, res.goErr, record.HandshakeFailure)
	})
	t.Run("ours-server-unknown-ca", func(t *testing.T) {
		ours := p.serverConfig(p.serverECDSA, cipher.DefaultSuites()...)
		ours.VerifyPeer = true
		theirs := goConfig(p)
		// crypto/tls would honour the CA names and send nothing.
		var info *tls.CertificateRequestInfo
		theirs.GetClientCertificate = func(i *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			info = i
			c := tlsCert(p.clientOther)
			return &c, nil
		}
		res := goPair(t, false, ours, theirs)
		he := wantHSAlert(t, res.ours.err, record.UnknownCA)
		if info == nil || len(info.AcceptableCAs) != 1 || !bytes.Equal(info.AcceptableCAs[0], p.root.Cert.RawSubject) {
			t.Fatalf("CertificateRequest CA names: %+v", info)
		}
		if len(info.SignatureSchemes) != len(handshake.DefaultSignatureSchemes()) {
			t.Fatalf("CertificateRequest signature algorithms %v", info.SignatureSchemes)
		}
		var bad x509path.BadCertError
		if !errors.As(res.ours.err, &bad) || bad.Reason != x509path.UnknownCA || he.State != "certify" {
			t.Fatalf("cause %v in state %q", he.Err, he.State)
		}
		wantGoRemote(t, res.goErr, record.UnknownCA)
	})
	t.Run("ours-client-without-certificate", func(t *testing.T) {
		ours := p.clientConfig(cipher.DefaultSuites()...)
		theirs := goConfig(p)
		theirs.Certificates = []tls.Certificate{tlsCert(p.serverECDSA)}
		theirs.ClientAuth = tls.RequireAnyClientCert
		res := goPair(t, true, ours, theirs)
		if res.goErr == nil {
			t.Fatal("crypto/tls accepted a client without a certificate")
		}
		var he *handshake.Error
		if res.ours.err != nil && (!errors.As(res.ours.err, &he) || !he.Alert.Remote) {
			t.Fatalf("ours: %v", res.ours.err)
		}
	})
	t.Run("ours-client-ca-names-pick", func(t *testing.T) {
		// With several fitting certificates the one issued by a CA the
		// server names wins; crypto/tls names only the other root here.
		ours := p.clientConfig(cipher.DefaultSuites()...)
		ours.Certificates = []handshake.Credential{cred(p.clientECDSA), cred(p.clientOther)}
		theirs := goConfig(p)
		theirs.Certificates = []tls.Certificate{tlsCert(p.serverECDSA)}
		theirs.ClientAuth = tls.RequireAnyClientCert
		pool := x509.NewCertPool()
		pool.AddCert(p.otherRoot.Cert)
		theirs.ClientCAs = pool
		res := goPair(t, true, ours, theirs)
		if res.ours.err != nil || res.goErr != nil {
			t.Fatalf("%v / %v", res.ours.err, res.goErr)
		}
		if !bytes.Equal(res.goState.PeerCertificates[0].Raw, p.clientOther.DER) {
			t.Fatal("the client did not pick the certificate of the named CA")
		}
	})
}

// TestGoTLSServerVerification checks the client's verification of
// crypto/tls servers and the alerts of each failure.
func TestGoTLSServerVerification(t *testing.T) {
	leakcheck.Check(t)
	p := newHSPKI(t)
	expired := p.root.Issue("expired", testpki.DNS(hsServerName), testpki.Expired())
	wrongName := p.root.Issue("wrong name", testpki.DNS("elsewhere.test"))
	untrusted := p.otherRoot.Issue("untrusted", testpki.DNS(hsServerName))
	for _, c := range []struct {
		name   string
		cert   *testpki.Cert
		alert  record.Description
		reason x509path.Reason
	}{
		{"expired", expired, record.CertificateExpired, x509path.CertExpired},
		{"hostname", wrongName, record.HandshakeFailure, x509path.HostnameCheckFailed},
		{"unknown-ca", untrusted, record.UnknownCA, x509path.UnknownCA},
	} {
		t.Run(c.name, func(t *testing.T) {
			theirs := goConfig(p)
			theirs.Certificates = []tls.Certificate{tlsCert(c.cert)}
			res := goPair(t, true, p.clientConfig(cipher.DefaultSuites()...), theirs)
			he := wantHSAlert(t, res.ours.err, c.alert)
			var bad x509path.BadCertError
			if !errors.As(res.ours.err, &bad) || bad.Reason != c.reason || he.State != "certify" {
				t.Fatalf("cause %v, state %q", he.Err, he.State)
			}
			wantGoRemote(t, res.goErr, c.alert)
		})
		t.Run(c.name+"/verify_none", func(t *testing.T) {
			theirs := goConfig(p)
			theirs.Certificates = []tls.Certificate{tlsCert(c.cert)}
			ours := p.clientConfig(cipher.DefaultSuites()...)
			ours.PathOptions.VerifyFun = x509path.DefaultVerifyNone
			res := goPair(t, true, ours, theirs)
			if res.ours.err != nil || res.goErr != nil || res.dataErr != nil {
				t.Fatalf("%v / %v / %v", res.ours.err, res.goErr, res.dataErr)
			}
		})
	}
	t.Run("verify_fun-sees-chain", func(t *testing.T) {
		theirs := goConfig(p)
		ica := p.root.Issue("intermediate", testpki.CA(0))
		leaf := ica.Issue("leaf", testpki.DNS(hsServerName))
		theirs.Certificates = []tls.Certificate{{Certificate: [][]byte{leaf.DER, ica.DER}, PrivateKey: leaf.Key}}
		ours := p.clientConfig(cipher.DefaultSuites()...)
		var events []string
		ours.PathOptions.VerifyFun = func(c *x509.Certificate, ev x509path.Event, us any) (x509path.Verdict, any) {
			events = append(events, c.Subject.CommonName+":"+ev.String())
			return x509path.DefaultVerifyPeer(c, ev, us)
		}
		res := goPair(t, true, ours, theirs)
		if res.ours.err != nil || res.goErr != nil {
			t.Fatalf("%v / %v", res.ours.err, res.goErr)
		}
		if len(events) == 0 || events[len(events)-1] != "leaf:valid_peer" {
			t.Fatalf("verify fun events %q", events)
		}
		if len(res.ours.st.PeerCertificates) != 2 {
			t.Fatal("the chain as sent is not reported")
		}
	})
}
