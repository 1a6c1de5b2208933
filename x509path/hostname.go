package x509path

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"strings"
)

// Host name verification, as public_key:pkix_verify_hostname/3 does it
// with the HTTPS match fun (RFC 6125), made stricter where RFC 6125 and the
// CA/Browser Forum allow it:
//
//   - Names compare without regard to ASCII case, and a trailing dot on
//     either side is ignored.
//   - A presented DNS name may hold one wildcard, and only as the whole
//     leftmost label ("*.example.com"); it then matches exactly one label
//     ("foo.example.com", not "example.com" nor "a.b.example.com").
//     Partial-label wildcards ("f*.example.com", "xn--*.example.com"),
//     which Erlang's HTTPS match fun accepts, match nothing; so does a
//     wildcard over fewer than two labels ("*.com").
//   - A reference name with a "*" never matches.
//   - IP addresses compare as addresses with iPAddress entries only; an
//     IPv4-mapped IPv6 address equals its IPv4 address.
//   - The subject common name is used only when the subject alternative
//     name extension has no dNSName, iPAddress or uniformResourceIdentifier
//     entry (RFC 6125, Section 6.4.4; Erlang looks at it only when there
//     is no subject alternative name at all). ProfileStrict never uses it.
//
// Erlang's default match fun (without customize_hostname_check) matches
// dNSName entries exactly and wildcards only in the common name; following
// the HTTPS rules instead is what a client of HTTPS-like protocols expects.
// Non-ASCII host names must be given in their A-label (xn--) form.

// VerifyHostname checks that cert is valid for host, a DNS name or an IP
// address literal (IPv6 optionally in brackets). On a mismatch it returns a
// BadCertError with reason hostname_check_failed.
func VerifyHostname(cert *x509.Certificate, host string) error {
	return verifyHostname(cert, host, true)
}

// VerifyIP checks that cert has an iPAddress subject alternative name equal
// to ip. On a mismatch it returns a BadCertError with reason
// hostname_check_failed.
func VerifyIP(cert *x509.Certificate, ip netip.Addr) error {
	if cert == nil {
		return BadCertError{Reason: HostnameCheckFailed, Cert: cert}
	}
	return verifyIP(cert, presentedNames(cert), ip)
}

// verifyIP is VerifyIP with the names cert presents already gathered.
func verifyIP(cert *x509.Certificate, names presented, ip netip.Addr) error {
	if ip.IsValid() && matchIP(names, ip) {
		return nil
	}
	return BadCertError{Reason: HostnameCheckFailed, Cert: cert}
}

func verifyHostname(cert *x509.Certificate, host string, allowCN bool) error {
	if cert == nil {
		return BadCertError{Reason: HostnameCheckFailed, Cert: cert}
	}
	return verifyHostnameNames(cert, nil, host, allowCN)
}

// verifyHostnameNames is verifyHostname with the names cert presents
// already gathered (nil: gather them now).
func verifyHostnameNames(cert *x509.Certificate, known *presented, host string, allowCN bool) error {
	fail := BadCertError{Reason: HostnameCheckFailed, Cert: cert}
	h := host
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if ip, err := parseIPLiteral(h); err == nil {
		if ip.Zone() != "" {
			return fail
		}
		if known != nil {
			return verifyIP(cert, *known, ip)
		}
		return VerifyIP(cert, ip)
	}
	var names presented
	if known != nil {
		names = *known
	} else {
		names = presentedNames(cert)
	}
	if matchDNS(names, cert, host, allowCN) {
		return nil
	}
	return fail
}

// presented is what a certificate presents for host name checks.
type presented struct {
	sanOK bool // the SAN extension parsed (or is absent)
	dns   []string
	ips   []netip.Addr
	uris  int
}

func presentedNames(cert *x509.Certificate) presented {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtSubjectAltName) {
			gns, err := parseGeneralNames(e.Value)
			return presentedFrom(gns, err)
		}
	}
	return presented{sanOK: true}
}

// presentedFrom gathers the names of a parsed subject alternative name
// extension (gns, or the error parsing it).
func presentedFrom(gns []generalName, err error) presented {
	var p presented
	p.sanOK = err == nil
	if err == nil {
		for _, g := range gns {
			switch g.tag {
			case gnDNSName:
				p.dns = append(p.dns, string(g.data))
			case gnIPAddress:
				if a, ok := netip.AddrFromSlice(g.data); ok {
					p.ips = append(p.ips, a.Unmap())
				} else {
					// A malformed address still counts as an IP identifier.
					p.ips = append(p.ips, netip.Addr{})
				}
			case gnURI:
				p.uris++
			}
		}
	}
	return p
}

func matchIP(p presented, ip netip.Addr) bool {
	if !p.sanOK {
		return false
	}
	ip = ip.Unmap()
	for _, a := range p.ips {
		if a.IsValid() && a == ip {
			return true
		}
	}
	return false
}

// maxHostnameLen bounds the names compared.
const maxHostnameLen = 1024

func matchDNS(p presented, cert *x509.Certificate, host string, allowCN bool) bool {
	ref, ok := referenceHost(host)
	if !ok || !p.sanOK {
		return false
	}
	for _, d := range p.dns {
		if matchHostPattern(d, ref) {
			return true
		}
	}
	if !allowCN || len(p.dns) > 0 || len(p.ips) > 0 || p.uris > 0 {
		return false
	}
	for _, cn := range nameStrings(cert.RawSubject, oidCommonName) {
		if matchHostPattern(cn, ref) {
			return true
		}
	}
	return false
}

// referenceHost prepares the name the client wants: ASCII lower case, no
// trailing dot, no wildcard, no empty label.
func referenceHost(host string) (string, bool) {
	if len(host) == 0 || len(host) > maxHostnameLen {
		return "", false
	}
	h := asciiLower(strings.TrimSuffix(host, "."))
	// No empty label: no leading or trailing dot (after the one removed),
	// no two dots in a row.
	if h == "" || strings.Contains(h, "*") || h[0] == '.' || h[len(h)-1] == '.' || strings.Contains(h, "..") {
		return "", false
	}
	return h, true
}

// matchHostPattern matches a presented name against a prepared reference
// name.
func matchHostPattern(pattern, ref string) bool {
	if len(pattern) == 0 || len(pattern) > maxHostnameLen {
		return false
	}
	p := asciiLower(strings.TrimSuffix(pattern, "."))
	if p == "" {
		return false
	}
	if !strings.Contains(p, "*") {
		return p == ref
	}
	rest, ok := strings.CutPrefix(p, "*.")
	if !ok || strings.Contains(rest, "*") {
		return false
	}
	// At least two labels under the wildcard, none empty.
	labels := strings.Split(rest, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	first, refRest, ok := strings.Cut(ref, ".")
	return ok && first != "" && refRest == rest
}

func asciiLower(s string) string {
	b := []byte(s)
	changed := false
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
			changed = true
		}
	}
	if !changed {
		return s
	}
	return string(b)
}

// sanHasEntries reports whether cert has a dNSName or iPAddress subject
// alternative name.
func sanHasEntries(cert *x509.Certificate) bool {
	p := presentedNames(cert)
	return p.sanOK && (len(p.dns) > 0 || len(p.ips) > 0)
}

// errNotIP is parseIPLiteral's answer for a name that cannot be an address.
var errNotIP = errors.New("x509path: not an IP address")

// parseIPLiteral is netip.ParseAddr without its cost for DNS names: a
// name with no colon (IPv6) that does not end in a digit (IPv4) is no
// address, and is refused without building a parse error.
func parseIPLiteral(s string) (netip.Addr, error) {
	if s == "" || (!strings.Contains(s, ":") && (s[len(s)-1] < '0' || s[len(s)-1] > '9')) {
		return netip.Addr{}, errNotIP
	}
	return netip.ParseAddr(s)
}
