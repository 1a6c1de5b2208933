package crl

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxFileSize bounds a CRL file read from disk: room for a PEM encoding
// of a CRL of MaxCRLSize.
const maxFileSize = 2 * MaxCRLSize

// maxCRLsPerSource bounds the CRLs taken from one file, response or
// FromDER call.
const maxCRLsPerSource = 4096

// maxURILength bounds the URIs the internal cache keys CRLs by.
const maxURILength = 8 << 10

type sourceKind int

const (
	sourceNone sourceKind = iota
	sourceFile
	sourceDER
	sourceURI
)

// Source names CRLs to insert into or delete from an InternalCache. It is
// Erlang's CRLSrc ({file, Path} or {der, [DER]}) or, for Delete only, a
// distribution point URI. The zero Source names nothing and is refused.
type Source struct {
	kind sourceKind
	path string
	der  [][]byte
	uri  string
}

// FromFile names the CRLs of a file: PEM ("X509 CRL" blocks; other blocks
// are ignored) or DER (one CRL or several concatenated). The file is read
// when the Source is used, and may be at most 128 MiB.
func FromFile(path string) Source { return Source{kind: sourceFile, path: path} }

// FromDER names DER-encoded CRLs given in memory.
func FromDER(der ...[]byte) Source {
	return Source{kind: sourceDER, der: der}
}

// FromURI names the CRLs cached under a distribution point URI; it is only
// accepted by Delete.
func FromURI(uri string) Source { return Source{kind: sourceURI, uri: uri} }

// String returns the Erlang form of the source: {file,"Path"},
// {der,[N CRLs]} or the URI in quotes.
func (s Source) String() string {
	switch s.kind {
	case sourceFile:
		return "{file," + strconv.Quote(s.path) + "}"
	case sourceDER:
		return fmt.Sprintf("{der,[%d CRLs]}", len(s.der))
	case sourceURI:
		return strconv.Quote(s.uri)
	}
	return "{none}"
}

// crls returns the DER CRLs the source names (not for FromURI), read from
// disk for FromFile.
func (s Source) crls() ([][]byte, error) {
	switch s.kind {
	case sourceFile:
		data, err := readFileLimited(s.path, maxFileSize)
		if err != nil {
			return nil, err
		}
		return decodeCRLs(data)
	case sourceDER:
		if len(s.der) > maxCRLsPerSource {
			return nil, errors.New("crl: too many CRLs in one source")
		}
		out := make([][]byte, 0, len(s.der))
		for _, d := range s.der {
			out = append(out, clone(d))
		}
		return out, nil
	case sourceURI:
		return nil, errors.New("crl: a URI source names no CRLs to insert")
	}
	return nil, errors.New("crl: empty source")
}

// readFileLimited reads a whole file of at most limit bytes.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("crl: %s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// decodeCRLs splits file or response contents into DER CRLs: one or more
// concatenated DER CRLs, or the "X509 CRL" blocks of PEM text. It does not
// parse the CRLs themselves. No CRL at all is an error.
func decodeCRLs(data []byte) ([][]byte, error) {
	if ders, ok := splitDER(data); ok {
		return ders, nil
	}
	var out [][]byte
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "X509 CRL" {
			continue
		}
		if len(out) == maxCRLsPerSource {
			return nil, errors.New("crl: too many CRLs in one source")
		}
		out = append(out, block.Bytes)
	}
	if len(out) == 0 {
		if bytes.Contains(data, []byte("-----BEGIN")) {
			return nil, errors.New("crl: no X509 CRL block in PEM data")
		}
		return nil, errors.New("crl: data is neither DER CRLs nor PEM")
	}
	return out, nil
}

// splitDER splits data into concatenated DER SEQUENCEs; it fails unless
// data is exactly that.
func splitDER(data []byte) ([][]byte, bool) {
	if len(data) == 0 || data[0] != 0x30 {
		return nil, false
	}
	s := cryptobyte.String(data)
	var out [][]byte
	for !s.Empty() {
		var elem cryptobyte.String
		if len(out) == maxCRLsPerSource || !s.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
			return nil, false
		}
		out = append(out, clone(elem))
	}
	return out, true
}

// uriKey normalizes a URI into the key the internal cache files CRLs
// under: scheme and host lowercased, the scheme's default port and any
// fragment dropped. It fails for text that is not an absolute URI.
func uriKey(raw string) (string, error) {
	if len(raw) > maxURILength {
		return "", errors.New("crl: URI too long")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("crl: bad URI %q: %w", raw, err)
	}
	if u.Scheme == "" {
		return "", fmt.Errorf("crl: URI %q has no scheme", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	for scheme, port := range map[string]string{"http": ":80", "https": ":443", "ldap": ":389"} {
		if u.Scheme == scheme {
			host = strings.TrimSuffix(host, port)
		}
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}
