package x509path

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/testpki"
)

// recorder is a VerifyFun that accepts everything (as DefaultVerifyNone,
// but also non-critical extensions) and records each event as
// "CN:event". Extension events of the identifiers every generated
// certificate carries (key identifiers, subject alternative names) are
// not recorded, to keep the expectations readable. The log is also
// threaded through the user state.
type recorder struct {
	log []string
}

var boringExtensions = []asn1.ObjectIdentifier{
	{2, 5, 29, 14}, {2, 5, 29, 35}, {2, 5, 29, 17},
}

func eventEntry(cert *x509.Certificate, ev Event) string {
	name := cert.Subject.CommonName
	if ev.Kind == Extension {
		crit := ""
		if ev.Extension.Critical {
			crit = ",critical"
		}
		return name + ":extension:" + ev.Extension.Id.String() + crit
	}
	return name + ":" + ev.String()
}

func boring(ev Event) bool {
	if ev.Kind != Extension {
		return false
	}
	for _, o := range boringExtensions {
		if ev.Extension.Id.Equal(o) {
			return true
		}
	}
	return false
}

func (r *recorder) fun(cert *x509.Certificate, ev Event, state any) (Verdict, any) {
	log, _ := state.([]string)
	if !boring(ev) {
		e := eventEntry(cert, ev)
		r.log = append(r.log, e)
		log = append(log, e)
	}
	return Valid, log
}

type fixture struct {
	pki  *testpki.PKI
	root *testpki.Cert
	ica  *testpki.Cert
	leaf *testpki.Cert
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{pki: testpki.New(t)}
	f.root = f.pki.Root("Root")
	f.ica = f.root.Issue("ICA", testpki.CA(-1))
	f.leaf = f.ica.Issue("leaf", testpki.DNS("example.com"))
	return f
}

func (f *fixture) opts() Options {
	return Options{TrustedCerts: [][]byte{f.root.DER}, Hostname: "example.com", Time: f.pki.Now}
}

// TestReasons builds, for every reason, a chain that provokes it, and
// checks both the error DefaultVerifyPeer ends with and the events an
// accepting VerifyFun sees, in order.
func TestReasons(t *testing.T) {
	type scenario struct {
		name   string
		setup  func(f *fixture) ([][]byte, Options)
		reason string   // the error's reason with DefaultVerifyPeer; "" for success
		events []string // what the accepting recorder sees
	}
	scenarios := []scenario{
		{
			name:   "valid",
			setup:  func(f *fixture) ([][]byte, Options) { return f.leaf.Chain(), f.opts() },
			events: []string{"ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "unknown_ca",
			setup: func(f *fixture) ([][]byte, Options) {
				o := f.opts()
				o.TrustedCerts = [][]byte{f.pki.Root("Other Root").DER}
				return f.leaf.Chain(), o
			},
			reason: "unknown_ca",
			events: []string{"ICA:{bad_cert,unknown_ca}", "leaf:valid_peer"},
		},
		{
			name: "selfsigned_peer",
			setup: func(f *fixture) ([][]byte, Options) {
				self := f.pki.SelfSigned("self", testpki.DNS("example.com"))
				return [][]byte{self.DER}, f.opts()
			},
			reason: "selfsigned_peer",
			events: []string{"self:{bad_cert,selfsigned_peer}", "self:valid_peer"},
		},
		{
			name: "cert_expired peer",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.Expired())
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "cert_expired",
			events: []string{"ICA:valid", "leaf:{bad_cert,cert_expired}", "leaf:valid_peer"},
		},
		{
			name: "cert_expired not yet valid",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.NotYetValid())
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "cert_expired",
			events: []string{"ICA:valid", "leaf:{bad_cert,cert_expired}", "leaf:valid_peer"},
		},
		{
			name: "cert_expired intermediate",
			setup: func(f *fixture) ([][]byte, Options) {
				ica := f.root.Issue("ICA", testpki.CA(-1), testpki.Expired())
				leaf := ica.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "cert_expired",
			events: []string{"ICA:{bad_cert,cert_expired}", "ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "cert_expired trust anchor",
			setup: func(f *fixture) ([][]byte, Options) {
				root := f.pki.Root("Root", testpki.Expired())
				leaf := root.Issue("ICA", testpki.CA(-1)).Issue("leaf", testpki.DNS("example.com"))
				o := f.opts()
				o.TrustedCerts = [][]byte{root.DER}
				return leaf.Chain(), o
			},
			reason: "cert_expired",
			events: []string{"Root:{bad_cert,cert_expired}", "ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "invalid_signature",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.SignWith(f.pki.NewKey(testpki.ECDSAP256)))
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "invalid_signature",
			events: []string{"ICA:valid", "leaf:{bad_cert,invalid_signature}", "leaf:valid_peer"},
		},
		{
			name: "unsupported_signature",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.SignatureAlgorithm(x509.ECDSAWithSHA1))
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "unsupported_signature",
			events: []string{"ICA:valid", "leaf:{bad_cert,unsupported_signature}", "leaf:valid_peer"},
		},
		{
			name: "invalid_issuer",
			setup: func(f *fixture) ([][]byte, Options) {
				// The peer names "ICA"; the peer sends a renamed CA with
				// the same key (found by key identifier).
				renamed := f.root.Issue("Renamed ICA", testpki.CA(-1), testpki.UseKey(f.ica.Key))
				return [][]byte{f.leaf.DER, renamed.DER}, f.opts()
			},
			reason: "invalid_issuer",
			events: []string{"Renamed ICA:valid", "leaf:{bad_cert,invalid_issuer}", "leaf:valid_peer"},
		},
		{
			name: "name_not_permitted",
			setup: func(f *fixture) ([][]byte, Options) {
				ica := f.root.Issue("ICA", testpki.CA(-1), testpki.PermittedDNS("example.org"))
				leaf := ica.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "name_not_permitted",
			events: []string{"ICA:valid", "leaf:{bad_cert,name_not_permitted}", "leaf:valid_peer"},
		},
		{
			name: "name_not_permitted by the trust anchor",
			setup: func(f *fixture) ([][]byte, Options) {
				root := f.pki.Root("Root", testpki.ExcludedDNS("example.com"))
				leaf := root.Issue("ICA", testpki.CA(-1)).Issue("leaf", testpki.DNS("www.example.com"))
				o := f.opts()
				o.TrustedCerts = [][]byte{root.DER}
				o.Hostname = "www.example.com"
				return leaf.Chain(), o
			},
			reason: "name_not_permitted",
			events: []string{"ICA:valid", "leaf:{bad_cert,name_not_permitted}", "leaf:valid_peer"},
		},
		{
			name: "missing_basic_constraint",
			setup: func(f *fixture) ([][]byte, Options) {
				ica := f.root.Issue("ICA", testpki.NoBasicConstraints(), testpki.KeyUsage(x509.KeyUsageCertSign))
				leaf := ica.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "missing_basic_constraint",
			events: []string{"ICA:{bad_cert,missing_basic_constraint}", "ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "missing_basic_constraint without key usage",
			setup: func(f *fixture) ([][]byte, Options) {
				// Erlang lets a non-CA without key usage issue; we do not.
				ica := f.root.Issue("ICA", testpki.NotCA(), testpki.KeyUsage(0), testpki.ExtKeyUsage())
				leaf := ica.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "missing_basic_constraint",
			events: []string{"ICA:{bad_cert,missing_basic_constraint}", "ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "invalid_key_usage",
			setup: func(f *fixture) ([][]byte, Options) {
				ica := f.root.Issue("ICA", testpki.CA(-1), testpki.KeyUsage(x509.KeyUsageDigitalSignature))
				leaf := ica.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "invalid_key_usage",
			events: []string{"ICA:{bad_cert,invalid_key_usage}", "ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "invalid_key_usage required by the caller",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.KeyUsage(x509.KeyUsageKeyEncipherment),
					testpki.ExtKeyUsage(x509.ExtKeyUsageServerAuth))
				o := f.opts()
				o.KeyUsage = x509.KeyUsageDigitalSignature
				return [][]byte{leaf.DER, f.ica.DER}, o
			},
			reason: "invalid_key_usage",
			events: []string{"ICA:valid", "leaf:{bad_cert,invalid_key_usage}", "leaf:valid_peer"},
		},
		{
			name: "invalid_ext_keyusage",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.ExtKeyUsage(x509.ExtKeyUsageClientAuth))
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}",
			events: []string{"ICA:valid", "leaf:{bad_cert,{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}}", "leaf:valid_peer"},
		},
		{
			name: "invalid_ext_keyusage for a client",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.ExtKeyUsage(x509.ExtKeyUsageServerAuth))
				o := f.opts()
				o.Purpose, o.Hostname = ClientAuth, ""
				return [][]byte{leaf.DER, f.ica.DER}, o
			},
			reason: "{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,1}]}",
			events: []string{"ICA:valid", "leaf:{bad_cert,{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,1}]}}", "leaf:valid_peer"},
		},
		{
			name: "ca_invalid_ext_keyusage",
			setup: func(f *fixture) ([][]byte, Options) {
				ica := f.root.Issue("ICA", testpki.CA(-1), testpki.ExtKeyUsage(x509.ExtKeyUsageClientAuth))
				leaf := ica.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "{ca_invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}",
			events: []string{"ICA:{bad_cert,{ca_invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}}", "ICA:valid", "leaf:valid_peer"},
		},
		{
			name: "key_usage_mismatch",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"), testpki.KeyUsage(x509.KeyUsageDataEncipherment),
					testpki.ExtKeyUsage(x509.ExtKeyUsageServerAuth))
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "{key_usage_mismatch,{[dataEncipherment],[{1,3,6,1,5,5,7,3,1}]}}",
			events: []string{"ICA:valid", "leaf:{bad_cert,{key_usage_mismatch,{[dataEncipherment],[{1,3,6,1,5,5,7,3,1}]}}}", "leaf:valid_peer"},
		},
		{
			name: "hostname_check_failed",
			setup: func(f *fixture) ([][]byte, Options) {
				o := f.opts()
				o.Hostname = "example.org"
				return f.leaf.Chain(), o
			},
			reason: "hostname_check_failed",
			events: []string{"ICA:valid", "leaf:{bad_cert,hostname_check_failed}"},
		},
		{
			name: "unknown_critical_extension",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"),
					testpki.Extension(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55738, 666, 1}, true, []byte{5, 0}))
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			reason: "unknown_critical_extension",
			events: []string{"ICA:valid", "leaf:extension:1.3.6.1.4.1.55738.666.1,critical", "leaf:valid_peer"},
		},
		{
			name: "unknown non-critical extension",
			setup: func(f *fixture) ([][]byte, Options) {
				leaf := f.ica.Issue("leaf", testpki.DNS("example.com"),
					testpki.Extension(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55738, 666, 2}, false, []byte{5, 0}))
				return [][]byte{leaf.DER, f.ica.DER}, f.opts()
			},
			events: []string{"ICA:valid", "leaf:extension:1.3.6.1.4.1.55738.666.2", "leaf:valid_peer"},
		},
		{
			name: "max_path_length_reached by pathLenConstraint",
			setup: func(f *fixture) ([][]byte, Options) {
				ica1 := f.root.Issue("ICA1", testpki.CA(0))
				ica2 := ica1.Issue("ICA2", testpki.CA(-1))
				leaf := ica2.Issue("leaf", testpki.DNS("example.com"))
				return leaf.Chain(), f.opts()
			},
			reason: "max_path_length_reached",
			events: []string{"ICA1:valid", "ICA2:valid", "leaf:{bad_cert,max_path_length_reached}", "leaf:valid_peer"},
		},
		{
			name: "max_path_length_reached by depth",
			setup: func(f *fixture) ([][]byte, Options) {
				ica2 := f.ica.Issue("ICA2", testpki.CA(-1))
				leaf := ica2.Issue("leaf", testpki.DNS("example.com"))
				o := f.opts()
				o.MaxDepth = 1
				return leaf.Chain(), o
			},
			reason: "max_path_length_reached",
			events: []string{"ICA:valid", "ICA2:valid", "leaf:{bad_cert,max_path_length_reached}", "leaf:valid_peer"},
		},
		{
			name: "several problems in one certificate, in Erlang's order",
			setup: func(f *fixture) ([][]byte, Options) {
				ica := f.root.Issue("ICA", testpki.CA(-1), testpki.PermittedDNS("example.org"))
				leaf := ica.Issue("leaf", testpki.DNS("example.com"), testpki.Expired(),
					testpki.ExtKeyUsage(x509.ExtKeyUsageClientAuth), testpki.SignWith(f.pki.NewKey(testpki.ECDSAP256)))
				o := f.opts()
				o.Hostname = "example.net"
				return leaf.Chain(), o
			},
			reason: "{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}",
			events: []string{"ICA:valid",
				"leaf:{bad_cert,{invalid_ext_keyusage,[{1,3,6,1,5,5,7,3,2}]}}",
				"leaf:{bad_cert,cert_expired}",
				"leaf:{bad_cert,name_not_permitted}",
				"leaf:{bad_cert,invalid_signature}",
				"leaf:{bad_cert,hostname_check_failed}"},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			f := newFixture(t)
			chain, o := sc.setup(f)

			_, err := Validate(chain, o)
			if sc.reason == "" {
				if err != nil {
					t.Fatalf("DefaultVerifyPeer: %v", err)
				}
			} else {
				var bad BadCertError
				if !errors.As(err, &bad) {
					t.Fatalf("DefaultVerifyPeer: got %v, want {bad_cert,%s}", err, sc.reason)
				}
				if bad.Reason.String() != sc.reason {
					t.Fatalf("DefaultVerifyPeer: reason %s, want %s", bad.Reason, sc.reason)
				}
				if bad.Term() != "{bad_cert,"+sc.reason+"}" {
					t.Fatalf("Term() = %s", bad.Term())
				}
			}

			r := &recorder{}
			o.VerifyFun = r.fun
			res, err := Validate(chain, o)
			if err != nil {
				t.Fatalf("accepting VerifyFun: %v", err)
			}
			if !reflect.DeepEqual(r.log, sc.events) {
				t.Fatalf("events:\n got  %s\n want %s", strings.Join(r.log, " | "), strings.Join(sc.events, " | "))
			}
			if !reflect.DeepEqual(res.UserState, sc.events) {
				t.Fatalf("final user state %v, want the event log", res.UserState)
			}

			// The default verify_none fun accepts the chain too.
			o.VerifyFun = DefaultVerifyNone
			if _, err := Validate(chain, o); err != nil {
				t.Fatalf("DefaultVerifyNone: %v", err)
			}
		})
	}
}

// TestEventsCarryTheirCertificate checks that each event comes with the
// certificate it is about, and that the result describes the path.
func TestEventsCarryTheirCertificate(t *testing.T) {
	f := newFixture(t)
	var got []*x509.Certificate
	var kinds []Kind
	o := f.opts()
	o.VerifyFun = func(c *x509.Certificate, ev Event, s any) (Verdict, any) {
		if ev.Kind == Valid || ev.Kind == ValidPeer {
			got = append(got, c)
			kinds = append(kinds, ev.Kind)
		}
		return DefaultVerifyPeer(c, ev, s)
	}
	res, err := Validate(f.leaf.Chain(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Equal(f.ica.Cert) || !got[1].Equal(f.leaf.Cert) ||
		kinds[0] != Valid || kinds[1] != ValidPeer {
		t.Fatalf("events for %v (%v)", got, kinds)
	}
	if len(res.Path) != 3 || !res.Path[0].Equal(f.leaf.Cert) || !res.Path[1].Equal(f.ica.Cert) ||
		!res.Path[2].Equal(f.root.Cert) || !res.Anchor.Equal(f.root.Cert) || !res.AnchorTrusted {
		t.Fatalf("result %+v", res)
	}
}

// TestFailStopsAtOnce checks that a Fail verdict ends validation with its
// reason, and that no event follows.
func TestFailStopsAtOnce(t *testing.T) {
	f := newFixture(t)
	ica := f.root.Issue("ICA", testpki.CA(-1), testpki.Expired())
	leaf := ica.Issue("leaf", testpki.DNS("example.com"))
	o := f.opts()
	var log []string
	o.VerifyFun = func(c *x509.Certificate, ev Event, s any) (Verdict, any) {
		log = append(log, eventEntry(c, ev))
		if ev.Kind == BadCert {
			return Fail(Atom("my_reason")), s
		}
		return Unknown, s
	}
	_, err := Validate(leaf.Chain(), o)
	if !errors.Is(err, BadCertError{Reason: Atom("my_reason")}) {
		t.Fatalf("got %v", err)
	}
	var bad BadCertError
	if !errors.As(err, &bad) || !bad.Cert.Equal(ica.Cert) {
		t.Fatalf("error certificate: %+v", bad)
	}
	if last := log[len(log)-1]; last != "ICA:{bad_cert,cert_expired}" {
		t.Fatalf("last event %s; log %v", last, log)
	}
	// Fail(nil) fails with the event's reason; Unknown for a bad
	// certificate fails too.
	for _, v := range []Verdict{Fail(nil), Unknown, nil} {
		o.VerifyFun = func(c *x509.Certificate, ev Event, s any) (Verdict, any) {
			if ev.Kind == BadCert {
				return v, s
			}
			return Valid, s
		}
		if _, err := Validate(leaf.Chain(), o); !errors.Is(err, BadCertError{Reason: CertExpired}) {
			t.Errorf("verdict %v: got %v", v, err)
		}
	}
}

func TestPartialChain(t *testing.T) {
	f := newFixture(t)
	o := f.opts()
	o.TrustedCerts = nil
	var offered [][]byte
	o.PartialChain = func(chain [][]byte) ([]byte, bool) {
		offered = chain
		return f.ica.DER, true
	}
	r := &recorder{}
	o.VerifyFun = r.fun
	res, err := Validate([][]byte{f.leaf.DER, f.ica.DER}, o)
	if err != nil {
		t.Fatal(err)
	}
	// Erlang's order: the root side first, the peer last.
	if len(offered) != 2 || string(offered[0]) != string(f.ica.DER) || string(offered[1]) != string(f.leaf.DER) {
		t.Fatalf("partial_chain got %d certificates in the wrong order", len(offered))
	}
	if !res.Anchor.Equal(f.ica.Cert) || res.AnchorTrusted || len(res.Path) != 2 {
		t.Fatalf("result %+v", res)
	}
	if want := []string{"leaf:valid_peer"}; !reflect.DeepEqual(r.log, want) {
		t.Fatalf("events %v, want %v", r.log, want)
	}

	// Choosing a certificate outside the path, or declining, is unknown_ca.
	o.VerifyFun = nil
	o.PartialChain = func([][]byte) ([]byte, bool) { return f.root.DER, true }
	if _, err := Validate(f.leaf.Chain(), o); !errors.Is(err, BadCertError{Reason: UnknownCA}) {
		t.Fatalf("foreign choice: %v", err)
	}
	o.PartialChain = func([][]byte) ([]byte, bool) { return nil, false }
	if _, err := Validate(f.leaf.Chain(), o); !errors.Is(err, BadCertError{Reason: UnknownCA}) {
		t.Fatalf("declined: %v", err)
	}

	// It is not called when a trusted root anchors the chain.
	o = f.opts()
	o.PartialChain = func([][]byte) ([]byte, bool) { t.Fatal("called"); return nil, false }
	if _, err := Validate(f.leaf.Chain(), o); err != nil {
		t.Fatal(err)
	}
}

// chainOf builds root -> n intermediates -> leaf and returns the chain the
// peer sends.
func chainOf(t *testing.T, f *fixture, n int, opts ...testpki.Option) [][]byte {
	t.Helper()
	issuer := f.root
	for i := 0; i < n; i++ {
		issuer = issuer.Issue("ICA"+string(rune('A'+i)), append([]testpki.Option{testpki.CA(-1)}, opts...)...)
	}
	return issuer.Issue("leaf", testpki.DNS("example.com")).Chain()
}

func TestDepth(t *testing.T) {
	f := newFixture(t)
	for n := 0; n <= 4; n++ {
		o := f.opts()
		o.MaxDepth = n
		if n == 0 {
			o.MaxDepth = -1 // Erlang depth 0
		}
		if _, err := Validate(chainOf(t, f, n), o); err != nil {
			t.Errorf("depth %d, %d intermediates: %v", n, n, err)
		}
		if _, err := Validate(chainOf(t, f, n+1), o); !errors.Is(err, BadCertError{Reason: MaxPathLengthReached}) {
			t.Errorf("depth %d, %d intermediates: got %v, want max_path_length_reached", n, n+1, err)
		}
	}
	// The default depth is 10.
	o := f.opts()
	if _, err := Validate(chainOf(t, f, 10), o); err != nil {
		t.Errorf("default depth, 10 intermediates: %v", err)
	}
	if _, err := Validate(chainOf(t, f, 11), o); !errors.Is(err, BadCertError{Reason: MaxPathLengthReached}) {
		t.Errorf("default depth, 11 intermediates: %v", err)
	}
	// Self-issued intermediates do not count.
	ica := f.root.Issue("ICA", testpki.CA(-1))
	self := ica.Issue("ignored", testpki.CA(-1), testpki.SameSubjectAs(ica))
	leaf := self.Issue("leaf", testpki.DNS("example.com"))
	o.MaxDepth = 1
	if _, err := Validate(leaf.Chain(), o); err != nil {
		t.Errorf("depth 1 with a self-issued intermediate: %v", err)
	}
}

func TestOutOfOrderExtraAndMissing(t *testing.T) {
	f := newFixture(t)
	ica2 := f.ica.Issue("ICA2", testpki.CA(-1))
	leaf := ica2.Issue("leaf", testpki.DNS("example.com"))
	junk := f.pki.Root("Junk")
	unrelated := junk.Issue("Unrelated", testpki.CA(-1))
	sent := [][]byte{junk.DER, f.ica.DER, unrelated.DER, f.root.DER, ica2.DER}
	// Every rotation and its reverse, the peer always first.
	for i := range sent {
		for _, rev := range []bool{false, true} {
			var chain [][]byte
			for j := range sent {
				k := (i + j) % len(sent)
				if rev {
					k = (i + len(sent) - j) % len(sent)
				}
				chain = append(chain, sent[k])
			}
			res, err := Validate(append([][]byte{leaf.DER}, chain...), f.opts())
			if err != nil {
				t.Fatalf("rotation %d reversed %v: %v", i, rev, err)
			}
			want := []*x509.Certificate{leaf.Cert, ica2.Cert, f.ica.Cert, f.root.Cert}
			if len(res.Path) != len(want) {
				t.Fatalf("path of %d certificates", len(res.Path))
			}
			for k := range want {
				if !res.Path[k].Equal(want[k]) {
					t.Fatalf("path[%d] is %s", k, res.Path[k].Subject)
				}
			}
		}
	}
	// A missing intermediate found among the trusted certificates, which
	// does not anchor the path by itself (it is not self-issued).
	o := f.opts()
	o.TrustedCerts = append(o.TrustedCerts, f.ica.DER)
	res, err := Validate([][]byte{leaf.DER, ica2.DER}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Anchor.Equal(f.root.Cert) || len(res.Path) != 4 {
		t.Fatalf("anchor %s, %d certificates", res.Anchor.Subject, len(res.Path))
	}
	o.TrustedCerts = [][]byte{f.ica.DER}
	if _, err := Validate([][]byte{leaf.DER, ica2.DER}, o); !errors.Is(err, BadCertError{Reason: UnknownCA}) {
		t.Fatalf("trusted intermediate without its root: %v", err)
	}
	// Missing and not available anywhere.
	if _, err := Validate([][]byte{leaf.DER}, f.opts()); !errors.Is(err, BadCertError{Reason: UnknownCA}) {
		t.Fatalf("missing intermediate: %v", err)
	}
}

// TestChainOfPain: an expired cross-signature is offered next to a valid
// path; the valid path wins, and the VerifyFun sees only its events.
func TestChainOfPain(t *testing.T) {
	f := newFixture(t)
	oldRoot := f.pki.Root("Old Root")
	cross := oldRoot.Issue("Root", testpki.CA(-1), testpki.UseKey(f.root.Key), testpki.SameSubjectAs(f.root), testpki.Expired())
	o := f.opts()
	o.TrustedCerts = [][]byte{oldRoot.DER, f.root.DER}
	r := &recorder{}
	o.VerifyFun = r.fun
	res, err := Validate([][]byte{f.leaf.DER, f.ica.DER, cross.DER}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Anchor.Equal(f.root.Cert) {
		t.Fatalf("anchor %s", res.Anchor.Subject)
	}
	if want := []string{"ICA:valid", "leaf:valid_peer"}; !reflect.DeepEqual(r.log, want) {
		t.Fatalf("events %v, want %v", r.log, want)
	}
	// Without the direct root the expired path is the only one.
	o.TrustedCerts = [][]byte{oldRoot.DER}
	o.VerifyFun = nil
	if _, err := Validate([][]byte{f.leaf.DER, f.ica.DER, cross.DER}, o); !errors.Is(err, BadCertError{Reason: CertExpired}) {
		t.Fatalf("only the expired path: %v", err)
	}
}

// TestExpiredRootCrossSigned: the shortest path ends at a trusted root
// that has expired; a longer one, through a cross-signature of that root's
// key by a newer trusted root, is valid and is chosen (the AddTrust case).
func TestExpiredRootCrossSigned(t *testing.T) {
	f := newFixture(t)
	oldRoot := f.pki.Root("Old Root", testpki.Expired())
	ica := oldRoot.Issue("ICA", testpki.CA(-1))
	leaf := ica.Issue("leaf", testpki.DNS("example.com"))
	newRoot := f.pki.Root("New Root")
	cross := newRoot.Issue("Old Root", testpki.CA(-1), testpki.UseKey(oldRoot.Key), testpki.SameSubjectAs(oldRoot))
	o := f.opts()
	o.TrustedCerts = [][]byte{oldRoot.DER, newRoot.DER}
	r := &recorder{}
	o.VerifyFun = r.fun
	res, err := Validate([][]byte{leaf.DER, ica.DER, cross.DER}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Anchor.Equal(newRoot.Cert) || len(res.Path) != 4 {
		t.Fatalf("anchor %s, %d certificates", res.Anchor.Subject, len(res.Path))
	}
	if want := []string{"Old Root:valid", "ICA:valid", "leaf:valid_peer"}; !reflect.DeepEqual(r.log, want) {
		t.Fatalf("events %v, want %v", r.log, want)
	}
}

func TestVerifyNoneAcceptsBadChain(t *testing.T) {
	f := newFixture(t)
	other := f.pki.Root("Other")
	ica := other.Issue("ICA", testpki.CA(-1), testpki.Expired(), testpki.KeyUsage(x509.KeyUsageDigitalSignature))
	leaf := ica.Issue("leaf", testpki.DNS("elsewhere.example"), testpki.SignWith(f.pki.NewKey(testpki.ECDSAP256)),
		testpki.Extension(asn1.ObjectIdentifier{1, 2, 3, 4}, true, []byte{5, 0}))
	o := f.opts()
	o.VerifyFun = DefaultVerifyNone
	if _, err := Validate([][]byte{leaf.DER, ica.DER}, o); err != nil {
		t.Fatal(err)
	}
	o.VerifyFun = nil
	if _, err := Validate([][]byte{leaf.DER, ica.DER}, o); err == nil {
		t.Fatal("DefaultVerifyPeer accepted it")
	}
}

func TestPinnedSelfSignedPeer(t *testing.T) {
	f := newFixture(t)
	self := f.pki.SelfSigned("self", testpki.DNS("example.com"))
	o := f.opts()
	o.TrustedCerts = [][]byte{self.DER}
	res, err := Validate([][]byte{self.DER}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AnchorTrusted || len(res.Path) != 1 {
		t.Fatalf("result %+v", res)
	}
	// Still checked as a peer.
	o.Hostname = "example.org"
	if _, err := Validate([][]byte{self.DER}, o); !errors.Is(err, BadCertError{Reason: HostnameCheckFailed}) {
		t.Fatalf("host name: %v", err)
	}
}

func TestMalformedInput(t *testing.T) {
	f := newFixture(t)
	if _, err := Validate(nil, f.opts()); err != ErrEmptyChain {
		t.Fatalf("empty: %v", err)
	}
	_, err := Validate([][]byte{f.leaf.DER, []byte("junk")}, f.opts())
	var bad BadCertError
	if !errors.As(err, &bad) || bad.Reason != (DecodeFailure{Index: 1, Detail: bad.Reason.(DecodeFailure).Detail}) ||
		bad.Reason.String() != "{failed_to_decode_certificate,1}" {
		t.Fatalf("junk: %v", err)
	}
	long := make([][]byte, MaxChainCerts+1)
	for i := range long {
		long[i] = f.leaf.DER
	}
	if _, err := Validate(long, f.opts()); !errors.Is(err, BadCertError{Reason: ChainTooLong}) {
		t.Fatalf("long: %v", err)
	}
	// Unparsable trusted certificates are ignored.
	o := f.opts()
	o.TrustedCerts = append([][]byte{[]byte("junk")}, o.TrustedCerts...)
	if _, err := Validate(f.leaf.Chain(), o); err != nil {
		t.Fatal(err)
	}
}

// TestLoopsAndExplosion: certificates that issue each other, and many
// same-named CAs cross-signing each other, end quickly with a clear
// reason.
func TestLoopsAndExplosion(t *testing.T) {
	f := newFixture(t)
	// A and B issue each other (same names, keys reused).
	a := f.pki.Root("A")
	b := a.Issue("B", testpki.CA(-1))
	aByB := b.Issue("A", testpki.CA(-1), testpki.UseKey(a.Key), testpki.SameSubjectAs(a))
	leaf := b.Issue("leaf", testpki.DNS("example.com"))
	start := time.Now()
	if _, err := Validate([][]byte{leaf.DER, b.DER, aByB.DER}, f.opts()); !errors.Is(err, BadCertError{Reason: UnknownCA}) {
		t.Fatalf("loop: %v", err)
	}

	// 8 keys, all named "X", each cross-signed by every other: 56 CAs and
	// more paths than anyone wants to explore.
	keys := make([]*testpki.Cert, 8)
	for i := range keys {
		keys[i] = f.pki.Root("X")
	}
	var chain [][]byte
	leaf = keys[0].Issue("leaf", testpki.DNS("example.com"))
	chain = append(chain, leaf.DER)
	for i := range keys {
		for j := range keys {
			if i != j {
				c := keys[j].Issue("X", testpki.CA(-1), testpki.UseKey(keys[i].Key), testpki.SameSubjectAs(keys[i]))
				chain = append(chain, c.DER)
			}
		}
	}
	if len(chain) > MaxChainCerts {
		chain = chain[:MaxChainCerts]
	}
	o := f.opts()
	_, err := Validate(chain, o)
	var bad BadCertError
	if !errors.As(err, &bad) || (bad.Reason != PathSearchLimitReached && bad.Reason != UnknownCA) {
		t.Fatalf("explosion: %v %#v", err, bad.Reason)
	}
	t.Logf("explosion: %v after %v", err, time.Since(start))
	// With one of the keys trusted, a path is found among them.
	o.TrustedCerts = [][]byte{keys[5].DER}
	if _, err := Validate(chain, o); err != nil {
		t.Fatalf("explosion with a trusted key: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}
