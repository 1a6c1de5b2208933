package crl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// DefaultHTTPMaxSize is the largest HTTP response body the internal cache
// accepts when fetching a CRL, unless HTTPMaxSize says otherwise.
const DefaultHTTPMaxSize = 16 << 20

// DefaultMaxFetched is how many distribution point URIs the internal cache
// keeps fetched CRLs for, unless MaxFetched says otherwise.
const DefaultMaxFetched = 1024

// maxURIsPerLookup bounds the URIs of one distribution point that Lookup
// and FreshCRL look at, and maxFetchesPerLookup the fetches they make.
const (
	maxURIsPerLookup    = 16
	maxFetchesPerLookup = 4
)

// InternalCache is the default CRL cache, Erlang's ssl_crl_cache: CRLs
// inserted by the application, optionally completed by CRLs fetched over
// HTTP from the distribution points of the certificates checked. It is
// safe for concurrent use.
//
// CRLs are filed under a distribution point URI (InsertURI, and fetched
// CRLs under the URI they came from) or under no URI (Insert). Lookup
// finds CRLs by the URIs of a distribution point; Select finds every CRL
// of the cache, under any URI or none, by issuer name.
type InternalCache struct {
	httpTimeout time.Duration
	fetching    bool
	maxSize     int64
	maxFetched  int
	client      *http.Client

	mu       sync.RWMutex
	byURI    map[string]*uriEntry
	noURI    []*storedCRL
	fetchSeq uint64
}

type storedCRL struct {
	der       []byte
	issuerKey string
}

type uriEntry struct {
	crls []*storedCRL
	// fetched entries came from HTTP and are evicted, oldest first, when
	// there are more than maxFetched of them; inserted ones stay.
	fetched bool
	seq     uint64
}

// InternalOption configures an InternalCache (Erlang's crl_cache
// arguments).
type InternalOption func(*InternalCache)

// HTTPTimeout turns on fetching of CRLs from http distribution points,
// Erlang's {http, Timeout}: each request (connection, redirects and body)
// must finish within d. A negative d (ssl.Infinity) fetches without a time
// limit; 0 leaves fetching off, the default. Only plain http URIs are
// fetched, as RFC 5280 and Erlang expect; redirects are followed (at most
// 5, to http or https).
func HTTPTimeout(d time.Duration) InternalOption {
	return func(c *InternalCache) {
		c.fetching = d != 0
		c.httpTimeout = d
	}
}

// HTTPMaxSize sets the largest response body accepted when fetching, in
// bytes (default DefaultHTTPMaxSize; at most MaxCRLSize). A larger
// response is a failed fetch.
func HTTPMaxSize(n int64) InternalOption {
	return func(c *InternalCache) {
		if n > 0 && n <= MaxCRLSize {
			c.maxSize = n
		}
	}
}

// HTTPClient sets the client used for fetching (default: a client of its
// own that honours the proxy environment variables and closes every
// connection after use). HTTPTimeout still bounds each request.
func HTTPClient(client *http.Client) InternalOption {
	return func(c *InternalCache) {
		if client != nil {
			c.client = client
		}
	}
}

// MaxFetched sets how many URIs the cache keeps fetched CRLs for (default
// DefaultMaxFetched); beyond that the oldest fetched are dropped.
func MaxFetched(n int) InternalOption {
	return func(c *InternalCache) {
		if n > 0 {
			c.maxFetched = n
		}
	}
}

// NewInternalCache returns an empty internal cache.
func NewInternalCache(opts ...InternalOption) *InternalCache {
	c := &InternalCache{
		maxSize:    DefaultHTTPMaxSize,
		maxFetched: DefaultMaxFetched,
		byURI:      map[string]*uriEntry{},
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.client == nil {
		c.client = &http.Client{
			Transport: &http.Transport{
				Proxy:             http.ProxyFromEnvironment,
				DisableKeepAlives: true,
			},
			CheckRedirect: checkRedirect,
		}
	}
	return c
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("crl: too many redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("crl: redirect to %s URI refused", req.URL.Scheme)
	}
	return nil
}

// storeCRLs parses the CRLs (all must parse) and prepares them for
// filing.
func storeCRLs(ders [][]byte) ([]*storedCRL, error) {
	out := make([]*storedCRL, 0, len(ders))
	for i, der := range ders {
		crl, err := ParseCRL(der)
		if err != nil {
			return nil, fmt.Errorf("crl: CRL %d: %w", i+1, err)
		}
		out = append(out, &storedCRL{der: der, issuerKey: nameKey(crl.RawIssuer)})
	}
	return out, nil
}

// Insert adds the CRLs of src (FromFile or FromDER) to the cache under no
// distribution point URI (Erlang's ssl_crl_cache:insert/1): Select finds
// them, Lookup does not. Every CRL must parse, or nothing is added.
func (c *InternalCache) Insert(src Source) error {
	ders, err := src.crls()
	if err != nil {
		return err
	}
	stored, err := storeCRLs(ders)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range stored {
		if !containsStored(c.noURI, s.der) {
			c.noURI = append(c.noURI, s)
		}
	}
	return nil
}

// InsertURI files the CRLs of src (FromFile or FromDER) under the
// distribution point URI uri, replacing what was filed there (Erlang's
// ssl_crl_cache:insert/2): Lookup of a distribution point naming uri
// returns them. Any absolute URI is accepted (Erlang accepts only http);
// URIs are compared with scheme and host lowercased and default ports
// dropped. Every CRL must parse, or nothing changes.
func (c *InternalCache) InsertURI(uri string, src Source) error {
	key, err := uriKey(uri)
	if err != nil {
		return err
	}
	ders, err := src.crls()
	if err != nil {
		return err
	}
	stored, err := storeCRLs(ders)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byURI[key] = &uriEntry{crls: stored}
	return nil
}

// Delete removes CRLs from the cache (Erlang's ssl_crl_cache:delete/1):
// FromURI(uri) drops what is filed under uri; FromFile and FromDER remove
// those CRLs (byte for byte) wherever they are filed. Deleting what is not
// there is not an error.
func (c *InternalCache) Delete(src Source) error {
	if src.kind == sourceURI {
		key, err := uriKey(src.uri)
		if err != nil {
			return err
		}
		c.mu.Lock()
		delete(c.byURI, key)
		c.mu.Unlock()
		return nil
	}
	ders, err := src.crls()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noURI = removeStored(c.noURI, ders)
	for key, e := range c.byURI {
		e.crls = removeStored(e.crls, ders)
		if len(e.crls) == 0 {
			delete(c.byURI, key)
		}
	}
	return nil
}

func containsStored(list []*storedCRL, der []byte) bool {
	for _, s := range list {
		if bytes.Equal(s.der, der) {
			return true
		}
	}
	return false
}

func removeStored(list []*storedCRL, ders [][]byte) []*storedCRL {
	out := list[:0]
	for _, s := range list {
		if !containsDER(ders, s.der) {
			out = append(out, s)
		}
	}
	for i := len(out); i < len(list); i++ {
		list[i] = nil
	}
	return out
}

// Lookup returns the CRLs filed under the first URI of dp that has any.
// With fetching on, an http URI with nothing filed is fetched in turn (at
// most four fetches per call), and what it returns is filed under it. It returns ErrNotAvailable when no
// URI gives CRLs (a failed fetch is not_available, as in Erlang).
// Distribution points named only by directory names, or only through a
// cRLIssuer, are not available here; Check then uses Select.
func (c *InternalCache) Lookup(dp DistributionPoint, issuer []byte) ([][]byte, error) {
	fetches := 0
	for i, u := range dp.URIs {
		if i == maxURIsPerLookup {
			break
		}
		key, err := uriKey(u)
		if err != nil {
			continue
		}
		if ders := c.filed(key); len(ders) > 0 {
			return ders, nil
		}
		if !c.fetchable(u) || fetches == maxFetchesPerLookup {
			continue
		}
		fetches++
		if ders, err := c.fetchAndFile(u, key); err == nil {
			return ders, nil
		}
	}
	return nil, ErrNotAvailable
}

// fetchable reports whether fetching is on and u is an http URI.
func (c *InternalCache) fetchable(u string) bool {
	if !c.fetching {
		return false
	}
	parsed, err := url.Parse(u)
	return err == nil && parsed.Scheme == "http"
}

func (c *InternalCache) filed(key string) [][]byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.byURI[key]
	if e == nil {
		return nil
	}
	out := make([][]byte, len(e.crls))
	for i, s := range e.crls {
		out[i] = s.der
	}
	return out
}

// Select returns every CRL in the cache whose issuer is the DER name
// issuer, compared canonically (see SubjectNameHash), whether filed under
// a URI (fetched ones included) or not.
func (c *InternalCache) Select(issuer []byte) ([][]byte, error) {
	key := nameKey(issuer)
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out [][]byte
	add := func(list []*storedCRL) {
		for _, s := range list {
			if s.issuerKey == key && !containsDER(out, s.der) {
				out = append(out, s.der)
			}
		}
	}
	add(c.noURI)
	for _, e := range c.byURI {
		add(e.crls)
	}
	return out, nil
}

// FreshCRL is called by Check for CRLs past their nextUpdate. With
// fetching on, it fetches the http URIs of dp in turn and returns (and
// files) what the first successful one gives; otherwise, or when every
// fetch fails, it returns crls unchanged. (Erlang's cache never fetches
// here.)
func (c *InternalCache) FreshCRL(dp DistributionPoint, crls [][]byte) [][]byte {
	fetches := 0
	for i, u := range dp.URIs {
		if i == maxURIsPerLookup || fetches == maxFetchesPerLookup {
			break
		}
		key, err := uriKey(u)
		if err != nil || !c.fetchable(u) {
			continue
		}
		fetches++
		if ders, err := c.fetchAndFile(u, key); err == nil {
			return ders
		}
	}
	return crls
}

// fetchAndFile fetches an http URI when fetching is on and files the
// CRLs it gives under key.
func (c *InternalCache) fetchAndFile(rawURL, key string) ([][]byte, error) {
	if !c.fetchable(rawURL) {
		return nil, ErrNotAvailable
	}
	ders, err := c.fetch(rawURL)
	if err != nil {
		return nil, err
	}
	stored := make([]*storedCRL, 0, len(ders))
	for _, der := range ders {
		crl, err := ParseCRL(der)
		if err != nil {
			continue
		}
		stored = append(stored, &storedCRL{der: der, issuerKey: nameKey(crl.RawIssuer)})
	}
	if len(stored) == 0 {
		return nil, fmt.Errorf("crl: no valid CRL at %s", rawURL)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetchSeq++
	if e := c.byURI[key]; e != nil && !e.fetched {
		// An inserted entry stays inserted: refresh its CRLs only.
		e.crls = stored
	} else {
		c.byURI[key] = &uriEntry{crls: stored, fetched: true, seq: c.fetchSeq}
		c.evictLocked()
	}
	out := make([][]byte, len(stored))
	for i, s := range stored {
		out[i] = s.der
	}
	return out, nil
}

// evictLocked drops the oldest fetched entries beyond maxFetched.
func (c *InternalCache) evictLocked() {
	for {
		n := 0
		oldestKey, oldest := "", uint64(0)
		for k, e := range c.byURI {
			if !e.fetched {
				continue
			}
			n++
			if oldestKey == "" || e.seq < oldest {
				oldestKey, oldest = k, e.seq
			}
		}
		if n <= c.maxFetched {
			return
		}
		delete(c.byURI, oldestKey)
	}
}

// fetch GETs a URL and returns the DER CRLs of the response: a DER CRL
// (or several), or PEM "X509 CRL" blocks.
func (c *InternalCache) fetch(rawURL string) ([][]byte, error) {
	ctx := context.Background()
	if c.httpTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.httpTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/pkix-crl, application/x-pem-file;q=0.9, */*;q=0.5")
	req.Close = true
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so that the server is not left writing.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("crl: GET %s: %s", rawURL, resp.Status)
	}
	if resp.ContentLength > c.maxSize {
		return nil, fmt.Errorf("crl: GET %s: body of %d bytes exceeds %d", rawURL, resp.ContentLength, c.maxSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("crl: GET %s: %w", rawURL, err)
	}
	if int64(len(body)) > c.maxSize {
		return nil, fmt.Errorf("crl: GET %s: body exceeds %d bytes", rawURL, c.maxSize)
	}
	return decodeCRLs(body)
}
