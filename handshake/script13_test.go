package handshake_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
)

// TestClient13Scripted drives our TLS 1.3 client against a scripted
// server that breaks the protocol at one point, in every state, and
// checks the alert and the state the failure is reported in.
func TestClient13Scripted(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	ee := func(p *peer13) []byte { return marshal(t, &handshake.EncryptedExtensions{}) }
	ccs := func(p *peer13) {
		p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
		p.fail(p.rc.Flush())
	}
	keyUpdate := func(p *peer13, v byte) {
		p.sendRaw([]byte{byte(handshake.TypeKeyUpdate), 0, 0, 1, v})
	}
	cases := []struct {
		name   string
		mixed  bool // the client offers TLS 1.2 as well
		cfg    func(*handshake.Config)
		script func(p *peer13)
		state  string
		alert  record.Description
		cause  error
	}{
		// Unexpected messages, state by state.
		{name: "hello/encrypted-extensions-first", mixed: true, state: "hello", alert: record.UnexpectedMessage, cause: handshake.ErrUnexpectedMessage,
			script: func(p *peer13) { p.readClientHello(); p.send(ee(p)) }},
		{name: "wait_sh/encrypted-extensions-first", state: "wait_sh", alert: record.UnexpectedMessage, cause: handshake.ErrUnexpectedMessage,
			script: func(p *peer13) { p.readClientHello(); p.send(ee(p)) }},
		{name: "wait_ee/certificate", state: "wait_ee", alert: record.UnexpectedMessage, cause: handshake.ErrUnexpectedMessage,
			script: func(p *peer13) { p.serverUntilSH(); p.send(p.serverCert()) }},
		{name: "wait_cert_cr/certificate-verify", state: "wait_cert_cr", alert: record.UnexpectedMessage,
			script: func(p *peer13) { p.serverUntilSH(); p.send(ee(p), p.serverCV(0)) }},
		{name: "wait_cert/finished", state: "wait_cert", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), marshal(t, &handshake.CertificateRequest{Version: cipher.VersionTLS13,
					SignatureAlgorithms: []handshake.SignatureScheme{handshake.ECDSASecp256r1SHA256}}))
				p.send(p.finished(false))
			}},
		{name: "wait_cv/finished", state: "wait_cv", alert: record.UnexpectedMessage,
			script: func(p *peer13) { p.serverUntilSH(); p.send(ee(p), p.serverCert()); p.send(p.finished(false)) }},
		{name: "wait_finished/encrypted-extensions", state: "wait_finished", alert: record.UnexpectedMessage,
			script: func(p *peer13) { p.serverUntilSH(); p.send(ee(p), p.serverCert()); p.send(p.serverCV(0), ee(p)) }},
		{name: "wait_finished/hello-request", state: "wait_finished", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), p.serverCert())
				p.send(p.serverCV(0))
				p.sendRaw([]byte{0, 0, 0, 0})
			}},
		{name: "wait_sh/finished-first", state: "wait_sh", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.readClientHello()
				p.fail(p.rc.SetVersion(cipher.VersionTLS13))
				p.send(p.finished(false))
			}},

		// ServerHello and HelloRetryRequest.
		{name: "wait_sh/session-id-echo", state: "wait_sh", alert: record.IllegalParameter, cause: handshake.ErrIllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.SessionID = bytes.Repeat([]byte{1}, 32) }))
			}},
		{name: "wait_sh/group-not-offered", state: "wait_sh", alert: record.IllegalParameter, cause: handshake.ErrIllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.KeyShare = &handshake.KeyShareEntry{Group: handshake.Secp384r1, Data: make([]byte, 97)}
				}))
			}},
		{name: "wait_sh/invalid-share", state: "wait_sh", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.KeyShare = &handshake.KeyShareEntry{Group: handshake.X25519, Data: make([]byte, 32)}
				}))
			}},
		{name: "wait_sh/missing-key-share", state: "wait_sh", alert: record.MissingExtension, cause: handshake.ErrMissingExtension,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.KeyShare = nil }))
			}},
		{name: "wait_sh/suite-not-offered", state: "wait_sh", alert: record.IllegalParameter,
			cfg:    func(c *handshake.Config) { c.Suites = []*cipher.Suite{cipher.SuiteByID(0x1302)} },
			script: func(p *peer13) { p.readClientHello(); p.send(p.serverHello(nil)) }},
		{name: "wait_sh/tls12-suite", state: "wait_sh", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.CipherSuite = 0xc02b }))
			}},
		{name: "wait_sh/pre-shared-key-not-offered", state: "wait_sh", alert: record.UnsupportedExtension, cause: handshake.ErrUnsupportedExtension,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.HasSelectedIdentity = true }))
			}},
		{name: "wait_sh/legacy-version", state: "wait_sh", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.Version = cipher.VersionTLS13 }))
			}},
		{name: "wait_sh/tls12-server-hello", state: "wait_sh", alert: record.ProtocolVersion, cause: handshake.ErrNoCommonVersion,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.SupportedVersion, sh.KeyShare, sh.CipherSuite = 0, nil, 0xc02b
				}))
			}},
		{name: "hello/downgrade-sentinel", mixed: true, state: "hello", alert: record.IllegalParameter, cause: handshake.ErrDowngrade,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.SupportedVersion, sh.KeyShare, sh.CipherSuite = 0, nil, 0xc02b
					sh.SecureRenegotiationSupported, sh.ExtendedMasterSecret = true, true
					handshake.SetDowngradeSentinel(&sh.Random, cipher.VersionTLS13, cipher.VersionTLS12)
				}))
			}},
		{name: "hello/tls13-in-legacy-version", mixed: true, state: "hello", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.SupportedVersion, sh.KeyShare, sh.Version = 0, nil, cipher.VersionTLS13
				}))
			}},
		{name: "start/retry-changes-nothing", state: "start", alert: record.IllegalParameter, cause: handshake.ErrIllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(marshal(t, handshake.NewHelloRetryRequest(p.ch.SessionID, p.suite.ID, 0, nil)))
			}},
		{name: "start/retry-for-the-group-shared", state: "start", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.readClientHello()
				p.send(marshal(t, handshake.NewHelloRetryRequest(p.ch.SessionID, p.suite.ID, handshake.X25519, nil)))
			}},
		{name: "start/retry-for-a-group-not-offered", state: "start", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) { c.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1} },
			script: func(p *peer13) {
				p.readClientHello()
				p.send(marshal(t, handshake.NewHelloRetryRequest(p.ch.SessionID, p.suite.ID, handshake.Secp521r1, nil)))
			}},
		{name: "wait_sh/second-retry", state: "wait_sh", alert: record.UnexpectedMessage, cause: handshake.ErrUnexpectedMessage,
			cfg: func(c *handshake.Config) { c.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1} },
			script: func(p *peer13) {
				p.readClientHello()
				p.send(marshal(t, handshake.NewHelloRetryRequest(p.ch.SessionID, p.suite.ID, handshake.Secp256r1, nil)))
				p.fail(p.rc.SetVersion(cipher.VersionTLS13)) // the compatibility change_cipher_spec is dropped
				p.expect(handshake.TypeClientHello)
				p.send(marshal(t, handshake.NewHelloRetryRequest(p.ch.SessionID, p.suite.ID, 0, []byte("cookie"))))
			}},
		{name: "wait_sh/suite-changed-after-retry", state: "wait_sh", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) { c.Groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519} },
			script: func(p *peer13) {
				p.readClientHello()
				p.send(marshal(t, handshake.NewHelloRetryRequest(p.ch.SessionID, p.suite.ID, handshake.X25519, nil)))
				p.fail(p.rc.SetVersion(cipher.VersionTLS13))
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.CipherSuite = 0x1302 }))
			}},

		// EncryptedExtensions.
		{name: "wait_ee/early-data-not-offered", state: "wait_ee", alert: record.UnsupportedExtension,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(marshal(t, &handshake.EncryptedExtensions{EarlyData: true}))
			}},
		{name: "wait_ee/alpn-not-offered", state: "wait_ee", alert: record.UnsupportedExtension,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(marshal(t, &handshake.EncryptedExtensions{ALPNProtocol: "h2"}))
			}},
		{name: "wait_ee/alpn-not-in-list", state: "wait_ee", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) { c.ALPN = []string{"http/1.1"} },
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(marshal(t, &handshake.EncryptedExtensions{ALPNProtocol: "h2"}))
			}},

		// Certificate, CertificateRequest, CertificateVerify, Finished.
		{name: "wait_cert_cr/request-without-signature-algorithms", state: "wait_cert_cr", alert: record.MissingExtension,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), []byte{byte(handshake.TypeCertificateRequest), 0, 0, 3, 0, 0, 0})
			}},
		{name: "wait_cert_cr/request-with-context", state: "wait_cert_cr", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), marshal(t, &handshake.CertificateRequest{Version: cipher.VersionTLS13, RequestContext: []byte{1},
					SignatureAlgorithms: []handshake.SignatureScheme{handshake.ECDSASecp256r1SHA256}}))
			}},
		{name: "wait_cert_cr/empty-certificate", state: "wait_cert_cr", alert: record.DecodeError,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), marshal(t, handshake.NewCertificate(cipher.VersionTLS13, nil)))
			}},
		{name: "wait_cert_cr/unknown-ca", state: "wait_cert_cr", alert: record.UnknownCA,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), marshal(t, handshake.NewCertificate(cipher.VersionTLS13, [][]byte{p.pki.clientOther.DER})))
			}},
		{name: "wait_cv/bad-signature", state: "wait_cv", alert: record.DecryptError,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), p.serverCert())
				cv := p.serverCV(0)
				cv[len(cv)-3] ^= 1
				p.send(cv)
			}},
		{name: "wait_cv/signature-over-another-transcript", state: "wait_cv", alert: record.DecryptError,
			script: func(p *peer13) {
				p.serverUntilSH()
				cv := p.serverCV(0) // before the Certificate
				p.send(ee(p), p.serverCert())
				p.send(cv)
			}},
		{name: "wait_cv/scheme-not-offered", state: "wait_cv", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) {
				c.SignatureAlgs = []handshake.SignatureScheme{handshake.ECDSASecp384r1SHA384, handshake.ECDSASecp256r1SHA256}
			},
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), p.serverCert())
				p.send(p.serverCV(handshake.ECDSASecp521r1SHA512))
			}},
		{name: "wait_cv/pkcs1-in-tls13", state: "wait_cv", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), p.serverCert())
				p.send(p.serverCV(handshake.RSAPKCS1SHA256))
			}},
		{name: "wait_finished/wrong-finished", state: "wait_finished", alert: record.DecryptError, cause: handshake.ErrBadFinished,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), p.serverCert())
				p.send(p.serverCV(0))
				fin := p.finished(false)
				fin[10] ^= 1
				p.send(fin)
			}},
		{name: "wait_finished/finished-of-the-client", state: "wait_finished", alert: record.DecryptError,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.send(ee(p), p.serverCert())
				p.send(p.serverCV(0))
				p.send(p.finished(true))
			}},

		// Records.
		{name: "wait_ee/change-cipher-spec-with-another-byte", state: "wait_ee", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.serverUntilSH()
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{2}))
				p.fail(p.rc.Flush())
			}},
		{name: "wait_ee/plaintext-handshake", state: "wait_ee", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.serverUntilSH()
				_, err := p.conn.Write([]byte{22, 3, 3, 0, 4, 8, 0, 0, 0})
				p.fail(err)
			}},

		// After the handshake.
		{name: "connection/change-cipher-spec", state: "connection", alert: record.UnexpectedMessage,
			script: func(p *peer13) { p.fullServer(); ccs(p) }},
		{name: "connection/key-update-bad-value", state: "connection", alert: record.IllegalParameter,
			script: func(p *peer13) { p.fullServer(); keyUpdate(p, 2) }},
		{name: "connection/key-update-long", state: "connection", alert: record.DecodeError,
			script: func(p *peer13) {
				p.fullServer()
				p.sendRaw([]byte{byte(handshake.TypeKeyUpdate), 0, 0, 2, 0, 0})
			}},
		{name: "connection/encrypted-extensions", state: "connection", alert: record.UnexpectedMessage,
			script: func(p *peer13) { p.fullServer(); p.sendRaw(ee(p)) }},
		{name: "connection/certificate-request-without-post-handshake-auth", state: "connection", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.fullServer()
				p.sendRaw(marshal(t, &handshake.CertificateRequest{Version: cipher.VersionTLS13, RequestContext: []byte{1},
					SignatureAlgorithms: []handshake.SignatureScheme{handshake.ECDSASecp256r1SHA256}}))
			}},
		{name: "connection/ticket-lifetime", state: "connection", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.fullServer()
				p.sendRaw(marshal(t, &handshake.NewSessionTicket{Version: cipher.VersionTLS13, Lifetime: 8 * 24 * 3600,
					Ticket: []byte{1}}))
			}},
		{name: "connection/key-update-flood", state: "connection", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.fullServer()
				sap := p.sap
				for i := 0; i < 20; i++ {
					keyUpdate(p, 0)
					sap = cipher.NextTrafficSecret(p.suite, sap)
					p.protect(sap, true)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := only13(t, pki.clientConfig())
			if c.mixed {
				cfg = cfg13(pki.clientConfig())
			}
			cfg.Groups = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
			if c.cfg != nil {
				c.cfg(cfg)
			}
			p := start13(t, pki, true, cfg)
			if c.state == "connection" {
				c.script(p)
				r := p.result()
				if r.err != nil {
					t.Fatalf("handshake: %v", r.err)
				}
				err := readBack13(r.st, r.rc, []byte("x"))
				wantConnAlert(t, err, c.alert)
				return
			}
			c.script(p)
			he := p.expectFailure(c.state, c.alert)
			if c.cause != nil && !errors.Is(he, c.cause) {
				t.Fatalf("cause %v, want %v", he.Err, c.cause)
			}
		})
	}
}

// wantConnAlert fails unless err, from after the handshake, is a
// *handshake.Error (or a record alert) generated here with d.
func wantConnAlert(t *testing.T, err error, d record.Description) {
	t.Helper()
	var he *handshake.Error
	if errors.As(err, &he) {
		if he.Alert.Remote || he.Alert.Description != d || he.State != "connection" {
			t.Fatalf("got %v, want a generated %s in state connection", he, d)
		}
		return
	}
	var a record.Alert
	if !errors.As(err, &a) || a.Remote || a.Description != d {
		t.Fatalf("got %v (%T), want a generated %s", err, err, d)
	}
}

// TestServer13Scripted drives our TLS 1.3 server against a scripted
// client that breaks the protocol at one point, in every state.
func TestServer13Scripted(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	clientAuth := func(c *handshake.Config) { c.VerifyPeer = true }
	keyUpdate := func(p *peer13, v byte) {
		p.sendRaw([]byte{byte(handshake.TypeKeyUpdate), 0, 0, 1, v})
	}
	cases := []struct {
		name   string
		cfg    func(*handshake.Config)
		script func(p *peer13)
		state  string
		alert  record.Description
		cause  error
	}{
		// The ClientHello.
		{name: "start/no-signature-algorithms", state: "start", alert: record.MissingExtension, cause: handshake.ErrMissingExtension,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.SignatureAlgorithms = nil }))
			}},
		{name: "start/no-supported-groups", state: "start", alert: record.MissingExtension,
			script: func(p *peer13) { p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.SupportedGroups = nil })) }},
		{name: "start/no-key-share", state: "start", alert: record.MissingExtension,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.HasKeyShare, ch.KeyShares = false, nil }))
			}},
		{name: "start/compression", state: "start", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.CompressionMethods = []uint8{1, 0} }))
			}},
		{name: "start/share-for-a-group-not-listed", state: "start", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.KeyShares = append(ch.KeyShares, handshake.KeyShareEntry{Group: handshake.Secp256r1, Data: make([]byte, 65)})
				}))
			}},
		{name: "start/two-shares-for-a-group", state: "start", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.KeyShares = append(ch.KeyShares, ch.KeyShares[0]) }))
			}},
		{name: "start/cookie-in-first-hello", state: "start", alert: record.IllegalParameter,
			script: func(p *peer13) { p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.Cookie = []byte{1} })) }},
		{name: "start/invalid-share", state: "negotiated", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.KeyShares[0].Data = make([]byte, 32) }))
			}},
		{name: "start/no-common-group", state: "start", alert: record.HandshakeFailure,
			cfg:    func(c *handshake.Config) { c.Groups = []handshake.NamedGroup{handshake.Secp384r1} },
			script: func(p *peer13) { p.send(p.clientHello(nil)) }},
		{name: "start/no-common-suite", state: "start", alert: record.HandshakeFailure, cause: handshake.ErrNoCommonSuite,
			cfg:    func(c *handshake.Config) { c.Suites = []*cipher.Suite{cipher.SuiteByID(0x1302)} },
			script: func(p *peer13) { p.send(p.clientHello(nil)) }},
		{name: "start/no-signature-algorithm-for-the-certificate", state: "start", alert: record.HandshakeFailure,
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.SignatureAlgorithms = []handshake.SignatureScheme{handshake.Ed25519}
				}))
			}},

		// The second ClientHello.
		{name: "start/second-hello-same-share", state: "start", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) {
				c.Groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
				c.HonorEccOrder = true
			},
			script: func(p *peer13) {
				first := p.clientHello(func(ch *handshake.ClientHello) {
					ch.SupportedGroups = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
				})
				p.send(first)
				p.expect(handshake.TypeServerHello)
				p.send(marshal(t, p.ch))
			}},
		{name: "start/second-hello-without-cookie", state: "start", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) {
				c.Groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
				c.HonorEccOrder = true
			},
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.SupportedGroups = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
				}))
				hrr, err := handshake.UnmarshalServerHello(p.expect(handshake.TypeServerHello))
				if err != nil || !hrr.IsHelloRetryRequest() || len(hrr.Cookie) == 0 || hrr.SelectedGroup != handshake.Secp256r1 {
					t.Fatalf("no HelloRetryRequest with a cookie: %v", err)
				}
				ch2 := *p.ch
				ch2.KeyShares = []handshake.KeyShareEntry{{Group: handshake.Secp256r1, Data: p256Share(t)}}
				p.send(marshal(t, &ch2))
			}},
		{name: "start/finished-instead-of-second-hello", state: "start", alert: record.UnexpectedMessage,
			cfg: func(c *handshake.Config) {
				c.Groups = []handshake.NamedGroup{handshake.Secp256r1, handshake.X25519}
				c.HonorEccOrder = true
			},
			script: func(p *peer13) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.SupportedGroups = []handshake.NamedGroup{handshake.X25519, handshake.Secp256r1}
				}))
				p.expect(handshake.TypeServerHello)
				p.send(append([]byte{20, 0, 0, 32}, make([]byte, 32)...))
			}},

		// The client's flight.
		{name: "wait_finished/certificate-not-requested", state: "wait_finished", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.clientUntilFlight()
				cert, _ := p.clientCertAndCV()
				p.send(cert)
			}},
		{name: "wait_finished/wrong-finished", state: "wait_finished", alert: record.DecryptError, cause: handshake.ErrBadFinished,
			script: func(p *peer13) {
				p.clientUntilFlight()
				fin := p.finished(true)
				fin[5] ^= 1
				p.send(fin)
			}},
		{name: "wait_finished/server-finished", state: "wait_finished", alert: record.DecryptError,
			script: func(p *peer13) { p.clientUntilFlight(); p.send(p.finished(false)) }},
		{name: "wait_cert/finished", cfg: clientAuth, state: "wait_cert", alert: record.UnexpectedMessage,
			script: func(p *peer13) { p.clientUntilFlight(); p.send(p.finished(true)) }},
		{name: "wait_cert/context", cfg: clientAuth, state: "wait_cert", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.clientUntilFlight()
				cm := handshake.NewCertificate(cipher.VersionTLS13, [][]byte{pki.clientECDSA.DER})
				cm.RequestContext = []byte{1}
				p.send(marshal(t, cm))
			}},
		{name: "wait_cert/required", state: "wait_cert", alert: record.CertificateRequired, cause: handshake.ErrCertificateRequired,
			cfg: func(c *handshake.Config) { c.VerifyPeer, c.FailIfNoPeerCert = true, true },
			script: func(p *peer13) {
				p.clientUntilFlight()
				p.send(marshal(t, handshake.NewCertificate(cipher.VersionTLS13, nil)))
			}},
		{name: "wait_cv/finished", cfg: clientAuth, state: "wait_cv", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.clientUntilFlight()
				cert, _ := p.clientCertAndCV()
				p.send(cert)
				p.send(p.finished(true))
			}},
		{name: "wait_cv/bad-signature", cfg: clientAuth, state: "wait_cv", alert: record.DecryptError,
			script: func(p *peer13) {
				p.clientUntilFlight()
				cert, cv := p.clientCertAndCV()
				cv[len(cv)-2] ^= 1
				p.send(cert, cv)
			}},
		{name: "wait_cv/scheme-not-requested", state: "wait_cv", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) {
				c.VerifyPeer = true
				handshake.SetTestHooks(c, handshake.TestHooks{CertificateRequest: func(cr *handshake.CertificateRequest) {
					cr.SignatureAlgorithms = []handshake.SignatureScheme{handshake.Ed25519}
				}})
			},
			script: func(p *peer13) {
				p.clientUntilFlight()
				cert, cv := p.clientCertAndCV()
				p.send(cert, cv)
			}},

		// After the handshake.
		{name: "connection/key-update-bad-value", state: "connection", alert: record.IllegalParameter,
			script: func(p *peer13) {
				p.clientUntilFlight()
				p.send(p.finished(true))
				p.protect(p.cap, true)
				keyUpdate(p, 7)
			}},
		{name: "connection/change-cipher-spec", state: "connection", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.clientUntilFlight()
				p.send(p.finished(true))
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.fail(p.rc.Flush())
			}},
		{name: "connection/new-session-ticket-from-a-client", state: "connection", alert: record.UnexpectedMessage,
			script: func(p *peer13) {
				p.clientUntilFlight()
				p.send(p.finished(true))
				p.protect(p.cap, true)
				p.sendRaw(marshal(t, &handshake.NewSessionTicket{Version: cipher.VersionTLS13, Lifetime: 1, Ticket: []byte{1}}))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := only13(t, pki.serverConfig(pki.serverECDSA))
			if c.cfg != nil {
				c.cfg(cfg)
			}
			p := start13(t, pki, false, cfg)
			c.script(p)
			if c.state == "connection" {
				r := p.result()
				if r.err != nil {
					t.Fatalf("handshake: %v", r.err)
				}
				wantConnAlert(t, readBack13(r.st, r.rc, []byte("x")), c.alert)
				return
			}
			he := p.expectFailure(c.state, c.alert)
			if c.cause != nil && !errors.Is(he, c.cause) {
				t.Fatalf("cause %v, want %v", he.Err, c.cause)
			}
		})
	}
}
