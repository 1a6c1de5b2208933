// Package ssl is a TLS library with the API and the abilities of
// Erlang/OTP's ssl module, on a TLS stack of its own built on Go's
// cryptographic primitives.
//
// An Erlang function becomes a Go function or method with the same name in
// CamelCase, an Erlang option an Option, an {error, Reason} a Go error that
// errors.Is and errors.As can take apart, and an active-mode message a value
// on a Go channel.
package ssl

import (
	"fmt"
	"time"

	"github.com/otpssl/ssl/cipher"
)

// Infinity, given as a timeout, waits forever.
const Infinity time.Duration = -1

// Protocol is a protocol version: SSLv3, TLSv1, TLSv1_1, TLSv1_2, TLSv1_3,
// DTLSv1 or DTLSv1_2.
type Protocol uint16

// The protocol versions. The values are the versions as they appear on
// the wire.
const (
	SSLv3    Protocol = Protocol(cipher.VersionSSL30)
	TLSv1    Protocol = Protocol(cipher.VersionTLS10)
	TLSv1_1  Protocol = Protocol(cipher.VersionTLS11)
	TLSv1_2  Protocol = Protocol(cipher.VersionTLS12)
	TLSv1_3  Protocol = Protocol(cipher.VersionTLS13)
	DTLSv1   Protocol = 0xfeff
	DTLSv1_2 Protocol = 0xfefd
)

// String returns the Erlang atom of the protocol ("tlsv1.2").
func (p Protocol) String() string {
	switch p {
	case DTLSv1:
		return "dtlsv1"
	case DTLSv1_2:
		return "dtlsv1.2"
	}
	return cipher.Version(p).String()
}

// ParseProtocol returns the protocol named by an Erlang atom ("tlsv1.2").
func ParseProtocol(s string) (Protocol, error) {
	for _, p := range []Protocol{SSLv3, TLSv1, TLSv1_1, TLSv1_2, TLSv1_3, DTLSv1, DTLSv1_2} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("ssl: unknown protocol %q", s)
}
