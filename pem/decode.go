package pem

import (
	"bytes"
	"encoding/base64"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Entry is one BEGIN/END block of a PEM file, as Erlang's pem_entry():
// its kind, its DER bytes and whether it is encrypted.
//
// Entries returned by a FileCache are shared between callers: treat Bytes
// and Headers as read-only.
type Entry struct {
	// Kind is the kind of the entry; for an encrypted entry, the kind of
	// what it decrypts to.
	Kind Kind
	// Type is the label as written on the BEGIN line ("RSA PRIVATE KEY").
	Type string
	// Headers are the RFC 1421 headers between the BEGIN line and the
	// data ("Proc-Type", "DEK-Info"); nil when there are none. A repeated
	// header keeps its last value.
	Headers map[string]string
	// Bytes is the decoded data: the DER of the entry, or, for an
	// encrypted entry, the data still encrypted (the ciphertext for
	// OpenSSL's traditional encryption, the EncryptedPrivateKeyInfo DER
	// for an "ENCRYPTED PRIVATE KEY").
	Bytes []byte
}

// Encrypted reports whether the entry must be decrypted before use: it has
// a "Proc-Type: 4,ENCRYPTED" header or is an "ENCRYPTED PRIVATE KEY".
func (e *Entry) Encrypted() bool {
	if e.Type == "ENCRYPTED PRIVATE KEY" {
		return true
	}
	pt, ok := e.Headers["Proc-Type"]
	return ok && isProcTypeEncrypted(pt)
}

// isProcTypeEncrypted reports whether a Proc-Type header value says
// "4,ENCRYPTED" (spaces around the comma allowed).
func isProcTypeEncrypted(v string) bool {
	version, what, ok := strings.Cut(v, ",")
	return ok && trimSpace(version) == "4" && trimSpace(what) == "ENCRYPTED"
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

const (
	beginPrefix = "-----BEGIN "
	endPrefix   = "-----END "
	dashes      = "-----"
	// maxLabel bounds the label of a BEGIN line; the longest label in use
	// is far shorter.
	maxLabel = 64
)

// Decode splits PEM data into its entries, in file order, as Erlang's
// public_key:pem_decode/1.
//
// Text outside BEGIN/END blocks is ignored, and so is a line that only
// looks like a BEGIN line (its label empty, too long or not printable
// ASCII). Entries with labels this package does not know are returned
// with Kind Unknown. Lines may end in LF or CRLF, trailing blanks are
// ignored, and whitespace inside the base64 data is skipped.
//
// Decode fails with a *SyntaxError when a BEGIN line has no matching END
// line, headers are not followed by a blank line, or the data is not valid
// base64. It does not look inside the DER: Entry.PrivateKey, ParseDHParams
// and the like do, when asked.
func Decode(data []byte) ([]Entry, error) {
	var entries []Entry
	lineNo := 0
	for len(data) > 0 {
		line, rest := nextLine(data)
		data = rest
		lineNo++
		label, ok := beginLabel(line)
		if !ok {
			continue
		}
		e, consumed, err := decodeBlock(label, data, lineNo)
		if err != nil {
			return nil, err
		}
		data = data[consumed.bytes:]
		lineNo += consumed.lines
		entries = append(entries, e)
	}
	return entries, nil
}

// nextLine returns the first line of data without its line ending and
// trailing blanks, and the data after it.
func nextLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		line, rest = data, nil
	} else {
		line, rest = data[:i], data[i+1:]
	}
	for len(line) > 0 {
		c := line[len(line)-1]
		if c != '\r' && c != ' ' && c != '\t' {
			break
		}
		line = line[:len(line)-1]
	}
	return line, rest
}

// beginLabel returns the label of a BEGIN line.
func beginLabel(line []byte) (string, bool) {
	if !bytes.HasPrefix(line, []byte(beginPrefix)) || !bytes.HasSuffix(line, []byte(dashes)) {
		return "", false
	}
	if len(line) < len(beginPrefix)+len(dashes) {
		return "", false
	}
	label := line[len(beginPrefix) : len(line)-len(dashes)]
	if !validLabel(label) {
		return "", false
	}
	return string(label), true
}

// validLabel accepts printable ASCII with no leading or trailing space or
// hyphen (RFC 7468, section 3, a little more lenient on inner characters).
func validLabel(l []byte) bool {
	if len(l) == 0 || len(l) > maxLabel {
		return false
	}
	for _, c := range l {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	first, last := l[0], l[len(l)-1]
	return first != ' ' && first != '-' && last != ' ' && last != '-'
}

type consumed struct{ bytes, lines int }

// decodeBlock decodes the block after a BEGIN line (at beginLine) with
// label, up to and including its END line.
func decodeBlock(label string, data []byte, beginLine int) (Entry, consumed, error) {
	e := Entry{Kind: KindOf(label), Type: label}
	var c consumed
	var body []byte
	inHeaders, first := false, true
	lastHeader := ""
	for {
		if len(data[c.bytes:]) == 0 {
			return Entry{}, c, &SyntaxError{Line: beginLine, Reason: "BEGIN " + label + " has no END line"}
		}
		line, rest := nextLine(data[c.bytes:])
		c.bytes = len(data) - len(rest)
		c.lines++
		lineNo := beginLine + c.lines
		if bytes.HasPrefix(line, []byte(endPrefix)) {
			want := endPrefix + label + dashes
			if string(line) != want {
				return Entry{}, c, &SyntaxError{Line: lineNo, Reason: "BEGIN " + label + " ends with " + quoteLine(line)}
			}
			if inHeaders {
				return Entry{}, c, &SyntaxError{Line: lineNo, Reason: "no blank line after the headers of " + label}
			}
			break
		}
		if bytes.HasPrefix(line, []byte(beginPrefix)) {
			return Entry{}, c, &SyntaxError{Line: beginLine, Reason: "BEGIN " + label + " has no END line"}
		}
		if first {
			first = false
			if bytes.IndexByte(line, ':') >= 0 {
				inHeaders = true
			}
		}
		if inHeaders {
			if len(line) == 0 {
				inHeaders = false
				continue
			}
			if line[0] == ' ' || line[0] == '\t' {
				if lastHeader == "" {
					return Entry{}, c, &SyntaxError{Line: lineNo, Reason: "header continuation without a header"}
				}
				if v := e.Headers[lastHeader]; v != "" {
					e.Headers[lastHeader] = v + " " + trimSpace(string(line))
				} else {
					e.Headers[lastHeader] = trimSpace(string(line))
				}
				continue
			}
			i := bytes.IndexByte(line, ':')
			if i <= 0 {
				return Entry{}, c, &SyntaxError{Line: lineNo, Reason: "bad header line " + quoteLine(line)}
			}
			if e.Headers == nil {
				e.Headers = make(map[string]string)
			}
			lastHeader = trimSpace(string(line[:i]))
			e.Headers[lastHeader] = trimSpace(string(line[i+1:]))
			continue
		}
		for _, b := range line {
			if b != ' ' && b != '\t' && b != '\r' {
				body = append(body, b)
			}
		}
	}
	der, err := decodeBase64(body)
	if err != nil {
		return Entry{}, c, &SyntaxError{Line: beginLine, Reason: "bad base64 in " + label + ": " + err.Error()}
	}
	e.Bytes = der
	if label == "TRUSTED CERTIFICATE" {
		e.Bytes = firstElement(der)
	}
	return e, c, nil
}

// decodeBase64 decodes standard base64, with or without padding.
func decodeBase64(b []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(b)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// firstElement returns the first DER SEQUENCE of der, or der itself when
// it does not start with one. OpenSSL's TRUSTED CERTIFICATE is the
// certificate followed by its trust settings.
func firstElement(der []byte) []byte {
	s := cryptobyte.String(der)
	var elem cryptobyte.String
	if !s.ReadASN1Element(&elem, asn1.SEQUENCE) {
		return der
	}
	return elem
}

// quoteLine quotes a line for an error message, cut to a readable length.
func quoteLine(line []byte) string {
	const max = 80
	if len(line) > max {
		return "\"" + sanitize(line[:max]) + "...\""
	}
	return "\"" + sanitize(line) + "\""
}

func sanitize(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// Certificates returns the DER of the Certificate entries, in file order.
func Certificates(entries []Entry) [][]byte {
	return ofKind(entries, Certificate)
}

// CRLs returns the DER of the CertificateList entries, in file order.
func CRLs(entries []Entry) [][]byte {
	return ofKind(entries, CertificateList)
}

func ofKind(entries []Entry, k Kind) [][]byte {
	n := 0
	for i := range entries {
		if entries[i].Kind == k && !entries[i].Encrypted() {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([][]byte, 0, n)
	for i := range entries {
		if entries[i].Kind == k && !entries[i].Encrypted() {
			out = append(out, entries[i].Bytes)
		}
	}
	return out
}
