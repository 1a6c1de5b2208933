package interop_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ssl "github.com/otpssl/ssl"
)

// TestErlangReasonsAgree puts our side and Erlang's ssl in the same failed
// handshake against crypto/tls, and compares the reasons: our error's
// Term() with what ssl:connect or ssl:handshake returned. OTP names the
// source position of a generated alert and ends the text with a newline,
// which our texts leave out; when OTP gives no reason after the first line
// (it hides {bad_cert, _}), the first lines must agree, else the whole
// texts.
func TestErlangReasonsAgree(t *testing.T) {
	p := newPKI(t)
	e := startErlang(t)
	root := p.rootFile(t)
	type scenario struct {
		name string
		// client: both clients against a crypto/tls server with goCfg;
		// else both servers against a crypto/tls client with goCfg.
		client bool
		goCfg  func() *tls.Config
		ours   []ssl.Option
		erl    string // Erlang options after the common ones
	}
	goServer := func(cert tls.Certificate, f func(*tls.Config)) func() *tls.Config {
		return func() *tls.Config {
			c := &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12}
			if f != nil {
				f(c)
			}
			return c
		}
	}
	goClient := func(cert *tls.Certificate, f func(*tls.Config)) func() *tls.Config {
		return func() *tls.Config {
			c := &tls.Config{RootCAs: p.goRoots(), ServerName: serverName, MaxVersion: tls.VersionTLS12}
			if cert != nil {
				c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
			}
			if f != nil {
				f(c)
			}
			return c
		}
	}
	untrusted, expired := goCert(p.untrustedClient), goCert(p.expiredCli)
	srv := p.files(t, "agree-srv", p.serverRSA)
	erlServer := fmt.Sprintf("{certfile, %s}, {keyfile, %s}", erlangStr(srv.cert), erlangStr(srv.key))
	erlVerify := ", {verify, verify_peer}, {fail_if_no_peer_cert, true}, {cacertfile, " + erlangStr(root) + "}"
	ourVerify := append(ourCert(p.serverRSA), ssl.Verify(ssl.VerifyPeer), ssl.CACerts(p.root.DER))
	scenarios := []scenario{
		{name: "client/unknown-ca", client: true, goCfg: goServer(goCert(p.untrustedServer), nil)},
		{name: "client/expired", client: true, goCfg: goServer(goCert(p.expiredSrv), nil)},
		{name: "client/hostname-mismatch", client: true, goCfg: goServer(goCert(p.wrongHost), nil)},
		{name: "client/receives-no-application-protocol", client: true,
			goCfg: goServer(goCert(p.serverRSA), func(c *tls.Config) { c.NextProtos = []string{"h2"} }),
			ours:  []ssl.Option{ssl.ALPNAdvertisedProtocols("spdy/3")}, erl: `, {alpn_advertised_protocols, [<<"spdy/3">>]}`},
		{name: "client/receives-refusal-of-no-certificate", client: true,
			goCfg: goServer(goCert(p.serverRSA), func(c *tls.Config) {
				c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, p.goRoots()
			})},
		{name: "server/unknown-ca", goCfg: goClient(&untrusted, nil), ours: ourVerify, erl: erlServer + erlVerify},
		{name: "server/expired", goCfg: goClient(&expired, nil), ours: ourVerify, erl: erlServer + erlVerify},
		{name: "server/no-client-certificate", goCfg: goClient(nil, nil), ours: append(ourVerify, ssl.FailIfNoPeerCert(true)),
			erl: erlServer + erlVerify},
		{name: "server/no-application-protocol", goCfg: goClient(nil, func(c *tls.Config) { c.NextProtos = []string{"spdy/3"} }),
			ours: append(ourCert(p.serverRSA), ssl.ALPNPreferredProtocols("h2")), erl: erlServer + `, {alpn_preferred_protocols, [<<"h2">>]}`},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var ours error
			var theirs string
			if sc.client {
				ln, err := tls.Listen("tcp", "127.0.0.1:0", sc.goCfg())
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				go func() {
					for {
						c, err := ln.Accept()
						if err != nil {
							return
						}
						c.SetDeadline(time.Now().Add(hang))
						// A client is refused only at its first read
						// when the server refuses its certificate.
						go func() { defer c.Close(); readLine(c) }()
					}
				}()
				port := ln.Addr().(*net.TCPAddr).Port
				s, err := connect(port, p.clientOpts(append([]ssl.Option{ourTLS12}, sc.ours...)...))
				if err == nil {
					// The refusal of a certificate we did not send
					// comes after our Finished.
					_, err = s.Recv(0, hang)
					s.Close()
				}
				ours = err
				ref := e.send(t, "{client, %s, %d, [{versions, ['tlsv1.2']}, {verify, verify_peer}, {cacertfile, %s}, {server_name_indication, %s}"+sc.erl+"]}",
					port, erlangStr(root), erlangStr(serverName))
				_, theirs = e.wait(t, ref, "error")
			} else {
				dial := func(port int) {
					c, err := tls.DialWithDialer(&net.Dialer{Timeout: hang}, "tcp", "127.0.0.1:"+strconv.Itoa(port), sc.goCfg())
					if err == nil {
						c.SetDeadline(time.Now().Add(hang))
						readLine(c)
						c.Close()
					}
				}
				ls, port := listen(t, append([]ssl.Option{ourTLS12}, sc.ours...)...)
				ch := acceptOne(t, ls)
				go dial(port)
				_, ours = waitAccepted(t, ch)
				ref := e.send(t, "{server, %s, [{versions, ['tlsv1.2']}, "+sc.erl+"]}")
				go dial(e.port(t, ref))
				_, theirs = e.wait(t, ref, "error")
			}
			if ours == nil {
				t.Fatalf("our side succeeded; Erlang's failed with %s", theirs)
			}
			if err := erlangAgrees(alertOf(t, ours).Term(), theirs); err != nil {
				t.Fatal(err)
			}
		})
	}
}

var erlangPosition = regexp.MustCompile(` at [a-z_0-9]+\.erl:[0-9]+`)

// erlangAgrees compares our Term with the reason Erlang printed.
func erlangAgrees(ours, erl string) error {
	norm := erlangPosition.ReplaceAllString(erl, "")
	norm = strings.Replace(norm, `\n"}}`, `"}}`, 1)
	got := ours
	if !strings.Contains(norm, `\n `) {
		if i := strings.Index(ours, `\n `); i >= 0 {
			got = ours[:i] + `"}}`
		}
	}
	if got != norm {
		return fmt.Errorf("our reason differs from Erlang's:\nours:   %s\nErlang: %s", ours, erl)
	}
	return nil
}
