package pem

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	encasn1 "encoding/asn1"
	"fmt"
	"hash"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// MaxPBKDF2Iterations is the largest PBKDF2 iteration count an encrypted
// PKCS#8 key may ask for. OpenSSL writes 2048 and current guidance is in
// the hundreds of thousands; ten million already takes seconds, so a file
// asking for more is refused with ErrTooManyIterations rather than allowed
// to hold up the caller.
const MaxPBKDF2Iterations = 10_000_000

// maxIterations is MaxPBKDF2Iterations, lowered by the fuzz tests so that
// a fuzzed count costs little.
var maxIterations = MaxPBKDF2Iterations

type prfFunc func() hash.Hash

var (
	oidPBES2  = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	oidHMACWithSHA1 = encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
)

// prfs are the PBKDF2 pseudo-random functions (RFC 8018, appendix B.1).
var prfs = []struct {
	oid  encasn1.ObjectIdentifier
	name string
	h    prfFunc
}{
	{oidHMACWithSHA1, "hmacWithSHA1", sha1.New},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}, "hmacWithSHA224", sha256.New224},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, "hmacWithSHA256", sha256.New},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}, "hmacWithSHA384", sha512.New384},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}, "hmacWithSHA512", sha512.New},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 12}, "hmacWithSHA512-224", sha512.New512_224},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 13}, "hmacWithSHA512-256", sha512.New512_256},
}

// pbes2Ciphers are the PBES2 encryption schemes (RFC 8018, appendix B.2;
// NIST's AES object identifiers).
var pbes2Ciphers = []struct {
	oid encasn1.ObjectIdentifier
	c   cbcCipher
}{
	{encasn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}, desCBC},
	{encasn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}, desEDE3CBC},
	{encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}, aes128CBC},
	{encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}, aes192CBC},
	{encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, aes256CBC},
}

// knownOIDs names algorithms met in encrypted keys that this package
// refuses, so that the error says what the file uses.
var knownOIDs = map[string]string{
	"1.2.840.113549.1.5.1":      "pbeWithMD2AndDES-CBC",
	"1.2.840.113549.1.5.3":      "pbeWithMD5AndDES-CBC",
	"1.2.840.113549.1.5.4":      "pbeWithMD2AndRC2-CBC",
	"1.2.840.113549.1.5.6":      "pbeWithMD5AndRC2-CBC",
	"1.2.840.113549.1.5.10":     "pbeWithSHA1AndDES-CBC",
	"1.2.840.113549.1.5.11":     "pbeWithSHA1AndRC2-CBC",
	"1.2.840.113549.1.12.1.1":   "pbeWithSHAAnd128BitRC4",
	"1.2.840.113549.1.12.1.2":   "pbeWithSHAAnd40BitRC4",
	"1.2.840.113549.1.12.1.3":   "pbeWithSHAAnd3-KeyTripleDES-CBC",
	"1.2.840.113549.1.12.1.4":   "pbeWithSHAAnd2-KeyTripleDES-CBC",
	"1.2.840.113549.1.12.1.5":   "pbeWithSHAAnd128BitRC2-CBC",
	"1.2.840.113549.1.12.1.6":   "pbeWithSHAAnd40BitRC2-CBC",
	"1.2.840.113549.1.5.14":     "PBMAC1",
	"1.3.6.1.4.1.11591.4.11":    "scrypt",
	"1.2.840.113549.3.2":        "RC2-CBC",
	"1.2.840.113549.3.9":        "RC5-CBC-Pad",
	"2.16.840.1.101.3.4.1.6":    "AES-128-GCM",
	"2.16.840.1.101.3.4.1.26":   "AES-192-GCM",
	"2.16.840.1.101.3.4.1.46":   "AES-256-GCM",
	"1.2.392.200011.61.1.1.1.2": "CAMELLIA-128-CBC",
	"1.2.392.200011.61.1.1.1.3": "CAMELLIA-192-CBC",
	"1.2.392.200011.61.1.1.1.4": "CAMELLIA-256-CBC",
	"1.2.410.200004.1.4":        "SEED-CBC",
	"1.2.156.10197.1.104.2":     "SM4-CBC",
	"1.2.840.113549.2.5":        "MD5",
}

func unsupported(what string, oid encasn1.ObjectIdentifier) error {
	s := oid.String()
	return &UnsupportedError{What: what, OID: s, Name: knownOIDs[s]}
}

// DecryptPKCS8 decrypts a DER EncryptedPrivateKeyInfo (PKCS#8, RFC 5958
// section 3) with password and returns the PrivateKeyInfo DER inside, for
// ParsePrivateKey(PrivateKeyInfo, ...). Only PBES2 with PBKDF2 is
// supported; other schemes give an *UnsupportedError naming their object
// identifier. A wrong password gives ErrIncorrectPassword (see
// Entry.Decrypt), an iteration count above MaxPBKDF2Iterations
// ErrTooManyIterations.
func DecryptPKCS8(der, password []byte) ([]byte, error) {
	enc, err := parseEncryptedPrivateKeyInfo(der)
	if err != nil {
		return nil, err
	}
	return enc.decrypt(password)
}

var errMalformedEPKI = errorf("malformed EncryptedPrivateKeyInfo")

// parseEncryptedPrivateKeyInfo reads
//
//	EncryptedPrivateKeyInfo ::= SEQUENCE {
//	    encryptionAlgorithm  AlgorithmIdentifier,
//	    encryptedData        OCTET STRING }
func parseEncryptedPrivateKeyInfo(der []byte) (*Encryption, error) {
	input := cryptobyte.String(der)
	var epki, algID, data cryptobyte.String
	var oid encasn1.ObjectIdentifier
	if !input.ReadASN1(&epki, asn1.SEQUENCE) || !input.Empty() ||
		!epki.ReadASN1(&algID, asn1.SEQUENCE) ||
		!epki.ReadASN1(&data, asn1.OCTET_STRING) || !epki.Empty() ||
		!algID.ReadASN1ObjectIdentifier(&oid) {
		return nil, errMalformedEPKI
	}
	if !oid.Equal(oidPBES2) {
		return nil, unsupported("encryption scheme", oid)
	}
	enc, err := parsePBES2Params(algID)
	if err != nil {
		return nil, err
	}
	enc.data = data
	return enc, nil
}

// parsePBES2Params reads the parameters of PBES2 (RFC 8018, appendix
// A.4):
//
//	PBES2-params ::= SEQUENCE {
//	    keyDerivationFunc AlgorithmIdentifier {{PBES2-KDFs}},
//	    encryptionScheme  AlgorithmIdentifier {{PBES2-Encs}} }
func parsePBES2Params(params cryptobyte.String) (*Encryption, error) {
	var seq, kdf, scheme cryptobyte.String
	var kdfOID, schemeOID encasn1.ObjectIdentifier
	if !params.ReadASN1(&seq, asn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1(&kdf, asn1.SEQUENCE) ||
		!seq.ReadASN1(&scheme, asn1.SEQUENCE) || !seq.Empty() ||
		!kdf.ReadASN1ObjectIdentifier(&kdfOID) ||
		!scheme.ReadASN1ObjectIdentifier(&schemeOID) {
		return nil, errorf("malformed PBES2 parameters")
	}
	enc := &Encryption{Scheme: PBES2}
	found := false
	for _, c := range pbes2Ciphers {
		if c.oid.Equal(schemeOID) {
			enc.Cipher, enc.keyLen, enc.block = c.c.name, c.c.keyLen, c.c.block
			var iv cryptobyte.String
			if !scheme.ReadASN1(&iv, asn1.OCTET_STRING) || !scheme.Empty() {
				return nil, errorf("malformed %s parameters in PBES2", c.c.name)
			}
			if len(iv) != c.c.blockSize {
				return nil, errorf("%s IV must be %d bytes, not %d", c.c.name, c.c.blockSize, len(iv))
			}
			enc.IV = iv
			found = true
			break
		}
	}
	if !found {
		return nil, unsupported("cipher", schemeOID)
	}
	if !kdfOID.Equal(oidPBKDF2) {
		return nil, unsupported("key derivation function", kdfOID)
	}
	if err := parsePBKDF2Params(kdf, enc); err != nil {
		return nil, err
	}
	return enc, nil
}

// parsePBKDF2Params reads (RFC 8018, appendix A.2)
//
//	PBKDF2-params ::= SEQUENCE {
//	    salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier },
//	    iterationCount INTEGER (1..MAX),
//	    keyLength INTEGER (1..MAX) OPTIONAL,
//	    prf AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }
func parsePBKDF2Params(params cryptobyte.String, enc *Encryption) error {
	malformed := errorf("malformed PBKDF2 parameters")
	var seq, salt cryptobyte.String
	if !params.ReadASN1(&seq, asn1.SEQUENCE) || !params.Empty() {
		return malformed
	}
	if seq.PeekASN1Tag(asn1.SEQUENCE) {
		return &UnsupportedError{What: "PBKDF2 salt source", Name: "otherSource"}
	}
	iter := new(big.Int)
	if !seq.ReadASN1(&salt, asn1.OCTET_STRING) || !seq.ReadASN1Integer(iter) {
		return malformed
	}
	enc.Salt = salt
	if iter.Sign() <= 0 {
		return errorf("PBKDF2 iteration count %s is not positive", shortInt(iter))
	}
	if !iter.IsInt64() || iter.Int64() > int64(maxIterations) {
		return fmt.Errorf("pem: PBKDF2 iteration count %s is above the limit of %d: %w", shortInt(iter), maxIterations, ErrTooManyIterations)
	}
	enc.Iterations = int(iter.Int64())
	if seq.PeekASN1Tag(asn1.INTEGER) {
		kl := new(big.Int)
		if !seq.ReadASN1Integer(kl) {
			return malformed
		}
		if !kl.IsInt64() || kl.Int64() != int64(enc.keyLen) {
			return errorf("PBKDF2 key length %s does not fit %s, whose keys are %d bytes", shortInt(kl), enc.Cipher, enc.keyLen)
		}
		enc.KeyLength = enc.keyLen
	}
	prfOID := oidHMACWithSHA1
	if seq.PeekASN1Tag(asn1.SEQUENCE) {
		var prf cryptobyte.String
		if !seq.ReadASN1(&prf, asn1.SEQUENCE) || !prf.ReadASN1ObjectIdentifier(&prfOID) {
			return malformed
		}
		// The parameters of the HMAC PRFs are NULL or absent.
		if !prf.Empty() {
			var null cryptobyte.String
			if !prf.ReadASN1(&null, asn1.NULL) || !null.Empty() || !prf.Empty() {
				return malformed
			}
		}
	}
	if !seq.Empty() {
		return malformed
	}
	for _, p := range prfs {
		if p.oid.Equal(prfOID) {
			enc.PRF, enc.prf = p.name, p.h
			return nil
		}
	}
	return unsupported("PRF", prfOID)
}

// pbkdf2Key derives the PBES2 key.
func (enc *Encryption) pbkdf2Key(password []byte) ([]byte, error) {
	if enc.Iterations <= 0 || enc.Iterations > maxIterations {
		return nil, fmt.Errorf("pem: PBKDF2 iteration count %d is above the limit of %d: %w", enc.Iterations, maxIterations, ErrTooManyIterations)
	}
	key, err := pbkdf2.Key(enc.prf, string(password), enc.Salt, enc.Iterations, enc.keyLen)
	if err != nil {
		return nil, errorf("PBKDF2: %v", err)
	}
	return key, nil
}

// shortInt prints an integer from a file, cut to a readable length.
func shortInt(n *big.Int) string {
	if n.BitLen() > 64 {
		return fmt.Sprintf("of %d bits", n.BitLen())
	}
	return n.String()
}
