package x509path

import (
	"net/netip"
	"net/url"
	"strings"
)

// Name constraints (RFC 5280, Sections 4.2.1.10 and 6.1.3 (b)-(c), 6.1.4
// (g)). Instead of computing intersections of permitted subtrees, the
// state keeps the permitted subtrees of every CA apart: a name must fall in
// one subtree of its form in each of them, and in no excluded subtree.
//
// Name forms:
//   - dNSName: "example.com" permits example.com and every name under it;
//     ".example.com" only names under it; "" every name. No wildcards.
//   - iPAddress: an address range; IPv4 and IPv6 are separate forms.
//   - rfc822Name: "user@example.com" one mailbox (the local part compared
//     exactly), "example.com" every mailbox at that host, ".example.com"
//     every mailbox at hosts under it.
//   - uniformResourceIdentifier: the URI's host, "example.com" exactly or
//     ".example.com" under it; a URI without a DNS host never matches.
//   - directoryName: the constraint's RDNs must begin the name. Applied to
//     the subject (when not empty) and to directoryName alternative names.
//   - The subject's emailAddress attributes count as rfc822Name when the
//     certificate has no subject alternative name extension (RFC 5280).
//   - The peer's subject common names count as dNSName when the peer has
//     no subject alternative name extension and they look like host names
//     of two labels or more, since a host name check would accept them
//     (as BoringSSL does; Erlang does not). CA certificates' common names
//     are left alone.
//   - otherName, x400Address, ediPartyName and registeredID are not
//     processed: a certificate with a name of such a form fails whenever a
//     constraint of that form applies to it.
//
// A name constraints extension that does not parse, or with a malformed
// subtree (a wildcard dNSName, a non-contiguous mask), makes every later
// certificate fail the check.

// maxConstraintChecks bounds the name/subtree comparisons of one path.
const maxConstraintChecks = 1 << 16

type ncState struct {
	permitted [][]subtree
	excluded  []subtree
	malformed bool
	checks    int
}

func (s *ncState) active() bool {
	return s.malformed || len(s.permitted) > 0 || len(s.excluded) > 0
}

// add records the constraints of one CA certificate.
func (s *ncState) add(nc *nameConstraints) {
	for _, t := range nc.permitted {
		if !validConstraint(t) {
			s.malformed = true
		}
	}
	for _, t := range nc.excluded {
		if !validConstraint(t) {
			s.malformed = true
		}
	}
	if len(nc.permitted) > 0 {
		s.permitted = append(s.permitted, nc.permitted)
	}
	s.excluded = append(s.excluded, nc.excluded...)
}

func validConstraint(t subtree) bool {
	switch t.tag {
	case gnDNSName:
		return validDNSConstraint(string(t.data))
	case gnURI:
		return t.data != nil && validDNSConstraint(string(t.data)) && len(t.data) > 0
	case gnRFC822Name:
		d := string(t.data)
		if i := strings.LastIndexByte(d, '@'); i >= 0 {
			return i > 0 && validDNSConstraint(d[i+1:]) && d[i+1:] != "" && !strings.HasPrefix(d[i+1:], ".")
		}
		return d != "" && validDNSConstraint(d)
	}
	return true
}

// validDNSConstraint accepts "", "host.example", ".host.example": labels
// of letters, digits, '-' and '_'.
func validDNSConstraint(c string) bool {
	c = strings.TrimPrefix(c, ".")
	if c == "" {
		return true
	}
	for _, l := range strings.Split(c, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_') {
				return false
			}
		}
	}
	return true
}

// ncName is one name of a certificate subject to name constraints.
type ncName struct {
	tag  int
	data string
	dn   dname
	ip   netip.Addr
}

// constraintNames lists the names of ci that name constraints apply to;
// ok is false when the subject alternative names do not parse. peer is
// true for the peer certificate.
func constraintNames(ci *certInfo, peer bool) ([]ncName, bool) {
	var out []ncName
	if !ci.subject.empty() {
		out = append(out, ncName{tag: gnDirectoryName, dn: ci.subject})
	}
	if ci.sanErr != nil {
		return out, false
	}
	if !ci.hasSAN {
		for _, e := range nameStrings(ci.c.RawSubject, oidEmailAddress) {
			out = append(out, ncName{tag: gnRFC822Name, data: e})
		}
		for _, cn := range nameStrings(ci.c.RawSubject, oidCommonName) {
			if peer && looksLikeHostname(cn) {
				out = append(out, ncName{tag: gnDNSName, data: cn})
			}
		}
		return out, true
	}
	for _, g := range ci.san {
		n := ncName{tag: g.tag, data: string(g.data)}
		switch g.tag {
		case gnDirectoryName:
			n.dn = parseDName(g.data)
		case gnIPAddress:
			if a, ok := netip.AddrFromSlice(g.data); ok {
				n.ip = a
			}
		}
		out = append(out, n)
	}
	return out, true
}

func looksLikeHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	s = strings.TrimPrefix(s, "*.")
	return validDNSConstraint(s) && !strings.HasPrefix(s, ".") && strings.Contains(s, ".")
}

// permits reports whether every name of ci satisfies the constraints; peer
// is true for the peer certificate.
func (s *ncState) permits(ci *certInfo, peer bool) bool {
	if !s.active() {
		return true
	}
	if s.malformed {
		return false
	}
	names, ok := constraintNames(ci, peer)
	if !ok {
		return false
	}
	for _, n := range names {
		for _, set := range s.permitted {
			relevant := false
			matched := false
			for _, t := range set {
				if t.tag != n.tag {
					continue
				}
				relevant = true
				if s.checks++; s.checks > maxConstraintChecks {
					return false
				}
				if !supportedForm(n.tag) {
					return false
				}
				if matchConstraint(n, t) {
					matched = true
					break
				}
			}
			if relevant && !matched {
				return false
			}
		}
		for _, t := range s.excluded {
			if t.tag != n.tag {
				continue
			}
			if s.checks++; s.checks > maxConstraintChecks {
				return false
			}
			if !supportedForm(n.tag) || matchConstraint(n, t) {
				return false
			}
		}
	}
	return true
}

func supportedForm(tag int) bool {
	switch tag {
	case gnDNSName, gnIPAddress, gnRFC822Name, gnURI, gnDirectoryName:
		return true
	}
	return false
}

func matchConstraint(n ncName, t subtree) bool {
	switch n.tag {
	case gnDNSName:
		return matchDNSConstraint(n.data, string(t.data))
	case gnIPAddress:
		if !n.ip.IsValid() {
			return false
		}
		return n.ip.Is4() == t.prefix.Addr().Is4() && t.prefix.Contains(n.ip)
	case gnRFC822Name:
		return matchEmailConstraint(n.data, string(t.data))
	case gnURI:
		return matchURIConstraint(n.data, string(t.data))
	case gnDirectoryName:
		return n.dn.hasPrefix(t.dn)
	}
	return false
}

func matchDNSConstraint(name, c string) bool {
	name = asciiLower(strings.TrimSuffix(name, "."))
	c = asciiLower(c)
	if c == "" {
		return true
	}
	if strings.HasPrefix(c, ".") {
		return len(name) > len(c) && strings.HasSuffix(name, c)
	}
	return name == c || strings.HasSuffix(name, "."+c)
}

func matchEmailConstraint(mailbox, c string) bool {
	at := strings.LastIndexByte(mailbox, '@')
	if at <= 0 || at == len(mailbox)-1 {
		return false
	}
	local, domain := mailbox[:at], asciiLower(mailbox[at+1:])
	if i := strings.LastIndexByte(c, '@'); i >= 0 {
		return local == c[:i] && domain == asciiLower(c[i+1:])
	}
	c = asciiLower(c)
	if strings.HasPrefix(c, ".") {
		return len(domain) > len(c) && strings.HasSuffix(domain, c)
	}
	return domain == c
}

func matchURIConstraint(uri, c string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return false
	}
	host = asciiLower(strings.TrimSuffix(host, "."))
	c = asciiLower(c)
	if strings.HasPrefix(c, ".") {
		return len(host) > len(c) && strings.HasSuffix(host, c)
	}
	return host == c
}
