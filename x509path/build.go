package x509path

import (
	"bytes"
	"crypto/x509"
	"errors"
	"sort"
)

// Path building: from the peer certificate up to a trust anchor, through
// the certificates the peer sent (in any order, with extras) and the
// trusted certificates (which may complete an incomplete chain). Issuer
// candidates are found by name; among them, those whose key verifies the
// signature come first, trust anchors before others, then those whose
// subject key identifier matches the authority key identifier, then the
// order the peer sent them in. A candidate whose key does not verify the
// signature is kept only when no candidate does (so that the failure is
// reported as invalid_signature); a certificate with a different name
// whose key identifier and key match is the last resort (reported as
// invalid_issuer). A certificate is never used twice in a path, nor a
// second certificate with the same subject and key (cross-signature
// loops).
//
// The search is depth first and bounded: at most maxAnchored anchored and
// maxUnanchored unanchored candidate paths, maxBuildSteps extensions,
// maxSigChecks signature verifications and maxPathCerts certificates in
// one path. When a bound stops it, the paths found so far are used.

const (
	maxAnchored   = 8
	maxUnanchored = 4
	maxBuildSteps = 512
	maxSigChecks  = 256
	maxPathCerts  = 32
)

// certInfo is a certificate with what path building and validation read
// from it, parsed once.
type certInfo struct {
	idx        int
	c          *x509.Certificate
	subject    dname
	issuer     dname
	subjKey    string
	issKey     string
	selfIssued bool
	trusted    bool
	chainPos   int // position in the sent chain, -1 when not sent
	ski        []byte
	aki        *authorityKeyID
	akiErr     error
	hasSAN     bool
	sanCrit    bool
	san        []generalName
	sanErr     error
	nc         *nameConstraints
	ncErr      error
	hasNC      bool
}

func newCertInfo(idx int, c *x509.Certificate) *certInfo {
	ci := &certInfo{idx: idx, c: c, chainPos: -1}
	ci.subject = parseDName(c.RawSubject)
	ci.issuer = parseDName(c.RawIssuer)
	ci.subjKey = ci.subject.key()
	ci.issKey = ci.issuer.key()
	ci.selfIssued = ci.subject.equal(ci.issuer)
	ci.ski = c.SubjectKeyId
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidExtAuthorityKeyID):
			ci.aki, ci.akiErr = parseAuthorityKeyID(e.Value)
		case e.Id.Equal(oidExtSubjectAltName):
			ci.hasSAN = true
			ci.sanCrit = e.Critical
			ci.san, ci.sanErr = parseGeneralNames(e.Value)
		case e.Id.Equal(oidExtNameConstraints):
			ci.hasNC = true
			ci.nc, ci.ncErr = parseNameConstraints(e.Value)
		}
	}
	return ci
}

// akiKeyID returns the key identifier of the authority key identifier.
func (ci *certInfo) akiKeyID() []byte {
	if ci.aki != nil && ci.aki.hasKeyID {
		return ci.aki.keyID
	}
	return nil
}

// anchor reports whether ci can end a path: trusted and self-issued.
func (ci *certInfo) anchor() bool { return ci.trusted && ci.selfIssued }

// candidate is a path found by the builder, peer first. When anchored, the
// last certificate is a trust anchor.
type candidate struct {
	path     []int
	anchored bool
}

type builder struct {
	v          *validator
	anchored   []candidate
	unanchored []candidate
	steps      int
	truncated  bool
}

// build searches candidate paths from the peer.
func (v *validator) build() (anchored, unanchored []candidate, truncated bool) {
	b := &builder{v: v}
	peer := v.certs[0]
	if peer.trusted {
		// The peer itself is a trusted certificate (pinned): it anchors a
		// path of its own, tried first.
		b.anchored = append(b.anchored, candidate{path: []int{0}, anchored: true})
	}
	b.extend([]int{0})
	return b.anchored, b.unanchored, b.truncated || v.sigBudgetHit
}

func (b *builder) done() bool {
	return len(b.anchored) >= maxAnchored && len(b.unanchored) >= maxUnanchored
}

func (b *builder) extend(path []int) {
	if b.done() {
		return
	}
	b.steps++
	if b.steps > maxBuildSteps {
		b.truncated = true
		return
	}
	top := b.v.certs[path[len(path)-1]]
	if len(path) >= maxPathCerts {
		b.truncated = true
		b.recordUnanchored(path)
		return
	}
	cands := b.v.issuerCandidates(top, path)
	if len(cands) == 0 {
		b.recordUnanchored(path)
		return
	}
	for _, x := range cands {
		if b.done() || b.steps > maxBuildSteps {
			return
		}
		next := append(append([]int(nil), path...), x)
		if b.v.certs[x].anchor() {
			if len(b.anchored) < maxAnchored {
				b.anchored = append(b.anchored, candidate{path: next, anchored: true})
			}
			continue
		}
		b.extend(next)
	}
}

func (b *builder) recordUnanchored(path []int) {
	if len(b.unanchored) < maxUnanchored {
		b.unanchored = append(b.unanchored, candidate{path: append([]int(nil), path...)})
	}
}

// issuerCandidates returns the possible issuers of ci that may extend path,
// best first.
func (v *validator) issuerCandidates(ci *certInfo, path []int) []int {
	type cand struct {
		idx                 int
		sigOK, anchor, akiM bool
		akiMismatch         bool
		pos                 int
	}
	usable := func(x *certInfo) bool {
		for _, p := range path {
			pc := v.certs[p]
			if p == x.idx || (pc.subjKey == x.subjKey && bytes.Equal(pc.c.RawSubjectPublicKeyInfo, x.c.RawSubjectPublicKeyInfo)) {
				return false
			}
		}
		return true
	}
	aki := ci.akiKeyID()
	var list []cand
	for _, xi := range v.bySubject[ci.issKey] {
		x := v.certs[xi]
		if !usable(x) {
			continue
		}
		c := cand{idx: xi, anchor: x.anchor(), pos: x.chainPos}
		if c.pos < 0 {
			c.pos = len(v.certs) + xi
		}
		if aki != nil && x.ski != nil {
			c.akiM = bytes.Equal(aki, x.ski)
			c.akiMismatch = !c.akiM
		}
		c.sigOK = v.signatureError(ci, x) == nil
		list = append(list, c)
	}
	anyOK := false
	for _, c := range list {
		if c.sigOK {
			anyOK = true
		}
	}
	if anyOK {
		kept := list[:0]
		for _, c := range list {
			if c.sigOK {
				kept = append(kept, c)
			}
		}
		list = kept
	}
	if len(list) == 0 && aki != nil {
		// Last resort: same key identifier and key, different name.
		for _, xi := range v.byKeyID[string(aki)] {
			x := v.certs[xi]
			if !usable(x) || x.subjKey == ci.issKey {
				continue
			}
			if v.signatureError(ci, x) == nil {
				pos := x.chainPos
				if pos < 0 {
					pos = len(v.certs) + xi
				}
				list = append(list, cand{idx: xi, sigOK: true, anchor: x.anchor(), akiM: true, pos: pos})
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.anchor != b.anchor {
			return a.anchor
		}
		if a.akiM != b.akiM {
			return a.akiM
		}
		if a.akiMismatch != b.akiMismatch {
			return !a.akiMismatch
		}
		return a.pos < b.pos
	})
	out := make([]int, len(list))
	for i, c := range list {
		out[i] = c.idx
	}
	return out
}

var (
	errWeakSignature   = errors.New("x509path: unsupported signature algorithm")
	errSigBudget       = errors.New("x509path: signature check budget exhausted")
	errInvalidSigature = errors.New("x509path: invalid signature")
)

// signatureError verifies that parent's key signed child, with a cache.
// It returns nil, errWeakSignature, errInvalidSigature or errSigBudget.
func (v *validator) signatureError(child, parent *certInfo) error {
	k := [2]int{child.idx, parent.idx}
	if err, ok := v.sigCache[k]; ok {
		return err
	}
	if v.sigChecks >= maxSigChecks {
		v.sigBudgetHit = true
		return errSigBudget
	}
	v.sigChecks++
	err := checkSignature(child.c, parent.c)
	v.sigCache[k] = err
	return err
}

// checkSignature verifies child's signature with parent's key. It checks
// the signature only: parent's basic constraints and key usage are
// validated as separate steps. MD2, MD5 and SHA-1 based signatures and DSA
// are refused as unsupported.
func checkSignature(child, parent *x509.Certificate) error {
	switch child.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1,
		x509.DSAWithSHA256, x509.ECDSAWithSHA1, x509.UnknownSignatureAlgorithm:
		return errWeakSignature
	}
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	if err == nil {
		return nil
	}
	var insecure x509.InsecureAlgorithmError
	if errors.Is(err, x509.ErrUnsupportedAlgorithm) || errors.As(err, &insecure) {
		return errWeakSignature
	}
	return errInvalidSigature
}
