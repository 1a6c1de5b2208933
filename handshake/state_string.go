package handshake

import (
	"log/slog"
	"strconv"
	"strings"
)

// String describes the outcome of a handshake for logs and errors
// without its secrets: version, suite, server name, ALPN protocol,
// whether it resumed, never the master secret, the session or the
// traffic secrets. It is what %v, %+v, %s and %#v print of a *State, and
// (LogValue) what log/slog records.
func (s *State) String() string {
	if s == nil {
		return "handshake.State(nil)"
	}
	var b strings.Builder
	b.WriteString("handshake.State{")
	b.WriteString(s.Version.String())
	if s.Suite != nil {
		b.WriteString(" " + s.Suite.String())
	}
	if s.ServerName != "" {
		b.WriteString(" server_name=" + strconv.Quote(s.ServerName))
	}
	if s.ALPN != "" {
		b.WriteString(" alpn=" + strconv.Quote(s.ALPN))
	}
	b.WriteString(" resumed=" + strconv.FormatBool(s.Resumed) + "}")
	return b.String()
}

// GoString is String: %#v prints no secret either.
func (s *State) GoString() string { return s.String() }

// LogValue is String for log/slog.
func (s *State) LogValue() slog.Value { return slog.StringValue(s.String()) }
