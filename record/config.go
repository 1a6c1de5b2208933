package record

import (
	"github.com/otpssl/ssl/cipher"
)

// Defaults of Config.
const (
	// DefaultMaxHandshakeSize is Erlang's default max_handshake_size,
	// 256 KiB: the largest handshake message body accepted.
	DefaultMaxHandshakeSize = 256 * 1024
	// DefaultMaxEmptyRecords is how many records in a row may arrive that
	// deliver nothing (empty application data, TLS 1.3 compatibility
	// change_cipher_spec records) before the connection is refused, as
	// OpenSSL does.
	DefaultMaxEmptyRecords = 32
	// DefaultMaxWarningAlerts is how many warning alerts in a row may
	// arrive before the connection is refused, Erlang's limit (MAX_ALERTS
	// in ssl_alert.hrl).
	DefaultMaxWarningAlerts = 10
)

// BeastMitigation is the Erlang beast_mitigation option: how application
// data is split into records when the write protection chains CBC IVs
// (SSL 3.0 and TLS 1.0 with a CBC suite), so that an attacker cannot
// choose the plaintext of a block whose IV it already knows.
type BeastMitigation uint8

// BEAST mitigation strategies. The zero value is Erlang's default.
const (
	// OneNMinusOne sends the first byte of each write in a record of its
	// own, then the rest (the 1/n-1 split).
	OneNMinusOne BeastMitigation = iota
	// ZeroN sends an empty application data record before each write
	// (the 0/n split).
	ZeroN
	// BeastDisabled sends writes as they are, leaving SSL 3.0 and TLS 1.0
	// CBC connections open to BEAST.
	BeastDisabled
)

// String returns the Erlang atom: "one_n_minus_one", "zero_n" or
// "disabled".
func (b BeastMitigation) String() string {
	switch b {
	case OneNMinusOne:
		return "one_n_minus_one"
	case ZeroN:
		return "zero_n"
	case BeastDisabled:
		return "disabled"
	}
	return "unknown"
}

// Config holds the record layer's settings for one connection. The zero
// value gives Erlang's defaults.
type Config struct {
	// MaxHandshakeSize bounds the body of one handshake message (Erlang's
	// max_handshake_size). A larger declared length is refused with a
	// handshake_failure alert, as Erlang does, before the message is read.
	// 0 means DefaultMaxHandshakeSize.
	MaxHandshakeSize int
	// MaxEmptyRecords bounds how many records in a row may deliver nothing
	// to the caller; one more is an unexpected_message. 0 means
	// DefaultMaxEmptyRecords.
	MaxEmptyRecords int
	// MaxWarningAlerts bounds how many warning alerts may arrive in a row;
	// one more is a decode_error, as in Erlang. 0 means
	// DefaultMaxWarningAlerts.
	MaxWarningAlerts int
	// BeastMitigation is Erlang's beast_mitigation option; it only affects
	// writes of application data under SSL 3.0 and TLS 1.0 CBC suites.
	BeastMitigation BeastMitigation
	// DisablePaddingCheck is Erlang's {padding_check, false}: TLS 1.0 CBC
	// records are accepted whatever the values of their padding bytes
	// (the padding length is still checked). It has no effect on other
	// versions. It makes TLS 1.0 open to POODLE; use it only for legacy
	// peers that need it.
	DisablePaddingCheck bool
	// V2HelloCompatible is Erlang's v2_hello_compatible server option:
	// Conn.ReadClientHello accepts an SSL 2.0 CLIENT-HELLO as the first
	// message (RFC 5246, Appendix E.2).
	V2HelloCompatible bool
	// PadTo pads every TLS 1.3 record's inner plaintext with zeros to a
	// multiple of PadTo bytes (RFC 8446, Section 5.4), capped by the
	// record size limit. 0 or 1 means no padding. It has no effect before
	// TLS 1.3.
	PadTo int
	// InitialVersion is the version written in record headers before
	// Conn.SetVersion: 0x0301 when zero, as most clients send the first
	// ClientHello (RFC 8446, Section 5.1 allows it); a client whose
	// highest version is SSL 3.0 sets it to cipher.VersionSSL30.
	InitialVersion cipher.Version
}

func (c Config) normalized() Config {
	if c.MaxHandshakeSize <= 0 {
		c.MaxHandshakeSize = DefaultMaxHandshakeSize
	}
	if c.MaxHandshakeSize > 1<<24-1 {
		c.MaxHandshakeSize = 1<<24 - 1
	}
	if c.MaxEmptyRecords <= 0 {
		c.MaxEmptyRecords = DefaultMaxEmptyRecords
	}
	if c.MaxWarningAlerts <= 0 {
		c.MaxWarningAlerts = DefaultMaxWarningAlerts
	}
	if c.InitialVersion == 0 {
		c.InitialVersion = cipher.VersionTLS10
	}
	return c
}
