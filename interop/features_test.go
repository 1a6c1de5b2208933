package interop_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/testpki"
	"github.com/otpssl/ssl/record"
	"github.com/otpssl/ssl/x509path"
)

// Feature tests, each table-driven over the peers (openssl, gnutls,
// erlang, crypto-tls) and both directions, in TLS 1.2.

// theirServerCase runs our client, with ours over the default client
// options, against the peer's server configured with o. On success a line
// goes each way and check looks at our socket before it is closed. It
// returns our error and the peer's view.
func theirServerCase(t *testing.T, p *pki, fp fpeer, o peerOpts, ours []ssl.Option, check func(*ssl.Socket)) (error, peerEnd) {
	t.Helper()
	port, wait := fp.serve(t, p, o)
	s, err := connect(port, p.clientOpts(append([]ssl.Option{ourTLS12}, ours...)...))
	if err == nil {
		if err := s.Send([]byte("ping from otpssl\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := recvUntil(s, fp.reply("ping from otpssl\n")); err != nil {
			t.Fatal(err)
		}
		if check != nil {
			check(s)
		}
		s.Close()
	}
	return err, wait()
}

// theirClientCase runs the peer's client configured with o against our
// server with options ours.
func theirClientCase(t *testing.T, p *pki, fp fpeer, o peerOpts, ours []ssl.Option, check func(*ssl.Socket)) (error, peerEnd) {
	t.Helper()
	ls, port := listen(t, append([]ssl.Option{ourTLS12}, ours...)...)
	ch := acceptOne(t, ls)
	wait := fp.dial(t, p, port, o)
	s, err := waitAccepted(t, ch)
	if err == nil {
		if _, err := recvUntil(s, fp.ping()); err != nil {
			t.Fatal(err)
		}
		if check != nil {
			check(s)
		}
		if err := s.Send([]byte("pong from otpssl\n")); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	return err, wait()
}

// wantOK fails the test unless both sides succeeded.
func wantOK(t *testing.T, err error, end peerEnd) {
	t.Helper()
	if err != nil {
		t.Fatalf("our side: %v\npeer:\n%s", err, end.out)
	}
	if !end.ok {
		t.Fatalf("the peer did not complete the exchange:\n%s", end.out)
	}
}

// wantAlert checks our side's error: an alert with description d, sent by
// us (remote false) or received (remote true).
func wantAlert(t *testing.T, err error, end peerEnd, d record.Description, remote bool) *ssl.AlertError {
	t.Helper()
	if err == nil {
		t.Fatalf("our side succeeded; want %v alert (remote %v)\npeer:\n%s", d, remote, end.out)
	}
	ae := alertOf(t, err)
	if record.Description(ae.Description) != d || ae.Remote != remote || ae.Level != uint8(record.Fatal) {
		t.Fatalf("our side: %v (%s); want a fatal %v, remote %v\npeer:\n%s", ae, ae.Term(), d, remote, end.out)
	}
	if end.ok {
		t.Fatalf("the peer completed the exchange:\n%s", end.out)
	}
	return ae
}

// wantPeerReceived checks that the peer reports our alert d.
func wantPeerReceived(t *testing.T, fp fpeer, end peerEnd, d record.Description) {
	t.Helper()
	if !fp.received(end.out, d) {
		t.Fatalf("%s does not report receiving %v:\n%s", fp.name(), d, end.out)
	}
}

// alpnRefused is what each peer prints when it refuses a client whose ALPN
// protocols it does not accept.
var alpnRefused = map[string]string{
	"openssl":    "no application protocol",
	"gnutls":     "No common application protocol could be negotiated",
	"erlang":     "error {tls_alert,{no_application_protocol,",
	"crypto-tls": "client requested unsupported application protocols",
}

func TestALPN(t *testing.T) {
	p := newPKI(t)
	for _, fp := range newFPeers(t) {
		t.Run(fp.name(), func(t *testing.T) {
			t.Run("our-server-chooses", func(t *testing.T) {
				var got string
				err, end := theirClientCase(t, p, fp, peerOpts{alpn: []string{"http/1.1", "h2"}},
					append(ourCert(p.serverRSA), ssl.ALPNPreferredProtocols("h2", "http/1.1")),
					func(s *ssl.Socket) { got, _ = s.NegotiatedProtocol() })
				wantOK(t, err, end)
				if got != "h2" || end.alpn != "h2" {
					t.Fatalf("negotiated %q here, %q there; want h2 (the server's preference)", got, end.alpn)
				}
			})
			t.Run("their-server-chooses", func(t *testing.T) {
				var got string
				err, end := theirServerCase(t, p, fp, peerOpts{alpn: []string{"spdy/3", "http/1.1"}},
					[]ssl.Option{ssl.ALPNAdvertisedProtocols("h2", "http/1.1")},
					func(s *ssl.Socket) { got, _ = s.NegotiatedProtocol() })
				wantOK(t, err, end)
				if got != "http/1.1" || end.alpn != "http/1.1" {
					t.Fatalf("negotiated %q here, %q there; want http/1.1", got, end.alpn)
				}
			})
			t.Run("our-server-no-overlap", func(t *testing.T) {
				err, end := theirClientCase(t, p, fp, peerOpts{alpn: []string{"spdy/3"}},
					append(ourCert(p.serverRSA), ssl.ALPNPreferredProtocols("h2")), nil)
				wantAlert(t, err, end, record.NoApplicationProtocol, false)
				if !errors.Is(err, handshake.ErrNoApplicationProtocol) {
					t.Errorf("the cause is not ErrNoApplicationProtocol: %v", err)
				}
				wantPeerReceived(t, fp, end, record.NoApplicationProtocol)
			})
			t.Run("their-server-no-overlap", func(t *testing.T) {
				err, end := theirServerCase(t, p, fp, peerOpts{alpn: []string{"h2"}},
					[]ssl.Option{ssl.ALPNAdvertisedProtocols("spdy/3")}, nil)
				ae := wantAlert(t, err, end, record.NoApplicationProtocol, true)
				const want = `{tls_alert,{no_application_protocol,"TLS client: In state hello received SERVER ALERT: Fatal - No application protocol"}}`
				if ae.Term() != want {
					t.Errorf("Term = %s\nwant   %s", ae.Term(), want)
				}
				if !containsText(end.out, alpnRefused[fp.name()]) {
					t.Fatalf("%s does not say it refused the protocols:\n%s", fp.name(), end.out)
				}
			})
		})
	}
}

// TestSNI: our server with two virtual hosts, by sni_hosts and by
// sni_fun; each client asking for a name gets that name's certificate, as
// the client itself reports (and checks: it verifies the host name). And
// our client asking their server, which has the two hosts, for each name.
func TestSNI(t *testing.T) {
	p := newPKI(t)
	certs := map[string]*testpki.Cert{"a.test": p.hostA, "b.test": p.hostB}
	var mu sync.Mutex
	var asked []string
	modes := map[string]ssl.Option{
		"sni_hosts": ssl.SNIHosts(map[string][]ssl.Option{"a.test": ourCert(p.hostA), "b.test": ourCert(p.hostB)}),
		"sni_fun": ssl.SNIFun(func(name string) []ssl.Option {
			mu.Lock()
			asked = append(asked, name)
			mu.Unlock()
			if c := certs[name]; c != nil {
				return ourCert(c)
			}
			return nil
		}),
	}
	for _, fp := range newFPeers(t) {
		t.Run(fp.name(), func(t *testing.T) {
			for _, mode := range []string{"sni_hosts", "sni_fun"} {
				for _, name := range []string{"a.test", "b.test"} {
					t.Run("our-server-"+mode+"/"+name, func(t *testing.T) {
						mu.Lock()
						asked = nil
						mu.Unlock()
						var sni string
						err, end := theirClientCase(t, p, fp, peerOpts{sni: name},
							append(ourCert(p.serverECDSA), modes[mode]), func(s *ssl.Socket) {
								info, err := s.ConnectionInformation("sni_hostname")
								if err != nil {
									t.Fatal(err)
								}
								sni = info.SNIHostname
							})
						wantOK(t, err, end)
						if end.peerCN != name || sni != name {
							t.Fatalf("%s got the certificate of %q; our server saw SNI %q; want %q", fp.name(), end.peerCN, sni, name)
						}
						mu.Lock()
						defer mu.Unlock()
						if mode == "sni_fun" && (len(asked) != 1 || asked[0] != name) {
							t.Fatalf("sni_fun was called with %q, want [%s]", asked, name)
						}
					})
				}
			}
			for _, name := range []string{"a.test", "b.test"} {
				t.Run("our-client/"+name, func(t *testing.T) {
					var cn string
					err, end := theirServerCase(t, p, fp, peerOpts{hosts: true},
						[]ssl.Option{ssl.ServerNameIndication(name)}, func(s *ssl.Socket) {
							der, err := s.Peercert()
							if err != nil {
								t.Fatal(err)
							}
							cn = certCN(t, der)
						})
					wantOK(t, err, end)
					if cn != name {
						t.Fatalf("asking for %s we got the certificate of %s", name, cn)
					}
				})
			}
		})
	}
}

// noClientCert is what each peer, as a server requiring a client
// certificate, sends and prints when our client has none. GnuTLS 3.7
// answers the empty Certificate with decode_error (it does so to openssl's
// s_client too).
var noClientCert = map[string]struct {
	alert record.Description
	text  string
}{
	"openssl":    {record.HandshakeFailure, "peer did not return a certificate"},
	"gnutls":     {record.DecodeError, "No certificate was found"},
	"erlang":     {record.HandshakeFailure, "error {tls_alert,{handshake_failure,"},
	"crypto-tls": {record.HandshakeFailure, "client didn't provide a certificate"},
}

// TestClientCertificates: our server requiring, accepting or refusing a
// missing client certificate; our client with and without a certificate
// against servers that require one.
func TestClientCertificates(t *testing.T) {
	p := newPKI(t)
	verify := func(fail bool) []ssl.Option {
		return append(ourCert(p.serverRSA), ssl.Verify(ssl.VerifyPeer), ssl.CACerts(p.root.DER), ssl.FailIfNoPeerCert(fail))
	}
	peercert := func(cn *string, perr *error) func(*ssl.Socket) {
		return func(s *ssl.Socket) {
			der, err := s.Peercert()
			*perr = err
			if err == nil {
				*cn = certCN(t, der)
			}
		}
	}
	for _, fp := range newFPeers(t) {
		t.Run(fp.name(), func(t *testing.T) {
			t.Run("our-server-requires/sent", func(t *testing.T) {
				var cn string
				var perr error
				err, end := theirClientCase(t, p, fp, peerOpts{cert: p.client}, verify(true), peercert(&cn, &perr))
				wantOK(t, err, end)
				if perr != nil || cn != "client.test" {
					t.Fatalf("Peercert: %q, %v", cn, perr)
				}
			})
			t.Run("our-server-optional/none", func(t *testing.T) {
				var cn string
				var perr error
				err, end := theirClientCase(t, p, fp, peerOpts{}, verify(false), peercert(&cn, &perr))
				wantOK(t, err, end)
				if !errors.Is(perr, ssl.ErrNoPeercert) {
					t.Fatalf("Peercert without a client certificate: %q, %v", cn, perr)
				}
			})
			t.Run("our-server-optional/sent", func(t *testing.T) {
				var cn string
				var perr error
				err, end := theirClientCase(t, p, fp, peerOpts{cert: p.client}, verify(false), peercert(&cn, &perr))
				wantOK(t, err, end)
				if perr != nil || cn != "client.test" {
					t.Fatalf("Peercert: %q, %v", cn, perr)
				}
			})
			t.Run("our-server-requires/none", func(t *testing.T) {
				err, end := theirClientCase(t, p, fp, peerOpts{}, verify(true), nil)
				ae := wantAlert(t, err, end, record.HandshakeFailure, false)
				if !errors.Is(err, handshake.ErrPeerCertificateRequired) {
					t.Errorf("the cause is not ErrPeerCertificateRequired: %v", err)
				}
				const want = `{tls_alert,{handshake_failure,"TLS server: In state certify generated SERVER ALERT: Fatal - Handshake Failure\n no_client_certificate_provided"}}`
				if ae.Term() != want {
					t.Errorf("Term = %s\nwant   %s", ae.Term(), want)
				}
				wantPeerReceived(t, fp, end, record.HandshakeFailure)
			})
			t.Run("their-server-requires/sent", func(t *testing.T) {
				err, end := theirServerCase(t, p, fp, peerOpts{requireCert: true}, ourCert(p.client), nil)
				wantOK(t, err, end)
				if end.peerCN != "client.test" {
					t.Fatalf("%s saw the client certificate of %q", fp.name(), end.peerCN)
				}
			})
			t.Run("their-server-requires/none", func(t *testing.T) {
				err, end := theirServerCase(t, p, fp, peerOpts{requireCert: true}, nil, nil)
				want := noClientCert[fp.name()]
				wantAlert(t, err, end, want.alert, true)
				if !containsText(end.out, want.text) {
					t.Fatalf("%s does not say the certificate was missing:\n%s", fp.name(), end.out)
				}
			})
		})
	}
}

// badCert is a certificate that fails verification, with the reason our
// side must report, the alert it must send, and its Erlang term.
type badCert struct {
	name   string
	cert   func(p *pki) *testpki.Cert
	reason string
	alert  record.Description
	text   string // the alert's text in Erlang's form
}

var badServerCerts = []badCert{
	{"unknown-ca", func(p *pki) *testpki.Cert { return p.untrustedServer }, "unknown_ca", record.UnknownCA, "Unknown CA"},
	{"expired", func(p *pki) *testpki.Cert { return p.expiredSrv }, "cert_expired", record.CertificateExpired, "Certificate Expired"},
	{"hostname-mismatch", func(p *pki) *testpki.Cert { return p.wrongHost }, "hostname_check_failed", record.HandshakeFailure, "Handshake Failure"},
}

var badClientCerts = []badCert{
	{"unknown-ca", func(p *pki) *testpki.Cert { return p.untrustedClient }, "unknown_ca", record.UnknownCA, "Unknown CA"},
	{"expired", func(p *pki) *testpki.Cert { return p.expiredCli }, "cert_expired", record.CertificateExpired, "Certificate Expired"},
}

// wantBadCert checks our side's error for a certificate that failed
// verification: the path validation reason (errors.As), the alert sent,
// and the Erlang term.
func wantBadCert(t *testing.T, err error, end peerEnd, c badCert, role string) {
	t.Helper()
	ae := wantAlert(t, err, end, c.alert, false)
	var bad x509path.BadCertError
	if !errors.As(err, &bad) || bad.Reason.String() != c.reason {
		t.Fatalf("errors.As finds no BadCertError with reason %s in %v", c.reason, err)
	}
	alerter := map[string]string{"client": "CLIENT", "server": "SERVER"}[role]
	want := `{tls_alert,{` + erlangAlert[c.alert] + `,"TLS ` + role + `: In state certify generated ` + alerter +
		` ALERT: Fatal - ` + c.text + `\n {bad_cert,` + c.reason + `}"}}`
	if ae.Term() != want {
		t.Fatalf("Term = %s\nwant   %s", ae.Term(), want)
	}
}

// TestVerificationFailures: our client refusing a server certificate
// (unknown CA, expired, another host's) and our server refusing a client
// certificate (unknown CA, expired), with the reason on our side and the
// alert the peer receives.
func TestVerificationFailures(t *testing.T) {
	p := newPKI(t)
	for _, fp := range newFPeers(t) {
		t.Run(fp.name(), func(t *testing.T) {
			for _, c := range badServerCerts {
				t.Run("our-client/"+c.name, func(t *testing.T) {
					err, end := theirServerCase(t, p, fp, peerOpts{cert: c.cert(p)}, nil, nil)
					wantBadCert(t, err, end, c, "client")
					wantPeerReceived(t, fp, end, c.alert)
				})
			}
			for _, c := range badClientCerts {
				t.Run("our-server/"+c.name, func(t *testing.T) {
					err, end := theirClientCase(t, p, fp, peerOpts{cert: c.cert(p)},
						append(ourCert(p.serverRSA), ssl.Verify(ssl.VerifyPeer), ssl.CACerts(p.root.DER)), nil)
					wantBadCert(t, err, end, c, "server")
					wantPeerReceived(t, fp, end, c.alert)
				})
			}
		})
	}
}

// containsText reports whether out holds the non-empty s.
func containsText(out, s string) bool { return s != "" && strings.Contains(out, s) }
