package crl

import (
	"crypto/x509"
	"time"
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

// Request is one revocation question: is Cert, issued by Issuer, revoked
// at Time?
type Request struct {
	Cert   *x509.Certificate
	Issuer *x509.Certificate
	// Cache supplies the CRLs (ssl_crl_cache_api).
	Cache Cache
	// Trusted are the trust anchors and any other certificates that may
	// issue CRLs on the issuer's behalf (indirect CRLs): a CRL signed by
	// another key must chain to one of them.
	Trusted []*x509.Certificate
	// Time is the validation time; the zero value means now.
	Time time.Time
}

// Result is the answer to a Request.
type Result struct {
	Status Status
	// Reason is the revocation reason when Status is Revoked.
	Reason Reason
	// Detail is an Erlang-style term explaining an Undetermined status, for
	// example "{bad_crls,no_relevant_crls}".
	Detail string
}

// Check answers a revocation question with the CRLs of req.Cache.
//
// This first version finds no CRLs and reports every certificate as
// Undetermined; CRL retrieval and validation replace it.
func Check(req Request) Result {
	return Result{Status: Undetermined, Detail: "{bad_crls,no_relevant_crls}"}
}
