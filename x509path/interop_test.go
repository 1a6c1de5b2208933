package x509path

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
)

// Differential tests: the same chains validated here and by Erlang's
// public_key:pkix_path_validation/3 (the events a verify fun sees, in
// order) and by openssl verify (accept or refuse).

// interopScenario is a chain: the anchor and the path below it, anchor
// side first.
type interopScenario struct {
	name   string
	anchor *testpki.Cert
	path   []*testpki.Cert // anchor side first, the peer last
	depth  int             // Erlang's depth (max_path_length); 0 means 10
}

func interopScenarios(t *testing.T) []interopScenario {
	pki := testpki.New(t)
	root := pki.Root("Root")
	ica := root.Issue("ICA", testpki.CA(-1))
	leaf := func(issuer *testpki.Cert, opts ...testpki.Option) *testpki.Cert {
		return issuer.Issue("leaf", append([]testpki.Option{testpki.DNS("example.com")}, opts...)...)
	}
	s := []interopScenario{
		{name: "valid", anchor: root, path: []*testpki.Cert{ica, leaf(ica)}},
		{name: "expired peer", anchor: root, path: []*testpki.Cert{ica, leaf(ica, testpki.Expired())}},
		{name: "peer not yet valid", anchor: root, path: []*testpki.Cert{ica, leaf(ica, testpki.NotYetValid())}},
		{name: "invalid signature", anchor: root, path: []*testpki.Cert{ica, leaf(ica, testpki.SignWith(pki.NewKey(testpki.ECDSAP256)))}},
		{name: "unknown critical extension", anchor: root, path: []*testpki.Cert{ica,
			leaf(ica, testpki.Extension(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55738, 666, 1}, true, []byte{5, 0}))}},
	}
	expiredICA := root.Issue("ICA", testpki.CA(-1), testpki.Expired())
	s = append(s, interopScenario{name: "expired intermediate", anchor: root, path: []*testpki.Cert{expiredICA, leaf(expiredICA)}})
	noBC := root.Issue("ICA", testpki.NoBasicConstraints(), testpki.KeyUsage(x509.KeyUsageCertSign))
	s = append(s, interopScenario{name: "intermediate without basic constraints", anchor: root, path: []*testpki.Cert{noBC, leaf(noBC)}})
	noCertSign := root.Issue("ICA", testpki.CA(-1), testpki.KeyUsage(x509.KeyUsageDigitalSignature))
	s = append(s, interopScenario{name: "intermediate without keyCertSign", anchor: root, path: []*testpki.Cert{noCertSign, leaf(noCertSign)}})
	nc := root.Issue("ICA", testpki.CA(-1), testpki.PermittedDNS("example.org"))
	s = append(s, interopScenario{name: "name not permitted", anchor: root, path: []*testpki.Cert{nc, leaf(nc)}})
	ncOK := root.Issue("ICA", testpki.CA(-1), testpki.PermittedDNS("example.com"))
	s = append(s, interopScenario{name: "name permitted", anchor: root, path: []*testpki.Cert{ncOK, leaf(ncOK)}})
	p0 := root.Issue("ICA1", testpki.CA(0))
	p0b := p0.Issue("ICA2", testpki.CA(-1))
	s = append(s, interopScenario{name: "pathLenConstraint exceeded", anchor: root, path: []*testpki.Cert{p0, p0b, leaf(p0b)}})
	p1 := root.Issue("ICA1", testpki.CA(1))
	p1b := p1.Issue("ICA2", testpki.CA(-1))
	s = append(s, interopScenario{name: "pathLenConstraint met", anchor: root, path: []*testpki.Cert{p1, p1b, leaf(p1b)}})
	// With its authority key identifier, which crypto/x509 leaves out of a
	// self-issued certificate: OpenSSL takes a self-issued certificate
	// without one for a root.
	self := ica.Issue("ignored", testpki.CA(0), testpki.SameSubjectAs(ica), testpki.AuthorityKeyID(ica.Cert.SubjectKeyId))
	s = append(s, interopScenario{name: "self-issued intermediate", anchor: root, path: []*testpki.Cert{ica, self, leaf(self)}})
	renamed := root.Issue("Renamed ICA", testpki.CA(-1), testpki.UseKey(ica.Key))
	s = append(s, interopScenario{name: "issuer renamed", anchor: root, path: []*testpki.Cert{renamed, leaf(ica)}})
	expiredRoot := pki.Root("Root", testpki.Expired())
	eica := expiredRoot.Issue("ICA", testpki.CA(-1))
	s = append(s, interopScenario{name: "expired anchor", anchor: expiredRoot, path: []*testpki.Cert{eica, leaf(eica)}})
	s = append(s, interopScenario{name: "depth 1 exceeded", anchor: root, path: []*testpki.Cert{p1, p1b, leaf(p1b)}, depth: 1})
	s = append(s, interopScenario{name: "depth 1 met", anchor: root, path: []*testpki.Cert{ica, leaf(ica)}, depth: 1})
	direct := leaf(root)
	s = append(s, interopScenario{name: "depth 0 met", anchor: root, path: []*testpki.Cert{direct}, depth: -1})
	s = append(s, interopScenario{name: "depth 0 exceeded", anchor: root, path: []*testpki.Cert{ica, leaf(ica)}, depth: -1})
	several := leaf(nc, testpki.Expired(), testpki.SignWith(pki.NewKey(testpki.ECDSAP256)))
	s = append(s, interopScenario{name: "several problems", anchor: root, path: []*testpki.Cert{nc, several}})
	return s
}

// ourEvents validates sc here with a verify fun like the Erlang one
// below (accept every problem, answer unknown to extensions), without the
// checks that are ssl's rather than public_key's (purpose, host name),
// and returns the events and the outcome ("ok" or {bad_cert,Reason}).
func ourEvents(sc interopScenario) []string {
	var chain [][]byte
	for i := len(sc.path) - 1; i >= 0; i-- {
		chain = append(chain, sc.path[i].DER)
	}
	var out []string
	fun := func(c *x509.Certificate, ev Event, s any) (Verdict, any) {
		if ev.Kind == Extension {
			return Unknown, s
		}
		out = append(out, eventEntry(c, ev))
		return Valid, s
	}
	_, err := Validate(chain, Options{TrustedCerts: [][]byte{sc.anchor.DER}, VerifyFun: fun, Purpose: AnyPurpose, MaxDepth: sc.depth})
	result := "ok"
	var bad BadCertError
	if errors.As(err, &bad) {
		result = bad.Term()
	} else if err != nil {
		result = err.Error()
	}
	return append(out, "result:"+result)
}

// erlangValidator is the escript: it validates the path in a directory and
// prints the events of an accepting verify fun (extensions answered
// unknown), one per line as CN:Event.
const erlangValidator = `%%! -noshell
-mode(compile).
main(Dirs) -> lists:foreach(fun validate/1, Dirs).
validate(Dir) ->
    io:format("dir:~s~n", [Dir]),
    {ok, Anchor} = file:read_file(filename:join(Dir, "anchor.der")),
    {ok, [Files, Depth]} = file:consult(filename:join(Dir, "path.term")),
    Path = [begin {ok, B} = file:read_file(filename:join(Dir, F)), B end || F <- Files],
    Fun = fun(_Cert, {extension, _}, S) -> {unknown, S};
             (Cert, Event, S) ->
                  io:format("~s:~s~n", [cn(Cert), event(Event)]),
                  {valid, S}
          end,
    case public_key:pkix_path_validation(Anchor, Path, [{max_path_length, Depth}, {verify_fun, {Fun, []}}]) of
        {ok, _} -> io:format("result:ok~n");
        {error, E} -> io:format("result:~0p~n", [E])
    end.
event({bad_cert, R}) -> io_lib:format("{bad_cert,~0p}", [R]);
event(E) -> io_lib:format("~0p", [E]).
%% #'OTPCertificate'{tbsCertificate = #'OTPTBSCertificate'{subject = ...}},
%% by position (the records' header is not installed everywhere).
cn(Cert) ->
    {rdnSequence, RDNs} = element(7, element(2, Cert)),
    hd([value(V) || [{'AttributeTypeAndValue', {2,5,4,3}, V}] <- RDNs] ++ ["?"]).
value({_, V}) when is_binary(V) -> binary_to_list(V);
value({_, V}) -> V;
value(V) -> V.
`

// TestErlangEventOrder compares the events of each scenario with those
// Erlang's public_key delivers. Erlang does not check the trust anchor's
// validity in every release, nor name constraints of the anchor, which
// the scenarios avoid; the certificates below the anchor must see the
// same events in the same order.
func TestErlangEventOrder(t *testing.T) {
	escript := peertest.Require(t, "escript")
	dir := t.TempDir()
	script := filepath.Join(dir, "validate.escript")
	if err := os.WriteFile(script, []byte(erlangValidator), 0o644); err != nil {
		t.Fatal(err)
	}
	scenarios := interopScenarios(t)
	var dirs []string
	for i, sc := range scenarios {
		sd := filepath.Join(dir, fmt.Sprint(i))
		dirs = append(dirs, sd)
		if err := os.MkdirAll(sd, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sd, "anchor.der"), sc.anchor.DER, 0o644); err != nil {
			t.Fatal(err)
		}
		var files []string
		for j, c := range sc.path {
			name := fmt.Sprintf("c%d.der", j)
			files = append(files, fmt.Sprintf("%q", name))
			if err := os.WriteFile(filepath.Join(sd, name), c.DER, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		depth := sc.depth
		switch {
		case depth == 0:
			depth = DefaultMaxDepth
		case depth < 0:
			depth = 0
		}
		term := fmt.Sprintf("[%s].\n%d.\n", strings.Join(files, ","), depth)
		if err := os.WriteFile(filepath.Join(sd, "path.term"), []byte(term), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(escript, append([]string{script}, dirs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("escript: %v\n%s", err, out)
	}
	erl := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if d, ok := strings.CutPrefix(line, "dir:"); ok {
			cur = d
			continue
		}
		erl[cur] = append(erl[cur], line)
	}
	for i, sc := range scenarios {
		ours := ourEvents(sc)
		theirs := erl[dirs[i]]
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%s:\n ours   %s\n erlang %s", sc.name, strings.Join(ours, " | "), strings.Join(theirs, " | "))
		}
	}
	if len(erl) != len(scenarios) {
		t.Errorf("Erlang validated %d of %d scenarios", len(erl), len(scenarios))
	}
}

// TestOpenSSLAgrees checks that openssl verify accepts and refuses the same
// scenarios as Validate with the default verify fun.
func TestOpenSSLAgrees(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	dir := t.TempDir()
	writePEM := func(name string, certs ...*testpki.Cert) string {
		var b []byte
		for _, c := range certs {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i, sc := range interopScenarios(t) {
		peer := sc.path[len(sc.path)-1]
		args := []string{"verify", "-CAfile", writePEM(fmt.Sprintf("ca%d.pem", i), sc.anchor)}
		var chain [][]byte
		chain = append(chain, peer.DER)
		if len(sc.path) > 1 {
			args = append(args, "-untrusted", writePEM(fmt.Sprintf("u%d.pem", i), sc.path[:len(sc.path)-1]...))
			for j := len(sc.path) - 2; j >= 0; j-- {
				chain = append(chain, sc.path[j].DER)
			}
		}
		args = append(args, writePEM(fmt.Sprintf("p%d.pem", i), peer))
		out, err := exec.Command(openssl, args...).CombinedOutput()
		opensslOK := err == nil
		_, ourErr := Validate(chain, Options{TrustedCerts: [][]byte{sc.anchor.DER}, Purpose: AnyPurpose})
		if opensslOK != (ourErr == nil) {
			t.Errorf("%s: openssl ok=%v (%s), ours %v", sc.name, opensslOK, strings.TrimSpace(string(out)), ourErr)
		}
	}
}
