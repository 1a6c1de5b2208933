package x509path

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

// The fuzz targets run on a fixed PKI committed in testdata/fuzzpki (valid
// from 2000 to 2099; the fuzz validation time is in 2030), so that their
// seed corpora stay meaningful. Regenerate it, and the seed corpora, with
//
//	go test ./x509path/ -run TestFuzzSeeds -update-fuzz
var updateFuzz = flag.Bool("update-fuzz", false, "regenerate testdata/fuzzpki and the fuzz seed corpora")

var fuzzTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// fuzzPKI is the committed PKI: root -> ica1 -> ica2 -> leaf (DNS
// example.com, IP 192.0.2.1), ica1 with name constraints, plus an
// unrelated root and a CA cross-signing ica1's key.
type fuzzPKI struct {
	root, ica1, ica2, leaf, other, cross []byte
}

var fuzzPKINames = []string{"root", "ica1", "ica2", "leaf", "other", "cross"}

func (p *fuzzPKI) fields() []*[]byte {
	return []*[]byte{&p.root, &p.ica1, &p.ica2, &p.leaf, &p.other, &p.cross}
}

func loadFuzzPKI(tb testing.TB) *fuzzPKI {
	tb.Helper()
	p := &fuzzPKI{}
	for i, f := range p.fields() {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzzpki", fuzzPKINames[i]+".der"))
		if err != nil {
			tb.Fatal(err)
		}
		*f = b
	}
	return p
}

func generateFuzzPKI(t *testing.T) *fuzzPKI {
	pki := testpki.New(t)
	from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	v := testpki.Validity(from, to)
	root := pki.Root("Fuzz Root", v)
	ica1 := root.Issue("Fuzz ICA 1", testpki.CA(-1), v, testpki.NameConstraints(true,
		[]testpki.GeneralName{testpki.DNSName("example.com"), testpki.IPNet("192.0.2.0/24")},
		[]testpki.GeneralName{testpki.DNSName("bad.example.com")}))
	ica2 := ica1.Issue("Fuzz ICA 2", testpki.CA(-1), v)
	leaf := ica2.Issue("leaf.example.com", v, testpki.DNS("example.com", "*.example.com"), testpki.IP("192.0.2.1"))
	other := pki.Root("Fuzz Other Root", v)
	cross := other.Issue("Fuzz ICA 1", testpki.CA(-1), v, testpki.UseKey(ica1.Key), testpki.SameSubjectAs(ica1))
	return &fuzzPKI{root.DER, ica1.DER, ica2.DER, leaf.DER, other.DER, cross.DER}
}

// encodeChain makes a fuzz input: a flags byte, then each certificate with
// a two-byte length. A length of 0xff00+i stands for certificate i of the
// fixed PKI (see refChain), so that mutations recombine whole
// certificates as well as bytes.
func encodeChain(flags byte, certs ...[]byte) []byte {
	b := []byte{flags}
	for _, c := range certs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(c)))
		b = append(b, c...)
	}
	return b
}

// refChain encodes references to certificates of the fixed PKI.
func refChain(flags byte, idx ...int) []byte {
	b := []byte{flags}
	for _, i := range idx {
		b = binary.BigEndian.AppendUint16(b, uint16(0xff00+i))
	}
	return b
}

func decodeChain(p *fuzzPKI, data []byte) (flags byte, certs [][]byte) {
	if len(data) == 0 {
		return 0, nil
	}
	flags, data = data[0], data[1:]
	fixed := p.fields()
	for len(data) >= 2 && len(certs) < MaxChainCerts+2 {
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if n >= 0xff00 {
			certs = append(certs, *fixed[(n-0xff00)%len(fixed)])
			continue
		}
		if n > len(data) {
			n = len(data)
		}
		certs = append(certs, data[:n])
		data = data[n:]
	}
	return flags, certs
}

// fuzzOptions derives Options from the flags byte.
func fuzzOptions(p *fuzzPKI, flags byte) Options {
	o := Options{TrustedCerts: [][]byte{p.root}, Time: fuzzTime}
	if flags&1 != 0 {
		o.Profile = ProfileStrict
	}
	if flags&2 != 0 {
		o.VerifyFun = DefaultVerifyNone
	}
	if flags&4 != 0 {
		o.Hostname = "www.example.com"
	}
	if flags&8 != 0 {
		o.IP = netip.MustParseAddr("192.0.2.1")
	}
	if flags&16 != 0 {
		o.TrustedCerts = append(o.TrustedCerts, p.other, p.ica1)
	}
	if flags&32 != 0 {
		o.MaxDepth = -1
	}
	if flags&64 != 0 {
		o.PartialChain = func(chain [][]byte) ([]byte, bool) { return chain[0], true }
	}
	if flags&128 != 0 {
		o.Purpose = ClientAuth
	}
	return o
}

// checkResult checks what holds for every outcome of Validate.
func checkResult(t *testing.T, chain [][]byte, res *Result, err error) {
	if err != nil {
		var bad BadCertError
		if !errors.As(err, &bad) && err != ErrEmptyChain {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if res != nil {
			t.Fatal("result with an error")
		}
		return
	}
	if len(res.Path) == 0 || res.Anchor == nil || !res.Path[len(res.Path)-1].Equal(res.Anchor) {
		t.Fatalf("bad result %+v", res)
	}
	if !bytes.Equal(res.Path[0].Raw, chain[0]) {
		t.Fatal("the path does not start with the peer")
	}
}

func FuzzValidate(f *testing.F) {
	p := loadFuzzPKI(f)
	f.Add(encodeChain(0, p.leaf, p.ica2, p.ica1))
	f.Fuzz(func(t *testing.T, data []byte) {
		flags, chain := decodeChain(p, data)
		o := fuzzOptions(p, flags)
		res, err := Validate(chain, o)
		checkResult(t, chain, res, err)
	})
}

// FuzzValidateOrder validates the same chain in fuzzed orders, with
// fuzzed repetitions and omissions: every order of a complete chain
// validates to the same path; without ica1 or ica2 it is unknown_ca.
func FuzzValidateOrder(f *testing.F) {
	p := loadFuzzPKI(f)
	f.Add([]byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, order []byte) {
		pool := [][]byte{p.ica1, p.ica2, p.root, p.other, p.cross, []byte("not a certificate")}
		chain := [][]byte{p.leaf}
		have := map[int]bool{}
		for _, b := range order {
			if len(chain) >= MaxChainCerts {
				break
			}
			i := int(b) % (len(pool) - 1) // the junk entry only on request below
			if b == 0xff {
				i = len(pool) - 1
			}
			chain = append(chain, pool[i])
			have[i] = true
		}
		res, err := Validate(chain, Options{TrustedCerts: [][]byte{p.root}, Time: fuzzTime, Hostname: "example.com"})
		switch {
		case have[len(pool)-1]:
			if !isDecodeFailure(err) {
				t.Fatalf("junk: %v", err)
			}
		case have[0] && have[1]:
			if err != nil {
				t.Fatalf("complete chain %v refused: %v", order, err)
			}
			want := [][]byte{p.leaf, p.ica2, p.ica1, p.root}
			if len(res.Path) != len(want) {
				t.Fatalf("path of %d", len(res.Path))
			}
			for i := range want {
				if !bytes.Equal(res.Path[i].Raw, want[i]) {
					t.Fatalf("path[%d] differs", i)
				}
			}
		default:
			if !errors.Is(err, BadCertError{Reason: UnknownCA}) {
				t.Fatalf("incomplete chain %v: %v", order, err)
			}
		}
	})
}

func FuzzNameConstraints(f *testing.F) {
	p := loadFuzzPKI(f)
	leaf, err := x509.ParseCertificate(p.leaf)
	if err != nil {
		f.Fatal(err)
	}
	ci := newCertInfo(0, leaf)
	f.Fuzz(func(t *testing.T, der []byte) {
		nc, err := parseNameConstraints(der)
		if err != nil {
			if nc != nil {
				t.Fatal("constraints with an error")
			}
			return
		}
		if len(nc.permitted)+len(nc.excluded) == 0 || len(nc.permitted)+len(nc.excluded) > maxSubtrees {
			t.Fatalf("%d subtrees", len(nc.permitted)+len(nc.excluded))
		}
		var s ncState
		s.add(nc)
		first := s.permits(ci, true)
		// Adding the same constraints again changes nothing.
		s2 := ncState{}
		s2.add(nc)
		s2.add(nc)
		if s2.permits(ci, true) != first {
			t.Fatal("repeated constraints change the outcome")
		}
		// Excluding every name the permitted subtrees allow refuses.
		if len(nc.excluded) == 0 && first {
			var s3 ncState
			s3.add(&nameConstraints{excluded: nc.permitted})
			s3.add(nc)
			if s3.permits(ci, true) && len(nc.permitted) > 0 && leafHasForm(ci, nc.permitted) {
				t.Fatal("permitted and excluded alike, still permitted")
			}
		}
	})
}

func leafHasForm(ci *certInfo, trees []subtree) bool {
	names, _ := constraintNames(ci, true)
	for _, n := range names {
		for _, t := range trees {
			if n.tag == t.tag && matchConstraint(n, t) {
				return true
			}
		}
	}
	return false
}

func FuzzGeneralNames(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		gns, err := parseGeneralNames(der)
		if err != nil {
			return
		}
		if len(gns) > maxGeneralNames {
			t.Fatalf("%d names", len(gns))
		}
		for _, g := range gns {
			if g.tag < 0 || g.tag > 8 {
				t.Fatalf("tag %d", g.tag)
			}
			if g.tag == gnDirectoryName {
				parseDName(g.data)
			}
		}
	})
}

func FuzzAuthorityKeyID(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		a, err := parseAuthorityKeyID(der)
		if err != nil {
			return
		}
		if a.hasIssuer != a.hasSerial || (a.hasIssuer && len(a.issuerNames) == 0) || (!a.hasKeyID && len(a.keyID) != 0) {
			t.Fatalf("inconsistent %+v", a)
		}
		_ = parseAuthorityInfoAccess(der)
	})
}

func FuzzAuthorityInfoAccess(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		_ = parseAuthorityInfoAccess(der)
	})
}

func FuzzDName(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b []byte) {
		da, db := parseDName(a), parseDName(b)
		if !da.equal(da) || da.key() != parseDName(a).key() {
			t.Fatal("a name differs from itself")
		}
		if da.equal(db) != db.equal(da) {
			t.Fatal("equality is not symmetric")
		}
		if da.ok && db.ok && da.equal(db) != (da.key() == db.key()) {
			t.Fatal("key and equality disagree")
		}
		if da.ok && !da.hasPrefix(da) {
			t.Fatal("a name is not its own prefix")
		}
		if da.ok && db.ok && da.hasPrefix(db) && db.hasPrefix(da) && !da.equal(db) {
			t.Fatal("mutual prefixes differ")
		}
		_ = nameStrings(a, oidCommonName)
	})
}

func FuzzHostname(f *testing.F) {
	p := loadFuzzPKI(f)
	leaf, err := x509.ParseCertificate(p.leaf)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("*.example.com", "www.example.com")
	f.Add("a..b", "a.b.")
	f.Fuzz(func(t *testing.T, pattern, host string) {
		ref, ok := referenceHost(host)
		// A reference name is refused exactly when it is empty, too long,
		// has a wildcard or an empty label (after one trailing dot).
		h := asciiLower(strings.TrimSuffix(host, "."))
		want := len(host) > 0 && len(host) <= maxHostnameLen && h != "" && !strings.Contains(h, "*")
		for _, l := range strings.Split(h, ".") {
			want = want && l != ""
		}
		if ok != want {
			t.Fatalf("referenceHost(%q) accepted %v", host, ok)
		}
		m := ok && matchHostPattern(pattern, ref)
		if m {
			pl := strings.Split(asciiLower(strings.TrimSuffix(pattern, ".")), ".")
			rl := strings.Split(ref, ".")
			if len(pl) != len(rl) {
				t.Fatalf("%q matched %q with a different label count", pattern, host)
			}
			for i := range pl {
				if pl[i] != rl[i] && !(i == 0 && pl[i] == "*") {
					t.Fatalf("%q matched %q at label %d", pattern, host, i)
				}
			}
			if strings.Contains(ref, "*") {
				t.Fatal("a wildcard reference matched")
			}
		}
		if !strings.Contains(pattern, "*") && ok && m != (asciiLower(strings.TrimSuffix(pattern, ".")) == ref) {
			t.Fatalf("%q vs %q: exact match %v", pattern, host, m)
		}
		err := VerifyHostname(leaf, host)
		if err != nil && !errors.Is(err, BadCertError{Reason: HostnameCheckFailed}) {
			t.Fatalf("error %v", err)
		}
	})
}

// TestFuzzSeeds checks the committed PKI still validates, and with
// -update-fuzz regenerates it and the seed corpora.
func TestFuzzSeeds(t *testing.T) {
	if *updateFuzz {
		p := generateFuzzPKI(t)
		dir := filepath.Join("testdata", "fuzzpki")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, f := range p.fields() {
			if err := os.WriteFile(filepath.Join(dir, fuzzPKINames[i]+".der"), *f, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		writeSeeds(t, p)
	}
	p := loadFuzzPKI(t)
	res, err := Validate([][]byte{p.leaf, p.ica2, p.ica1}, Options{TrustedCerts: [][]byte{p.root}, Time: fuzzTime, Hostname: "www.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Path) != 4 {
		t.Fatalf("path of %d", len(res.Path))
	}
	for _, name := range []string{"FuzzValidate", "FuzzValidateOrder", "FuzzNameConstraints", "FuzzGeneralNames",
		"FuzzAuthorityKeyID", "FuzzAuthorityInfoAccess", "FuzzDName", "FuzzHostname"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", name))
		if err != nil || len(entries) == 0 {
			t.Errorf("%s: no seed corpus (%v)", name, err)
		}
	}
}

func writeSeeds(t *testing.T, p *fuzzPKI) {
	certs := map[string]*x509.Certificate{}
	for i, f := range p.fields() {
		c, err := x509.ParseCertificate(*f)
		if err != nil {
			t.Fatal(err)
		}
		certs[fuzzPKINames[i]] = c
	}
	ext := func(name string, oid []int) []byte {
		for _, e := range certs[name].Extensions {
			if e.Id.Equal(oid) {
				return e.Value
			}
		}
		t.Fatalf("%s has no extension %v", name, oid)
		return nil
	}
	seeds := map[string][][]any{}
	add := func(target string, args ...any) { seeds[target] = append(seeds[target], args) }
	for flags := 0; flags < 256; flags += 37 {
		add("FuzzValidate", encodeChain(byte(flags), p.leaf, p.ica2, p.ica1))
	}
	add("FuzzValidate", encodeChain(16, p.leaf, p.ica1, p.cross, p.ica2, p.other, p.root))
	add("FuzzValidate", encodeChain(2, p.leaf, p.ica1))
	add("FuzzValidate", encodeChain(64, p.ica2, p.ica1))
	add("FuzzValidate", encodeChain(0, p.leaf[:len(p.leaf)/2], p.ica2))
	add("FuzzValidate", encodeChain(1, p.root))
	// Indexes: 0 root, 1 ica1, 2 ica2, 3 leaf, 4 other, 5 cross.
	add("FuzzValidate", refChain(0, 3, 2, 1))
	add("FuzzValidate", refChain(16, 3, 5, 2, 4, 1))
	add("FuzzValidate", refChain(66, 3, 2))
	add("FuzzValidate", refChain(4, 2, 1, 3))
	add("FuzzValidateOrder", []byte{0, 1})
	add("FuzzValidateOrder", []byte{1, 2, 0, 3})
	add("FuzzValidateOrder", []byte{4, 1, 4, 0, 2, 2})
	add("FuzzValidateOrder", []byte{1})
	add("FuzzValidateOrder", []byte{3, 0xff})
	nc := ext("ica1", []int{2, 5, 29, 30})
	add("FuzzNameConstraints", nc)
	add("FuzzNameConstraints", []byte{0x30, 0x0e, 0xa0, 0x0c, 0x30, 0x0a, 0x87, 0x08, 192, 0, 2, 0, 255, 255, 255, 0})
	add("FuzzNameConstraints", []byte{0x30, 0x12, 0xa1, 0x10, 0x30, 0x0e, 0xa4, 0x0c, 0x30, 0x0a, 0x31, 0x08, 0x30, 0x06,
		0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'a'}) // excluded directoryName CN=a (lengths off by design)
	add("FuzzNameConstraints", nc[:len(nc)-3])
	san := ext("leaf", []int{2, 5, 29, 17})
	add("FuzzGeneralNames", san)
	add("FuzzGeneralNames", []byte{0x30, 0x03, 0x82, 0x01, 'a'})
	add("FuzzGeneralNames", []byte{0x30, 0x0c, 0xa4, 0x0a, 0x30, 0x08, 0x31, 0x06, 0x30, 0x04, 0x06, 0x00, 0x0c, 0x00})
	aki := ext("leaf", []int{2, 5, 29, 35})
	add("FuzzAuthorityKeyID", aki)
	add("FuzzAuthorityKeyID", []byte{0x30, 0x0b, 0xa1, 0x05, 0x82, 0x03, 'a', '.', 'b', 0x82, 0x02, 0x01, 0x02})
	add("FuzzAuthorityInfoAccess", []byte{0x30, 0x1b, 0x30, 0x19, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02,
		0x86, 0x0d, 'h', 't', 't', 'p', ':', '/', '/', 'a', '.', 't', 'e', 's', 't'})
	add("FuzzAuthorityInfoAccess", []byte{0x30, 0x00})
	add("FuzzDName", certs["leaf"].RawSubject, certs["ica2"].RawIssuer)
	add("FuzzDName", certs["ica1"].RawSubject, certs["cross"].RawSubject)
	add("FuzzDName", []byte{0x30, 0x00}, certs["root"].RawSubject)
	for _, h := range [][2]string{{"*.example.com", "www.example.com"}, {"example.com.", "EXAMPLE.com"},
		{"ba*.example.com", "baz.example.com"}, {"*.com", "example.com"}, {"xn--*-1b3c148a.example.com", "xn--bliss-1b3c148a.example.com"},
		{"a.b", "192.0.2.1"}, {"*.*.a", "x.y.a"}} {
		add("FuzzHostname", h[0], h[1])
	}
	for target, list := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, args := range list {
			var b strings.Builder
			b.WriteString("go test fuzz v1\n")
			for _, a := range args {
				switch v := a.(type) {
				case []byte:
					fmt.Fprintf(&b, "[]byte(%q)\n", v)
				case string:
					fmt.Fprintf(&b, "string(%q)\n", v)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
