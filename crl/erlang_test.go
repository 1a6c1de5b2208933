package crl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
	"github.com/otpssl/ssl/internal/testpki"
)

// erlangCRLScript answers, for each case directory under the directory it
// is given, the revocation question as Erlang's ssl does
// (ssl_handshake:crl_check): public_key:pkix_crls_validate/3 with every
// distribution point of cert.der paired with every CRL (crl_N.der, all of
// them what the cache's lookup gives), then, if that leaves the status
// undetermined, with the issuer's distribution point
// (public_key:pkix_dist_point/1) paired with the CRLs issued by the
// certificate's issuer (what the cache's select gives). issuer.der is the
// certificate that signs the CRLs, handed over as trusted. It prints one
// line per case, and public_key:short_name_hash/1 of the subject of every
// name_N.der certificate.
const erlangCRLScript = `#!/usr/bin/env escript
main([Dir]) ->
    {ok, Entries} = file:list_dir(Dir),
    lists:foreach(fun(E) -> run(Dir, E) end, lists:sort(Entries)).

run(Dir, "case_" ++ _ = Case) ->
    P = fun(F) -> filename:join([Dir, Case, F]) end,
    {ok, CertDer} = file:read_file(P("cert.der")),
    {ok, IssuerDer} = file:read_file(P("issuer.der")),
    {ok, Files} = file:list_dir(filename:join(Dir, Case)),
    CRLDers = [begin {ok, B} = file:read_file(P(F)), B end
               || F <- lists:sort(Files), lists:prefix("crl_", F)],
    Cert = public_key:pkix_decode_cert(CertDer, otp),
    CertIssuer = element(5, element(2, Cert)),
    Issuer = public_key:pkix_decode_cert(IssuerDer, otp),
    CRLs = [{D, public_key:der_decode('CertificateList', D)} || D <- CRLDers],
    Opts = [{issuer_fun, {fun(_, _, _, _) -> {ok, Issuer, []} end, undefined}},
            {update_crl, fun(_, CRL) -> CRL end},
            {undetermined_details, true}],
    Validate = fun(Pairs) -> public_key:pkix_crls_validate(Cert, Pairs, Opts) end,
    SameIssuer =
        fun() ->
            DP = public_key:pkix_dist_point(Cert),
            Same = [C || {_, Dec} = C <- CRLs,
                         pubkey_cert:is_issuer(CertIssuer,
                             pubkey_cert_records:transform(element(4, element(2, Dec)), decode))],
            Validate([{DP, C} || C <- Same])
        end,
    Result = try
                 case public_key:pkix_dist_points(Cert) of
                     [] -> SameIssuer();
                     DPs ->
                         case Validate([{DP, C} || DP <- DPs, C <- CRLs]) of
                             {bad_cert, {revocation_status_undetermined, _}} -> SameIssuer();
                             Other -> Other
                         end
                 end
             of
                 valid -> "valid";
                 {bad_cert, {revoked, R}} -> io_lib:format("revoked ~p", [R]);
                 {bad_cert, {revocation_status_undetermined, {bad_crls, L}}} when is_list(L) ->
                     io_lib:format("undetermined ~w", [lists:sort([Why || {Why, _} <- L])]);
                 {bad_cert, {revocation_status_undetermined, {bad_crls, A}}} ->
                     io_lib:format("undetermined ~w", [A]);
                 Unexpected -> io_lib:format("other ~w", [Unexpected])
             catch C:Err -> io_lib:format("crash ~p:~p", [C, Err])
             end,
    io:format("~s ~s~n", [Case, Result]);
run(Dir, "name_" ++ _ = F) ->
    {ok, Der} = file:read_file(filename:join(Dir, F)),
    TBS = element(2, public_key:pkix_decode_cert(Der, otp)),
    Subject = element(7, TBS),
    io:format("~s ~s~n", [F, public_key:short_name_hash(Subject)]);
run(_, _) ->
    ok.
`

// erlangCase is one revocation question put to Erlang and to Check.
type erlangCase struct {
	name   string
	cert   *testpki.Cert
	issuer *testpki.Cert
	crls   [][]byte
	// erlang is the line Erlang prints; ours the result of Check
	// written the same way.
	erlang string
	ours   string
}

func runErlang(t *testing.T, dir string) map[string]string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "crl.escript")
	if err := os.WriteFile(script, []byte(erlangCRLScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(peertest.Require(t, "escript"), script, dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("escript: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		got[k] = v
	}
	return got
}

// ourLine writes a Result as the Erlang script writes ssl's, with the
// reasons of Detail sorted.
func ourLine(r Result) string {
	switch r.Status {
	case Good:
		return "valid"
	case Revoked:
		return "revoked " + r.Reason.String()
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(r.Detail, "{bad_crls,"), "}")
	if !strings.HasPrefix(inner, "[") {
		return "undetermined " + inner
	}
	inner = strings.TrimSuffix(strings.TrimPrefix(inner, "["), "]")
	var terms []string
	if inner != "" {
		terms = strings.Split(inner, "},{")
		for i, t := range terms {
			terms[i] = "{" + strings.Trim(t, "{}") + "}"
		}
		sort.Strings(terms)
	}
	return "undetermined [" + strings.Join(terms, ",") + "]"
}

// issuerCache gives every CRL to Lookup and those of the issuer to Select,
// as the Erlang script does.
type issuerCache struct{ crls [][]byte }

func (c issuerCache) Lookup(DistributionPoint, []byte) ([][]byte, error) {
	if len(c.crls) == 0 {
		return nil, ErrNotAvailable
	}
	return c.crls, nil
}

func (c issuerCache) Select(issuer []byte) ([][]byte, error) {
	var out [][]byte
	for _, der := range c.crls {
		if crl, err := ParseCRL(der); err == nil && namesEqual(crl.RawIssuer, issuer) {
			out = append(out, der)
		}
	}
	return out, nil
}

func (c issuerCache) FreshCRL(_ DistributionPoint, crls [][]byte) [][]byte { return crls }

func TestErlangCRLValidation(t *testing.T) {
	peertest.Require(t, "escript")
	w := newWorld(t)
	now := w.pki.Now
	other := w.ca.Issue("other leaf", testpki.CRLDistributionPoints(dpURI))
	caLeaf := w.ca.Issue("sub CA", testpki.CA(0), testpki.CRLDistributionPoints(dpURI))
	good := w.ca.RawCRL([]testpki.CRLEntry{other.Entry(1)})
	expired := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)}, testpki.CRLValidity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	badSig := w.ca.CRLSignedBy(w.pki.NewKey(testpki.ECDSAP256), []testpki.CRLEntry{w.leaf.Entry(1)})
	otherCA := w.other.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)})
	inScope := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(4)}, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}}))
	elsewhere := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(4)}, testpki.IDP(testpki.IDPSpec{URIs: []string{"http://crl.example.net/ca.crl"}}))
	samehost := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(4)}, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI2}}))
	onlyCA := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlyCA: true}))
	onlyUser := w.ca.RawCRL([]testpki.CRLEntry{caLeaf.Entry(2)}, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlyUser: true}))
	someReasons := w.ca.RawCRL(nil, testpki.IDP(testpki.IDPSpec{URIs: []string{dpURI}, OnlySomeReasons: []int{1, 2}}))
	unknownCrit := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)},
		testpki.CRLExtension(asn1.ObjectIdentifier{1, 2, 3, 4}, true, []byte{5, 0}))
	future := w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(1)}, testpki.CRLValidity(now.Add(time.Hour), now.Add(48*time.Hour)))

	cases := []erlangCase{
		{name: "good", crls: [][]byte{good}},
		{name: "no CRL"},
		{name: "expired", crls: [][]byte{expired}},
		{name: "bad signature", crls: [][]byte{badSig}},
		{name: "other CA", crls: [][]byte{otherCA}},
		{name: "IDP in scope", crls: [][]byte{inScope}},
		{name: "IDP elsewhere", crls: [][]byte{elsewhere}},
		{name: "IDP only CA", crls: [][]byte{onlyCA}},
		{name: "IDP only users, CA certificate", cert: caLeaf, crls: [][]byte{onlyUser}},
		{name: "IDP some reasons", crls: [][]byte{someReasons}},
		{name: "bad then good", crls: [][]byte{badSig, good}},
		// Deliberate differences, documented on Check.
		{name: "unknown critical extension", crls: [][]byte{unknownCrit},
			erlang: "revoked keyCompromise", ours: "undetermined [{bad_crl,unknown_critical_extension}]"},
		// public_key matches distribution point URIs by host only, as for
		// name constraints; we compare them whole, as OpenSSL does.
		{name: "IDP on the same host, other path", crls: [][]byte{samehost},
			erlang: "revoked superseded", ours: "undetermined [{bad_crl,scope_error}]"},
		{name: "thisUpdate ahead", crls: [][]byte{future},
			erlang: "revoked keyCompromise", ours: "undetermined [{bad_crl,not_yet_valid}]"},
	}
	for _, r := range []Reason{Unspecified, KeyCompromise, CACompromise, AffiliationChanged, Superseded,
		CessationOfOperation, CertificateHold, RemoveFromCRL, PrivilegeWithdrawn, AACompromise} {
		cases = append(cases, erlangCase{name: "reason " + r.String(),
			crls: [][]byte{w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(int(r))})}})
	}
	withoutCode := erlangCase{name: "no reason code", crls: [][]byte{w.ca.RawCRL([]testpki.CRLEntry{w.leaf.Entry(-1)})}}
	cases = append(cases, withoutCode)

	dir := t.TempDir()
	for i := range cases {
		c := &cases[i]
		if c.cert == nil {
			c.cert = w.leaf
		}
		if c.issuer == nil {
			c.issuer = w.ca
		}
		cd := filepath.Join(dir, fmt.Sprintf("case_%02d", i))
		if err := os.MkdirAll(cd, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, cd, "cert.der", c.cert.DER)
		writeFile(t, cd, "issuer.der", c.issuer.DER)
		for j, crl := range c.crls {
			writeFile(t, cd, fmt.Sprintf("crl_%d.der", j), crl)
		}
	}
	got := runErlang(t, dir)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			erl := got[fmt.Sprintf("case_%02d", i)]
			t.Logf("Erlang: %s", erl)
			req := Request{Cert: c.cert.Cert, Issuer: c.issuer.Cert, Cache: issuerCache{c.crls},
				Trusted: []*x509.Certificate{w.root.Cert}}
			ours := ourLine(Check(req))
			if c.erlang != "" {
				if erl != c.erlang || ours != c.ours {
					t.Errorf("Erlang %q (expected %q), ours %q (expected %q)", erl, c.erlang, ours, c.ours)
				}
				return
			}
			if erl != ours {
				t.Errorf("Erlang %q, ours %q", erl, ours)
			}
		})
	}
}

func TestErlangShortNameHash(t *testing.T) {
	peertest.Require(t, "escript")
	pki := testpki.New(t)
	root := pki.Root("Root")
	raw := func(rdns ...[]attr) testpki.Option {
		der := rawName(t, rdns...)
		return testpki.Template(func(c *x509.Certificate) { c.RawSubject = der })
	}
	certs := []*testpki.Cert{
		root.Issue("x", testpki.Subject(pkix.Name{CommonName: "Test CA", Organization: []string{"Example"}})),
		root.Issue("x", testpki.Subject(pkix.Name{CommonName: "Zürich Ünïcödé ÇA", Organization: []string{"日本語"}})),
		root.Issue("x", testpki.Subject(pkix.Name{CommonName: "  MiXeD   CaSe\t", Country: []string{"se"}})),
		root.Issue("x", testpki.Subject(pkix.Name{Country: []string{"SE"}, Organization: []string{"Ericsson AB"},
			OrganizationalUnit: []string{"OTP"}, CommonName: "ssl", SerialNumber: big.NewInt(42).String()})),
		// public_key:short_name_hash/1 has no clause for BMPString.
		root.Issue("x", raw([]attr{{oidC, 19, []byte("SE")}}, []attr{{oidO, 20, []byte("T61 Org")}},
			[]attr{{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, 22, []byte("CA@Example.COM")}},
			[]attr{{oidCN, 20, []byte("T61  Name")}})),
	}
	dir := t.TempDir()
	for i, c := range certs {
		writeFile(t, dir, fmt.Sprintf("name_%02d.der", i), c.DER)
	}
	got := runErlang(t, dir)
	for i, c := range certs {
		h, err := SubjectNameHash(c.Cert.RawSubject)
		if err != nil {
			t.Fatal(err)
		}
		if erl := got[fmt.Sprintf("name_%02d.der", i)]; erl != fmt.Sprintf("%08x", h) {
			t.Errorf("name %d: Erlang %s, ours %08x", i, erl, h)
		}
	}
}
