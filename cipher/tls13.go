package cipher

import (
	"crypto"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// The TLS 1.3 key schedule (RFC 8446, Section 7.1):
//
//	             0
//	             |
//	             v
//	   PSK ->  HKDF-Extract = Early Secret
//	             |
//	             +-----> Derive-Secret(., "ext binder" | "res binder", "")
//	             |                     = binder_key
//	             +-----> Derive-Secret(., "c e traffic", ClientHello)
//	             |                     = client_early_traffic_secret
//	             +-----> Derive-Secret(., "e exp master", ClientHello)
//	             |                     = early_exporter_master_secret
//	             v
//	       Derive-Secret(., "derived", "")
//	             |
//	             v
//	   (EC)DHE -> HKDF-Extract = Handshake Secret
//	             |
//	             +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
//	             |                     = client_handshake_traffic_secret
//	             +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
//	             |                     = server_handshake_traffic_secret
//	             v
//	       Derive-Secret(., "derived", "")
//	             |
//	             v
//	   0 -> HKDF-Extract = Master Secret
//	             |
//	             +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
//	             |                     = client_application_traffic_secret_0
//	             +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
//	             |                     = server_application_traffic_secret_0
//	             +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
//	             |                     = exporter_master_secret
//	             +-----> Derive-Secret(., "res master", ClientHello...client Finished)
//	                                   = resumption_master_secret
//
// EarlySchedule, HandshakeSchedule and MasterSchedule are the three rows
// of secrets: each holds only its own secret, derives what hangs off it,
// and gives way to the next one, wiping its secret as it does. The free
// functions below them are the RFC's building blocks.

// Errors of the TLS 1.3 key schedule.
var (
	// ErrScheduleAdvanced is returned by a stage of the key schedule that
	// has already given way to the next one: its secret is gone.
	ErrScheduleAdvanced = errors.New("cipher: key schedule stage already advanced")
	// ErrNotTLS13 is returned when a suite is not a TLS 1.3 suite.
	ErrNotTLS13 = errors.New("cipher: not a TLS 1.3 cipher suite")
	// ErrHashLength is returned for a transcript hash or secret whose
	// length is not the suite's hash length.
	ErrHashLength = errors.New("cipher: transcript hash or secret has the wrong length")
)

// Labels of RFC 8446, Sections 7.1, 7.2, 7.3, 7.5 and 4.6.1 (without the
// "tls13 " prefix HKDFExpandLabel adds).
const (
	labelExtBinder       = "ext binder"
	labelResBinder       = "res binder"
	labelClientEarly     = "c e traffic"
	labelEarlyExporter   = "e exp master"
	labelDerived         = "derived"
	labelClientHandshake = "c hs traffic"
	labelServerHandshake = "s hs traffic"
	labelClientApp       = "c ap traffic"
	labelServerApp       = "s ap traffic"
	labelExporterMaster  = "exp master"
	labelResumption      = "res master"
	labelFinished        = "finished"
	labelTrafficUpdate   = "traffic upd"
	labelKey             = "key"
	labelIV              = "iv"
	labelResumptionPSK   = "resumption"
	labelExporter        = "exporter"
)

// TrafficIVLen is the length of a TLS 1.3 per-record nonce base (RFC
// 8446, Section 5.3): 12 bytes for every TLS 1.3 AEAD.
const TrafficIVLen = 12

// Hashes of the empty string, the context of Derive-Secret(., "derived",
// "") and of the binder keys.
var (
	emptySHA256 = sha256.Sum256(nil)
	emptySHA384 = sha512.Sum384(nil)
)

func hashFunc(h crypto.Hash) (func() hash.Hash, error) {
	switch h {
	case crypto.SHA256:
		return sha256.New, nil
	case crypto.SHA384:
		return sha512.New384, nil
	}
	return nil, fmt.Errorf("cipher: hash %v is not a TLS 1.3 hash", h)
}

func emptyHash(h crypto.Hash) []byte {
	if h == crypto.SHA384 {
		return emptySHA384[:]
	}
	return emptySHA256[:]
}

// HKDFExtract returns HKDF-Extract(salt, ikm) (RFC 5869, Section 2.2) with
// h, which must be SHA-256 or SHA-384. A nil or empty salt is h.Size()
// zero bytes, and so is a nil or empty ikm: RFC 8446 uses such "0" values
// where a secret is not available.
func HKDFExtract(h crypto.Hash, salt, ikm []byte) ([]byte, error) {
	fn, err := hashFunc(h)
	if err != nil {
		return nil, err
	}
	if len(ikm) == 0 {
		ikm = make([]byte, h.Size())
	}
	return hkdf.Extract(fn, ikm, salt)
}

// HKDFExpandLabel returns HKDF-Expand-Label(secret, label, context,
// length) (RFC 8446, Section 7.1): HKDF-Expand with the info
// HkdfLabel{length, "tls13 " + label, context}. It refuses a label longer
// than 249 bytes, a context longer than 255 bytes and a length outside
// 0..65535 or beyond what HKDF-Expand can give (255 hash lengths).
//
// Every expansion of the key schedule is at most one hash long, and
// HKDF-Expand's output is then its first block, T(1) = HMAC(secret, info
// || 0x01) (RFC 5869, Section 2.3): that one HMAC is computed directly,
// which spares the handshake a third of the allocations of a general
// HKDF-Expand; longer outputs go through crypto/hkdf.
func HKDFExpandLabel(h crypto.Hash, secret []byte, label string, context []byte, length int) ([]byte, error) {
	fn, err := hashFunc(h)
	if err != nil {
		return nil, err
	}
	if err := checkExpandLabel(h, label, context, length); err != nil {
		return nil, err
	}
	if length <= h.Size() {
		return expandLabelBlock(hmac.New(fn, secret), label, context, length), nil
	}
	return hkdf.Expand(fn, secret, string(hkdfLabel(nil, label, context, length)), length)
}

const hkdfLabelPrefix = "tls13 "

// checkExpandLabel refuses what HKDF-Expand-Label cannot encode or give.
func checkExpandLabel(h crypto.Hash, label string, context []byte, length int) error {
	if len(hkdfLabelPrefix)+len(label) > 255 {
		return fmt.Errorf("cipher: HKDF label of %d bytes is too long", len(label))
	}
	if len(context) > 255 {
		return fmt.Errorf("cipher: HKDF context of %d bytes is too long", len(context))
	}
	if length < 0 || length > 0xffff || length > 255*h.Size() {
		return fmt.Errorf("cipher: HKDF output length %d out of range", length)
	}
	return nil
}

// hkdfLabel appends the HkdfLabel structure to b.
func hkdfLabel(b []byte, label string, context []byte, length int) []byte {
	b = append(b, byte(length>>8), byte(length))
	b = append(b, byte(len(hkdfLabelPrefix)+len(label)))
	b = append(b, hkdfLabelPrefix...)
	b = append(b, label...)
	b = append(b, byte(len(context)))
	return append(b, context...)
}

// expandLabelBlock returns HKDF-Expand-Label for a length of at most one
// hash, T(1) = HMAC(secret, info || 0x01), with mac, a fresh or reset
// HMAC keyed with the secret. The info, the counter byte and the output
// share one allocation.
func expandLabelBlock(mac hash.Hash, label string, context []byte, length int) []byte {
	n := 5 + len(hkdfLabelPrefix) + len(label) + len(context)
	buf := hkdfLabel(make([]byte, 0, n+1+mac.Size()), label, context, length)
	buf = append(buf, 1)
	mac.Write(buf)
	out := mac.Sum(buf[len(buf):len(buf)])
	return out[:length:length]
}

// DeriveSecret returns Derive-Secret(secret, label, messages) (RFC 8446,
// Section 7.1), given transcriptHash = Transcript-Hash(messages): an
// HKDFExpandLabel of h.Size() bytes.
func DeriveSecret(h crypto.Hash, secret []byte, label string, transcriptHash []byte) ([]byte, error) {
	return HKDFExpandLabel(h, secret, label, transcriptHash, h.Size())
}

// check13 validates a TLS 1.3 suite and the lengths of secrets and
// transcript hashes given with it.
func check13(s *Suite, sized ...[]byte) (crypto.Hash, error) {
	if !s.TLS13() {
		return 0, ErrNotTLS13
	}
	h := s.Hash()
	for _, b := range sized {
		if len(b) != h.Size() {
			return 0, ErrHashLength
		}
	}
	return h, nil
}

// TrafficKeys derives the AEAD key and the 12-byte nonce base of a TLS 1.3
// traffic secret (RFC 8446, Section 7.3): HKDF-Expand-Label(secret, "key",
// "", key length) and HKDF-Expand-Label(secret, "iv", "", 12). It returns
// nil, nil when s is not a TLS 1.3 suite or the secret is not of the
// suite's hash length, so that a misused secret can never become a key.
func TrafficKeys(s *Suite, secret []byte) (key, iv []byte) {
	h, err := check13(s, secret)
	if err != nil {
		return nil, nil
	}
	// Both come from one HMAC keyed with the secret.
	fn, err := hashFunc(h)
	keyLen := s.Cipher.Params().KeyLen
	if err != nil || checkExpandLabel(h, labelKey, nil, keyLen) != nil || keyLen > h.Size() || TrafficIVLen > h.Size() {
		return nil, nil
	}
	mac := hmac.New(fn, secret)
	key = expandLabelBlock(mac, labelKey, nil, keyLen)
	mac.Reset()
	iv = expandLabelBlock(mac, labelIV, nil, TrafficIVLen)
	return key, iv
}

// FinishedKey returns HKDF-Expand-Label(baseKey, "finished", "",
// Hash.length) (RFC 8446, Section 4.4.4), where baseKey is a handshake
// traffic secret, or a binder key for a PSK binder. It returns nil when s
// is not a TLS 1.3 suite or baseKey has the wrong length.
func FinishedKey(s *Suite, baseKey []byte) []byte {
	h, err := check13(s, baseKey)
	if err != nil {
		return nil
	}
	k, err := HKDFExpandLabel(h, baseKey, labelFinished, nil, h.Size())
	if err != nil {
		return nil
	}
	return k
}

// FinishedVerifyData13 returns verify_data of a TLS 1.3 Finished message
// (RFC 8446, Section 4.4.4): HMAC(FinishedKey(baseKey), transcriptHash),
// where transcriptHash covers the handshake up to and including
// CertificateVerify (or what precedes Finished). With a binder key and the
// hash of the truncated ClientHello it is a PSK binder (Section 4.2.11.2).
// Compare it with the peer's using crypto/subtle. It returns nil when s is
// not a TLS 1.3 suite or an input has the wrong length.
func FinishedVerifyData13(s *Suite, baseKey, transcriptHash []byte) []byte {
	h, err := check13(s, baseKey, transcriptHash)
	if err != nil {
		return nil
	}
	fn, _ := hashFunc(h)
	fk := FinishedKey(s, baseKey)
	mac := hmac.New(fn, fk)
	mac.Write(transcriptHash)
	clear(fk)
	return mac.Sum(nil)
}

// NextTrafficSecret returns application_traffic_secret_N+1 for a KeyUpdate
// (RFC 8446, Section 7.2): HKDF-Expand-Label(secret, "traffic upd", "",
// Hash.length). The caller should wipe the old secret once the new keys
// are installed. It returns nil when s is not a TLS 1.3 suite or the
// secret has the wrong length.
func NextTrafficSecret(s *Suite, secret []byte) []byte {
	h, err := check13(s, secret)
	if err != nil {
		return nil
	}
	next, err := HKDFExpandLabel(h, secret, labelTrafficUpdate, nil, h.Size())
	if err != nil {
		return nil
	}
	return next
}

// ResumptionPSK returns the PSK of a session ticket (RFC 8446, Section
// 4.6.1): HKDF-Expand-Label(resumption_master_secret, "resumption",
// ticket_nonce, Hash.length). The nonce is at most 255 bytes, as on the
// wire.
func ResumptionPSK(s *Suite, resumptionSecret, ticketNonce []byte) ([]byte, error) {
	h, err := check13(s, resumptionSecret)
	if err != nil {
		return nil, err
	}
	return HKDFExpandLabel(h, resumptionSecret, labelResumptionPSK, ticketNonce, h.Size())
}

// ExportKeyingMaterial13 is the TLS 1.3 exporter (RFC 8446, Section 7.5):
//
//	HKDF-Expand-Label(Derive-Secret(secret, label, ""), "exporter",
//	                  Hash(context), n)
//
// where secret is the exporter_master_secret (or the
// early_exporter_master_secret for 0-RTT). TLS 1.3 does not tell "no
// context" from an empty one. The label is at most 249 bytes and n at
// most 255 hash lengths.
func ExportKeyingMaterial13(s *Suite, exporterSecret []byte, label string, context []byte, n int) ([]byte, error) {
	h, err := check13(s, exporterSecret)
	if err != nil {
		return nil, err
	}
	derived, err := DeriveSecret(h, exporterSecret, label, emptyHash(h))
	if err != nil {
		return nil, err
	}
	defer clear(derived)
	fn, _ := hashFunc(h)
	ch := fn()
	ch.Write(context)
	return HKDFExpandLabel(h, derived, labelExporter, ch.Sum(nil), n)
}

// EarlySchedule is the first stage of the TLS 1.3 key schedule: it holds
// the Early Secret, derives the binder key, the client early traffic
// secret and the early exporter master secret, and gives way to the
// HandshakeSchedule. It is not safe for concurrent use.
type EarlySchedule struct {
	suite  *Suite
	secret []byte // nil once advanced
}

// NewEarlySchedule starts the key schedule of TLS 1.3 suite s: Early
// Secret = HKDF-Extract(0, psk). A nil or empty psk (a handshake without a
// PSK) is Hash.length zero bytes, as RFC 8446 specifies.
func NewEarlySchedule(s *Suite, psk []byte) (*EarlySchedule, error) {
	h, err := check13(s)
	if err != nil {
		return nil, err
	}
	secret, err := HKDFExtract(h, nil, psk)
	if err != nil {
		return nil, err
	}
	return &EarlySchedule{suite: s, secret: secret}, nil
}

// Suite returns the suite the schedule was started with.
func (e *EarlySchedule) Suite() *Suite {
	if e == nil {
		return nil
	}
	return e.suite
}

func (e *EarlySchedule) derive(label string, transcriptHash []byte) ([]byte, error) {
	if e == nil || e.secret == nil {
		return nil, ErrScheduleAdvanced
	}
	h, err := check13(e.suite, transcriptHash)
	if err != nil {
		return nil, err
	}
	return DeriveSecret(h, e.secret, label, transcriptHash)
}

// BinderKey returns binder_key: Derive-Secret(Early Secret, "ext binder",
// "") for an external PSK, "res binder" for a resumption PSK.
func (e *EarlySchedule) BinderKey(external bool) ([]byte, error) {
	if e == nil {
		return nil, ErrScheduleAdvanced
	}
	label := labelResBinder
	if external {
		label = labelExtBinder
	}
	return e.derive(label, emptyHash(e.suite.Hash()))
}

// Binder returns the PSK binder for the hash of the ClientHello truncated
// before the binders (RFC 8446, Section 4.2.11.2): the Finished
// computation keyed with the binder key.
func (e *EarlySchedule) Binder(external bool, truncatedHelloHash []byte) ([]byte, error) {
	bk, err := e.BinderKey(external)
	if err != nil {
		return nil, err
	}
	defer clear(bk)
	b := FinishedVerifyData13(e.suite, bk, truncatedHelloHash)
	if b == nil {
		return nil, ErrHashLength
	}
	return b, nil
}

// ClientEarlyTrafficSecret returns client_early_traffic_secret, given the
// hash of the ClientHello.
func (e *EarlySchedule) ClientEarlyTrafficSecret(helloHash []byte) ([]byte, error) {
	return e.derive(labelClientEarly, helloHash)
}

// EarlyExporterMasterSecret returns early_exporter_master_secret, given
// the hash of the ClientHello.
func (e *EarlySchedule) EarlyExporterMasterSecret(helloHash []byte) ([]byte, error) {
	return e.derive(labelEarlyExporter, helloHash)
}

// Handshake advances to the Handshake Secret: HKDF-Extract(
// Derive-Secret(Early Secret, "derived", ""), sharedSecret). A nil or
// empty sharedSecret (psk_ke mode, no (EC)DHE) is Hash.length zero bytes.
// The Early Secret is wiped; e can derive nothing more.
func (e *EarlySchedule) Handshake(sharedSecret []byte) (*HandshakeSchedule, error) {
	if e == nil {
		return nil, ErrScheduleAdvanced
	}
	salt, err := e.derive(labelDerived, emptyHash(e.suite.Hash()))
	if err != nil {
		return nil, err
	}
	defer clear(salt)
	secret, err := HKDFExtract(e.suite.Hash(), salt, sharedSecret)
	if err != nil {
		return nil, err
	}
	clear(e.secret)
	e.secret = nil
	return &HandshakeSchedule{suite: e.suite, secret: secret}, nil
}

// HandshakeSchedule is the second stage of the TLS 1.3 key schedule: it
// holds the Handshake Secret, derives the handshake traffic secrets and
// gives way to the MasterSchedule. It is not safe for concurrent use.
type HandshakeSchedule struct {
	suite  *Suite
	secret []byte
}

// Suite returns the suite of the schedule.
func (hs *HandshakeSchedule) Suite() *Suite {
	if hs == nil {
		return nil
	}
	return hs.suite
}

func (hs *HandshakeSchedule) derive(label string, transcriptHash []byte) ([]byte, error) {
	if hs == nil || hs.secret == nil {
		return nil, ErrScheduleAdvanced
	}
	h, err := check13(hs.suite, transcriptHash)
	if err != nil {
		return nil, err
	}
	return DeriveSecret(h, hs.secret, label, transcriptHash)
}

// ClientHandshakeTrafficSecret returns client_handshake_traffic_secret,
// given the hash of ClientHello...ServerHello.
func (hs *HandshakeSchedule) ClientHandshakeTrafficSecret(helloHash []byte) ([]byte, error) {
	return hs.derive(labelClientHandshake, helloHash)
}

// ServerHandshakeTrafficSecret returns server_handshake_traffic_secret,
// given the hash of ClientHello...ServerHello.
func (hs *HandshakeSchedule) ServerHandshakeTrafficSecret(helloHash []byte) ([]byte, error) {
	return hs.derive(labelServerHandshake, helloHash)
}

// Master advances to the Master Secret: HKDF-Extract(
// Derive-Secret(Handshake Secret, "derived", ""), 0). The Handshake Secret
// is wiped; hs can derive nothing more.
func (hs *HandshakeSchedule) Master() (*MasterSchedule, error) {
	if hs == nil {
		return nil, ErrScheduleAdvanced
	}
	salt, err := hs.derive(labelDerived, emptyHash(hs.suite.Hash()))
	if err != nil {
		return nil, err
	}
	defer clear(salt)
	secret, err := HKDFExtract(hs.suite.Hash(), salt, nil)
	if err != nil {
		return nil, err
	}
	clear(hs.secret)
	hs.secret = nil
	return &MasterSchedule{suite: hs.suite, secret: secret}, nil
}

// MasterSchedule is the last stage of the TLS 1.3 key schedule: it holds
// the Master Secret and derives the application traffic, exporter and
// resumption master secrets. Call Erase once the resumption master secret
// has been derived. It is not safe for concurrent use.
type MasterSchedule struct {
	suite  *Suite
	secret []byte
}

// Suite returns the suite of the schedule.
func (m *MasterSchedule) Suite() *Suite {
	if m == nil {
		return nil
	}
	return m.suite
}

func (m *MasterSchedule) derive(label string, transcriptHash []byte) ([]byte, error) {
	if m == nil || m.secret == nil {
		return nil, ErrScheduleAdvanced
	}
	h, err := check13(m.suite, transcriptHash)
	if err != nil {
		return nil, err
	}
	return DeriveSecret(h, m.secret, label, transcriptHash)
}

// ClientApplicationTrafficSecret returns
// client_application_traffic_secret_0, given the hash of
// ClientHello...server Finished.
func (m *MasterSchedule) ClientApplicationTrafficSecret(transcriptHash []byte) ([]byte, error) {
	return m.derive(labelClientApp, transcriptHash)
}

// ServerApplicationTrafficSecret returns
// server_application_traffic_secret_0, given the hash of
// ClientHello...server Finished.
func (m *MasterSchedule) ServerApplicationTrafficSecret(transcriptHash []byte) ([]byte, error) {
	return m.derive(labelServerApp, transcriptHash)
}

// ExporterMasterSecret returns exporter_master_secret, given the hash of
// ClientHello...server Finished.
func (m *MasterSchedule) ExporterMasterSecret(transcriptHash []byte) ([]byte, error) {
	return m.derive(labelExporterMaster, transcriptHash)
}

// ResumptionMasterSecret returns resumption_master_secret, given the hash
// of ClientHello...client Finished.
func (m *MasterSchedule) ResumptionMasterSecret(transcriptHash []byte) ([]byte, error) {
	return m.derive(labelResumption, transcriptHash)
}

// Erase wipes the Master Secret; m derives nothing more. Erasing twice is
// harmless.
func (m *MasterSchedule) Erase() {
	if m == nil {
		return
	}
	clear(m.secret)
	m.secret = nil
}
