package interop_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	ssl "github.com/otpssl/ssl"
	"github.com/otpssl/ssl/cipher"
)

// The matrix: protocol version × cipher suite, each in both directions
// (our server with their client, our client with their server), against
// each peer. AEAD and SHA-256 suites exist only in TLS 1.2; the other
// pairs run where the peer supports them, which the peer is asked when the
// test runs. A supported pair must pass.

var matrixVersions = []ssl.Protocol{ssl.TLSv1, ssl.TLSv1_1, ssl.TLSv1_2}

var matrixSuites = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-RSA-CHACHA20-POLY1305",
	"AES128-SHA",
	"DHE-RSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-SHA256",
	"DES-CBC3-SHA",
}

// matrixCase is one cell: a version and a suite (OpenSSL name).
type matrixCase struct {
	v     ssl.Protocol
	suite string
}

func (c matrixCase) String() string { return c.v.String() + "/" + c.suite }

// ecdsa reports whether the suite authenticates the server with ECDSA.
func (c matrixCase) ecdsa() bool { return strings.Contains(c.suite, "-ECDSA-") }

// defined reports whether the suite exists in the version at all.
func (c matrixCase) defined(t testing.TB) bool {
	return suiteOf(t, c.suite).Suite().ValidFor(cipher.Version(c.v))
}

func matrixCases() []matrixCase {
	var cs []matrixCase
	for _, v := range matrixVersions {
		for _, s := range matrixSuites {
			cs = append(cs, matrixCase{v, s})
		}
	}
	return cs
}

// direction says which side is ours.
type direction string

const (
	theirServer direction = "our-client-their-server"
	theirClient direction = "their-client-our-server"
)

// driver runs matrix cases against one peer implementation.
type driver interface {
	// supports returns "" when the peer, as configured for direction,
	// can negotiate the case, else why it cannot.
	supports(dir direction, c matrixCase) string
	// theirServer runs our client against the peer's server, and
	// theirClient the peer's client against our server: one connection
	// with data both ways, checked on both sides.
	theirServer(t *testing.T, c matrixCase)
	theirClient(t *testing.T, c matrixCase)
}

var drivers = []struct {
	name string
	new  func(t *testing.T, p *pki) driver
}{
	{"openssl", newOpenSSLDriver},
	{"gnutls", newGnuTLSDriver},
	{"erlang", newErlangDriver},
	{"crypto-tls", newGoDriver},
}

// TestMatrix runs every case against every peer. The peers run in
// parallel, the cases of one peer one after the other. The outcome of each
// cell is logged as a table at the end.
func TestMatrix(t *testing.T) {
	p := newPKI(t)
	tab := &matrixTable{cells: map[string]string{}}
	t.Cleanup(func() { t.Log("\n" + tab.String()) })
	for _, dr := range drivers {
		t.Run(dr.name, func(t *testing.T) {
			t.Parallel()
			d := dr.new(t, p)
			for _, dir := range []direction{theirServer, theirClient} {
				t.Run(string(dir), func(t *testing.T) {
					for _, c := range matrixCases() {
						t.Run(c.String(), func(t *testing.T) {
							key := dr.name + "|" + string(dir) + "|" + c.String()
							if !c.defined(t) {
								tab.set(key, "n/a")
								t.Skipf("%s is not defined in %s", c.suite, c.v)
							}
							if why := d.supports(dir, c); why != "" {
								tab.set(key, "unsupported")
								t.Skipf("not supported by %s: %s", dr.name, why)
							}
							t.Cleanup(func() {
								if t.Failed() {
									tab.set(key, "FAIL")
								} else {
									tab.set(key, "pass")
								}
							})
							if dir == theirServer {
								d.theirServer(t, c)
							} else {
								d.theirClient(t, c)
							}
						})
					}
				})
			}
		})
	}
}

// matrixTable collects the outcome of every cell.
type matrixTable struct {
	mu    sync.Mutex
	cells map[string]string
}

func (m *matrixTable) set(key, v string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cells[key] = v
}

// String renders the table: a row per case, a column per peer and
// direction (S: our client with their server, C: their client with our
// server).
func (m *matrixTable) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cols []string
	for _, dr := range drivers {
		cols = append(cols, dr.name+" S", dr.name+" C")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-42s", "version/suite")
	for _, c := range cols {
		fmt.Fprintf(&b, " %-14s", c)
	}
	b.WriteString("\n")
	counts := map[string]int{}
	for _, c := range matrixCases() {
		fmt.Fprintf(&b, "%-42s", c)
		for _, dr := range drivers {
			for _, dir := range []direction{theirServer, theirClient} {
				v := m.cells[dr.name+"|"+string(dir)+"|"+c.String()]
				if v == "" {
					v = "-"
				}
				counts[v]++
				fmt.Fprintf(&b, " %-14s", v)
			}
		}
		b.WriteString("\n")
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %d  ", k, counts[k])
	}
	return b.String()
}
