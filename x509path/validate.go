package x509path

import (
	"bytes"
	"crypto/x509"
	"time"

	"github.com/otpssl/ssl/crl"
)

// validator holds one call of Validate: the parsed certificates and what
// is shared by the attempts on the candidate paths.
type validator struct {
	opts         Options
	now          time.Time
	certs        []*certInfo // 0 is the peer, then the other sent certificates, then trusted ones
	trusted      []*x509.Certificate
	bySubject    certIndex
	byKeyID      certIndex
	sigCache     map[[2]int]error
	sigChecks    int
	sigBudgetHit bool
	depth        int
	chainLen     int
}

// Validate validates chain, the DER certificates the peer sent, peer first,
// as Erlang's ssl does during a handshake: it builds a path from the peer
// to a trust anchor and validates it as RFC 5280, Section 6.1 describes,
// delivering each certificate's events to opts.VerifyFun, trust anchor
// side first and the peer last.
//
// The chain may be out of order, have extra certificates or lack some that
// TrustedCerts provides. When several paths are possible, one that passes
// every check without the VerifyFun's help is validated first; the
// VerifyFun then sees the events of that path only. Otherwise the
// candidate paths are validated one after the other, each from the initial
// user state, until the VerifyFun accepts one (as Erlang tries its
// candidate paths); the error is that of the first, most preferred path.
// A path that reaches no trusted root is offered to opts.PartialChain; if
// that declines, the VerifyFun gets unknown_ca for the certificate at the
// top of the path (selfsigned_peer for a chain of one self-issued
// certificate) and, if it answers Valid, that certificate becomes the
// anchor.
//
// For each certificate of the path below the anchor, the events come in
// Erlang's order: max_path_length_reached when the depth or a
// pathLenConstraint above is exhausted; the extensions in certificate
// order (unknown ones as Extension events, invalid_key_usage for a CA
// without keyCertSign, invalid_ext_keyusage or ca_invalid_ext_keyusage
// where the extended key usage does not allow the purpose); then
// missing_basic_constraint for a CA that is not one, key_usage_mismatch for
// key usages that cannot serve the extended ones; cert_expired;
// invalid_issuer; name_not_permitted; invalid_signature (or
// unsupported_signature); then Valid, or for the peer ValidPeer
// (hostname_check_failed in its place when the host name does not match);
// then, per CRLCheck, {revoked, Reason} or
// {revocation_status_undetermined, Detail}. The trust anchor gets no Valid
// event (as in Erlang), only cert_expired when it has expired.
//
// Path validation processes the basic constraints, key usage, extended key
// usage and name constraints extensions, and a critical subject
// alternative name extension with at least one well-formed name (as
// Erlang's public_key and ssl do); every other extension of a certificate
// below the anchor (key identifiers, a non-critical subject alternative
// name, CRL distribution points, authority information access,
// certificate policies, ...) is an Extension event.
//
// Where Erlang is laxer, Validate chooses the safer behaviour:
//   - The trust anchor's validity period is checked (cert_expired, as
//     current Erlang does), and its name constraints and pathLenConstraint
//     apply to the path (Erlang ignores them).
//   - Every certificate used as a CA must assert cA in its basic
//     constraints (missing_basic_constraint), also when it has no key
//     usage extension or is a version 1 or 2 certificate, which Erlang
//     lets through.
//   - anyExtendedKeyUsage satisfies the purpose, for the peer and for
//     CAs; a CA with an extended key usage extension must allow the
//     purpose too, as current Erlang and OpenSSL require.
//   - A peer that is its own anchor (a chain of one self-signed
//     certificate accepted by the VerifyFun, or one of TrustedCerts) is
//     still checked as a peer: validity, extensions, key usage, host name,
//     then ValidPeer; Erlang delivers no event for it.
//   - A single self-signed peer that is byte for byte one of TrustedCerts
//     is trusted (pinning), where Erlang reports selfsigned_peer.
//
// Not implemented: certificate policy processing (the policy extensions
// are delivered as Extension events, so a critical one fails unless the
// VerifyFun accepts it) and OCSP.
//
// On success the Result describes the path; on failure the error is a
// BadCertError (or ErrEmptyChain). Validate is safe for concurrent use.
func Validate(chain [][]byte, opts Options) (*Result, error) {
	if len(chain) == 0 {
		return nil, ErrEmptyChain
	}
	if len(chain) > MaxChainCerts {
		return nil, BadCertError{Reason: ChainTooLong}
	}
	most := len(chain) + len(opts.TrustedCerts)
	v := &validator{
		opts:      opts,
		now:       opts.Time,
		certs:     make([]*certInfo, 0, most),
		bySubject: make(certIndex, most),
		byKeyID:   make(certIndex, most),
		sigCache:  map[[2]int]error{},
	}
	if v.now.IsZero() {
		v.now = time.Now()
	}
	v.chainLen = len(chain)
	switch {
	case opts.MaxDepth == 0:
		v.depth = DefaultMaxDepth
	case opts.MaxDepth < 0:
		v.depth = 0
	default:
		v.depth = opts.MaxDepth
	}

	// Parse the chain; every certificate must parse.
	parsed := make([]*certData, len(chain))
	for i, der := range chain {
		cd, err := chainCertData(der)
		if err != nil {
			return nil, BadCertError{Reason: DecodeFailure{Index: i, Detail: err.Error()}}
		}
		parsed[i] = cd
	}
	// The certificates are indexed by their encoding, subject and key
	// identifier with the keys their shared data holds, and their
	// certInfos come from one block (at most one per certificate given),
	// so that a large trust store costs no allocation per certificate.
	byDER := make(map[string]int, most)
	infos := make([]certInfo, 0, most)
	add := func(cd *certData) *certInfo {
		if i, ok := byDER[cd.rawKey]; ok {
			return v.certs[i]
		}
		var ci *certInfo
		if len(infos) < cap(infos) {
			infos = append(infos, certInfo{})
			ci = &infos[len(infos)-1]
		} else {
			// Never, but a pointer into infos must not move.
			ci = new(certInfo)
		}
		*ci = certInfo{certData: cd, idx: len(v.certs), chainPos: -1}
		byDER[cd.rawKey] = ci.idx
		v.certs = append(v.certs, ci)
		v.bySubject.add(v.certs, ci.subjKey, ci, subjLink)
		ci.nextKeyID = -1
		if len(ci.ski) > 0 {
			v.byKeyID.add(v.certs, cd.skiKey, ci, keyIDLink)
		}
		return ci
	}
	for i, cd := range parsed {
		ci := add(cd)
		if ci.chainPos < 0 {
			ci.chainPos = i
		}
	}
	for _, der := range opts.TrustedCerts {
		if i, ok := byDER[string(der)]; ok {
			// The peer is trusted as its own anchor only when it is
			// self-issued (pinning a self-signed certificate).
			if !v.certs[i].trusted && (i != 0 || v.certs[0].selfIssued) {
				v.certs[i].trusted = true
				v.trusted = append(v.trusted, v.certs[i].c)
			}
			continue
		}
		cd, ok := trustedCertData(der)
		if !ok {
			continue
		}
		ci := add(cd)
		if !ci.trusted {
			ci.trusted = true
			v.trusted = append(v.trusted, cd.c)
		}
	}
	return v.run()
}

// run builds the candidate paths and validates them in order.
func (v *validator) run() (*Result, error) {
	anchored, unanchored, truncated := v.build()
	var firstErr error
	note := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}

	// Paths that pass every check on their own come first.
	for _, c := range anchored {
		res, err := v.attempt(c.path, len(c.path)-1, true, nil, false)
		if err == nil {
			return res, nil
		}
		note(err)
	}

	peer := v.certs[0]
	if len(anchored) == 0 && v.chainLen == 1 && peer.selfIssued {
		// A lone self-issued certificate nobody trusts.
		res, err := v.attempt([]int{0}, 0, false, &Event{Kind: BadCert, Reason: SelfSignedPeer}, false)
		if err == nil {
			return res, nil
		}
		note(err)
		return nil, v.finalError(firstErr, false)
	}

	if v.opts.PartialChain != nil {
		for _, c := range unanchored {
			ders := make([][]byte, len(c.path))
			for i, idx := range c.path {
				// Root side first, as Erlang passes the path.
				ders[len(c.path)-1-i] = bytes.Clone(v.certs[idx].c.Raw)
			}
			chosen, ok := v.opts.PartialChain(ders)
			if !ok {
				continue
			}
			for i, idx := range c.path {
				if bytes.Equal(v.certs[idx].c.Raw, chosen) {
					res, err := v.attempt(c.path[:i+1], i, false, nil, false)
					if err == nil {
						return res, nil
					}
					note(err)
					break
				}
			}
		}
	}

	if len(unanchored) > 0 {
		c := unanchored[0]
		res, err := v.attempt(c.path, len(c.path)-1, false, &Event{Kind: BadCert, Reason: UnknownCA}, false)
		if err == nil {
			return res, nil
		}
		note(err)
	}
	return nil, v.finalError(firstErr, truncated && len(anchored) == 0)
}

// finalError is the error of a failed validation: the first attempt's, or
// path_search_limit_reached when the search was cut short before it found
// any anchored path.
func (v *validator) finalError(err error, truncated bool) error {
	if truncated {
		return BadCertError{Reason: PathSearchLimitReached, Cert: v.certs[0].c}
	}
	if err == nil {
		return BadCertError{Reason: UnknownCA, Cert: v.certs[0].c}
	}
	return err
}

// attempt is one validation of one path.
type attempt struct {
	v       *validator
	dry     bool
	fun     VerifyFun
	state   any
	maxLen  int
	nc      ncState
	failure *BadCertError
	pathCAs []*x509.Certificate
}

// attempt validates path (peer first) with the certificate at path[anchor]
// as trust anchor; the certificates above the anchor are not used. pre is
// an event for the anchor delivered first (unknown_ca, selfsigned_peer).
// A dry attempt does not call the VerifyFun (it answers as
// DefaultVerifyPeer) and skips revocation.
func (v *validator) attempt(path []int, anchor int, trustedAnchor bool, pre *Event, dry bool) (*Result, error) {
	a := &attempt{v: v, dry: dry, fun: v.opts.VerifyFun, state: v.opts.UserState, maxLen: v.depth}
	if a.fun == nil {
		a.fun = DefaultVerifyPeer
	}
	an := v.certs[path[anchor]]
	if pre != nil && !a.emit(an, *pre) {
		return nil, *a.failure
	}
	if anchor == 0 {
		// The peer is its own anchor.
		if !a.checkCert(an, nil, rolePeerAnchor) {
			return nil, *a.failure
		}
	} else {
		if !a.checkAnchor(an) {
			return nil, *a.failure
		}
		issuer := an
		for i := anchor - 1; i >= 0; i-- {
			ci := v.certs[path[i]]
			role := roleCA
			if i == 0 {
				role = rolePeer
			}
			if !a.checkCert(ci, issuer, role) {
				return nil, *a.failure
			}
			issuer = ci
		}
	}
	res := &Result{Anchor: an.c, AnchorTrusted: trustedAnchor, UserState: a.state}
	for i := 0; i <= anchor; i++ {
		res.Path = append(res.Path, v.certs[path[i]].c)
	}
	return res, nil
}

type role int

const (
	roleAnchor role = iota
	roleCA
	rolePeer
	rolePeerAnchor
)

func (r role) peer() bool { return r == rolePeer || r == rolePeerAnchor }

// emit delivers one event and applies the verdict; false means validation
// stops with a.failure.
func (a *attempt) emit(ci *certInfo, ev Event) bool {
	var verdict Verdict
	if a.dry {
		verdict, _ = DefaultVerifyPeer(ci.c, ev, nil)
	} else {
		verdict, a.state = a.fun(ci.c, ev, a.state)
	}
	fail := func(r Reason) bool {
		a.failure = &BadCertError{Reason: r, Cert: ci.c}
		return false
	}
	defaultReason := func() Reason {
		if ev.Kind == BadCert && ev.Reason != nil {
			return ev.Reason
		}
		return Atom("fail")
	}
	if r, ok := FailReason(verdict); ok {
		if r == nil {
			r = defaultReason()
		}
		return fail(r)
	}
	k, ok := verdict.(Kind)
	if !ok {
		return fail(defaultReason())
	}
	switch k {
	case Valid, ValidPeer:
		return true
	case Unknown:
		switch ev.Kind {
		case BadCert:
			return fail(defaultReason())
		case Extension:
			if ev.Extension.Critical {
				return fail(UnknownCriticalExtension)
			}
		}
		return true
	}
	return fail(defaultReason())
}

func (a *attempt) bad(ci *certInfo, r Reason) bool {
	return a.emit(ci, Event{Kind: BadCert, Reason: r})
}

// checkAnchor checks the trust anchor: validity, and its constraints for
// the path below. With ProfileStrict it is checked like a CA.
func (a *attempt) checkAnchor(an *certInfo) bool {
	v := a.v
	if v.opts.Profile == ProfileStrict {
		if !a.strictChecks(an, roleAnchor) || !a.walkExtensions(an, roleAnchor) {
			return false
		}
		if !(an.c.BasicConstraintsValid && an.c.IsCA) && !a.bad(an, MissingBasicConstraint) {
			return false
		}
	}
	if !a.checkTime(an) {
		return false
	}
	a.addConstraints(an)
	if an.c.BasicConstraintsValid && an.c.IsCA && an.c.MaxPathLen >= 0 && (an.c.MaxPathLen > 0 || an.c.MaxPathLenZero) {
		if an.c.MaxPathLen < a.maxLen {
			a.maxLen = an.c.MaxPathLen
		}
	}
	a.pathCAs = append(a.pathCAs, an.c)
	return true
}

func (a *attempt) addConstraints(ci *certInfo) {
	if !ci.hasNC {
		return
	}
	if ci.ncErr != nil || ci.nc == nil {
		a.nc.malformed = true
		return
	}
	a.nc.add(ci.nc)
}

func (a *attempt) checkTime(ci *certInfo) bool {
	now := a.v.now
	if now.Before(ci.c.NotBefore) || now.After(ci.c.NotAfter) {
		return a.bad(ci, CertExpired)
	}
	return true
}

// checkCert checks one certificate below the anchor (or the peer as its own
// anchor, with issuer nil).
func (a *attempt) checkCert(ci, issuer *certInfo, r role) bool {
	v := a.v
	if issuer != nil && a.maxLen < 0 {
		if !a.bad(ci, MaxPathLengthReached) {
			return false
		}
		a.maxLen = 0
	}
	if v.opts.Profile == ProfileStrict && !a.strictChecks(ci, r) {
		return false
	}
	if !a.walkExtensions(ci, r) {
		return false
	}
	if r == roleCA {
		if !(ci.c.BasicConstraintsValid && ci.c.IsCA) && !a.bad(ci, MissingBasicConstraint) {
			return false
		}
		n := a.maxLen
		if !ci.selfIssued {
			n--
		}
		if ci.c.BasicConstraintsValid && ci.c.IsCA && (ci.c.MaxPathLen > 0 || ci.c.MaxPathLenZero) && ci.c.MaxPathLen < n {
			n = ci.c.MaxPathLen
		}
		a.maxLen = n
	}
	if !a.checkKeyUsageMismatch(ci, r) {
		return false
	}
	if r.peer() && v.opts.KeyUsage != 0 && hasExtension(ci.c, oidExtKeyUsage) &&
		ci.c.KeyUsage&v.opts.KeyUsage != v.opts.KeyUsage {
		if !a.bad(ci, InvalidKeyUsage) {
			return false
		}
	}
	if !a.checkTime(ci) {
		return false
	}
	if issuer != nil {
		if !ci.issuer.equal(issuer.subject) && !a.bad(ci, InvalidIssuer) {
			return false
		}
		if (!ci.selfIssued || r.peer()) && !a.nc.permits(ci, r.peer()) && !a.bad(ci, NameNotPermitted) {
			return false
		}
		switch err := v.signatureError(ci, issuer); err {
		case nil:
		case errWeakSignature:
			if !a.bad(ci, UnsupportedSignature) {
				return false
			}
		default:
			if !a.bad(ci, InvalidSignature) {
				return false
			}
		}
	}
	if r.peer() {
		if a.hostnameFails(ci) {
			if !a.bad(ci, HostnameCheckFailed) {
				return false
			}
		} else if !a.emit(ci, Event{Kind: ValidPeer}) {
			return false
		}
	} else if !a.emit(ci, Event{Kind: Valid}) {
		return false
	}
	if issuer != nil && !a.checkRevocation(ci, issuer, r) {
		return false
	}
	if r == roleCA {
		a.addConstraints(ci)
		a.pathCAs = append(a.pathCAs, ci.c)
	}
	return true
}

func (a *attempt) hostnameFails(ci *certInfo) bool {
	o := a.v.opts
	if o.Hostname == "" && !o.IP.IsValid() {
		return false
	}
	allowCN := o.Profile != ProfileStrict
	if o.Hostname != "" && verifyHostnameNames(ci.c, &ci.names, o.Hostname, allowCN) == nil {
		return false
	}
	if o.IP.IsValid() && verifyIP(ci.c, ci.names, o.IP) == nil {
		return false
	}
	return true
}

// walkExtensions goes through the extensions in certificate order,
// processing those path validation knows and delivering the others as
// Extension events.
func (a *attempt) walkExtensions(ci *certInfo, r role) bool {
	for _, e := range ci.c.Extensions {
		switch {
		case e.Id.Equal(oidExtBasicConstraints), e.Id.Equal(oidExtNameConstraints):
			// Processed after the walk.
		case e.Id.Equal(oidExtKeyUsage):
			if (r == roleCA || r == roleAnchor) && ci.c.KeyUsage&x509.KeyUsageCertSign == 0 {
				if !a.bad(ci, InvalidKeyUsage) {
					return false
				}
			}
		case e.Id.Equal(oidExtExtKeyUsage):
			if reason := a.extKeyUsageProblem(ci, r); reason != nil && !a.bad(ci, reason) {
				return false
			}
		case e.Id.Equal(oidExtSubjectAltName) && e.Critical && ci.sanErr == nil && len(ci.san) > 0:
			// A critical, well-formed subject alternative name is processed
			// (host name and name constraints).
		default:
			if !a.emit(ci, Event{Kind: Extension, Extension: e}) {
				return false
			}
		}
	}
	return true
}

// extKeyUsageProblem checks the extended key usage against the purpose.
func (a *attempt) extKeyUsageProblem(ci *certInfo, r role) Reason {
	p := a.v.opts.Purpose
	strict := a.v.opts.Profile == ProfileStrict
	if r == roleAnchor {
		if strict {
			return ProfileViolation{Rule: "trust_anchor_extended_key_usage"}
		}
		return nil
	}
	hasAny := false
	for _, u := range ci.c.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny {
			hasAny = true
		}
	}
	if strict && r.peer() && hasAny {
		return InvalidExtKeyUsage{CA: false, Purposes: ekuTerm(ci.c)}
	}
	if p == AnyPurpose || hasAny {
		return nil
	}
	want := x509.ExtKeyUsageServerAuth
	if p == ClientAuth {
		want = x509.ExtKeyUsageClientAuth
	}
	for _, u := range ci.c.ExtKeyUsage {
		if u == want {
			return nil
		}
	}
	return InvalidExtKeyUsage{CA: !r.peer(), Purposes: ekuTerm(ci.c)}
}

// ekuTerm lists the extended key usages as an Erlang list of OID tuples.
func ekuTerm(c *x509.Certificate) string {
	oids := extKeyUsageOIDs(c)
	return oidListTerm(oids)
}

// checkKeyUsageMismatch is current Erlang's compatibility check of key usage
// and extended key usage.
func (a *attempt) checkKeyUsageMismatch(ci *certInfo, r role) bool {
	if r == roleAnchor || !hasExtension(ci.c, oidExtKeyUsage) || !hasExtension(ci.c, oidExtExtKeyUsage) {
		return true
	}
	ku := ci.c.KeyUsage
	has := func(bits ...x509.KeyUsage) bool {
		for _, b := range bits {
			if ku&b != 0 {
				return true
			}
		}
		return false
	}
	ok := true
	for _, u := range ci.c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageAny:
			return true
		case x509.ExtKeyUsageServerAuth:
			if r.peer() && !has(x509.KeyUsageDigitalSignature, x509.KeyUsageKeyAgreement, x509.KeyUsageKeyEncipherment) {
				ok = false
			}
		case x509.ExtKeyUsageClientAuth:
			if r.peer() && !has(x509.KeyUsageDigitalSignature, x509.KeyUsageKeyAgreement) {
				ok = false
			}
		case x509.ExtKeyUsageCodeSigning:
			if !has(x509.KeyUsageDigitalSignature) {
				ok = false
			}
		case x509.ExtKeyUsageEmailProtection:
			if !has(x509.KeyUsageDigitalSignature, x509.KeyUsageContentCommitment, x509.KeyUsageKeyAgreement, x509.KeyUsageKeyEncipherment) {
				ok = false
			}
		case x509.ExtKeyUsageTimeStamping, x509.ExtKeyUsageOCSPSigning:
			if !has(x509.KeyUsageDigitalSignature, x509.KeyUsageContentCommitment) {
				ok = false
			}
		}
	}
	if ok {
		return true
	}
	return a.bad(ci, KeyUsageMismatch{KeyUsage: keyUsageTerm(ku), ExtKeyUsage: ekuTerm(ci.c)})
}

// checkRevocation asks crl.Check about ci per the crl_check mode.
func (a *attempt) checkRevocation(ci, issuer *certInfo, r role) bool {
	if a.dry {
		return true
	}
	o := a.v.opts
	switch o.CRLCheck {
	case crl.On, crl.BestEffort:
	case crl.Peer:
		if !r.peer() {
			return true
		}
	default:
		return true
	}
	cache := o.CRLCache
	if cache == nil {
		cache = noCRLs{}
	}
	// The trusted certificates anchor CRL signers; the CAs of the path
	// above ci (validated by now) and the other certificates the peer sent
	// may complete a CRL signer's chain.
	var inter []*x509.Certificate
	inter = append(inter, a.pathCAs...)
	for _, c := range a.v.certs {
		if c.chainPos >= 0 && !c.trusted {
			inter = append(inter, c.c)
		}
	}
	res := crl.Check(crl.Request{Cert: ci.c, Issuer: issuer.c, Cache: cache, Trusted: a.v.trusted,
		Intermediates: inter, Time: a.v.now})
	switch res.Status {
	case crl.Good:
		return true
	case crl.Revoked:
		return a.bad(ci, Revoked{Reason: res.Reason})
	}
	if o.CRLCheck == crl.BestEffort {
		return true
	}
	return a.bad(ci, RevocationStatusUndetermined{Detail: res.Detail})
}

// noCRLs is the cache used when CRLCheck is on and CRLCache is nil.
type noCRLs struct{}

// Lookup has no CRLs.
func (noCRLs) Lookup(crl.DistributionPoint, []byte) ([][]byte, error) {
	return nil, crl.ErrNotAvailable
}

// Select has no CRLs.
func (noCRLs) Select([]byte) ([][]byte, error) { return nil, crl.ErrNotAvailable }

// FreshCRL has nothing fresher.
func (noCRLs) FreshCRL(_ crl.DistributionPoint, crls [][]byte) [][]byte {
	return crls
}
