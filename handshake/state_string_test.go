package handshake_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/otpssl/ssl/handshake"
)

// TestStateNotPrinted: a *State in a log line or an error shows neither
// its master secret nor its session's.
func TestStateNotPrinted(t *testing.T) {
	p := newHSPKI(t)
	cli, srv := resumeConfigs(t, p, suitesByName(t, "ECDHE-ECDSA-AES128-GCM-SHA256")...)
	c, _ := mustPair(t, cli, srv)
	if len(c.MasterSecret) == 0 || c.Session == nil {
		t.Fatal("no secret to hide")
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out = append(out, fmt.Sprintf(verb, c), fmt.Sprintf(verb, []*handshake.State{c}))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "state", c)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "state", c)
	out = append(out, buf.String())
	for _, o := range out {
		for _, f := range []string{fmt.Sprint(c.MasterSecret), hex.EncodeToString(c.MasterSecret), fmt.Sprintf("% x", c.MasterSecret)} {
			if strings.Contains(o, f) {
				t.Fatalf("the master secret printed: %s", o)
			}
		}
	}
}
