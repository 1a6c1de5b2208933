package crl

import "errors"

// ErrNotAvailable is returned by Cache.Lookup when the cache has no CRL for
// the distribution point (Erlang's not_available).
var ErrNotAvailable = errors.New("crl: not available")

// DistributionPoint is one DistributionPoint of a certificate's CRL
// distribution points extension (RFC 5280, Section 4.2.1.13).
type DistributionPoint struct {
	// URIs are the uniformResourceIdentifier entries of the fullName.
	URIs []string
	// DirNames are the directoryName entries of the fullName, as DER Names.
	DirNames [][]byte
	// OtherNames are the fullName entries of any other GeneralName form,
	// each as its whole DER element (context-specific tag included). They
	// take part in matching a CRL's issuing distribution point.
	OtherNames [][]byte
	// RelativeName is the nameRelativeToCRLIssuer, as a DER
	// RelativeDistinguishedName, or nil.
	RelativeName []byte
	// Reasons is the reasons field; zero means all reasons.
	Reasons ReasonFlags
	// CRLIssuer holds the directoryName entries of the cRLIssuer field, as
	// DER Names; empty when the certificate's issuer signs the CRL.
	CRLIssuer [][]byte
}

// Cache supplies CRLs during path validation; it mirrors
// ssl_crl_cache_api. Implementations must be safe for concurrent use: one
// cache serves every connection that names it.
//
// Everything a Cache receives comes from a peer's certificate (names,
// URIs) and must be treated as untrusted input; everything it returns is
// validated by Check (signature, issuer, scope, times), so a cache need
// not validate CRLs, only bound what it fetches and keeps. Check does not
// modify the slices it is given.
type Cache interface {
	// Lookup returns the DER-encoded CRLs for the distribution point dp of
	// a certificate whose issuer has the DER-encoded name issuer. It may
	// look only in the cache or follow the distribution point's links. It
	// returns ErrNotAvailable (possibly wrapped) when it has none; other
	// errors are reported by Check as cache errors, and the distribution
	// point is skipped either way.
	Lookup(dp DistributionPoint, issuer []byte) ([][]byte, error)
	// Select returns the DER-encoded CRLs in the cache issued by the
	// DER-encoded name issuer; it is used when a certificate names no
	// distribution point, and when its distribution points leave the
	// status undetermined. CRLs returned together with an error are used.
	Select(issuer []byte) ([][]byte, error)
	// FreshCRL is given CRLs that are no longer current (their nextUpdate
	// has passed) and returns fresher ones for dp, or the same CRLs when
	// there are none.
	FreshCRL(dp DistributionPoint, crls [][]byte) [][]byte
}
