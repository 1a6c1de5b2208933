package crl

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

// crlServer serves CRLs over HTTP and counts the requests per path.
type crlServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][]byte
	hits   map[string]int
}

func newCRLServer(t *testing.T) *crlServer {
	t.Helper()
	s := &crlServer{bodies: map[string][]byte{}, hits: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/slow.crl", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/huge-chunked.crl", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		chunk := make([]byte, 1024)
		for i := 0; i < 64; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/redirect/", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		n, _ := strconv.Atoi(r.URL.Path[len("/redirect/"):])
		if n == 0 {
			http.Redirect(w, r, "/ca.crl", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		s.mu.Lock()
		body, ok := s.bodies[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		_, _ = w.Write(body)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *crlServer) hit(path string) {
	s.mu.Lock()
	s.hits[path]++
	s.mu.Unlock()
}

func (s *crlServer) set(path string, body []byte) {
	s.mu.Lock()
	s.bodies[path] = body
	s.mu.Unlock()
}

func (s *crlServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func TestFetch(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := newCRLServer(t)
	w := newWorld(t)
	crl := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(KeyCompromise))})
	srv.set("/ca.crl", crl)
	srv.set("/ca.pem", append(pemCRL(w.other.RawCRL(nil)), pemCRL(crl)...))
	srv.set("/garbage.crl", []byte("not a CRL"))
	srv.set("/bad.crl", []byte{0x30, 0x03, 0x02, 0x01, 0x01})
	c := NewInternalCache(HTTPTimeout(2*time.Second), HTTPMaxSize(32<<10))

	lookup := func(path string) ([][]byte, error) {
		return c.Lookup(DistributionPoint{URIs: []string{srv.URL + path}}, w.ca.Cert.RawSubject)
	}
	t.Run("DER", func(t *testing.T) {
		got, err := lookup("/ca.crl")
		if err != nil || len(got) != 1 || string(got[0]) != string(crl) {
			t.Fatalf("Lookup = %d CRLs, %v", len(got), err)
		}
		// Cached under its URI: no second request.
		if _, err := lookup("/ca.crl"); err != nil {
			t.Fatal(err)
		}
		if n := srv.count("/ca.crl"); n != 1 {
			t.Errorf("%d requests", n)
		}
		if got, _ := c.Select(w.ca.Cert.RawSubject); len(got) != 1 {
			t.Errorf("Select after fetch = %d CRLs", len(got))
		}
	})
	t.Run("PEM", func(t *testing.T) {
		got, err := lookup("/ca.pem")
		if err != nil || len(got) != 2 {
			t.Fatalf("Lookup = %d CRLs, %v", len(got), err)
		}
	})
	for _, path := range []string{"/missing.crl", "/garbage.crl", "/bad.crl", "/huge-chunked.crl", "/redirect/9"} {
		t.Run("not available "+path, func(t *testing.T) {
			if _, err := lookup(path); !errors.Is(err, ErrNotAvailable) {
				t.Fatalf("Lookup: %v", err)
			}
		})
	}
	t.Run("oversized with length", func(t *testing.T) {
		srv.set("/big.crl", make([]byte, 40<<10))
		if _, err := lookup("/big.crl"); !errors.Is(err, ErrNotAvailable) {
			t.Fatalf("Lookup: %v", err)
		}
		if _, err := c.fetch(srv.URL + "/big.crl"); err == nil {
			t.Fatal("fetch of an oversized body succeeded")
		}
	})
	t.Run("redirects", func(t *testing.T) {
		got, err := lookup("/redirect/3")
		if err != nil || len(got) != 1 {
			t.Fatalf("Lookup = %d CRLs, %v", len(got), err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		slow := NewInternalCache(HTTPTimeout(200 * time.Millisecond))
		start := time.Now()
		_, err := slow.Lookup(DistributionPoint{URIs: []string{srv.URL + "/slow.crl"}}, nil)
		if !errors.Is(err, ErrNotAvailable) {
			t.Fatalf("Lookup: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("timed out after %v", d)
		}
		if srv.count("/slow.crl") != 1 {
			t.Errorf("slow server not asked")
		}
	})
	t.Run("next URI after a failure", func(t *testing.T) {
		dp := DistributionPoint{URIs: []string{srv.URL + "/missing2.crl", "ldap://x/cn=y", srv.URL + "/ca.crl"}}
		got, err := c.Lookup(dp, nil)
		if err != nil || len(got) != 1 {
			t.Fatalf("Lookup = %d CRLs, %v", len(got), err)
		}
		if srv.count("/missing2.crl") != 1 {
			t.Errorf("first URI not tried")
		}
	})
	t.Run("check", func(t *testing.T) {
		leaf := w.ca.Issue("fetched", testpki.CRLDistributionPoints(srv.URL+"/ca2.crl"))
		srv.set("/ca2.crl", w.ca.RawCRL([]testpki.CRLEntry{leaf.Entry(int(PrivilegeWithdrawn))}))
		req := w.req(NewInternalCache(HTTPTimeout(2 * time.Second)))
		req.Cert = leaf.Cert
		wantResult(t, Check(req), Revoked, PrivilegeWithdrawn, "")
	})
}

func TestFetchOff(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := newCRLServer(t)
	w := newWorld(t)
	srv.set("/ca.crl", w.ca.RawCRL(nil))
	for _, c := range []*InternalCache{NewInternalCache(), NewInternalCache(HTTPTimeout(0))} {
		if _, err := c.Lookup(DistributionPoint{URIs: []string{srv.URL + "/ca.crl"}}, nil); !errors.Is(err, ErrNotAvailable) {
			t.Fatalf("Lookup: %v", err)
		}
	}
	// Only http is fetched.
	c := NewInternalCache(HTTPTimeout(time.Second))
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("https fetched")
	}))
	defer tls.Close()
	if _, err := c.Lookup(DistributionPoint{URIs: []string{tls.URL + "/ca.crl"}}, nil); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("Lookup: %v", err)
	}
	if srv.count("/ca.crl") != 0 {
		t.Errorf("fetched with fetching off")
	}
}

func TestFetchFreshCRL(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := newCRLServer(t)
	w := newWorld(t)
	now := w.pki.Now
	leaf := w.ca.Issue("refreshed", testpki.CRLDistributionPoints(srv.URL+"/ca.crl"))
	stale := w.ca.RawCRL(nil, testpki.CRLValidity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	fresh := w.ca.RawCRL([]testpki.CRLEntry{leaf.Entry(int(Superseded))})
	srv.set("/ca.crl", stale)
	c := NewInternalCache(HTTPTimeout(2 * time.Second))
	req := w.req(c)
	req.Cert = leaf.Cert
	// The server still has the stale CRL: fetched, refetched, stale.
	got := Check(req)
	wantResult(t, got, Undetermined, 0, "{bad_crls,no_relevant_crls}")
	wantProblems(t, got, "{bad_crl,no_fresh_crl}", "{bad_crl,no_fresh_crl}")
	if n := srv.count("/ca.crl"); n != 2 {
		t.Errorf("%d requests, want 2 (lookup, fresh_crl)", n)
	}
	// The server publishes a new CRL: the cached stale one is replaced.
	srv.set("/ca.crl", fresh)
	wantResult(t, Check(req), Revoked, Superseded, "")
	ders, _ := c.Lookup(DistributionPoint{URIs: []string{srv.URL + "/ca.crl"}}, nil)
	if len(ders) != 1 || string(ders[0]) != string(fresh) {
		t.Errorf("cache not refreshed")
	}
	// Without fetching, FreshCRL returns what it is given.
	off := NewInternalCache()
	if got := off.FreshCRL(DistributionPoint{URIs: []string{srv.URL + "/ca.crl"}}, [][]byte{stale}); len(got) != 1 || string(got[0]) != string(stale) {
		t.Errorf("FreshCRL without fetching changed the CRLs")
	}
}

func TestFetchEviction(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := newCRLServer(t)
	w := newWorld(t)
	for _, p := range []string{"/1.crl", "/2.crl", "/3.crl"} {
		srv.set(p, w.ca.RawCRL(nil))
	}
	c := NewInternalCache(HTTPTimeout(2*time.Second), MaxFetched(2))
	if err := c.InsertURI(srv.URL+"/inserted.crl", FromDER(w.ca.RawCRL(nil))); err != nil {
		t.Fatal(err)
	}
	get := func(p string) {
		t.Helper()
		if _, err := c.Lookup(DistributionPoint{URIs: []string{srv.URL + p}}, nil); err != nil {
			t.Fatalf("Lookup %s: %v", p, err)
		}
	}
	get("/1.crl")
	get("/2.crl")
	get("/3.crl") // evicts /1.crl
	get("/2.crl")
	get("/1.crl")
	get("/inserted.crl")
	if n := srv.count("/1.crl"); n != 2 {
		t.Errorf("/1.crl fetched %d times, want 2", n)
	}
	if n := srv.count("/2.crl"); n != 1 {
		t.Errorf("/2.crl fetched %d times, want 1", n)
	}
	if n := srv.count("/inserted.crl"); n != 0 {
		t.Errorf("inserted URI fetched")
	}
}

func TestFetchLimitPerLookup(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := newCRLServer(t)
	c := NewInternalCache(HTTPTimeout(2 * time.Second))
	var dp DistributionPoint
	for i := 0; i < 10; i++ {
		dp.URIs = append(dp.URIs, fmt.Sprintf("%s/missing-%d.crl", srv.URL, i))
	}
	if _, err := c.Lookup(dp, nil); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("Lookup: %v", err)
	}
	if got := c.FreshCRL(dp, nil); got != nil {
		t.Fatalf("FreshCRL gave %d CRLs", len(got))
	}
	n := 0
	for i := 0; i < 10; i++ {
		n += srv.count(fmt.Sprintf("/missing-%d.crl", i))
	}
	if n != 2*maxFetchesPerLookup {
		t.Errorf("%d fetches, want %d", n, 2*maxFetchesPerLookup)
	}
}
