package handshake_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// Renegotiation in the state machine fuzz targets: after a completed
// handshake, runFuzzSide hands a HelloRequest (our client) or a
// ClientHello (our server) to the renegotiation, as the socket layer
// does, so mutated inputs reach every state of a renegotiation too. The
// seeds seed-reneg-* hold the peer's records of a handshake followed by
// a renegotiation, with application data before, between and after its
// messages; TestRenegotiationFuzzSeeds checks that they still
// renegotiate, and with -hs.update-fuzz-seeds records them anew.

// fuzzRenegotiate runs the renegotiation msg starts, if it starts one: it
// reports whether it did, and returns the new state (st when the
// renegotiation was declined or failed).
func fuzzRenegotiate(t *testing.T, rc *record.Conn, st *handshake.State, client bool, msg []byte) (*handshake.State, bool, error) {
	if !st.CanRenegotiate() || len(msg) == 0 {
		return st, false, nil
	}
	r := handshake.Renegotiation{AppData: func([]byte) error { return nil }}
	var next *handshake.State
	var err error
	switch typ := handshake.MessageType(msg[0]); {
	case client && typ == handshake.TypeHelloRequest && len(msg) == 4:
		next, err = st.RenegotiateClient(context.Background(), rc, r)
	case !client && typ == handshake.TypeClientHello:
		next, err = st.RenegotiateServer(context.Background(), rc, msg, r)
	default:
		return st, false, nil
	}
	if errors.Is(err, handshake.ErrRenegotiationRejected) {
		return st, true, nil
	}
	if err != nil {
		return st, true, err
	}
	if next.Version != st.Version || len(next.MasterSecret) != 48 || next.Suite == nil {
		t.Fatalf("bad state after a renegotiation: %+v", next)
	}
	return next, true, nil
}

// recordRenegotiationSeed runs our two sides through a handshake and a
// renegotiation started by the peer (a HelloRequest from a server peer,
// a ClientHello from a client peer), and returns the peer's records as
// items.
func recordRenegotiationSeed(t *testing.T, clientUnderTest bool, c fuzzSeedCase) []byte {
	cli, srv := fuzzClientConfig(t), fuzzServerConfig(t)
	if clientUnderTest {
		srv.Rand = newFuzzRand("fuzz reneg seed server " + c.name)
		srv.VerifyPeer = false
		c.peer(srv)
	} else {
		cli.Rand = newFuzzRand("fuzz reneg seed client " + c.name)
		cli.Certificates = nil
		cli.ALPN, cli.NextProtocols = nil, nil
		c.peer(cli)
	}
	a, b := net.Pipe()
	defer a.Close()
	rec := &recordingConn{Conn: b}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	appData := handshake.Renegotiation{AppData: func([]byte) error { return nil }}
	peerDone := make(chan error, 1)
	go func() {
		defer b.Close()
		r := runOurs(rec, !clientUnderTest, map[bool]*handshake.Config{true: srv, false: cli}[clientUnderTest])
		if r.err != nil {
			peerDone <- r.err
			return
		}
		if _, err := r.rc.Write([]byte("before")); err != nil {
			peerDone <- err
			return
		}
		var err error
		if clientUnderTest {
			if err = r.st.SendHelloRequest(r.rc); err == nil {
				var m record.Message
				if m, err = r.rc.ReadMessage(); err == nil {
					_, err = r.st.RenegotiateServer(ctx, r.rc, m.Data, appData)
				}
			}
		} else {
			_, err = r.st.RenegotiateClient(ctx, r.rc, appData)
		}
		if err == nil {
			_, err = r.rc.Write([]byte("after"))
		}
		peerDone <- err
	}()
	r := runOurs(a, clientUnderTest, map[bool]*handshake.Config{true: cli, false: srv}[clientUnderTest])
	if r.err != nil {
		t.Fatalf("seed %s: %v", c.name, r.err)
	}
	st := r.st
	for renegotiated := false; ; {
		m, err := r.rc.ReadMessage()
		if err != nil {
			t.Fatalf("seed %s: %v", c.name, err)
		}
		if m.Type == record.TypeApplicationData && string(m.Data) == "after" && renegotiated {
			break
		}
		if m.Type == record.TypeHandshake {
			var did bool
			if st, did, err = fuzzRenegotiate(t, r.rc, st, clientUnderTest, m.Data); err != nil || !did {
				t.Fatalf("seed %s: renegotiation %v, %v", c.name, did, err)
			}
			renegotiated = true
		}
	}
	if err := <-peerDone; err != nil {
		t.Fatalf("seed %s: peer: %v", c.name, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return recordsToItems(t, rec.out.Bytes())
}

func renegotiationSeedCases(tb testing.TB) (client, server []fuzzSeedCase) {
	client = []fuzzSeedCase{
		{"reneg-ecdhe-ecdsa-gcm-certreq", func(c *handshake.Config) {
			c.Suites, c.VerifyPeer = one(tb, "ECDHE-ECDSA-AES128-GCM-SHA256"), true
		}},
		{"reneg-rsa-cbc", func(c *handshake.Config) { c.Suites = one(tb, "AES128-SHA") }},
	}
	server = []fuzzSeedCase{
		{"reneg-ecdhe-rsa-chacha", func(c *handshake.Config) { c.Suites = one(tb, "ECDHE-RSA-CHACHA20-POLY1305") }},
		{"reneg-ecdhe-ecdsa-gcm-cert", func(c *handshake.Config) {
			fx := hsFuzzFixture(tb)
			c.Suites, c.Certificates = one(tb, "ECDHE-ECDSA-AES128-GCM-SHA256"), []handshake.Credential{fx.client}
		}},
	}
	return client, server
}

// TestRenegotiationFuzzSeeds checks that the renegotiation seeds of the
// state machine fuzz targets still complete a handshake and a
// renegotiation, and with -hs.update-fuzz-seeds records them anew.
func TestRenegotiationFuzzSeeds(t *testing.T) {
	cc, sc := renegotiationSeedCases(t)
	for _, target := range []struct {
		name   string
		client bool
		cases  []fuzzSeedCase
	}{
		{"FuzzClientStates", true, cc},
		{"FuzzServerStates", false, sc},
	} {
		for _, c := range target.cases {
			items := stateSeedItems(t, "TestRenegotiationFuzzSeeds", target.name, c.name, func() []byte { return recordRenegotiationSeed(t, target.client, c) })
			cfg := fuzzServerConfig(t)
			if target.client {
				cfg = fuzzClientConfig(t)
			}
			first := runFuzzSideHandshake(t, target.client, cfg, items)
			if first.st == nil || first.final == first.st || first.final.ClientRandom == first.st.ClientRandom {
				t.Errorf("%s/%s: the seed no longer renegotiates", target.name, c.name)
			}
		}
	}
}
