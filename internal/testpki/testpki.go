// Package testpki generates certificate hierarchies and CRLs for tests.
//
// Certificates are made fresh on every run (nothing expires in testdata):
// a root is made with Root, and every certificate issues children with
// Issue. Options shape each certificate so that a test can build exactly
// the chain that provokes the behaviour it wants to see.
//
//	pki := testpki.New(t)
//	root := pki.Root("Root CA")
//	ica := root.Issue("Intermediate", testpki.CA(0))
//	leaf := ica.Issue("server", testpki.DNS("example.com"))
//	chain := [][]byte{leaf.DER, ica.DER}
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// KeyType selects the key algorithm of a generated certificate.
type KeyType int

// Key types. ECDSA P-256 is the default: it is the fastest to generate.
const (
	ECDSAP256 KeyType = iota
	ECDSAP384
	ECDSAP521
	RSA2048
	RSA1024
	Ed25519
)

// PKI makes certificates. It is safe for concurrent use.
type PKI struct {
	tb     testing.TB
	serial atomic.Int64
	// Now is the reference time for validity periods; certificates are
	// valid from Now-1h to Now+24h unless an option says otherwise.
	Now time.Time
}

// New returns a PKI whose failures are reported to tb.
func New(tb testing.TB) *PKI {
	p := &PKI{tb: tb, Now: time.Now().Truncate(time.Second)}
	p.serial.Store(1000)
	return p
}

// Cert is a generated certificate with its key.
type Cert struct {
	pki *PKI
	// Cert is the parsed certificate; nil when Corrupt made it unparsable.
	Cert *x509.Certificate
	// DER is the certificate as signed (and corrupted).
	DER []byte
	// Key is the certificate's private key.
	Key    crypto.Signer
	Issuer *Cert // nil for a self-signed certificate
}

// Option shapes the template of a certificate before it is signed.
type Option func(*spec)

type spec struct {
	tmpl   *x509.Certificate
	key    KeyType
	signer crypto.Signer // overrides the issuer's key (to forge a bad signature)
	after  func(der []byte) []byte
	ekuSet bool
	finish []func(*x509.Certificate)
	// own is the certificate's key, when given (UseKey).
	own crypto.Signer
	// akiMode: 0 the issuer's subject key identifier, 1 none, 2 aki.
	akiMode int
	aki     []byte
}

// Key selects the key type of the certificate.
func Key(k KeyType) Option { return func(s *spec) { s.key = k } }

// CA makes the certificate a CA with the given pathLenConstraint; a
// negative maxPathLen means no constraint.
func CA(maxPathLen int) Option {
	return func(s *spec) {
		t := s.tmpl
		t.IsCA = true
		t.BasicConstraintsValid = true
		t.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		if maxPathLen < 0 {
			t.MaxPathLen = -1
		} else {
			t.MaxPathLen = maxPathLen
			t.MaxPathLenZero = maxPathLen == 0
		}
	}
}

// NoBasicConstraints leaves out the basic constraints extension.
func NoBasicConstraints() Option {
	return func(s *spec) {
		s.tmpl.BasicConstraintsValid = false
		s.tmpl.IsCA = false
		s.tmpl.MaxPathLen = 0
		s.tmpl.MaxPathLenZero = false
	}
}

// NotCA marks the certificate as an end entity (cA false) with a basic
// constraints extension present.
func NotCA() Option {
	return func(s *spec) {
		s.tmpl.BasicConstraintsValid = true
		s.tmpl.IsCA = false
		s.tmpl.MaxPathLen = -1
	}
}

// DNS adds DNS subject alternative names.
func DNS(names ...string) Option {
	return func(s *spec) { s.tmpl.DNSNames = append(s.tmpl.DNSNames, names...) }
}

// IP adds IP address subject alternative names.
func IP(addrs ...string) Option {
	return func(s *spec) {
		for _, a := range addrs {
			s.tmpl.IPAddresses = append(s.tmpl.IPAddresses, net.ParseIP(a))
		}
	}
}

// Email adds rfc822Name subject alternative names.
func Email(addrs ...string) Option {
	return func(s *spec) { s.tmpl.EmailAddresses = append(s.tmpl.EmailAddresses, addrs...) }
}

// URI adds URI subject alternative names.
func URI(uris ...string) Option {
	return func(s *spec) {
		for _, u := range uris {
			parsed, err := url.Parse(u)
			if err == nil {
				s.tmpl.URIs = append(s.tmpl.URIs, parsed)
			}
		}
	}
}

// Validity sets the validity period.
func Validity(notBefore, notAfter time.Time) Option {
	return func(s *spec) { s.tmpl.NotBefore, s.tmpl.NotAfter = notBefore, notAfter }
}

// Expired makes the certificate expire an hour before the PKI's Now.
func Expired() Option {
	return func(s *spec) {
		s.tmpl.NotBefore = s.tmpl.NotBefore.Add(-48 * time.Hour)
		s.tmpl.NotAfter = s.tmpl.NotBefore.Add(47 * time.Hour)
	}
}

// NotYetValid makes the certificate valid only from an hour after Now.
func NotYetValid() Option {
	return func(s *spec) {
		s.tmpl.NotBefore = s.tmpl.NotBefore.Add(2 * time.Hour)
		s.tmpl.NotAfter = s.tmpl.NotBefore.Add(24 * time.Hour)
	}
}

// KeyUsage replaces the key usage bits (0 leaves the extension out).
func KeyUsage(ku x509.KeyUsage) Option { return func(s *spec) { s.tmpl.KeyUsage = ku } }

// ExtKeyUsage replaces the extended key usages.
func ExtKeyUsage(eku ...x509.ExtKeyUsage) Option {
	return func(s *spec) { s.tmpl.ExtKeyUsage, s.ekuSet = eku, true }
}

// PermittedDNS adds permitted DNS name constraints (critical).
func PermittedDNS(domains ...string) Option {
	return func(s *spec) {
		s.tmpl.PermittedDNSDomains = append(s.tmpl.PermittedDNSDomains, domains...)
		s.tmpl.PermittedDNSDomainsCritical = true
	}
}

// ExcludedDNS adds excluded DNS name constraints.
func ExcludedDNS(domains ...string) Option {
	return func(s *spec) { s.tmpl.ExcludedDNSDomains = append(s.tmpl.ExcludedDNSDomains, domains...) }
}

// CRLDistributionPoints sets the CRL distribution point URIs.
func CRLDistributionPoints(uris ...string) Option {
	return func(s *spec) { s.tmpl.CRLDistributionPoints = uris }
}

// Extension adds a raw extension.
func Extension(id asn1.ObjectIdentifier, critical bool, value []byte) Option {
	return func(s *spec) {
		s.tmpl.ExtraExtensions = append(s.tmpl.ExtraExtensions,
			pkix.Extension{Id: id, Critical: critical, Value: value})
	}
}

// Subject replaces the subject name.
func Subject(name pkix.Name) Option { return func(s *spec) { s.tmpl.Subject = name } }

// Template runs f on the template after every other option, for anything
// the options do not cover.
func Template(f func(*x509.Certificate)) Option {
	return func(s *spec) { s.finish = append(s.finish, f) }
}

// SignWith signs the certificate with k instead of the issuer's key, so
// that its signature does not verify under the issuer's public key.
func SignWith(k crypto.Signer) Option { return func(s *spec) { s.signer = k } }

// Corrupt lets f alter the DER of the signed certificate (for example to
// flip a bit of its signature).
func Corrupt(f func(der []byte) []byte) Option { return func(s *spec) { s.after = f } }

// UseKey makes k the certificate's key instead of a fresh one, for
// example to give a renamed CA the key of an older one.
func UseKey(k crypto.Signer) Option { return func(s *spec) { s.own = k } }

// RawSubject sets the subject to the DER Name der, used as is.
func RawSubject(der []byte) Option {
	return func(s *spec) { s.finish = append(s.finish, func(t *x509.Certificate) { t.RawSubject = der }) }
}

// SameSubjectAs gives the certificate the exact subject of c: issued by c,
// it is self-issued.
func SameSubjectAs(c *Cert) Option { return RawSubject(c.Cert.RawSubject) }

// NoAuthorityKeyID leaves out the authority key identifier extension.
func NoAuthorityKeyID() Option { return func(s *spec) { s.akiMode = 1 } }

// AuthorityKeyID sets the key identifier of the authority key identifier
// extension to id, whatever the issuer's subject key identifier is.
func AuthorityKeyID(id []byte) Option {
	return func(s *spec) { s.akiMode, s.aki = 2, id }
}

// SubjectKeyID sets the subject key identifier.
func SubjectKeyID(id []byte) Option { return func(s *spec) { s.tmpl.SubjectKeyId = id } }

// Serial sets the serial number.
func Serial(n *big.Int) Option { return func(s *spec) { s.tmpl.SerialNumber = n } }

// SignatureAlgorithm sets the algorithm the issuer signs with (it must
// suit the issuer's key).
func SignatureAlgorithm(a x509.SignatureAlgorithm) Option {
	return func(s *spec) { s.tmpl.SignatureAlgorithm = a }
}

// GeneralName is one GeneralName (RFC 5280, Section 4.2.1.6) for
// SubjectAltNames and NameConstraints.
type GeneralName struct {
	Tag         int    // the CHOICE number: 1 rfc822Name, 2 dNSName, 4 directoryName, 6 URI, 7 iPAddress, ...
	Constructed bool   // the encoding is constructed (otherName, directoryName, ...)
	Content     []byte // the contents octets, after the implicit tag
}

// DNSName is a dNSName.
func DNSName(s string) GeneralName { return GeneralName{Tag: 2, Content: []byte(s)} }

// EmailName is an rfc822Name.
func EmailName(s string) GeneralName { return GeneralName{Tag: 1, Content: []byte(s)} }

// URIName is a uniformResourceIdentifier.
func URIName(s string) GeneralName { return GeneralName{Tag: 6, Content: []byte(s)} }

// IPName is an iPAddress of the bytes b: an address in a subject
// alternative name, an address followed by a mask in a name constraint.
func IPName(b []byte) GeneralName { return GeneralName{Tag: 7, Content: b} }

// IPNet is the iPAddress name constraint of a CIDR prefix such as
// "192.0.2.0/24".
func IPNet(cidr string) GeneralName {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		panic("testpki: bad CIDR " + cidr)
	}
	ip := n.IP
	if v4 := ip.To4(); v4 != nil && len(n.Mask) == 4 {
		ip = v4
	}
	return IPName(append(append([]byte(nil), ip...), n.Mask...))
}

// DirName is a directoryName.
func DirName(n pkix.Name) GeneralName {
	der, err := asn1.Marshal(n.ToRDNSequence())
	if err != nil {
		panic(err)
	}
	return GeneralName{Tag: 4, Constructed: true, Content: der}
}

func (g GeneralName) marshal(b *cryptobyte.Builder) {
	tag := cbasn1.Tag(g.Tag).ContextSpecific()
	if g.Constructed {
		tag = tag.Constructed()
	}
	b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(g.Content) })
}

// SubjectAltNames replaces the subject alternative names with names, in a
// hand-encoded extension (any name form, in the order given).
func SubjectAltNames(critical bool, names ...GeneralName) Option {
	return func(s *spec) {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, n := range names {
				n.marshal(b)
			}
		})
		s.tmpl.ExtraExtensions = append(s.tmpl.ExtraExtensions,
			pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Critical: critical, Value: b.BytesOrPanic()})
	}
}

// NameConstraints adds a hand-encoded name constraints extension with the
// given permitted and excluded subtrees (any name form, directoryName
// included); it replaces the constraints of PermittedDNS and ExcludedDNS.
func NameConstraints(critical bool, permitted, excluded []GeneralName) Option {
	return func(s *spec) {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i, list := range [][]GeneralName{permitted, excluded} {
				if len(list) == 0 {
					continue
				}
				b.AddASN1(cbasn1.Tag(i).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					for _, n := range list {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { n.marshal(b) })
					}
				})
			}
		})
		s.tmpl.ExtraExtensions = append(s.tmpl.ExtraExtensions,
			pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 30}, Critical: critical, Value: b.BytesOrPanic()})
	}
}

// Root makes a self-signed CA certificate with the given common name.
func (p *PKI) Root(cn string, opts ...Option) *Cert {
	opts = append([]Option{CA(-1)}, opts...)
	return p.make(cn, nil, opts)
}

// SelfSigned makes a self-signed end-entity certificate.
func (p *PKI) SelfSigned(cn string, opts ...Option) *Cert {
	opts = append([]Option{NotCA()}, opts...)
	return p.make(cn, nil, opts)
}

// Issue makes a certificate with the given common name signed by c. It is
// an end entity unless CA is among the options.
func (c *Cert) Issue(cn string, opts ...Option) *Cert {
	c.pki.tb.Helper()
	if c.Cert == nil {
		c.pki.tb.Fatalf("testpki: cannot issue %q: the issuer does not parse", cn)
	}
	return c.pki.make(cn, c, opts)
}

func (p *PKI) make(cn string, issuer *Cert, opts []Option) *Cert {
	p.tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial.Add(1)),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"otpssl test"}},
		NotBefore:    p.Now.Add(-time.Hour),
		NotAfter:     p.Now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	s := &spec{tmpl: tmpl, key: ECDSAP256}
	for _, o := range opts {
		o(s)
	}
	if !tmpl.IsCA && !s.ekuSet {
		// End entities serve as TLS servers and clients unless told otherwise.
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	for _, f := range s.finish {
		f(tmpl)
	}
	key := s.own
	if key == nil {
		key = p.newKey(s.key)
	}
	parent, signer := tmpl, crypto.Signer(key)
	if issuer != nil {
		parent, signer = issuer.Cert, issuer.Key
	}
	if s.signer != nil || s.akiMode != 0 {
		// Sign under a copy of the parent. crypto/x509 refuses a signer
		// that does not match the parent's key, so a forged signature
		// needs the forged key in the copy (names and key identifiers stay
		// those of the real issuer); the authority key identifier comes
		// from the parent's subject key identifier.
		fake := *parent
		if s.signer != nil {
			fake.PublicKey = s.signer.Public()
			signer = s.signer
		}
		switch s.akiMode {
		case 1:
			fake.SubjectKeyId = nil
			tmpl.AuthorityKeyId = nil
		case 2:
			fake.SubjectKeyId = s.aki
			tmpl.AuthorityKeyId = s.aki
		}
		parent = &fake
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		p.tb.Fatalf("testpki: creating %q: %v", cn, err)
	}
	if s.after != nil {
		der = s.after(append([]byte(nil), der...))
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		// A corrupted certificate may not parse; keep the DER for the test.
		cert = nil
	}
	return &Cert{pki: p, Cert: cert, DER: der, Key: key, Issuer: issuer}
}

var rsaPool struct {
	sync.Mutex
	keys map[int][]*rsa.PrivateKey
	next map[int]int
}

// newKey returns a fresh key. RSA keys are slow to make, so they come from
// a small pool of distinct keys shared by the whole test binary; two
// certificates of one chain never share a key as long as a chain has fewer
// certificates than the pool.
func (p *PKI) newKey(k KeyType) crypto.Signer {
	switch k {
	case ECDSAP384:
		return must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	case ECDSAP521:
		return must(ecdsa.GenerateKey(elliptic.P521(), rand.Reader))
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return priv
	case RSA2048:
		return pooledRSA(2048)
	case RSA1024:
		return pooledRSA(1024)
	}
	return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
}

const rsaPoolSize = 8

func pooledRSA(bits int) *rsa.PrivateKey {
	rsaPool.Lock()
	defer rsaPool.Unlock()
	if rsaPool.keys == nil {
		rsaPool.keys = map[int][]*rsa.PrivateKey{}
		rsaPool.next = map[int]int{}
	}
	i := rsaPool.next[bits] % rsaPoolSize
	rsaPool.next[bits]++
	if i < len(rsaPool.keys[bits]) {
		return rsaPool.keys[bits][i]
	}
	k := must(rsa.GenerateKey(rand.Reader, bits))
	rsaPool.keys[bits] = append(rsaPool.keys[bits], k)
	return k
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// NewKey returns a fresh key of the given type, for SignWith.
func (p *PKI) NewKey(k KeyType) crypto.Signer { return p.newKey(k) }

// PEM returns the certificate in PEM form.
func (c *Cert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// KeyPEM returns the private key as an unencrypted PKCS#8 PEM block.
func (c *Cert) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		c.pki.tb.Fatalf("testpki: marshal key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// Chain returns the DER certificates from c up to, but not including, the
// root: the chain a peer sends.
func (c *Cert) Chain() [][]byte {
	var out [][]byte
	for x := c; x != nil && x.Issuer != nil; x = x.Issuer {
		out = append(out, x.DER)
	}
	if len(out) == 0 {
		out = append(out, c.DER)
	}
	return out
}

// Revocation is one entry of a generated CRL.
type Revocation struct {
	// Serial is the revoked certificate's serial number.
	Serial *big.Int
	// Time is the revocation date.
	Time time.Time
	// Reason is the CRLReason code; negative leaves the reason extension
	// out.
	Reason int
}

// Revoke returns a Revocation of c with the given reason code.
func (c *Cert) Revoke(reason int) Revocation {
	return Revocation{Serial: c.Cert.SerialNumber, Time: c.pki.Now.Add(-30 * time.Minute), Reason: reason}
}

// CRLOption shapes a generated CRL.
type CRLOption func(*x509.RevocationList)

// CRLValidity sets thisUpdate and nextUpdate.
func CRLValidity(thisUpdate, nextUpdate time.Time) CRLOption {
	return func(r *x509.RevocationList) { r.ThisUpdate, r.NextUpdate = thisUpdate, nextUpdate }
}

// CRLExtension adds a raw CRL extension (for example an issuing
// distribution point).
func CRLExtension(id asn1.ObjectIdentifier, critical bool, value []byte) CRLOption {
	return func(r *x509.RevocationList) {
		r.ExtraExtensions = append(r.ExtraExtensions, pkix.Extension{Id: id, Critical: critical, Value: value})
	}
}

// CRL returns a DER CRL signed by c that lists the revocations. It is
// valid from an hour before the PKI's Now to a day after. A Reason of 0
// (unspecified) is encoded as an explicit reason code extension.
func (c *Cert) CRL(revoked []Revocation, opts ...CRLOption) []byte {
	c.pki.tb.Helper()
	entries := make([]CRLEntry, 0, len(revoked))
	for _, r := range revoked {
		entries = append(entries, CRLEntry{Serial: r.Serial, Time: r.Time, Reason: r.Reason})
	}
	return c.RawCRL(entries, opts...)
}
