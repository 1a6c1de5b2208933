package handshake_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// TestRenegotiationServerIdentity: a renegotiation in which the server's
// certificate changes is the triple handshake attack unless both
// handshakes have the extended master secret. Our client accepts the
// change only then and ends the renegotiation with bad_certificate
// otherwise; the same certificate renegotiates with or without it.
func TestRenegotiationServerIdentity(t *testing.T) {
	for _, c := range []struct {
		name         string
		ems, change  bool
		wantRejected bool
	}{
		{"same-cert-ems", true, false, false},
		{"same-cert-no-ems", false, false, false},
		{"changed-cert-ems", true, true, false},
		{"changed-cert-no-ems", false, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			fx := hsFuzzFixture(t)
			suites := suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256")
			cli := fuzzClientConfig(t)
			cli.Versions, cli.Suites = []cipher.Version{cipher.VersionTLS12}, suites
			cli.Certificates, cli.ALPN, cli.NextProtocols = nil, nil, nil
			if !c.ems {
				handshake.SetTestHooks(cli, handshake.TestHooks{ClientHello: func(h *handshake.ClientHello) { h.ExtendedMasterSecret = false }})
			}
			srv := fuzzServerConfig(t)
			srv.Versions, srv.Suites, srv.VerifyPeer = []cipher.Version{cipher.VersionTLS12}, suites, false
			srv.Certificates = []handshake.Credential{fx.ec}
			second := *srv
			second.SNI = nil
			if c.change {
				second.Certificates = []handshake.Credential{fx.rsa}
			}
			var calls atomic.Int32
			srv.SNI = func(string) (*handshake.Config, error) {
				if calls.Add(1) == 1 {
					return nil, nil
				}
				return &second, nil
			}
			a, b := net.Pipe()
			defer a.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r := handshake.Renegotiation{AppData: func([]byte) error { return nil }}
			srvDone := make(chan error, 1)
			go func() {
				defer b.Close()
				res := runOurs(b, false, srv)
				if res.err != nil {
					srvDone <- res.err
					return
				}
				m, err := res.rc.ReadMessage()
				if err == nil {
					_, err = res.st.RenegotiateServer(ctx, res.rc, m.Data, r)
				}
				srvDone <- err
			}()
			res := runOurs(a, true, cli)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.st.ExtendedMasterSecret != c.ems {
				t.Fatalf("extended master secret %v, want %v", res.st.ExtendedMasterSecret, c.ems)
			}
			st, err := res.st.RenegotiateClient(ctx, res.rc, r)
			if c.wantRejected {
				var he *handshake.Error
				if !errors.As(err, &he) || he.Alert.Description != record.BadCertificate {
					t.Fatalf("RenegotiateClient = %v, want bad_certificate", err)
				}
				a.Close()
				<-srvDone
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := <-srvDone; err != nil {
				t.Fatalf("server: %v", err)
			}
			want := fx.ec.Chain[0]
			if c.change {
				want = fx.rsa.Chain[0]
			}
			if string(st.PeerCertificates[0]) != string(want) {
				t.Fatal("the renegotiated state does not hold the server's new certificate")
			}
		})
	}
}
