package crl

import (
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

func pemCRL(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInternalCacheInsertSelect(t *testing.T) {
	w := newWorld(t)
	crlCA := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(KeyCompromise))})
	crlOther := w.other.RawCRL(nil)
	c := NewInternalCache()
	if err := c.Insert(FromDER(crlCA, crlOther)); err != nil {
		t.Fatal(err)
	}
	got, err := c.Select(w.ca.Cert.RawSubject)
	if err != nil || len(got) != 1 || string(got[0]) != string(crlCA) {
		t.Fatalf("Select(ca) = %d CRLs, %v", len(got), err)
	}
	got, _ = c.Select(w.other.Cert.RawSubject)
	if len(got) != 1 || string(got[0]) != string(crlOther) {
		t.Fatalf("Select(other) = %d CRLs", len(got))
	}
	got, _ = c.Select(w.root.Cert.RawSubject)
	if len(got) != 0 {
		t.Fatalf("Select(root) = %d CRLs", len(got))
	}
	// Inserted without a URI: Lookup does not find them, Check does
	// through Select.
	if _, err := c.Lookup(DistributionPoint{URIs: []string{dpURI}}, w.ca.Cert.RawSubject); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("Lookup: %v", err)
	}
	wantResult(t, Check(w.req(c)), Revoked, KeyCompromise, "")
	// Inserting the same CRL again does not duplicate it.
	if err := c.Insert(FromDER(crlCA)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Select(w.ca.Cert.RawSubject); len(got) != 1 {
		t.Fatalf("%d CRLs after a second insert", len(got))
	}
}

func TestInternalCacheSelectCanonicalName(t *testing.T) {
	w := newWorld(t)
	alias := rawName(t,
		[]attr{{oidO, 12, []byte("OTPSSL  TEST")}},
		[]attr{{oidCN, 12, []byte(" issuing ca ")}})
	crl := w.ca.CRLNamed(alias, nil)
	c := NewInternalCache()
	if err := c.Insert(FromDER(crl)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Select(w.ca.Cert.RawSubject); len(got) != 1 {
		t.Fatalf("Select by an equivalent name found %d CRLs", len(got))
	}
}

func TestInternalCacheFiles(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	crl1 := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(Superseded))})
	crl2 := w.other.RawCRL(nil)
	derFile := writeFile(t, dir, "ca.der", crl1)
	twoDER := writeFile(t, dir, "two.der", append(append([]byte(nil), crl1...), crl2...))
	pemFile := writeFile(t, dir, "two.pem", append(append(append([]byte("CRLs\n"), pemCRL(crl1)...), w.leaf.PEM()...), pemCRL(crl2)...))
	noCRL := writeFile(t, dir, "cert.pem", w.leaf.PEM())
	garbage := writeFile(t, dir, "garbage", []byte("hello"))
	badCRL := writeFile(t, dir, "bad.pem", pemCRL([]byte{0x30, 0x03, 0x02, 0x01, 0x01}))

	for _, tc := range []struct {
		name  string
		path  string
		count int // CRLs of the CA and the other CA found afterwards, or -1 for an error
	}{
		{"DER", derFile, 1},
		{"two DER", twoDER, 2},
		{"PEM", pemFile, 2},
		{"PEM without CRL", noCRL, -1},
		{"garbage", garbage, -1},
		{"unparsable CRL", badCRL, -1},
		{"missing", filepath.Join(dir, "missing"), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewInternalCache()
			err := c.Insert(FromFile(tc.path))
			if tc.count < 0 {
				if err == nil {
					t.Fatal("Insert succeeded")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			a, _ := c.Select(w.ca.Cert.RawSubject)
			b, _ := c.Select(w.other.Cert.RawSubject)
			if n := len(a) + len(b); tc.count >= 0 && n != tc.count || tc.count < 0 && n != 0 {
				t.Fatalf("%d CRLs in the cache", n)
			}
			if tc.count > 0 {
				wantResult(t, Check(w.req(c)), Revoked, Superseded, "")
				// Deleting the same file removes its CRLs.
				if err := c.Delete(FromFile(tc.path)); err != nil {
					t.Fatal(err)
				}
				a, _ = c.Select(w.ca.Cert.RawSubject)
				b, _ = c.Select(w.other.Cert.RawSubject)
				if len(a)+len(b) != 0 {
					t.Fatalf("%d CRLs left after Delete", len(a)+len(b))
				}
			}
		})
	}
}

func TestInternalCacheURIs(t *testing.T) {
	w := newWorld(t)
	crl := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(CertificateHold))})
	newer := w.ca.RawCRL(nil)
	c := NewInternalCache()
	if err := c.InsertURI("HTTP://CRL.Example:80/ca.crl#frag", FromDER(crl)); err != nil {
		t.Fatal(err)
	}
	dp := DistributionPoint{URIs: []string{"ldap://dir.example/cn=CA", dpURI}}
	got, err := c.Lookup(dp, w.ca.Cert.RawSubject)
	if err != nil || len(got) != 1 || string(got[0]) != string(crl) {
		t.Fatalf("Lookup = %d CRLs, %v", len(got), err)
	}
	wantResult(t, Check(w.req(c)), Revoked, CertificateHold, "")
	// Select sees CRLs filed under URIs too.
	if got, _ := c.Select(w.ca.Cert.RawSubject); len(got) != 1 {
		t.Fatalf("Select = %d CRLs", len(got))
	}
	// InsertURI replaces what the URI had.
	if err := c.InsertURI(dpURI, FromDER(newer)); err != nil {
		t.Fatal(err)
	}
	wantResult(t, Check(w.req(c)), Good, 0, "")
	if got, _ := c.Select(w.ca.Cert.RawSubject); len(got) != 1 || string(got[0]) != string(newer) {
		t.Fatalf("Select after replacement = %d CRLs", len(got))
	}
	// Delete by URI.
	if err := c.Delete(FromURI("http://crl.example/ca.crl")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(dp, w.ca.Cert.RawSubject); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("Lookup after Delete: %v", err)
	}
	wantResult(t, Check(w.req(c)), Undetermined, 0, "{bad_crls,no_relevant_crls}")
	// Delete by DER removes a CRL wherever it is filed.
	if err := c.InsertURI(dpURI, FromDER(crl, newer)); err != nil {
		t.Fatal(err)
	}
	if err := c.InsertURI(dpURI2, FromDER(crl)); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(FromDER(crl)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Lookup(dp, nil); len(got) != 1 || string(got[0]) != string(newer) {
		t.Fatalf("Lookup after Delete(DER) = %d CRLs", len(got))
	}
	if _, err := c.Lookup(DistributionPoint{URIs: []string{dpURI2}}, nil); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("emptied URI still available: %v", err)
	}
	// Deleting what is absent is fine.
	if err := c.Delete(FromURI("http://nowhere.example/x")); err != nil {
		t.Fatal(err)
	}
}

func TestInternalCacheBadSources(t *testing.T) {
	w := newWorld(t)
	crl := w.ca.RawCRL(nil)
	c := NewInternalCache()
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"insert URI source", c.Insert(FromURI(dpURI))},
		{"insert zero source", c.Insert(Source{})},
		{"insert bad DER", c.Insert(FromDER(crl, []byte("junk")))},
		{"insert URI without scheme", c.InsertURI("crl.example/ca.crl", FromDER(crl))},
		{"insert bad URI", c.InsertURI("http://[::1", FromDER(crl))},
		{"delete bad URI", c.Delete(FromURI("::"))},
		{"delete zero source", c.Delete(Source{})},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if got, _ := c.Select(w.ca.Cert.RawSubject); len(got) != 0 {
		t.Fatalf("a failed insert left %d CRLs", len(got))
	}
	for _, s := range []struct {
		src  Source
		want string
	}{
		{FromFile("/a/b.pem"), `{file,"/a/b.pem"}`},
		{FromDER(crl, crl), "{der,[2 CRLs]}"},
		{FromURI(dpURI), `"` + dpURI + `"`},
	} {
		if got := s.src.String(); got != s.want {
			t.Errorf("String() = %s, want %s", got, s.want)
		}
	}
}

func TestInternalCacheConcurrent(t *testing.T) {
	w := newWorld(t)
	crls := make([][]byte, 8)
	for i := range crls {
		crls[i] = w.ca.RawCRL(nil)
	}
	c := NewInternalCache()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				der := crls[(g+i)%len(crls)]
				_ = c.Insert(FromDER(der))
				_ = c.InsertURI(dpURI, FromDER(der))
				_, _ = c.Select(w.ca.Cert.RawSubject)
				_, _ = c.Lookup(DistributionPoint{URIs: []string{dpURI}}, nil)
				if r := Check(w.req(c)); r.Status == Revoked {
					t.Errorf("revoked by an empty CRL")
				}
				_ = c.Delete(FromDER(der))
			}
		}(g)
	}
	wg.Wait()
}
