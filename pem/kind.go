package pem

// Kind is the kind of a PEM entry, named after the ASN.1 type Erlang's
// public_key uses for it (its pem_entry_type()).
//
// For an encrypted entry the kind is what the entry holds once decrypted:
// an "ENCRYPTED PRIVATE KEY" is a PrivateKeyInfo, as in Erlang.
type Kind int

// The entry kinds, with the PEM labels that produce them.
const (
	// Unknown is any label this package does not know; the entry is
	// still returned, with its label in Entry.Type.
	Unknown Kind = iota
	// Certificate: "CERTIFICATE", "X509 CERTIFICATE" and "TRUSTED
	// CERTIFICATE" (OpenSSL's trust settings after the certificate are
	// dropped: Bytes is the certificate alone).
	Certificate
	// CertificateList is a CRL: "X509 CRL".
	CertificateList
	// CertificationRequest is a PKCS#10 request: "CERTIFICATE REQUEST",
	// "NEW CERTIFICATE REQUEST".
	CertificationRequest
	// RSAPrivateKey is a PKCS#1 key: "RSA PRIVATE KEY".
	RSAPrivateKey
	// DSAPrivateKey is OpenSSL's traditional DSA key: "DSA PRIVATE KEY".
	DSAPrivateKey
	// ECPrivateKey is a SEC 1 key: "EC PRIVATE KEY".
	ECPrivateKey
	// PrivateKeyInfo is a PKCS#8 key: "PRIVATE KEY", and "ENCRYPTED
	// PRIVATE KEY" (then Entry.Encrypted reports true and Bytes is the
	// EncryptedPrivateKeyInfo).
	PrivateKeyInfo
	// SubjectPublicKeyInfo is a public key: "PUBLIC KEY".
	SubjectPublicKeyInfo
	// RSAPublicKey is a PKCS#1 public key: "RSA PUBLIC KEY".
	RSAPublicKey
	// DHParameter is PKCS#3 Diffie-Hellman parameters: "DH PARAMETERS".
	DHParameter
	// DomainParameters is X9.42 Diffie-Hellman parameters: "X9.42 DH
	// PARAMETERS".
	DomainParameters
	// EcpkParameters is the curve of an EC key: "EC PARAMETERS" (OpenSSL
	// writes one before an "EC PRIVATE KEY"; PrivateKey skips it).
	EcpkParameters
)

var kindNames = [...]string{
	Unknown:              "unknown",
	Certificate:          "Certificate",
	CertificateList:      "CertificateList",
	CertificationRequest: "CertificationRequest",
	RSAPrivateKey:        "RSAPrivateKey",
	DSAPrivateKey:        "DSAPrivateKey",
	ECPrivateKey:         "ECPrivateKey",
	PrivateKeyInfo:       "PrivateKeyInfo",
	SubjectPublicKeyInfo: "SubjectPublicKeyInfo",
	RSAPublicKey:         "RSAPublicKey",
	DHParameter:          "DHParameter",
	DomainParameters:     "DomainParameters",
	EcpkParameters:       "EcpkParameters",
}

// String returns the Erlang name of the kind ("RSAPrivateKey"), or
// "unknown".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// IsPrivateKey reports whether entries of this kind hold a private key:
// RSAPrivateKey, DSAPrivateKey, ECPrivateKey or PrivateKeyInfo, the kinds
// Erlang's ssl accepts in a keyfile and in the {key, {Kind, DER}} option.
func (k Kind) IsPrivateKey() bool {
	switch k {
	case RSAPrivateKey, DSAPrivateKey, ECPrivateKey, PrivateKeyInfo:
		return true
	}
	return false
}

// KeyKind is the Kind of a DER private key given to ParsePrivateKey:
// RSAPrivateKey, DSAPrivateKey, ECPrivateKey or PrivateKeyInfo. It is the
// same type as Kind, so an Entry's Kind can be passed as it is.
type KeyKind = Kind

// labelKinds maps the PEM labels this package knows to their kinds.
var labelKinds = map[string]Kind{
	"CERTIFICATE":             Certificate,
	"X509 CERTIFICATE":        Certificate,
	"TRUSTED CERTIFICATE":     Certificate,
	"X509 CRL":                CertificateList,
	"CERTIFICATE REQUEST":     CertificationRequest,
	"NEW CERTIFICATE REQUEST": CertificationRequest,
	"RSA PRIVATE KEY":         RSAPrivateKey,
	"DSA PRIVATE KEY":         DSAPrivateKey,
	"EC PRIVATE KEY":          ECPrivateKey,
	"PRIVATE KEY":             PrivateKeyInfo,
	"ENCRYPTED PRIVATE KEY":   PrivateKeyInfo,
	"PUBLIC KEY":              SubjectPublicKeyInfo,
	"RSA PUBLIC KEY":          RSAPublicKey,
	"DH PARAMETERS":           DHParameter,
	"X9.42 DH PARAMETERS":     DomainParameters,
	"EC PARAMETERS":           EcpkParameters,
}

// KindOf returns the kind of entries with the PEM label, or Unknown.
func KindOf(label string) Kind { return labelKinds[label] }
