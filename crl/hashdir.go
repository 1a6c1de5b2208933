package crl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// maxHashDirFiles bounds the .rN files read for one hash.
const maxHashDirFiles = 1024

// HashDirCache is the hash-directory CRL cache, Erlang's ssl_crl_hash_dir:
// a directory of CRL files named as OpenSSL's c_rehash and `openssl
// rehash` name them, <hash>.r0, <hash>.r1, ..., where <hash> is the eight
// lowercase hexadecimal digits of SubjectNameHash of the CRL issuer. It
// reads the directory on every call, so CRLs can be replaced while it is
// in use, and is safe for concurrent use.
type HashDirCache struct {
	dir string
	now func() time.Time
}

// NewHashDirCache returns a cache reading the CRL files of dir (Erlang's
// {dir, Dir} argument). The directory is not checked until it is used.
func NewHashDirCache(dir string) *HashDirCache {
	return &HashDirCache{dir: dir, now: time.Now}
}

// Dir returns the directory the cache reads.
func (h *HashDirCache) Dir() string { return h.dir }

// Select returns the CRLs of the hash directory issued by the DER name
// issuer: it reads <hash>.r0, <hash>.r1, ... in order until one is
// missing, each file PEM (every "X509 CRL" block) or DER (one or more
// CRLs), and keeps the CRLs whose issuer is issuer (another CA may share
// the hash) and whose nextUpdate, if any, is still ahead at the time of
// the call. Files that cannot be read or parsed are skipped, as Erlang
// does; Select returns the CRLs it could read together with an error
// joining what went wrong (also when the directory does not exist).
func (h *HashDirCache) Select(issuer []byte) ([][]byte, error) {
	hash, err := SubjectNameHash(issuer)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(h.dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("crl: %s is not a directory", h.dir)
	}
	now := h.now()
	var out [][]byte
	var errs []error
	for n := 0; n < maxHashDirFiles; n++ {
		path := filepath.Join(h.dir, fmt.Sprintf("%08x.r%d", hash, n))
		data, err := readFileLimited(path, maxFileSize)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ders, err := decodeCRLs(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("crl: %s: %w", path, err))
			continue
		}
		for _, der := range ders {
			crl, err := ParseCRL(der)
			if err != nil {
				errs = append(errs, fmt.Errorf("crl: %s: %w", path, err))
				continue
			}
			if !namesEqual(crl.RawIssuer, issuer) {
				continue
			}
			if !crl.NextUpdate.IsZero() && !now.Before(crl.NextUpdate) {
				continue
			}
			out = append(out, der)
		}
	}
	return out, errors.Join(errs...)
}

// Lookup returns the CRLs of the hash directory that belong to the
// distribution point dp, as Erlang's ssl_crl_hash_dir:lookup/3 does: the
// CRLs Select gives for dp's first cRLIssuer name (or, without one, for the
// certificate issuer issuer) whose issuing distribution point, if it names
// a distribution point, shares a name with dp. It returns ErrNotAvailable
// when there are none, so that Check goes on to Select.
func (h *HashDirCache) Lookup(dp DistributionPoint, issuer []byte) ([][]byte, error) {
	name := issuer
	if len(dp.CRLIssuer) > 0 {
		name = dp.CRLIssuer[0]
	}
	ders, err := h.Select(name)
	var out [][]byte
	for _, der := range ders {
		crl, perr := ParseCRL(der)
		if perr == nil && matchesDistributionPoint(crl, dp, issuer) {
			out = append(out, der)
		}
	}
	if len(out) == 0 {
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotAvailable, err)
		}
		return nil, ErrNotAvailable
	}
	return out, nil
}

// FreshCRL returns crls unchanged, as Erlang's hash directory cache does:
// Select already leaves out CRLs past their nextUpdate and reads the
// directory afresh on every call.
func (h *HashDirCache) FreshCRL(dp DistributionPoint, crls [][]byte) [][]byte {
	return crls
}

// matchesDistributionPoint reports whether a CRL may belong to dp
// (public_key:pkix_match_dist_point): it has no issuing distribution point
// name, or one of those names is one of dp's.
func matchesDistributionPoint(crl *CRL, dp DistributionPoint, certIssuer []byte) bool {
	idp := crl.IssuingDistributionPoint
	if idp == nil || !idp.hasName() {
		return true
	}
	if !dp.hasName() {
		return false
	}
	base := certIssuer
	if len(dp.CRLIssuer) > 0 {
		base = dp.CRLIssuer[0]
	}
	return anyNameMatches(
		nameKeys(idp.URIs, idp.DirNames, idp.OtherNames, idp.RelativeName, crl.RawIssuer, nameKey),
		nameKeys(dp.URIs, dp.DirNames, dp.OtherNames, dp.RelativeName, base, nameKey))
}
