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
//
// TLS 1.3 adds three kinds of rows: its five suites (both sides allowing
// TLS 1.3 and the one suite, the groups left to their defaults), its key
// share groups (TLS_AES_128_GCM_SHA256, both sides offering only the
// row's group, so that the share is of that group and no
// HelloRetryRequest happens), and a connection with default options on
// both sides (no versions, ciphers or groups given), which must be TLS
// 1.3 with a TLS 1.3 suite that both sides report alike.

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

var matrixSuites13 = []string{
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
	"TLS_AES_128_CCM_SHA256",
	"TLS_AES_128_CCM_8_SHA256",
}

var matrixGroups13 = []ssl.NamedCurve{ssl.X25519, ssl.Secp256r1, ssl.Secp384r1, ssl.Secp521r1, ssl.X25519MLKEM768}

// matrixCase is one cell: a version and a suite (OpenSSL name), in TLS
// 1.3 maybe with the one key share group both sides offer, or the
// connection with default options (dflt, v the version it must reach and
// no suite: any TLS 1.3 suite both sides agree on will do).
type matrixCase struct {
	v     ssl.Protocol
	suite string
	group ssl.NamedCurve
	dflt  bool
}

func (c matrixCase) String() string {
	switch {
	case c.dflt:
		return "default options"
	case c.group != 0:
		return c.v.String() + "/" + c.suite + "/" + c.group.String()
	}
	return c.v.String() + "/" + c.suite
}

// ecdsa reports whether our server (and Erlang's) authenticates with
// ECDSA: in the suites that say so, and in the TLS 1.3 group rows (the
// suite rows use RSA, with RSA-PSS signatures).
func (c matrixCase) ecdsa() bool { return strings.Contains(c.suite, "-ECDSA-") || c.group != 0 }

// defined reports whether the suite exists in the version at all.
func (c matrixCase) defined(t testing.TB) bool {
	return c.dflt || suiteOf(t, c.suite).Suite().ValidFor(cipher.Version(c.v))
}

// opts are our side's options for the case: none with default options.
func (c matrixCase) opts(t testing.TB) []ssl.Option {
	if c.dflt {
		return nil
	}
	opts := []ssl.Option{ssl.Versions(c.v), ssl.Ciphers(suiteOf(t, c.suite))}
	if c.group != 0 {
		opts = append(opts, ssl.SupportedGroups(c.group))
	}
	return opts
}

func matrixCases() []matrixCase {
	var cs []matrixCase
	for _, v := range matrixVersions {
		for _, s := range matrixSuites {
			cs = append(cs, matrixCase{v: v, suite: s})
		}
	}
	for _, s := range matrixSuites13 {
		cs = append(cs, matrixCase{v: ssl.TLSv1_3, suite: s})
	}
	for _, g := range matrixGroups13 {
		cs = append(cs, matrixCase{v: ssl.TLSv1_3, suite: matrixSuites13[0], group: g})
	}
	return append(cs, matrixCase{v: ssl.TLSv1_3, dflt: true})
}

// checkCase checks what our side reports of the connection (protocol,
// suite, and the group of a group row; the hybrid group is no elliptic
// curve for the ecc item, so that it was used follows from its being the
// only group either side offers) and returns the suite's OpenSSL name,
// for the peer's view to be compared with.
func checkCase(t testing.TB, s *ssl.Socket, c matrixCase) string {
	t.Helper()
	if !c.dflt {
		checkInfo(t, s, c.v, c.suite)
	}
	info, err := s.ConnectionInformation("protocol", "selected_cipher_suite", "ecc")
	if err != nil {
		t.Fatalf("ConnectionInformation: %v", err)
	}
	suite := info.CipherSuite.OpenSSLName()
	if c.dflt && (info.Protocol != ssl.TLSv1_3 || !info.CipherSuite.Suite().TLS13()) {
		t.Fatalf("default options negotiated %v %s, want TLS 1.3", info.Protocol, suite)
	}
	if c.group != 0 {
		want := c.group
		if want == ssl.X25519MLKEM768 {
			want = 0
		}
		if info.ECC != want {
			t.Fatalf("our side reports group %v, want %v", info.ECC, c.group)
		}
	}
	return suite
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
	fmt.Fprintf(&b, "%-46s", "version/suite(/group)")
	for _, c := range cols {
		fmt.Fprintf(&b, " %-14s", c)
	}
	b.WriteString("\n")
	counts := map[string]int{}
	for _, c := range matrixCases() {
		fmt.Fprintf(&b, "%-46s", c)
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
