package x509path

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/netip"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// The x509-limbo test vectors (testdata/limbo, see SOURCE.md there): every
// case is validated with ProfileStrict, which must agree with
// expected_result except for the cases on limboStrictDeclined, and with
// ProfileDefault, which must agree except for the cases on
// limboDefaultDiffers (checks that only ProfileStrict makes). Both lists
// are exact: a listed case that agrees fails the test too, so the lists
// cannot go stale.

const limboSHA256 = "7c172692e3f550b954f81f9193cd769e7358379539b9eb28fdf95ae233104e9a"

// limboStrictDeclined are the cases ProfileStrict does not agree with, and
// why.
var limboStrictDeclined = map[string]string{
	"rfc5280::ca-nameconstraints-permitted-dn-match": limboDNMatchDecline,
}

// limboDNMatchDecline: in this version of the vectors the case's peer has
// only the subject alternative name DirName:CN=foo (the DNS:example.com
// entry sits on the root), yet expected_peer_name is the DNS name
// example.com and the expected result SUCCESS. No RFC 6125 check of the
// peer can match it; the name constraint part of the case passes (the
// same chain validates without a host name: TestLimboDNMatchWithoutHostname).
const limboDNMatchDecline = "expected_peer_name example.com is not a name of the peer (it has only DirName:CN=foo)"

// limboDefaultDiffers are the cases where ProfileDefault, which checks what
// Erlang checks, accepts a chain the limbo suite wants refused because of a
// certificate profile rule; ProfileStrict enforces each of them.
var limboDefaultDiffers = map[string]string{
	"rfc5280::ca-nameconstraints-permitted-dn-match": limboDNMatchDecline,

	// Trust anchors: Erlang (and RFC 5280, Section 6.1, which takes the
	// anchor as input, not as a certificate of the path) does not look at
	// the anchor's extensions; ProfileStrict checks the anchor as a CA.
	"rfc5280::unknown-critical-extension-root":             "unknown critical extension in the trust anchor (ProfileStrict: unknown_critical_extension)",
	"rfc5280::root-missing-basic-constraints":              "trust anchor without basic constraints (ProfileStrict: missing_basic_constraint)",
	"rfc5280::root-non-critical-basic-constraints":         "trust anchor with non-critical basic constraints (ProfileStrict: basic_constraints_not_critical)",
	"rfc5280::root-inconsistent-ca-extensions":             "trust anchor key usage without keyCertSign (ProfileStrict: invalid_key_usage)",
	"rfc5280::missing-ski":                                 "trust anchor without subject key identifier (ProfileStrict: missing_subject_key_identifier)",
	"webpki::root-with-extkeyusage":                        "trust anchor with extended key usage, a CA/B Forum rule (ProfileStrict: trust_anchor_extended_key_usage)",
	"webpki::aki::root-with-aki-missing-keyidentifier":     "authority key identifier without key identifier (ProfileStrict)",
	"webpki::aki::root-with-aki-authoritycertissuer":       "authority key identifier with authorityCertIssuer, a CA/B Forum rule (ProfileStrict)",
	"webpki::aki::root-with-aki-authoritycertserialnumber": "authority key identifier with authorityCertSerialNumber, a CA/B Forum rule (ProfileStrict)",
	"webpki::aki::root-with-aki-all-fields":                "authority key identifier with issuer and serial, a CA/B Forum rule (ProfileStrict)",
	"webpki::aki::root-with-aki-ski-mismatch":              "self-signed anchor whose authority key identifier is not its subject key identifier (ProfileStrict)",

	// Profile rules for the certificates of the path that Erlang does not
	// enforce either.
	"rfc5280::intermediate-missing-aki":             "no authority key identifier (ProfileStrict: missing_authority_key_identifier)",
	"rfc5280::leaf-missing-aki":                     "no authority key identifier (ProfileStrict: missing_authority_key_identifier)",
	"rfc5280::leaf-ku-keycertsign":                  "keyCertSign in an end entity (ProfileStrict: key_cert_sign_without_ca)",
	"rfc5280::san-noncritical-with-empty-subject":   "empty subject with a non-critical subject alternative name (ProfileStrict)",
	"rfc5280::serial-number-too-long":               "serial number over 20 octets (ProfileStrict: serial_number_too_long)",
	"rfc5280::serial-number-zero":                   "serial number zero (ProfileStrict: serial_number_not_positive)",
	"webpki::san-critical-with-nonempty-subject":    "critical subject alternative name with a subject, a CA/B Forum rule (ProfileStrict)",
	"webpki::ee-basicconstraints-ca":                "end entity with cA and a key usage without keyCertSign (ProfileStrict: ca_without_key_cert_sign)",
	"webpki::v1-cert":                               "version 2 end entity, allowed by RFC 5280 path validation (ProfileStrict: certificate_version)",
	"webpki::forbidden-dsa-spki-leaf":               "DSA key in the peer, a CA/B Forum rule (ProfileStrict: public_key_algorithm)",
	"webpki::forbidden-signature-algorithm-in-leaf": "DSA key in the peer (the case's name notwithstanding, the peer's key is DSA; ProfileStrict: public_key_algorithm)",
	"webpki::eku-contains-anyeku":                   "anyExtendedKeyUsage in the peer satisfies serverAuth by default; the CA/B Forum forbids it (ProfileStrict: invalid_ext_keyusage)",
	"webpki::no-san":                                "host name found in the subject common name of a peer without subject alternative names (RFC 6125 fallback; ProfileStrict does not fall back)",
}

type limboCase struct {
	ID               string   `json:"id"`
	Features         []string `json:"features"`
	Description      string   `json:"description"`
	ValidationKind   string   `json:"validation_kind"`
	TrustedCerts     []string `json:"trusted_certs"`
	Intermediates    []string `json:"untrusted_intermediates"`
	Peer             string   `json:"peer_certificate"`
	ValidationTime   *string  `json:"validation_time"`
	SignatureAlgs    []string `json:"signature_algorithms"`
	KeyUsage         []string `json:"key_usage"`
	ExtKeyUsage      []string `json:"extended_key_usage"`
	ExpectedResult   string   `json:"expected_result"`
	ExpectedPeerName *struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"expected_peer_name"`
	MaxChainDepth *int `json:"max_chain_depth"`
}

func loadLimbo(t *testing.T) []limboCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/limbo/limbo.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if hex.EncodeToString(sum[:]) != limboSHA256 {
		t.Fatalf("testdata/limbo/limbo.json is not the file SOURCE.md describes")
	}
	var doc struct {
		Version   int         `json:"version"`
		Testcases []limboCase `json:"testcases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Testcases
}

func pemToDER(t *testing.T, p string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatalf("bad PEM")
	}
	return b.Bytes
}

// limboOptions maps a case to a chain and Options; a non-empty decline
// names a field this harness cannot honour.
func limboOptions(t *testing.T, c limboCase, profile Profile) (chain [][]byte, o Options, decline string) {
	t.Helper()
	if c.ValidationKind != "SERVER" && c.ValidationKind != "CLIENT" {
		return nil, o, "validation_kind " + c.ValidationKind
	}
	if len(c.SignatureAlgs) > 0 {
		return nil, o, "signature_algorithms"
	}
	for _, f := range c.Features {
		switch f {
		case "max-chain-depth", "name-constraint-dn", "pedantic-webpki", "pedantic-serial-number",
			"pedantic-webpki-eku", "pedantic-rfc5280", "pedantic-public-suffix-wildcard":
		default:
			return nil, o, "feature " + f
		}
	}
	chain = append(chain, pemToDER(t, c.Peer))
	for _, p := range c.Intermediates {
		chain = append(chain, pemToDER(t, p))
	}
	for _, p := range c.TrustedCerts {
		o.TrustedCerts = append(o.TrustedCerts, pemToDER(t, p))
	}
	o.Profile = profile
	o.Time = time.Now()
	if c.ValidationTime != nil {
		tm, err := time.Parse(time.RFC3339, *c.ValidationTime)
		if err != nil {
			t.Fatalf("%s: validation_time: %v", c.ID, err)
		}
		o.Time = tm
	}
	if c.MaxChainDepth != nil {
		if *c.MaxChainDepth == 0 {
			o.MaxDepth = -1
		} else {
			o.MaxDepth = *c.MaxChainDepth
		}
	} else {
		o.MaxDepth = MaxChainCerts
	}
	o.Purpose = ServerAuth
	if c.ValidationKind == "CLIENT" {
		o.Purpose = ClientAuth
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case "serverAuth":
			o.Purpose = ServerAuth
		case "clientAuth":
			o.Purpose = ClientAuth
		default:
			return nil, o, "extended_key_usage " + u
		}
	}
	if len(c.ExtKeyUsage) > 1 {
		return nil, o, "several extended key usages"
	}
	kuBits := map[string]x509.KeyUsage{
		"digitalSignature": x509.KeyUsageDigitalSignature, "contentCommitment": x509.KeyUsageContentCommitment,
		"keyEncipherment": x509.KeyUsageKeyEncipherment, "dataEncipherment": x509.KeyUsageDataEncipherment,
		"keyAgreement": x509.KeyUsageKeyAgreement, "keyCertSign": x509.KeyUsageCertSign,
		"cRLSign": x509.KeyUsageCRLSign, "encipherOnly": x509.KeyUsageEncipherOnly,
		"decipherOnly": x509.KeyUsageDecipherOnly,
	}
	for _, u := range c.KeyUsage {
		b, ok := kuBits[u]
		if !ok {
			return nil, o, "key_usage " + u
		}
		o.KeyUsage |= b
	}
	if n := c.ExpectedPeerName; n != nil {
		switch n.Kind {
		case "DNS":
			o.Hostname = n.Value
		case "IP":
			ip, err := netip.ParseAddr(n.Value)
			if err != nil {
				t.Fatalf("%s: bad IP %q", c.ID, n.Value)
			}
			o.IP = ip
		default:
			return nil, o, "expected_peer_name kind " + n.Kind
		}
	}
	return chain, o, ""
}

func runLimbo(t *testing.T, profile Profile, exceptions map[string]string) {
	cases := loadLimbo(t)
	if len(cases) != 106 {
		t.Fatalf("%d cases, want 106", len(cases))
	}
	agree, declined := 0, 0
	var unexpected []string
	for _, c := range cases {
		chain, opts, decline := limboOptions(t, c, profile)
		if decline != "" {
			t.Errorf("%s: harness cannot honour %s", c.ID, decline)
			continue
		}
		_, err := Validate(chain, opts)
		got := "SUCCESS"
		if err != nil {
			got = "FAILURE"
		}
		ok := got == c.ExpectedResult
		why, listed := exceptions[c.ID]
		switch {
		case ok && listed:
			unexpected = append(unexpected, c.ID+": agrees but is listed as an exception ("+why+")")
		case ok:
			agree++
		case listed:
			declined++
			t.Logf("declined %s: expected %s, got %s (%v): %s", c.ID, c.ExpectedResult, got, err, why)
		default:
			unexpected = append(unexpected, c.ID+": expected "+c.ExpectedResult+", got "+got+" ("+errString(err)+")")
		}
	}
	for id := range exceptions {
		found := false
		for _, c := range cases {
			found = found || c.ID == id
		}
		if !found {
			unexpected = append(unexpected, id+": listed but not a limbo case")
		}
	}
	sort.Strings(unexpected)
	t.Logf("limbo: %d/%d agree with expected_result, %d listed exceptions", agree, len(cases), declined)
	if len(unexpected) > 0 {
		t.Errorf("unexpected results:\n  %s", strings.Join(unexpected, "\n  "))
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func TestLimboStrict(t *testing.T)  { runLimbo(t, ProfileStrict, limboStrictDeclined) }
func TestLimboDefault(t *testing.T) { runLimbo(t, ProfileDefault, limboDefaultDiffers) }

// TestLimboDNMatchWithoutHostname validates the chain of the declined case
// without the host name it cannot match: the directoryName constraint is
// met, and a host name check still fails.
func TestLimboDNMatchWithoutHostname(t *testing.T) {
	for _, c := range loadLimbo(t) {
		if c.ID != "rfc5280::ca-nameconstraints-permitted-dn-match" {
			continue
		}
		chain, opts, _ := limboOptions(t, c, ProfileDefault)
		host := opts.Hostname
		opts.Hostname = ""
		if _, err := Validate(chain, opts); err != nil {
			t.Fatalf("without host name: %v", err)
		}
		opts.Hostname = host
		if _, err := Validate(chain, opts); !errorsIsReason(err, HostnameCheckFailed) {
			t.Fatalf("with host name %q: got %v, want hostname_check_failed", host, err)
		}
		return
	}
	t.Fatal("case not found")
}

func errorsIsReason(err error, r Reason) bool {
	return errors.Is(err, BadCertError{Reason: r})
}
