package x509path

import (
	"bytes"
	"crypto/x509"
	"errors"
	"runtime"
	"sort"
	"sync"
	"weak"
)

// Path building: from the peer certificate up to a trust anchor, through
// the certificates the peer sent (in any order, with extras) and the
// trusted certificates (which may complete an incomplete chain).
//
// Issuer candidates are found by name, and ranked: trust anchors first,
// then those whose subject key identifier is the authority key identifier,
// then those without a conflicting one, then in the order the peer sent
// them. A candidate is followed only if its key verifies the signature;
// when none does, the two best are followed anyway (so that validation
// reports invalid_signature), and when none has the name, a certificate
// with the authority key identifier and a key that verifies (reported as
// invalid_issuer). Once a candidate with the named key identifier has been
// followed, candidates with another key identifier are not tried. A
// certificate is never used twice in a path, nor a second certificate with
// the same subject and key (cross-signature loops).
//
// The search deepens iteratively: first every path of two certificates,
// then of three, and so on, so that short paths are found first; it stops
// at the first depth that yields a path that passes every check on its
// own (a dry run of validation), or when there is nothing deeper. It is
// bounded: at most maxAnchored anchored and maxUnanchored unanchored
// candidate paths, maxBuildSteps extension steps, maxSigChecks signature
// verifications and maxPathCerts certificates in a path. When a bound
// stops it, the paths found so far are used, and a validation that finds
// none valid fails with path_search_limit_reached.

const (
	maxAnchored   = 8
	maxUnanchored = 4
	maxBuildSteps = 2048
	maxSigChecks  = 256
	maxPathCerts  = 32
	// maxFallbacks bounds the issuers followed whose signature does not
	// verify.
	maxFallbacks = 2
)

// certInfo is a certificate of one validation: the shared parsed data and
// its role in this call.
type certInfo struct {
	*certData
	idx      int
	trusted  bool
	chainPos int // position in the sent chain, -1 when not sent
	// nextSubj and nextKeyID chain the certificates of one subject and of
	// one subject key identifier in the validator's indexes, in the order
	// added (-1 ends a chain).
	nextSubj, nextKeyID int
}

// certIndex finds the certificates of one validation by a key (subject
// or subject key identifier): the first and last of each key's chain,
// linked through certInfo, so that adding a certificate allocates no list.
type certIndex map[string][2]int

// add appends ci to key's chain; next is ci's link field of this index.
func (ix certIndex) add(certs []*certInfo, key string, ci *certInfo, next func(*certInfo) *int) {
	*next(ci) = -1
	if e, ok := ix[key]; ok {
		*next(certs[e[1]]) = ci.idx
		ix[key] = [2]int{e[0], ci.idx}
		return
	}
	ix[key] = [2]int{ci.idx, ci.idx}
}

// first returns the first certificate of key's chain, or -1.
func (ix certIndex) first(key string) int {
	if e, ok := ix[key]; ok {
		return e[0]
	}
	return -1
}

func subjLink(ci *certInfo) *int  { return &ci.nextSubj }
func keyIDLink(ci *certInfo) *int { return &ci.nextKeyID }

// certData is what path building and validation read from a certificate,
// parsed once. It is not modified after newCertData, except for the
// signers memo (under its own lock), so certificates' data can be shared
// between calls.
type certData struct {
	c          *x509.Certificate
	subject    dname
	issuer     dname
	subjKey    string
	issKey     string
	rawKey     string // the DER encoding, as a map key
	skiKey     string // ski, as a map key
	selfIssued bool
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
	names      presented // for host name checks, from san

	// signers are issuers whose key was found to have signed this
	// certificate (at most maxSigners), so that a certificate validated
	// again with the same issuer is not checked again: the outcome
	// depends on nothing but the two certificates.
	sigMu   sync.Mutex
	signers []*certData
}

const maxSigners = 4

// signedBy reports whether parent's key is known to have signed cd.
func (cd *certData) signedBy(parent *certData) bool {
	cd.sigMu.Lock()
	defer cd.sigMu.Unlock()
	for _, p := range cd.signers {
		if p == parent {
			return true
		}
	}
	return false
}

// rememberSigner notes that parent's key signed cd.
func (cd *certData) rememberSigner(parent *certData) {
	cd.sigMu.Lock()
	if len(cd.signers) < maxSigners {
		cd.signers = append(cd.signers, parent)
	}
	cd.sigMu.Unlock()
}

func newCertData(c *x509.Certificate) *certData {
	cd := &certData{c: c}
	cd.subject = parseDName(c.RawSubject)
	cd.issuer = parseDName(c.RawIssuer)
	cd.subjKey = cd.subject.key()
	cd.issKey = cd.issuer.key()
	cd.rawKey = string(c.Raw)
	cd.skiKey = string(c.SubjectKeyId)
	cd.selfIssued = cd.subject.equal(cd.issuer)
	cd.ski = c.SubjectKeyId
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidExtAuthorityKeyID):
			cd.aki, cd.akiErr = parseAuthorityKeyID(e.Value)
		case e.Id.Equal(oidExtSubjectAltName):
			cd.hasSAN = true
			cd.sanCrit = e.Critical
			cd.san, cd.sanErr = parseGeneralNames(e.Value)
		case e.Id.Equal(oidExtNameConstraints):
			cd.hasNC = true
			cd.nc, cd.ncErr = parseNameConstraints(e.Value)
		}
	}
	cd.names = presented{sanOK: true}
	if cd.hasSAN {
		cd.names = presentedFrom(cd.san, cd.sanErr)
	}
	return cd
}

// newCertInfo parses c for one validation (tests use it directly).
func newCertInfo(idx int, c *x509.Certificate) *certInfo {
	return &certInfo{certData: newCertData(c), idx: idx, chainPos: -1, nextSubj: -1, nextKeyID: -1}
}

// trustCache keeps the parsed data of trusted certificates, which are
// configuration and the same from one call to the next: parsing a system
// root store on every handshake would cost more than the validation. It
// is bounded; when full it starts over.
var trustCache struct {
	sync.Mutex
	m map[string]*certData
}

const maxTrustCache = 4096

func trustedCertData(der []byte) (*certData, bool) {
	trustCache.Lock()
	cd, ok := trustCache.m[string(der)]
	trustCache.Unlock()
	if ok {
		return cd, true
	}
	c, err := x509.ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil, false
	}
	cd = newCertData(c)
	trustCache.Lock()
	if trustCache.m == nil || len(trustCache.m) >= maxTrustCache {
		trustCache.m = map[string]*certData{}
	}
	trustCache.m[string(c.Raw)] = cd
	trustCache.Unlock()
	return cd, true
}

// peerCache interns the parsed data of the certificates peers send, keyed
// by their DER encoding, as long as something still holds it: a client
// connecting again and again to one server (or a server whose clients
// present the same certificates) parses each certificate once, not once
// per handshake, as crypto/tls's client does. The entries are weak: one
// lives while the data is referenced (by a running validation, a Result or
// the connection that keeps it) and until the garbage collector has
// reclaimed it, after which a cleanup removes it. The map is also bounded
// (maxPeerCache): when full, certificates are parsed without interning.
// The shared data is never modified after newCertData.
var peerCache struct {
	sync.Mutex
	m map[string]weak.Pointer[certData]
}

const maxPeerCache = 4096

// peerCacheEntry is what the cleanup of an interned certificate needs to
// remove its entry, and only its own (a later one may have replaced it).
type peerCacheEntry struct {
	key string
	wp  weak.Pointer[certData]
}

// chainCertData returns the parsed data of der, a certificate the peer
// sent, from peerCache or parsed now.
func chainCertData(der []byte) (*certData, error) {
	peerCache.Lock()
	wp, ok := peerCache.m[string(der)]
	peerCache.Unlock()
	if ok {
		if cd := wp.Value(); cd != nil {
			return cd, nil
		}
	}
	c, err := x509.ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil, err
	}
	cd := newCertData(c)
	peerCache.Lock()
	if peerCache.m == nil {
		peerCache.m = map[string]weak.Pointer[certData]{}
	}
	if old, ok := peerCache.m[string(der)]; ok {
		if prev := old.Value(); prev != nil {
			// Another validation interned it meanwhile.
			peerCache.Unlock()
			return prev, nil
		}
	}
	if len(peerCache.m) < maxPeerCache {
		e := peerCacheEntry{key: string(c.Raw), wp: weak.Make(cd)}
		peerCache.m[e.key] = e.wp
		runtime.AddCleanup(cd, removePeerCacheEntry, e)
	}
	peerCache.Unlock()
	return cd, nil
}

// removePeerCacheEntry forgets an interned certificate the garbage
// collector reclaimed.
func removePeerCacheEntry(e peerCacheEntry) {
	peerCache.Lock()
	if wp, ok := peerCache.m[e.key]; ok && wp == e.wp {
		delete(peerCache.m, e.key)
	}
	peerCache.Unlock()
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
	// clean is true when a dry run of validation passed; dried when it
	// was tried.
	clean, dried bool
}

type builder struct {
	v          *validator
	anchored   []candidate // every signature verified
	broken     []candidate // anchored through an issuer whose signature does not verify
	unanchored []candidate
	seen       map[string]bool
	steps      int
	limit      int  // the path length this iteration explores to
	limitHit   bool // a path was cut at the limit
	truncated  bool
}

// build searches candidate paths from the peer. The anchored paths come
// clean ones first, then in the order found, then the broken ones.
func (v *validator) build() (anchored, unanchored []candidate, truncated bool) {
	b := &builder{v: v, seen: map[string]bool{}}
	if v.certs[0].trusted {
		// The peer itself is a trusted certificate (pinned): it anchors a
		// path of its own, tried first.
		b.record(&b.anchored, maxAnchored, []int{0}, true)
	}
	for b.limit = 2; b.limit <= maxPathCerts; b.limit++ {
		b.limitHit = false
		b.extend([]int{0}, false)
		if b.anyClean() || !b.limitHit || b.steps > maxBuildSteps || len(b.anchored) >= maxAnchored {
			break
		}
	}
	var clean, rest []candidate
	for _, c := range b.anchored {
		if c.clean {
			clean = append(clean, c)
		} else {
			rest = append(rest, c)
		}
	}
	anchored = append(append(clean, rest...), b.broken...)
	return anchored, b.unanchored, b.truncated || v.sigBudgetHit
}

// anyClean dry-runs the anchored paths not tried yet and reports whether
// one passes.
func (b *builder) anyClean() bool {
	found := false
	for i := range b.anchored {
		c := &b.anchored[i]
		if !c.dried {
			_, err := b.v.attempt(c.path, len(c.path)-1, true, nil, true)
			c.clean, c.dried = err == nil, true
		}
		found = found || c.clean
	}
	return found
}

func (b *builder) record(list *[]candidate, max int, path []int, anchored bool) {
	key := pathKey(path)
	if b.seen[key] || len(*list) >= max {
		return
	}
	b.seen[key] = true
	*list = append(*list, candidate{path: append([]int(nil), path...), anchored: anchored})
}

func pathKey(path []int) string {
	b := make([]byte, 0, 2*len(path))
	for _, i := range path {
		b = append(b, byte(i), byte(i>>8))
	}
	return string(b)
}

func (b *builder) extend(path []int, broken bool) {
	if len(b.anchored) >= maxAnchored {
		return
	}
	b.steps++
	if b.steps > maxBuildSteps {
		b.truncated = true
		return
	}
	v := b.v
	top := v.certs[path[len(path)-1]]
	byName, byKeyID, looped := v.issuerCandidates(top, path)
	if len(byName) == 0 && len(byKeyID) == 0 {
		b.record(&b.unanchored, maxUnanchored, path, false)
		return
	}
	if len(path) >= b.limit {
		if len(path) >= maxPathCerts {
			b.truncated = true
			b.record(&b.unanchored, maxUnanchored, path, false)
		}
		b.limitHit = true
		return
	}
	explored := 0
	var failed []int
	aki := top.akiKeyID()
	for _, x := range byName {
		if len(b.anchored) >= maxAnchored || b.steps > maxBuildSteps {
			return
		}
		xc := v.certs[x]
		if explored > 0 && aki != nil && xc.ski != nil && !bytes.Equal(aki, xc.ski) {
			// The candidates are sorted: the rest have a key identifier
			// other than the one the certificate names, and an issuer was
			// found already. Do not spend signature checks on them.
			break
		}
		if v.buildSignatureError(top, xc) != nil {
			failed = append(failed, x)
			continue
		}
		b.follow(path, x, broken)
		explored++
	}
	if explored == 0 && !looped {
		// No issuer's key verifies the signature: follow the best named
		// candidates anyway, so that validation reports invalid_signature;
		// without any, a certificate with the issuer's key identifier and
		// key but another name (reported as invalid_issuer).
		if len(failed) > maxFallbacks {
			failed = failed[:maxFallbacks]
		}
		for _, x := range failed {
			b.follow(path, x, true)
			explored++
		}
		if len(byName) == 0 {
			for _, x := range byKeyID {
				if explored >= maxFallbacks {
					break
				}
				if v.buildSignatureError(top, v.certs[x]) == nil {
					b.follow(path, x, broken)
					explored++
				}
			}
		}
	}
	if explored == 0 {
		b.record(&b.unanchored, maxUnanchored, path, false)
	}
}

func (b *builder) follow(path []int, x int, broken bool) {
	next := append(append([]int(nil), path...), x)
	if b.v.certs[x].anchor() {
		if broken {
			b.record(&b.broken, maxAnchored, next, true)
		} else {
			b.record(&b.anchored, maxAnchored, next, true)
		}
		return
	}
	b.extend(next, broken)
}

// issuerCandidates returns the possible issuers of ci that may extend path:
// those named as ci's issuer, best first (trust anchors, then matching key
// identifiers, then not mismatching ones, then in the order sent), and
// those with ci's authority key identifier but another name. looped is
// true when a named issuer was left out because the path already holds it
// (or its key under its name).
func (v *validator) issuerCandidates(ci *certInfo, path []int) (byName, byKeyID []int, looped bool) {
	type cand struct {
		idx              int
		anchor, akiMatch bool
		akiMismatch      bool
		pos              int
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
	for xi := v.bySubject.first(ci.issKey); xi >= 0; xi = v.certs[xi].nextSubj {
		x := v.certs[xi]
		if !usable(x) {
			looped = true
			continue
		}
		c := cand{idx: xi, anchor: x.anchor(), pos: x.chainPos}
		if c.pos < 0 {
			c.pos = len(v.certs) + xi
		}
		if aki != nil && x.ski != nil {
			c.akiMatch = bytes.Equal(aki, x.ski)
			c.akiMismatch = !c.akiMatch
		}
		list = append(list, c)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.anchor != b.anchor {
			return a.anchor
		}
		if a.akiMatch != b.akiMatch {
			return a.akiMatch
		}
		if a.akiMismatch != b.akiMismatch {
			return !a.akiMismatch
		}
		return a.pos < b.pos
	})
	for _, c := range list {
		byName = append(byName, c.idx)
	}
	if aki != nil {
		for xi := v.byKeyID.first(string(aki)); xi >= 0; xi = v.certs[xi].nextKeyID {
			x := v.certs[xi]
			if usable(x) && x.subjKey != ci.issKey {
				byKeyID = append(byKeyID, xi)
			}
		}
	}
	return byName, byKeyID, looped
}

var (
	errWeakSignature   = errors.New("x509path: unsupported signature algorithm")
	errSigBudget       = errors.New("x509path: signature check budget exhausted")
	errInvalidSigature = errors.New("x509path: invalid signature")
)

// buildSignatureError is signatureError within the path building budget:
// once maxSigChecks signatures have been verified, unverified pairs
// report errSigBudget.
func (v *validator) buildSignatureError(child, parent *certInfo) error {
	if _, ok := v.sigCache[[2]int{child.idx, parent.idx}]; !ok && v.sigChecks >= maxSigChecks {
		v.sigBudgetHit = true
		return errSigBudget
	}
	return v.signatureError(child, parent)
}

// signatureError verifies that parent's key signed child, with a cache.
// It returns nil, errWeakSignature or errInvalidSigature.
func (v *validator) signatureError(child, parent *certInfo) error {
	k := [2]int{child.idx, parent.idx}
	if err, ok := v.sigCache[k]; ok {
		return err
	}
	v.sigChecks++
	var err error
	if !child.signedBy(parent.certData) {
		err = checkSignature(child.c, parent.c)
		if err == nil {
			child.rememberSigner(parent.certData)
		}
	}
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
