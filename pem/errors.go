package pem

import (
	"errors"
	"fmt"
)

// ErrIncorrectPassword is the error (tested with errors.Is) for an
// encrypted entry that does not decrypt with the password given: the
// padding or the structure of the plaintext is wrong. An empty password
// for an encrypted entry gives it too.
var ErrIncorrectPassword = errors.New("pem: incorrect password")

// ErrTooManyIterations is the error (tested with errors.Is) for an
// encrypted PKCS#8 key whose PBKDF2 iteration count is above
// MaxPBKDF2Iterations: deriving the key would hold the caller for too long.
var ErrTooManyIterations = errors.New("pem: PBKDF2 iteration count above the limit")

// SyntaxError reports PEM armour that cannot be decoded: a BEGIN line
// without its END line, an END line with another label, bad headers or
// bad base64.
type SyntaxError struct {
	Line   int    // the 1-based line where the problem is
	Reason string // what is wrong
}

// Error returns "pem: line N: reason".
func (e *SyntaxError) Error() string { return fmt.Sprintf("pem: line %d: %s", e.Line, e.Reason) }

// UnsupportedError reports an algorithm this package does not implement:
// an encryption scheme, key derivation function, PRF or cipher of an
// encrypted key, or a key algorithm. OID is its object identifier in dotted
// form (empty for a legacy cipher known only by name), Name what it is
// commonly called when known.
type UnsupportedError struct {
	What string // "encryption scheme", "key derivation function", "PRF", "cipher", "key algorithm"
	OID  string
	Name string
}

// Error names what is unsupported, by object identifier and name when
// known.
func (e *UnsupportedError) Error() string {
	switch {
	case e.OID != "" && e.Name != "":
		return fmt.Sprintf("pem: unsupported %s %s (%s)", e.What, e.OID, e.Name)
	case e.OID != "":
		return fmt.Sprintf("pem: unsupported %s %s", e.What, e.OID)
	}
	return fmt.Sprintf("pem: unsupported %s %s", e.What, e.Name)
}

// errorf makes the errors of this package, all prefixed "pem: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("pem: "+format, args...)
}
