package session

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestSessionNotPrinted: the ways a session reaches a log line or an
// error (fmt's verbs on the value and the pointer, log/slog's text and
// JSON handlers) never show its master secret or ticket, in any of the
// renderings fmt and slog use for bytes.
func TestSessionNotPrinted(t *testing.T) {
	s := sampleSession(7)
	s.Ticket = bytes.Repeat([]byte{0xa5}, 40)
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out = append(out, fmt.Sprintf(verb, s), fmt.Sprintf(verb, *s), fmt.Sprintf(verb, []*Session{s}))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "session", s, "value", *s)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "session", s, "value", *s)
	out = append(out, buf.String())
	for _, secret := range [][]byte{s.MasterSecret, s.Ticket} {
		forms := []string{
			fmt.Sprint(secret), fmt.Sprintf("%x", secret), fmt.Sprintf("% x", secret), fmt.Sprintf("%X", secret),
			hex.EncodeToString(secret), base64.StdEncoding.EncodeToString(secret), string(secret),
		}
		for _, o := range out {
			for _, f := range forms {
				if strings.Contains(o, f) {
					t.Fatalf("a secret printed: %s", o)
				}
			}
		}
	}
	if !strings.Contains(out[0], hex.EncodeToString(s.ID)) {
		t.Fatalf("the session ID is missing from %s", out[0])
	}
}
