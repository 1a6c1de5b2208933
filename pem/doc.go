// Package pem decodes the PEM files a TLS configuration points at —
// certificates, private keys (also password-protected ones), Diffie-Hellman
// parameters, CRLs and public keys — and keeps decoded files in a cache, as
// Erlang's public_key:pem_decode/1, public_key:pem_entry_decode/1,2 and
// ssl's PEM cache do.
//
// # Decoding
//
// Decode splits a file into entries. Each Entry has a Kind named after the
// ASN.1 type Erlang uses for it (Certificate, RSAPrivateKey,
// PrivateKeyInfo, DHParameter, ...), the label as written, the RFC 1421
// headers and the DER bytes. Text outside BEGIN/END lines is ignored, so
// the "Bag Attributes" OpenSSL writes, comments and blank lines do no harm.
// Decode only checks the armour; what is inside an entry is parsed when it
// is asked for:
//
//	entries, err := pem.Decode(data)
//	certs := pem.Certificates(entries)              // DER, in file order
//	key, err := pem.PrivateKey(entries, password)   // the first key entry, as ssl's keyfile
//
// # Private keys
//
// Keys come back as a crypto.Signer: *rsa.PrivateKey, *ecdsa.PrivateKey,
// ed25519.PrivateKey or *DSAPrivateKey (Go's crypto/dsa has no signer, so
// this package has its own). ParsePrivateKey takes the DER of Erlang's
// {key, {Kind, DER}} option; ParseAnyPrivateKey finds the kind itself.
//
// Encrypted keys are decrypted with Entry.Decrypt or by passing a password
// to Entry.PrivateKey: OpenSSL's traditional "Proc-Type: 4,ENCRYPTED"
// encryption (DES-CBC, DES-EDE3-CBC, AES-128/192/256-CBC) and PKCS#8
// "ENCRYPTED PRIVATE KEY" with PBES2 (PBKDF2 with an HMAC-SHA-1 or SHA-2
// PRF, and AES-CBC, DES-EDE3-CBC or DES-CBC). A wrong password gives an
// error for which errors.Is(err, ErrIncorrectPassword) holds.
//
// # The file cache
//
// A FileCache reads each file once and serves its decoded entries from
// memory, re-reading a file when its size or modification time changes and
// dropping entries that have not been used for the clean interval (Erlang's
// ssl_pem_cache_clean, two minutes by default). Default is the cache the
// library uses; ssl.ClearPEMCache empties it.
package pem
