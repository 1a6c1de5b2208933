package crl

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CheckMode is the crl_check option: whether and how revocation is checked
// during path validation.
type CheckMode int

// The crl_check modes.
const (
	// Off performs no revocation check (Erlang false, the default).
	Off CheckMode = iota
	// On checks every certificate of the path; a certificate whose status
	// cannot be determined fails validation (Erlang true).
	On
	// Peer checks only the peer certificate (Erlang peer).
	Peer
	// BestEffort checks every certificate and accepts one whose status
	// cannot be determined (Erlang best_effort).
	BestEffort
)

// String returns the Erlang term of the mode: "false", "true", "peer" or
// "best_effort".
func (m CheckMode) String() string {
	switch m {
	case Off:
		return "false"
	case On:
		return "true"
	case Peer:
		return "peer"
	case BestEffort:
		return "best_effort"
	}
	return "unknown"
}

// Status is the outcome of a revocation check of one certificate.
type Status int

// Revocation statuses.
const (
	// Good: a valid CRL in scope covers the certificate and does not list it.
	Good Status = iota
	// Revoked: a valid CRL lists the certificate; Result.Reason says why.
	Revoked
	// Undetermined: no valid CRL in scope could be found; Result.Detail says
	// why.
	Undetermined
)

// String returns "good", "revoked" or "undetermined".
func (s Status) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	case Undetermined:
		return "undetermined"
	}
	return "unknown"
}

// Request is one revocation question: is Cert, issued by Issuer, revoked
// at Time?
type Request struct {
	Cert *x509.Certificate
	// Issuer is the certificate that issued Cert. The caller's path
	// validation has validated it, so Check trusts it to sign CRLs for
	// Cert (when its key usage, if present, includes cRLSign).
	Issuer *x509.Certificate
	// Cache supplies the CRLs (ssl_crl_cache_api).
	Cache Cache
	// Trusted are the trust anchors and any other certificates that may
	// issue CRLs on the issuer's behalf (indirect CRLs): a CRL signed by
	// another key must chain to one of them.
	Trusted []*x509.Certificate
	// Intermediates are further certificates, not trusted by themselves,
	// from which Check may build the path from a CRL signer up to Issuer
	// or to a certificate of Trusted (for example a dedicated CRL-signing
	// certificate and the CA above it). Optional.
	Intermediates []*x509.Certificate
	// Time is the validation time; the zero value means now.
	Time time.Time
}

// Result is the answer to a Request.
type Result struct {
	Status Status
	// Reason is the revocation reason when Status is Revoked.
	Reason Reason
	// RevocationTime and InvalidityDate come from the CRL entry when
	// Status is Revoked; InvalidityDate is zero when the entry has none.
	RevocationTime time.Time
	InvalidityDate time.Time
	// Detail is an Erlang-style term explaining an Undetermined status, for
	// example "{bad_crls,no_relevant_crls}".
	Detail string
	// Problems lists every CRL that was set aside and every cache error
	// met on the way, in the order they were met, whatever the Status.
	Problems []Problem
}

// Problem is one reason a CRL could not be used, or a cache error.
type Problem struct {
	// CRL is the DER of the CRL set aside, or nil for a cache error or a
	// malformed distribution points extension.
	CRL []byte
	// Reason is an Erlang-style term: "{bad_crl,Why}" for a CRL (see
	// Check), "cache_error" or "invalid_distribution_points" otherwise.
	Reason string
	// Err is the underlying error, when there is one.
	Err error
}

// The reasons a CRL is set aside. Those public_key uses keep its names.
const (
	termDecodeError       = "{bad_crl,decode_error}"
	termDelta             = "{bad_crl,delta_crl_not_supported}"
	termNotYetValid       = "{bad_crl,not_yet_valid}"
	termNoFreshCRL        = "{bad_crl,no_fresh_crl}"
	termUnknownCritical   = "{bad_crl,unknown_critical_extension}"
	termInvalidIssuer     = "{bad_crl,invalid_issuer}"
	termScopeError        = "{bad_crl,scope_error}"
	termMaskError         = "{bad_crl,mask_error}"
	termNoIssuerCertChain = "{bad_crl,no_issuer_cert_chain}"
	termInvalidSignature  = "{bad_crl,invalid_signature}"
	termCRLSignBitNotSet  = "{bad_crl,crl_sign_bit_not_set}"

	detailNoRelevantCRLs = "{bad_crls,no_relevant_crls}"
)

// Limits that keep one Check bounded whatever a cache returns.
const (
	maxCRLsPerCheck = 256
	maxSignerDepth  = 8
)

// Check answers a revocation question with the CRLs of req.Cache, as
// RFC 5280, Section 6.3 describes and Erlang's ssl does it
// (ssl_handshake:crl_check with public_key:pkix_crls_validate):
//
//  1. For each distribution point of the certificate's CRL distribution
//     points extension, the CRLs from Cache.Lookup are validated in turn
//     (a distribution point whose Lookup returns ErrNotAvailable is
//     skipped), accumulating the reasons they cover, until the
//     certificate is found revoked or every reason is covered.
//  2. When the certificate has no distribution points, or step 1 leaves the
//     status undetermined, the same is done afresh with the CRLs that
//     Cache.Select returns for the certificate's issuer, under a
//     distribution point whose only name is the issuer's name.
//
// Unlike Erlang, which looks up only the first distribution point that
// has CRLs and pairs them with every distribution point, each
// distribution point is paired with its own CRLs.
//
// A CRL is used only when it passes, in this order:
//   - it parses (ParseCRL), else {bad_crl,decode_error};
//   - it is a complete CRL: delta CRLs are not supported, a delta CRL
//     alone never decides anything ({bad_crl,delta_crl_not_supported});
//   - thisUpdate ≤ Time ({bad_crl,not_yet_valid}) and Time < nextUpdate,
//     when nextUpdate is present; CRLs past their nextUpdate are handed
//     to Cache.FreshCRL together, and those it returns replace them (one
//     round); a CRL still stale afterwards is {bad_crl,no_fresh_crl};
//   - no critical CRL or entry extension that is not processed here
//     ({bad_crl,unknown_critical_extension}); Erlang still accepts a
//     revocation from such a CRL, RFC 5280 forbids using it at all;
//   - its issuer is the certificate's issuer, or, for a distribution
//     point with a cRLIssuer, one of those names with the CRL's issuing
//     distribution point asserting indirectCRL (otherwise the CRL is
//     taken as one from the certificate's issuer, as Erlang does)
//     ({bad_crl,invalid_issuer}). Names are compared canonically, as
//     SubjectNameHash describes;
//   - its issuing distribution point, if any, is in scope: one of its
//     names matches one of the distribution point's (or, when the
//     distribution point has no name, its cRLIssuer's); it does not
//     restrict itself to user certificates while the certificate is a CA,
//     nor to CA certificates while it is not, nor to attribute
//     certificates ({bad_crl,scope_error});
//   - it covers at least one reason (distribution point reasons ∩
//     onlySomeReasons) not covered yet ({bad_crl,mask_error});
//   - its signature verifies under a key allowed to sign it
//     ({bad_crl,invalid_signature}): req.Issuer, or a certificate of
//     req.Trusted, or one of req.Intermediates that chains to either,
//     with the CRL issuer's name as subject, the cRLSign key usage when
//     it has a key usage extension ({bad_crl,crl_sign_bit_not_set}), and,
//     except for req.Issuer, valid at Time
//     ({bad_crl,no_issuer_cert_chain} when none qualifies).
//
// The current CRLs of a distribution point are tried newest first (latest
// thisUpdate, then highest CRL number); Erlang tries them in the cache's
// order.
//
// A used CRL that lists the certificate's serial number (and, in an
// indirect CRL, its issuer) decides: Revoked with the entry's reason
// (unspecified when absent; certificateHold is a revocation), except
// removeFromCRL, which means not revoked. When the used CRLs together
// cover all reasons without listing it, the status is Good.
//
// Otherwise it is Undetermined, and Detail is the term Erlang's ssl
// gives, which reflects step 2 only (ssl discards what step 1 found):
// {bad_crls,[Reason,...]} with the reason each CRL of step 2 was set
// aside for (public_key pairs each with the decoded CRL; stale CRLs are
// not listed, as public_key skips them silently), {bad_crls,[]} when step
// 2 examined CRLs without fault that did not cover every reason, and
// {bad_crls,no_relevant_crls} when it examined none. Problems lists what
// both steps found, with the CRLs.
//
// Check does not check the revocation status of the certificates that
// sign CRLs, and does not require the CRL signer's path to end at the
// same trust anchor as the certificate's. Nil req.Cert or req.Cache give
// Undetermined. Check never panics on what the cache returns and reads at
// most 256 CRLs.
func Check(req Request) Result {
	c := &checker{req: req, cert: req.Cert, now: req.Time, parsed: map[[32]byte]parsedCRL{}, seen: map[string]bool{}, keys: map[string]string{}}
	if c.now.IsZero() {
		c.now = time.Now()
	}
	if c.cert == nil || c.cert.SerialNumber == nil || req.Cache == nil {
		return c.undetermined()
	}
	dps, err := CertificateDistributionPoints(c.cert)
	if err != nil {
		c.problems = append(c.problems, Problem{Reason: "invalid_distribution_points", Err: err})
		dps = nil
	}
	if len(dps) > 0 {
		st := &revocationState{}
		for _, dp := range dps {
			ders, err := req.Cache.Lookup(dp, c.cert.RawIssuer)
			if err != nil {
				if !errors.Is(err, ErrNotAvailable) {
					c.problems = append(c.problems, Problem{Reason: "cache_error", Err: err})
				}
				continue
			}
			if r, done := c.distributionPoint(dp, ders, st); done {
				return r
			}
		}
	}
	c.phase++
	c.phaseStart, c.phaseSawCRL = len(c.problems), false
	ders, err := req.Cache.Select(c.cert.RawIssuer)
	if err != nil && !errors.Is(err, ErrNotAvailable) {
		c.problems = append(c.problems, Problem{Reason: "cache_error", Err: err})
	}
	issuerDP := DistributionPoint{DirNames: [][]byte{c.cert.RawIssuer}}
	if r, done := c.distributionPoint(issuerDP, ders, &revocationState{}); done {
		return r
	}
	return c.undetermined()
}

type checker struct {
	req      Request
	cert     *x509.Certificate
	now      time.Time
	problems []Problem
	seen     map[string]bool
	parsed   map[[32]byte]parsedCRL
	keys     map[string]string
	budget   int
	// phase counts the steps (distribution points, then issuer);
	// phaseStart is where the problems of the current step begin, and
	// phaseSawCRL tells whether the step examined a CRL that was not
	// skipped as stale.
	phase       int
	phaseStart  int
	phaseSawCRL bool
}

type parsedCRL struct {
	crl *CRL
	err error
}

// revocationState is RFC 5280's reasons_mask; cert_status lives in the
// Result returned as soon as it is known.
type revocationState struct {
	mask ReasonFlags
}

func (c *checker) problem(der []byte, term string, err error) {
	sum := sha256.Sum256(der)
	key := fmt.Sprintf("%d %s %x", c.phase, term, sum)
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.problems = append(c.problems, Problem{CRL: der, Reason: term, Err: err})
}

// undetermined builds the Undetermined result. Its Detail is the term
// Erlang's ssl reports, which comes from its last step (the issuer's
// CRLs): the reasons the CRLs of that step were set aside, except CRLs
// skipped as stale, which public_key does not report; an empty list when
// it examined CRLs without finding fault; no_relevant_crls when it
// examined none.
func (c *checker) undetermined() Result {
	var terms []string
	for _, p := range c.problems[c.phaseStart:] {
		if p.CRL != nil && p.Reason != termNoFreshCRL {
			terms = append(terms, p.Reason)
		}
	}
	detail := detailNoRelevantCRLs
	if len(terms) > 0 || c.phaseSawCRL {
		detail = "{bad_crls,[" + strings.Join(terms, ",") + "]}"
	}
	return Result{Status: Undetermined, Detail: detail, Problems: c.problems}
}

// parse returns the parsed CRL, or nil after recording why it is unusable
// (it does not parse, or it is a delta CRL).
func (c *checker) parse(der []byte) *CRL {
	sum := sha256.Sum256(der)
	p, ok := c.parsed[sum]
	if !ok {
		p.crl, p.err = ParseCRL(der)
		c.parsed[sum] = p
	}
	if p.err != nil {
		c.problem(der, termDecodeError, p.err)
		return nil
	}
	if p.crl.DeltaCRLIndicator != nil {
		c.problem(der, termDelta, nil)
		return nil
	}
	return p.crl
}

// spend takes one CRL from the budget of the check.
func (c *checker) spend() bool {
	if c.budget >= maxCRLsPerCheck {
		return false
	}
	c.budget++
	return true
}

type freshness int

const (
	current freshness = iota
	stale
	notYetValid
)

func (c *checker) freshness(crl *CRL) freshness {
	if c.now.Before(crl.ThisUpdate) {
		return notYetValid
	}
	if !crl.NextUpdate.IsZero() && !c.now.Before(crl.NextUpdate) {
		return stale
	}
	return current
}

// distributionPoint validates the CRLs found for one distribution point
// (RFC 5280, Section 6.3.3) and reports whether they decided the status.
func (c *checker) distributionPoint(dp DistributionPoint, ders [][]byte, st *revocationState) (Result, bool) {
	var stales [][]byte
	var currents []*CRL
	for _, der := range ders {
		if !c.spend() {
			break
		}
		crl := c.parse(der)
		if crl == nil {
			continue
		}
		switch c.freshness(crl) {
		case notYetValid:
			c.phaseSawCRL = true
			c.problem(der, termNotYetValid, nil)
		case stale:
			stales = append(stales, der)
		default:
			c.phaseSawCRL = true
			currents = append(currents, crl)
		}
	}
	if r, done := c.evaluateAll(dp, currents, st); done {
		return r, true
	}
	if len(stales) == 0 {
		return Result{}, false
	}
	fresh := c.req.Cache.FreshCRL(dp, stales)
	replaced := false
	currents = currents[:0]
	for _, der := range fresh {
		if containsDER(stales, der) {
			c.problem(der, termNoFreshCRL, nil)
			continue
		}
		replaced = true
		if !c.spend() {
			break
		}
		crl := c.parse(der)
		if crl == nil {
			continue
		}
		switch c.freshness(crl) {
		case notYetValid:
			c.phaseSawCRL = true
			c.problem(der, termNotYetValid, nil)
		case stale:
			c.problem(der, termNoFreshCRL, nil)
		default:
			c.phaseSawCRL = true
			currents = append(currents, crl)
		}
	}
	if !replaced {
		for _, der := range stales {
			c.problem(der, termNoFreshCRL, nil)
		}
	}
	return c.evaluateAll(dp, currents, st)
}

// evaluateAll evaluates current CRLs newest first: latest thisUpdate,
// then highest CRL number, else in the cache's order.
func (c *checker) evaluateAll(dp DistributionPoint, crls []*CRL, st *revocationState) (Result, bool) {
	sort.SliceStable(crls, func(i, j int) bool {
		a, b := crls[i], crls[j]
		if !a.ThisUpdate.Equal(b.ThisUpdate) {
			return a.ThisUpdate.After(b.ThisUpdate)
		}
		if a.Number != nil && b.Number != nil {
			return a.Number.Cmp(b.Number) > 0
		}
		return false
	})
	for _, crl := range crls {
		if r, done := c.evaluate(dp, crl, st); done {
			return r, true
		}
	}
	return Result{}, false
}

func containsDER(list [][]byte, der []byte) bool {
	for _, d := range list {
		if bytes.Equal(d, der) {
			return true
		}
	}
	return false
}

// evaluate applies RFC 5280, Section 6.3.3 (b) to (j) to one current,
// complete CRL.
func (c *checker) evaluate(dp DistributionPoint, crl *CRL, st *revocationState) (Result, bool) {
	der := crl.Raw
	if crl.UnknownCritical != nil {
		c.problem(der, termUnknownCritical, errors.New("crl: unknown critical extension "+crl.UnknownCritical.String()))
		return Result{}, false
	}
	idp := crl.IssuingDistributionPoint

	// (b)(1): the CRL issuer.
	scopeDP := dp
	crlIssuerMatch := false
	if len(dp.CRLIssuer) > 0 {
		if idp != nil && idp.IndirectCRL && c.inList(crl.RawIssuer, dp.CRLIssuer) {
			crlIssuerMatch = true
		} else {
			// As public_key does: take the CRL as one from the
			// certificate's issuer, for a distribution point named
			// after that issuer.
			scopeDP = DistributionPoint{DirNames: [][]byte{c.cert.RawIssuer}, Reasons: dp.Reasons}
		}
	}
	if !crlIssuerMatch && !c.same(crl.RawIssuer, c.cert.RawIssuer) {
		c.problem(der, termInvalidIssuer, nil)
		return Result{}, false
	}

	// (b)(2): the scope of the issuing distribution point.
	if idp != nil && !c.inScope(scopeDP, idp, crl) {
		c.problem(der, termScopeError, nil)
		return Result{}, false
	}

	// (d), (e): the interim reasons mask must add something.
	interim := AllReasons
	if scopeDP.Reasons != 0 {
		interim = scopeDP.Reasons
	}
	if idp != nil && idp.HasOnlySomeReasons {
		interim &= idp.OnlySomeReasons
	}
	if interim&^st.mask == 0 {
		c.problem(der, termMaskError, nil)
		return Result{}, false
	}

	// (f), (g): the signature, under a key allowed to sign the CRL.
	if term, err := c.verifySignature(crl); term != "" {
		c.problem(der, term, err)
		return Result{}, false
	}

	// (i): the certificate's status; (j): the reasons mask.
	st.mask |= interim
	if e := c.findEntry(crl, idp); e != nil && e.Reason != RemoveFromCRL {
		return Result{
			Status:         Revoked,
			Reason:         e.Reason,
			RevocationTime: e.RevocationTime,
			InvalidityDate: e.InvalidityDate,
			Problems:       c.problems,
		}, true
	}
	if st.mask&AllReasons == AllReasons {
		return Result{Status: Good, Problems: c.problems}, true
	}
	return Result{}, false
}

// findEntry returns the first entry for the certificate: same serial
// number and, in an indirect CRL, an issuer naming the certificate's.
func (c *checker) findEntry(crl *CRL, idp *IssuingDistributionPoint) *Entry {
	indirect := idp != nil && idp.IndirectCRL
	for i := range crl.Entries {
		e := &crl.Entries[i]
		if e.SerialNumber.Cmp(c.cert.SerialNumber) != 0 {
			continue
		}
		if indirect && !c.inList(c.cert.RawIssuer, e.CertificateIssuer) {
			continue
		}
		return e
	}
	return nil
}

// inScope checks the issuing distribution point of a CRL against a
// distribution point (RFC 5280, Section 6.3.3 (b)(2)).
func (c *checker) inScope(dp DistributionPoint, idp *IssuingDistributionPoint, crl *CRL) bool {
	if !dp.hasName() && len(dp.CRLIssuer) == 0 {
		return false
	}
	if idp.hasName() {
		idpNames := nameKeys(idp.URIs, idp.DirNames, idp.OtherNames, idp.RelativeName, crl.RawIssuer, c.key)
		var dpN []string
		if dp.hasName() {
			base := c.cert.RawIssuer
			if len(dp.CRLIssuer) > 0 {
				base = dp.CRLIssuer[0]
			}
			dpN = nameKeys(dp.URIs, dp.DirNames, dp.OtherNames, dp.RelativeName, base, c.key)
		} else {
			dpN = nameKeys(nil, dp.CRLIssuer, nil, nil, nil, c.key)
		}
		if !anyNameMatches(idpNames, dpN) {
			return false
		}
	}
	isCA := c.cert.BasicConstraintsValid && c.cert.IsCA
	if idp.OnlyContainsUserCerts && isCA {
		return false
	}
	if idp.OnlyContainsCACerts && !isCA {
		return false
	}
	return !idp.OnlyContainsAttributeCerts
}

// nameKeys returns a key for each name of a distribution point name (see
// nameKey; URIs compare exactly, other forms byte for byte); a relative
// name is appended to base to make a directory name. key computes the
// key of a directory name.
func nameKeys(uris []string, dirNames, others [][]byte, relative, base []byte, key func([]byte) string) []string {
	var out []string
	for _, u := range uris {
		out = append(out, "uri:"+u)
	}
	for _, d := range dirNames {
		out = append(out, "dir:"+key(d))
	}
	for _, o := range others {
		out = append(out, "other:"+string(o))
	}
	if relative != nil && base != nil {
		if full, ok := appendRDN(base, relative); ok {
			out = append(out, "dir:"+key(full))
		}
	}
	return out
}

// anyNameMatches reports whether the two lists of name keys share one.
func anyNameMatches(a, b []string) bool {
	set := make(map[string]bool, len(a))
	for _, k := range a {
		set[k] = true
	}
	for _, k := range b {
		if set[k] {
			return true
		}
	}
	return false
}

// appendRDN returns the DER Name made of base followed by the DER
// RelativeDistinguishedName rdn.
func appendRDN(base, rdn []byte) ([]byte, bool) {
	in := cryptobyte.String(base)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	body := append(append([]byte(nil), rdns...), rdn...)
	return appendTLV(nil, byte(cbasn1.SEQUENCE), body), true
}

// same reports whether two DER names are the same name (namesEqual),
// canonicalizing each name once per check.
func (c *checker) same(a, b []byte) bool {
	return bytes.Equal(a, b) || c.key(a) == c.key(b)
}

// key is nameKey, remembered for the duration of the check.
func (c *checker) key(raw []byte) string {
	if k, ok := c.keys[string(raw)]; ok {
		return k
	}
	k := nameKey(raw)
	c.keys[string(raw)] = k
	return k
}

func (c *checker) inList(name []byte, list [][]byte) bool {
	for _, n := range list {
		if c.same(name, n) {
			return true
		}
	}
	return false
}

type signerKind int

const (
	signerIssuer signerKind = iota
	signerTrusted
	signerIntermediate
)

type signer struct {
	cert *x509.Certificate
	kind signerKind
}

// signers lists the certificates that may have signed a CRL of the given
// issuer name: req.Issuer first, then req.Trusted, then
// req.Intermediates.
func (c *checker) signers(issuer []byte) []signer {
	var out []signer
	add := func(cert *x509.Certificate, kind signerKind) {
		if cert == nil || !c.same(cert.RawSubject, issuer) {
			return
		}
		for _, s := range out {
			if bytes.Equal(s.cert.Raw, cert.Raw) {
				return
			}
		}
		out = append(out, signer{cert, kind})
	}
	add(c.req.Issuer, signerIssuer)
	for _, t := range c.req.Trusted {
		add(t, signerTrusted)
	}
	for _, t := range c.req.Intermediates {
		add(t, signerIntermediate)
	}
	return out
}

// verifySignature returns "" when a certificate allowed to sign the CRL
// verifies its signature, or the reason term.
func (c *checker) verifySignature(crl *CRL) (string, error) {
	var noSignBit, badSig, noChain bool
	var sigErr error
	visited := map[*x509.Certificate]bool{}
	for _, s := range c.signers(crl.RawIssuer) {
		if s.cert.KeyUsage != 0 && s.cert.KeyUsage&x509.KeyUsageCRLSign == 0 {
			noSignBit = true
			continue
		}
		if err := s.cert.CheckSignature(crl.SignatureAlgorithm, crl.RawTBSRevocationList, crl.Signature); err != nil {
			badSig, sigErr = true, err
			continue
		}
		switch s.kind {
		case signerIssuer:
			return "", nil
		case signerTrusted:
			if c.validAt(s.cert) {
				return "", nil
			}
		case signerIntermediate:
			if c.validAt(s.cert) && c.chains(s.cert, 0, visited) {
				return "", nil
			}
		}
		noChain = true
	}
	switch {
	case noChain:
		return termNoIssuerCertChain, nil
	case badSig:
		return termInvalidSignature, sigErr
	case noSignBit:
		return termCRLSignBitNotSet, nil
	}
	return termNoIssuerCertChain, nil
}

func (c *checker) validAt(cert *x509.Certificate) bool {
	return !c.now.Before(cert.NotBefore) && !c.now.After(cert.NotAfter)
}

// chains reports whether cert is signed by req.Issuer, by a certificate
// of req.Trusted, or by a valid intermediate that chains in turn.
func (c *checker) chains(cert *x509.Certificate, depth int, visited map[*x509.Certificate]bool) bool {
	if depth >= maxSignerDepth || visited[cert] {
		return false
	}
	visited[cert] = true
	try := func(parent *x509.Certificate) bool {
		return parent != nil && !bytes.Equal(parent.Raw, cert.Raw) &&
			c.same(parent.RawSubject, cert.RawIssuer) &&
			cert.CheckSignatureFrom(parent) == nil
	}
	if try(c.req.Issuer) {
		return true
	}
	for _, t := range c.req.Trusted {
		if try(t) {
			return true
		}
	}
	for _, t := range c.req.Intermediates {
		if try(t) && c.validAt(t) && c.chains(t, depth+1, visited) {
			return true
		}
	}
	return false
}
