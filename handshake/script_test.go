package handshake_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/internal/leakcheck"
	"github.com/otpssl/ssl/record"
)

// TestClientScripted drives our client against a scripted server that
// breaks the protocol at one point, in every state, and checks the alert
// and the state the failure is reported in.
func TestClientScripted(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	rsaSuite := cipher.SuiteByName("AES128-GCM-SHA256")
	cfg := func() *handshake.Config { return pki.clientConfig(rsaSuite) }
	cert := func(p *scriptPeer) []byte {
		return marshal(t, handshake.NewCertificate(p.v, [][]byte{pki.serverRSA.DER}))
	}
	done := func(p *scriptPeer) []byte { return marshal(t, &handshake.ServerHelloDone{}) }
	cases := []struct {
		name   string
		cfg    func(*handshake.Config)
		script func(p *scriptPeer)
		state  string
		alert  record.Description
		cause  error
	}{
		{name: "hello/certificate-first", state: "hello", alert: record.UnexpectedMessage, cause: handshake.ErrUnexpectedMessage,
			script: func(p *scriptPeer) { p.readClientHello(); p.send(cert(p)) }},
		{name: "hello/server-hello-done-first", state: "hello", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) { p.readClientHello(); p.send(done(p)) }},
		{name: "hello/change-cipher-spec", state: "hello", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
			}},
		{name: "hello/client-hello", state: "hello", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.clientHello(nil))
			}},
		{name: "hello/truncated-server-hello", state: "hello", alert: record.DecodeError,
			script: func(p *scriptPeer) {
				p.readClientHello()
				sh := p.serverHello(nil)
				cut := append([]byte{}, sh[:20]...)
				cut[1], cut[2], cut[3] = 0, 0, 16 // header says 16 bytes of body
				p.send(cut)
			}},
		{name: "hello/oversized-message", state: "hello", alert: record.HandshakeFailure,
			script: func(p *scriptPeer) {
				p.readClientHello()
				// A ServerHello header declaring 300000 bytes, above the
				// default max_handshake_size.
				p.writeRawHS([]byte{2, 0x04, 0x93, 0xe0, 3, 3})
				p.flush()
			}},
		{name: "hello/tls13-server-hello", state: "hello", alert: record.IllegalParameter, cause: handshake.ErrIllegalParameter,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.SupportedVersion = cipher.VersionTLS13
					sh.SecureRenegotiationSupported = false
				}))
			}},
		{name: "hello/version-not-offered", state: "hello", alert: record.ProtocolVersion, cause: handshake.ErrNoCommonVersion,
			cfg: func(c *handshake.Config) { c.Versions = []cipher.Version{cipher.VersionTLS12} },
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.Version = cipher.VersionTLS11 }))
			}},
		{name: "hello/downgrade-sentinel", state: "hello", alert: record.IllegalParameter, cause: handshake.ErrDowngrade,
			cfg: func(c *handshake.Config) { c.Suites = suitesByName(t, "AES128-SHA") },
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.Version = cipher.VersionTLS11
					sh.CipherSuite = cipher.SuiteByName("AES128-SHA").ID
					copy(sh.Random[24:], "DOWNGRD\x00")
				}))
			}},
		{name: "hello/suite-not-offered", state: "hello", alert: record.IllegalParameter, cause: handshake.ErrIllegalParameter,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.CipherSuite = cipher.SuiteByName("AES256-GCM-SHA384").ID }))
			}},
		{name: "hello/scsv-as-suite", state: "hello", alert: record.IllegalParameter,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.CipherSuite = handshake.EmptyRenegotiationInfoSCSV }))
			}},
		{name: "hello/compression", state: "hello", alert: record.IllegalParameter,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.CompressionMethod = 1 }))
			}},
		{name: "hello/no-renegotiation-info", state: "hello", alert: record.HandshakeFailure, cause: handshake.ErrInsecureRenegotiation,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.SecureRenegotiationSupported = false }))
			}},
		{name: "hello/non-empty-renegotiation-info", state: "hello", alert: record.HandshakeFailure, cause: handshake.ErrInsecureRenegotiation,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.SecureRenegotiation = make([]byte, 24) }))
			}},
		{name: "hello/alpn-not-offered", state: "hello", alert: record.UnsupportedExtension, cause: handshake.ErrUnsupportedExtension,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.ALPNProtocol = "h2" }))
			}},
		{name: "hello/alpn-not-in-list", state: "hello", alert: record.IllegalParameter,
			cfg: func(c *handshake.Config) { c.ALPN = []string{"http/1.1"} },
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.ALPNProtocol = "h2" }))
			}},
		{name: "hello/session-ticket-not-offered", state: "hello", alert: record.UnsupportedExtension,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) { sh.TicketSupported = true }))
			}},
		{name: "hello/unknown-extension", state: "hello", alert: record.UnsupportedExtension,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(func(sh *handshake.ServerHello) {
					sh.Unknown = []handshake.Extension{{Type: 0x1234, Data: []byte{1}}}
				}))
			}},
		{name: "certify/server-hello-done-without-certificate", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) { p.readClientHello(); p.send(p.serverHello(nil), done(p)) }},
		{name: "certify/server-key-exchange-in-rsa", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(nil), cert(p), marshal(t, &handshake.ServerKeyExchange{Body: []byte{1, 2, 3}}), done(p))
			}},
		{name: "certify/finished", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(nil), cert(p), marshal(t, &handshake.Finished{VerifyData: make([]byte, 12)}))
			}},
		{name: "certify/change-cipher-spec", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(nil), cert(p))
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
			}},
		{name: "certify/second-server-hello", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(nil), p.serverHello(nil))
			}},
		{name: "certify/empty-certificate", state: "certify", alert: record.BadCertificate,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(nil), marshal(t, handshake.NewCertificate(p.v, nil)), done(p))
			}},
		{name: "certify/garbage-certificate", state: "certify", alert: record.CertificateUnknown,
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.send(p.serverHello(nil), marshal(t, handshake.NewCertificate(p.v, [][]byte{{0x30, 3, 1, 2, 3}})), done(p))
			}},
		{name: "certify/truncated-certificate", state: "certify", alert: record.DecodeError,
			script: func(p *scriptPeer) {
				p.readClientHello()
				c := cert(p)
				c = c[:len(c)-10]
				n := len(c) - 4
				c[1], c[2], c[3] = byte(n>>16), byte(n>>8), byte(n)
				p.send(p.serverHello(nil), c)
			}},
		{name: "certify/anonymous-certificate-request", state: "certify", alert: record.HandshakeFailure,
			cfg: func(c *handshake.Config) { c.Suites = suitesByName(t, "ADH-AES128-GCM-SHA256") },
			script: func(p *scriptPeer) {
				p.readClientHello()
				p.suite = cipher.SuiteByName("ADH-AES128-GCM-SHA256")
				kx, _ := handshake.NewKeyAgreement(cipher.KXDHAnon)
				sh := p.serverHello(nil)
				body, err := kx.GenerateServerKeyExchange(&handshake.ServerKXParams{Version: p.v, ClientRandom: p.cr[:], ServerRandom: p.sr[:]})
				if err != nil {
					t.Fatal(err)
				}
				p.send(sh, marshal(t, &handshake.ServerKeyExchange{Body: body}),
					marshal(t, &handshake.CertificateRequest{Version: p.v, CertificateTypes: []uint8{1},
						SignatureAlgorithms: []handshake.SignatureScheme{handshake.RSAPKCS1SHA256}}), done(p))
			}},
		{name: "cipher/finished-without-change-cipher-spec", state: "cipher", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.fullServerUntilFinished(pki)
				p.send(marshal(t, &handshake.Finished{VerifyData: p.finished(false)}))
			}},
		{name: "cipher/wrong-finished", state: "cipher", alert: record.DecryptError, cause: handshake.ErrBadFinished,
			script: func(p *scriptPeer) {
				p.fullServerUntilFinished(pki)
				vd := p.finished(false)
				vd[3] ^= 1
				p.sendCCS()
				p.send(marshal(t, &handshake.Finished{VerifyData: vd}))
			}},
		{name: "cipher/short-finished", state: "cipher", alert: record.DecryptError,
			script: func(p *scriptPeer) {
				p.fullServerUntilFinished(pki)
				p.sendCCS()
				p.send(marshal(t, &handshake.Finished{VerifyData: p.finished(false)[:11]}))
			}},
		{name: "cipher/certificate-after-ccs", state: "cipher", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.fullServerUntilFinished(pki)
				p.sendCCS()
				p.send(cert(p))
			}},
		{name: "cipher/bad-record-mac", state: "cipher", alert: record.BadRecordMAC,
			script: func(p *scriptPeer) {
				p.fullServerUntilFinished(pki)
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
				// A handshake record that does not open under the keys.
				rec := []byte{22, 3, 3, 0, 40}
				rec = append(rec, make([]byte, 40)...)
				_, err := p.conn.Write(rec)
				p.fail(err)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := cfg()
			if c.cfg != nil {
				c.cfg(conf)
			}
			p := startScript(t, true, conf)
			c.script(p)
			he := p.expectFailure(c.state, c.alert)
			if c.cause != nil && !errors.Is(he, c.cause) {
				t.Fatalf("cause %v, want %v", he.Err, c.cause)
			}
		})
	}
}

// TestClientScriptedSuccess checks the script against our client when it
// breaks nothing (the other tests are only as good as it), and the client's
// refusal of renegotiation afterwards.
func TestClientScriptedSuccess(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, v := range []cipher.Version{cipher.VersionTLS12, cipher.VersionSSL30} {
		t.Run(v.String(), func(t *testing.T) {
			conf := pki.clientConfig(cipher.SuiteByName("AES128-GCM-SHA256"), cipher.SuiteByName("AES128-SHA"))
			conf.Versions = append(conf.Versions, cipher.VersionSSL30)
			p := startScript(t, true, conf)
			p.v = v
			if v == cipher.VersionSSL30 {
				p.suite = cipher.SuiteByName("AES128-SHA")
			}
			p.fullServerUntilFinished(pki)
			p.sendCCS()
			p.send(marshal(t, &handshake.Finished{VerifyData: p.finished(false)}))
			r := <-p.ours
			if r.err != nil || p.err != nil {
				t.Fatalf("ours %v, script %v", r.err, p.err)
			}
			if r.st.Version != v || r.st.ExtendedMasterSecret || !r.st.SecureRenegotiation {
				t.Fatalf("state %+v", r.st)
			}
			// A HelloRequest after the handshake: no_renegotiation as a
			// warning (TLS), nothing in SSL 3.0; the connection goes on.
			hr := marshal(t, &handshake.HelloRequest{})
			sent := make(chan struct{})
			go func() { p.send(hr); close(sent) }()
			m, err := r.rc.ReadMessage()
			<-sent
			if err != nil || m.Type != record.TypeHandshake {
				t.Fatalf("reading the HelloRequest: %v", err)
			}
			handled := make(chan error, 1)
			go func() { handled <- r.st.HandleMessage(r.rc, m.Data) }()
			if v != cipher.VersionSSL30 {
				got, err := p.rc.ReadMessage()
				if err == nil && got.Type == record.TypeHandshake {
					err = errors.New("handshake message")
				}
				if err != nil || got.Type != record.TypeAlert || got.Alert.Level != record.Warning || got.Alert.Description != record.NoRenegotiation {
					t.Fatalf("after HelloRequest the peer got %+v, %v; want a no_renegotiation warning", got, err)
				}
			}
			if err := <-handled; err != nil {
				t.Fatalf("HandleMessage(HelloRequest): %v", err)
			}
			if err := exchangeWithScript(p, r.rc); err != nil {
				t.Fatal(err)
			}
			// Any other handshake message is an unexpected_message.
			he := wantHSAlert(t, r.st.HandleMessage(r.rc, marshal(t, &handshake.ServerHelloDone{})), record.UnexpectedMessage)
			if he.State != "connection" {
				t.Fatalf("state %q", he.State)
			}
			wantHSAlert(t, r.st.HandleMessage(r.rc, []byte{0, 0, 0, 1, 0}), record.DecodeError)
		})
	}
}

// exchangeWithScript sends data from our side and reads it on the script's.
func exchangeWithScript(p *scriptPeer, rc *record.Conn) error {
	errc := make(chan error, 1)
	go func() {
		_, err := rc.Write([]byte("ping"))
		errc <- err
	}()
	var got []byte
	for len(got) < 4 {
		m, err := p.rc.ReadMessage()
		if err != nil || m.Type != record.TypeApplicationData {
			return errors.New("application data did not arrive after the refused renegotiation")
		}
		got = append(got, m.Data...)
	}
	if werr := <-errc; werr != nil {
		return werr
	}
	if string(got) != "ping" {
		return errors.New("application data garbled: " + string(got))
	}
	return nil
}

// TestServerScripted drives our server with a scripted client that breaks
// the protocol at one point, in every state.
func TestServerScripted(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	rsaSuite := cipher.SuiteByName("AES128-GCM-SHA256")
	clientCert := func(p *scriptPeer) []byte {
		return marshal(t, handshake.NewCertificate(p.v, [][]byte{pki.clientECDSA.DER}))
	}
	verifyPeer := func(c *handshake.Config) { c.VerifyPeer = true }
	// upToCKE sends a correct ClientHello, reads the flight, and sends a
	// certificate when asked.
	upToCKE := func(p *scriptPeer, withCert bool) {
		p.send(p.clientHello(nil))
		_, requested := p.readServerFlight()
		if requested && withCert {
			p.writeHS(clientCert(p))
		}
	}
	cases := []struct {
		name   string
		cfg    func(*handshake.Config)
		script func(p *scriptPeer)
		state  string
		alert  record.Description
		cause  error
	}{
		{name: "hello/server-hello-first", state: "hello", alert: record.UnexpectedMessage, cause: handshake.ErrUnexpectedMessage,
			script: func(p *scriptPeer) { p.send(p.serverHello(nil)) }},
		{name: "hello/finished-first", state: "hello", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) { p.send(marshal(t, &handshake.Finished{VerifyData: make([]byte, 12)})) }},
		{name: "hello/change-cipher-spec-first", state: "hello", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
			}},
		{name: "hello/truncated-client-hello", state: "hello", alert: record.DecodeError,
			script: func(p *scriptPeer) {
				ch := p.clientHello(nil)
				ch = ch[:len(ch)-3]
				n := len(ch) - 4
				ch[1], ch[2], ch[3] = byte(n>>16), byte(n>>8), byte(n)
				p.send(ch)
			}},
		{name: "hello/oversized-message", state: "hello", alert: record.HandshakeFailure,
			script: func(p *scriptPeer) {
				p.writeRawHS([]byte{1, 0x10, 0, 0, 3, 3})
				p.flush()
			}},
		{name: "hello/no-common-version", state: "hello", alert: record.ProtocolVersion, cause: handshake.ErrNoCommonVersion,
			cfg: func(c *handshake.Config) { c.Versions = []cipher.Version{cipher.VersionTLS12} },
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.Version = cipher.VersionTLS10 }))
			}},
		{name: "hello/ssl2-version", state: "hello", alert: record.ProtocolVersion,
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.Version = 0x0200 }))
			}},
		{name: "hello/tls13-only-supported-versions", state: "hello", alert: record.ProtocolVersion,
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.SupportedVersions = []cipher.Version{cipher.VersionTLS13}
				}))
			}},
		{name: "hello/fallback-scsv", state: "hello", alert: record.InappropriateFallback, cause: handshake.ErrInappropriateFallback,
			cfg: func(c *handshake.Config) { c.Suites = append(c.Suites, cipher.SuiteByName("AES128-SHA")) },
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.Version = cipher.VersionTLS11
					ch.CipherSuites = []uint16{cipher.SuiteByName("AES128-SHA").ID, handshake.FallbackSCSV}
				}))
			}},
		{name: "hello/no-renegotiation-info", state: "hello", alert: record.HandshakeFailure, cause: handshake.ErrInsecureRenegotiation,
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.SecureRenegotiationSupported = false }))
			}},
		{name: "hello/non-empty-renegotiation-info", state: "hello", alert: record.HandshakeFailure, cause: handshake.ErrInsecureRenegotiation,
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.SecureRenegotiation = make([]byte, 12) }))
			}},
		{name: "hello/no-common-suite", state: "hello", alert: record.HandshakeFailure, cause: handshake.ErrNoCommonSuite,
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) {
					ch.CipherSuites = []uint16{cipher.SuiteByName("ECDHE-ECDSA-AES128-GCM-SHA256").ID, 0x1301}
				}))
			}},
		{name: "hello/no-null-compression", state: "hello", alert: record.IllegalParameter,
			script: func(p *scriptPeer) {
				p.send(p.clientHello(func(ch *handshake.ClientHello) { ch.CompressionMethods = []uint8{1} }))
			}},
		{name: "certify/finished-instead-of-client-key-exchange", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.send(marshal(t, &handshake.Finished{VerifyData: make([]byte, 12)}))
			}},
		{name: "certify/client-key-exchange-without-certificate", state: "certify", alert: record.UnexpectedMessage, cfg: verifyPeer,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.send(p.clientKX(pki))
			}},
		{name: "certify/change-cipher-spec", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
			}},
		{name: "certify/second-client-hello", state: "certify", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.send(p.clientHello(nil))
			}},
		{name: "certify/unknown-ca", state: "certify", alert: record.UnknownCA, cfg: verifyPeer,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.send(marshal(t, handshake.NewCertificate(p.v, [][]byte{pki.clientOther.DER})))
			}},
		{name: "certify/empty-certificate-fail-if-no-peer-cert", state: "certify", alert: record.HandshakeFailure,
			cause: handshake.ErrPeerCertificateRequired,
			cfg:   func(c *handshake.Config) { c.VerifyPeer, c.FailIfNoPeerCert = true, true },
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.send(marshal(t, handshake.NewCertificate(p.v, nil)))
			}},
		{name: "cipher/finished-without-change-cipher-spec", state: "cipher", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.writeHS(p.clientKX(pki))
				p.send(p.finishedMsg())
			}},
		{name: "cipher/wrong-finished", state: "cipher", alert: record.DecryptError, cause: handshake.ErrBadFinished,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.writeHS(p.clientKX(pki))
				p.sendCCS()
				p.send(marshal(t, &handshake.Finished{VerifyData: make([]byte, 12)}))
			}},
		{name: "cipher/bad-record-mac", state: "cipher", alert: record.BadRecordMAC,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				p.writeHS(p.clientKX(pki))
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
				rec := append([]byte{22, 3, 3, 0, 40}, make([]byte, 40)...)
				_, err := p.conn.Write(rec)
				p.fail(err)
			}},
		{name: "cipher/missing-certificate-verify", state: "cipher", alert: record.UnexpectedMessage, cfg: verifyPeer,
			script: func(p *scriptPeer) {
				upToCKE(p, true)
				p.writeHS(p.clientKX(pki))
				p.fail(p.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1}))
				p.flush()
			}},
		{name: "cipher/bad-certificate-verify", state: "cipher", alert: record.DecryptError, cfg: verifyPeer,
			script: func(p *scriptPeer) {
				upToCKE(p, true)
				p.writeHS(p.clientKX(pki))
				sig, err := handshake.Sign(nil, pki.clientECDSA.Key, p.v, handshake.ECDSASecp256r1SHA256, []byte("not the transcript"))
				if err != nil {
					t.Fatal(err)
				}
				p.send(marshal(t, &handshake.CertificateVerify{Version: p.v, SignatureScheme: handshake.ECDSASecp256r1SHA256, Signature: sig}))
			}},
		{name: "cipher/certificate-verify-scheme-not-requested", state: "cipher", alert: record.IllegalParameter, cfg: verifyPeer,
			script: func(p *scriptPeer) {
				upToCKE(p, true)
				p.writeHS(p.clientKX(pki))
				sig, err := handshake.Sign(nil, pki.clientECDSA.Key, p.v, handshake.ECDSASHA1, p.msgs)
				if err != nil {
					t.Fatal(err)
				}
				p.send(marshal(t, &handshake.CertificateVerify{Version: p.v, SignatureScheme: handshake.ECDSASHA1, Signature: sig}))
			}},
		{name: "cipher/client-key-exchange-again", state: "cipher", alert: record.UnexpectedMessage,
			script: func(p *scriptPeer) {
				upToCKE(p, false)
				cke := p.clientKX(pki)
				p.send(cke, cke)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := pki.serverConfig(pki.serverRSA, rsaSuite)
			if c.cfg != nil {
				c.cfg(conf)
			}
			p := startScript(t, false, conf)
			c.script(p)
			he := p.expectFailure(c.state, c.alert)
			if c.cause != nil && !errors.Is(he, c.cause) {
				t.Fatalf("cause %v, want %v", he.Err, c.cause)
			}
		})
	}
}

// TestServerScriptedSuccess checks the client script against our server
// when it breaks nothing, with and without a client certificate, in TLS
// 1.2 and SSL 3.0 (where a missing certificate is a no_certificate
// warning), and the server's refusal of renegotiation afterwards.
func TestServerScriptedSuccess(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	for _, c := range []struct {
		v        cipher.Version
		suite    string
		withCert bool
	}{
		{cipher.VersionTLS12, "AES128-GCM-SHA256", true},
		{cipher.VersionTLS12, "AES128-GCM-SHA256", false},
		{cipher.VersionTLS11, "AES128-SHA", true},
		{cipher.VersionSSL30, "AES128-SHA", true},
		{cipher.VersionSSL30, "AES128-SHA", false},
	} {
		t.Run(c.v.String()+"/"+map[bool]string{true: "cert", false: "nocert"}[c.withCert], func(t *testing.T) {
			conf := pki.serverConfig(pki.serverRSA, cipher.SuiteByName(c.suite))
			conf.Versions = append(conf.Versions, cipher.VersionSSL30)
			conf.VerifyPeer = true
			p := startScript(t, false, conf)
			p.v, p.suite = c.v, cipher.SuiteByName(c.suite)
			p.send(p.clientHello(nil))
			sh, requested := p.readServerFlight()
			if !requested || sh.Version != c.v || len(sh.SessionID) != 32 {
				t.Fatalf("server flight: requested %v, %+v", requested, sh)
			}
			// RFC 8446, Section 4.1.3: a server supporting TLS 1.2
			// negotiating less marks its random.
			if dv, ok := handshake.DowngradeSentinel(sh.Random); ok != (c.v < cipher.VersionTLS12) || (ok && dv != cipher.VersionTLS11) {
				t.Fatalf("downgrade sentinel %v %v in a %s ServerHello", dv, ok, c.v)
			}
			switch {
			case c.withCert:
				p.writeHS(marshal(t, handshake.NewCertificate(p.v, [][]byte{pki.clientRSA.DER})))
			case c.v == cipher.VersionSSL30:
				p.flush()
				p.fail(p.rc.SendAlert(record.Warning, record.NoCertificate))
			default:
				p.writeHS(marshal(t, handshake.NewCertificate(p.v, nil)))
			}
			p.writeHS(p.clientKX(pki))
			if c.withCert {
				var sig []byte
				var err error
				scheme := handshake.RSAPSSRSAESHA256
				if c.v < cipher.VersionTLS12 {
					scheme = 0
				}
				if c.v == cipher.VersionSSL30 {
					h := cipher.NewTranscriptHash(p.v, p.suite).(*cipher.MD5SHA1)
					h.Write(p.msgs)
					digest, derr := cipher.SSL3CertificateVerifyHash(p.master, h.MD5, h.SHA1)
					if derr != nil {
						t.Fatal(derr)
					}
					sig, err = handshake.SignDigest(nil, pki.clientRSA.Key, p.v, 0, digest)
				} else {
					sig, err = handshake.Sign(nil, pki.clientRSA.Key, p.v, scheme, p.msgs)
				}
				if err != nil {
					t.Fatal(err)
				}
				p.writeHS(marshal(t, &handshake.CertificateVerify{Version: p.v, SignatureScheme: scheme, Signature: sig}))
			}
			p.sendCCS()
			p.send(p.finishedMsg())
			p.readCCS()
			want := p.finished(false)
			fin, err := handshake.UnmarshalFinished(p.expect(handshake.TypeFinished))
			if err != nil || string(fin.VerifyData) != string(want) {
				t.Fatalf("server Finished %x, want %x", fin.VerifyData, want)
			}
			r := <-p.ours
			if r.err != nil || p.err != nil {
				t.Fatalf("ours %v, script %v", r.err, p.err)
			}
			if (len(r.st.PeerCertificates) == 1) != c.withCert || r.st.Version != c.v {
				t.Fatalf("state %+v", r.st)
			}
			// A ClientHello after the handshake: no_renegotiation as a
			// warning in TLS, handshake_failure in SSL 3.0.
			sent := make(chan struct{})
			go func() { p.send(p.clientHello(nil)); close(sent) }()
			m, err := r.rc.ReadMessage()
			<-sent
			if err != nil || m.Type != record.TypeHandshake {
				t.Fatalf("reading the ClientHello: %v", err)
			}
			if c.v == cipher.VersionSSL30 {
				wantHSAlert(t, r.st.HandleMessage(r.rc, m.Data), record.HandshakeFailure)
				return
			}
			handled := make(chan error, 1)
			go func() { handled <- r.st.HandleMessage(r.rc, m.Data) }()
			got, err := p.rc.ReadMessage()
			if err != nil || got.Type != record.TypeAlert || got.Alert.Description != record.NoRenegotiation || got.Alert.Level != record.Warning {
				t.Fatalf("the client got %+v, %v; want a no_renegotiation warning", got, err)
			}
			if err := <-handled; err != nil {
				t.Fatal(err)
			}
			if err := exchangeWithScript(p, r.rc); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestClientIgnores checks what a client ignores during the handshake
// (HelloRequest, RFC 5246, Section 7.4.1.1; warning alerts), and where
// that stops.
func TestClientIgnores(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	t.Run("hello-request-and-warnings", func(t *testing.T) {
		p := startScript(t, true, pki.clientConfig(cipher.SuiteByName("AES128-GCM-SHA256")))
		p.readClientHello()
		p.writeRawHS(marshal(t, &handshake.HelloRequest{}))
		p.flush()
		p.fail(p.rc.SendAlert(record.Warning, record.UnrecognizedName))
		flight := p.serverFlight(pki)
		p.writeHS(flight[0])
		p.writeRawHS(marshal(t, &handshake.HelloRequest{}))
		p.writeHS(flight[1:]...)
		p.flush()
		p.readClientKX(pki)
		p.readClientFinish()
		p.sendCCS()
		p.send(marshal(t, &handshake.Finished{VerifyData: p.finished(false)}))
		if r := <-p.ours; r.err != nil || p.err != nil {
			t.Fatalf("ours %v, script %v", r.err, p.err)
		}
	})
	t.Run("too-many-hello-requests", func(t *testing.T) {
		p := startScript(t, true, pki.clientConfig(cipher.SuiteByName("AES128-GCM-SHA256")))
		p.readClientHello()
		for i := 0; i < 5; i++ {
			p.writeRawHS(marshal(t, &handshake.HelloRequest{}))
		}
		p.flush()
		p.expectFailure("hello", record.UnexpectedMessage)
	})
	t.Run("hello-request-with-body", func(t *testing.T) {
		p := startScript(t, true, pki.clientConfig(cipher.SuiteByName("AES128-GCM-SHA256")))
		p.readClientHello()
		p.writeRawHS([]byte{0, 0, 0, 1, 0})
		p.flush()
		p.expectFailure("hello", record.DecodeError)
	})
	t.Run("close-notify", func(t *testing.T) {
		p := startScript(t, true, pki.clientConfig(cipher.SuiteByName("AES128-GCM-SHA256")))
		p.readClientHello()
		p.fail(p.rc.SendAlert(record.Warning, record.CloseNotify))
		r := p.result()
		var he *handshake.Error
		if errors.As(r.err, &he) || r.err == nil {
			t.Fatalf("close_notify during the handshake: %v; want a transport error", r.err)
		}
	})
	t.Run("fatal-alert", func(t *testing.T) {
		p := startScript(t, true, pki.clientConfig(cipher.SuiteByName("AES128-GCM-SHA256")))
		p.readClientHello()
		p.fail(p.rc.SendAlert(record.Fatal, record.InsufficientSecurity))
		r := p.result()
		wantRemote(t, r.err, record.InsufficientSecurity)
		var he *handshake.Error
		errors.As(r.err, &he)
		if he.State != "hello" {
			t.Fatalf("state %q", he.State)
		}
	})
}

// TestContextCancelled checks that a cancelled context ends a handshake
// with the context's error, not an alert.
func TestContextCancelled(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, client := range []bool{true, false} {
		var err error
		if client {
			_, err = handshake.Client(ctx, record.NewConn(a, record.Config{}), pki.clientConfig(cipher.DefaultSuites()...))
		} else {
			_, err = handshake.Server(ctx, record.NewConn(a, record.Config{}), pki.serverConfig(pki.serverECDSA, cipher.DefaultSuites()...))
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("client %v: %v", client, err)
		}
		var he *handshake.Error
		if errors.As(err, &he) {
			t.Fatalf("a cancelled context became an alert: %v", he)
		}
	}
	// A nil config is an internal_error, not a panic.
	_, err := handshake.Client(context.Background(), record.NewConn(a, record.Config{}), nil)
	wantHSAlert(t, err, record.InternalError)
	_, err = handshake.Server(context.Background(), nil, &handshake.Config{})
	wantHSAlert(t, err, record.InternalError)
}

// TestServerSSLv2Hello checks a server with v2_hello_compatible against a
// client whose first message is an SSL 2.0 CLIENT-HELLO (RFC 5246,
// Appendix E.2), which enters the transcript as received.
func TestServerSSLv2Hello(t *testing.T) {
	leakcheck.Check(t)
	pki := newHSPKI(t)
	suite := cipher.SuiteByName("AES128-GCM-SHA256")
	p := startScriptRecord(t, false, pki.serverConfig(pki.serverRSA, suite), record.Config{V2HelloCompatible: true})
	var challenge [32]byte
	if _, err := rand.Read(challenge[:]); err != nil {
		t.Fatal(err)
	}
	specs := []byte{0, byte(suite.ID >> 8), byte(suite.ID), 0, 0, 0xff} // the suite and the renegotiation SCSV
	msg := []byte{1, 3, 3, 0, byte(len(specs)), 0, 0, 0, 32}
	msg = append(append(msg, specs...), challenge[:]...)
	p.msgs = append(p.msgs, msg...)
	p.cr = challenge
	_, err := p.conn.Write(append([]byte{0x80 | byte(len(msg)>>8), byte(len(msg))}, msg...))
	p.fail(err)
	sh, _ := p.readServerFlight()
	if sh.ExtendedMasterSecret || !sh.SecureRenegotiationSupported || sh.Version != cipher.VersionTLS12 {
		t.Fatalf("ServerHello to an SSL 2.0 hello: %+v", sh)
	}
	p.writeHS(p.clientKX(pki))
	p.sendCCS()
	p.send(p.finishedMsg())
	p.readCCS()
	want := p.finished(false)
	fin, err := handshake.UnmarshalFinished(p.expect(handshake.TypeFinished))
	if err != nil || !bytes.Equal(fin.VerifyData, want) {
		t.Fatalf("server Finished %x, want %x", fin.VerifyData, want)
	}
	if r := <-p.ours; r.err != nil || p.err != nil || r.st.ClientRandom != challenge {
		t.Fatalf("ours %v, script %v", r.err, p.err)
	}
}
