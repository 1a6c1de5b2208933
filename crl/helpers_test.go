package crl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

// fakeCache is a Cache whose answers the test sets.
type fakeCache struct {
	mu        sync.Mutex
	byURI     map[string][][]byte
	selected  [][]byte
	lookupErr error
	selectErr error
	fresh     func(dp DistributionPoint, crls [][]byte) [][]byte

	lookups, selects, freshCalls int
	freshGot                     [][]byte
}

func (f *fakeCache) Lookup(dp DistributionPoint, issuer []byte) ([][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.lookupErr != nil {
		return nil, f.lookupErr
	}
	for _, u := range dp.URIs {
		if v, ok := f.byURI[u]; ok {
			return v, nil
		}
	}
	return nil, ErrNotAvailable
}

func (f *fakeCache) Select(issuer []byte) ([][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.selects++
	return f.selected, f.selectErr
}

func (f *fakeCache) FreshCRL(dp DistributionPoint, crls [][]byte) [][]byte {
	f.mu.Lock()
	f.freshCalls++
	f.freshGot = append(f.freshGot, crls...)
	fresh := f.fresh
	f.mu.Unlock()
	if fresh != nil {
		return fresh(dp, crls)
	}
	return crls
}

const (
	dpURI  = "http://crl.example/ca.crl"
	dpURI2 = "http://crl.example/ca-2.crl"
)

// world is a small PKI: root → ca → leaf (with a distribution point
// dpURI), and another CA that has nothing to do with the leaf.
type world struct {
	pki   *testpki.PKI
	root  *testpki.Cert
	ca    *testpki.Cert
	leaf  *testpki.Cert
	other *testpki.Cert
}

func newWorld(t testing.TB, leafOpts ...testpki.Option) *world {
	t.Helper()
	w := &world{pki: testpki.New(t)}
	w.root = w.pki.Root("Root CA")
	w.ca = w.root.Issue("Issuing CA", testpki.CA(0))
	opts := append([]testpki.Option{testpki.CRLDistributionPoints(dpURI)}, leafOpts...)
	w.leaf = w.ca.Issue("leaf", opts...)
	w.other = w.root.Issue("Other CA", testpki.CA(0))
	return w
}

func (w *world) req(cache Cache) Request {
	return Request{
		Cert:    w.leaf.Cert,
		Issuer:  w.ca.Cert,
		Cache:   cache,
		Trusted: []*x509.Certificate{w.root.Cert},
	}
}

// onURI returns a cache answering Lookup of dpURI with the CRLs.
func onURI(crls ...[]byte) *fakeCache {
	return &fakeCache{byURI: map[string][][]byte{dpURI: crls}}
}

// both returns a cache answering Lookup of dpURI and Select with the
// CRLs, as the internal cache does for CRLs filed under a URI.
func both(crls ...[]byte) *fakeCache {
	return &fakeCache{byURI: map[string][][]byte{dpURI: crls}, selected: crls}
}

// wantProblems checks the reasons of the problems a check met, in order.
func wantProblems(t *testing.T, got Result, reasons ...string) {
	t.Helper()
	var have []string
	for _, p := range got.Problems {
		have = append(have, p.Reason)
	}
	if strings.Join(have, " ") != strings.Join(reasons, " ") {
		t.Errorf("problems %s, want %v", problemsString(got.Problems), reasons)
	}
}

// rawName encodes a DER Name from RDNs, each a list of attributes
// given as (OID, ASN.1 tag, value bytes).
type attr struct {
	oid   asn1.ObjectIdentifier
	tag   int
	value []byte
}

func rawName(t testing.TB, rdns ...[]attr) []byte {
	t.Helper()
	var seq pkix.RDNSequence
	for _, rdn := range rdns {
		var set pkix.RelativeDistinguishedNameSET
		for _, a := range rdn {
			set = append(set, pkix.AttributeTypeAndValue{Type: a.oid, Value: asn1.RawValue{Tag: a.tag, Bytes: a.value}})
		}
		seq = append(seq, set)
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// checkNoGoroutineLeak fails the test if, after the test's cleanups, more
// goroutines run than before it started.
func checkNoGoroutineLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after:\n%s", before, n, buf)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func wantResult(t *testing.T, got Result, status Status, reason Reason, detail string) {
	t.Helper()
	if got.Status != status {
		t.Fatalf("status %v, want %v (detail %s, problems %s)", got.Status, status, got.Detail, problemsString(got.Problems))
	}
	if status == Revoked && got.Reason != reason {
		t.Errorf("reason %v, want %v", got.Reason, reason)
	}
	if status == Undetermined && got.Detail != detail {
		t.Errorf("detail %s, want %s (problems %s)", got.Detail, detail, problemsString(got.Problems))
	}
	if status != Undetermined && got.Detail != "" {
		t.Errorf("detail %q on a determined status", got.Detail)
	}
}

func problemsString(ps []Problem) string {
	var parts []string
	for _, p := range ps {
		s := p.Reason
		if p.Err != nil {
			s += " (" + p.Err.Error() + ")"
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, "; ") + "]"
}
