package handshake

// The TLS 1.3 key schedule as the state machines use it: the transcript
// rule of a HelloRetryRequest, the handshake and application traffic
// secrets derived at the points RFC 8446, Section 7.1 names, and the
// record protections built from them. The schedule itself is cipher's
// (NewEarlySchedule, Handshake, Master); this file only feeds it the
// transcript hashes and installs what it gives.
//
// PSK resumption fits in front of it: a handshake with a PSK starts the
// schedule with that PSK (startSchedule13's psk argument) instead of the
// zero one, and its binders come from the same EarlySchedule before the
// (EC)DHE secret is mixed in.

import (
	"crypto/subtle"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// replaceHelloWithHash applies the transcript rule of a HelloRetryRequest
// (RFC 8446, Section 4.4.1): the first n bytes of the transcript, which
// are ClientHello1, are replaced by the synthetic message_hash message
// holding Hash(ClientHello1), with the hash of suite s; the messages after
// them stay. It starts the running hash of suite s; the transcript must
// not have been given a suite yet.
func (t *transcript) replaceHelloWithHash(s *cipher.Suite, n int) error {
	if t.h != nil || n > len(t.buf) {
		return causef(ErrConfig, "transcript cannot take the HelloRetryRequest rule")
	}
	h := s.Hash().New()
	h.Write(t.buf[:n])
	mh, err := NewMessageHash(h.Sum(nil)).Marshal()
	if err != nil {
		return causef(ErrConfig, "message_hash: %v", err)
	}
	rest := t.buf[n:]
	buf := make([]byte, 0, len(mh)+len(rest))
	t.buf = append(append(buf, mh...), rest...)
	t.setSuite13(s)
	return nil
}

// setSuite13 starts the running hash of a TLS 1.3 suite with the messages
// buffered so far and stops keeping them: a TLS 1.3 CertificateVerify
// signs a transcript hash, not the messages.
func (t *transcript) setSuite13(s *cipher.Suite) {
	if t.h == nil {
		t.setSuite(cipher.VersionTLS13, s)
	}
	t.release()
}

// secrets13 are the secrets of one TLS 1.3 handshake, as the schedule
// gives them.
type secrets13 struct {
	suite    *cipher.Suite
	hs       *cipher.HandshakeSchedule
	clientHS []byte // client_handshake_traffic_secret
	serverHS []byte // server_handshake_traffic_secret
	clientAP []byte // client_application_traffic_secret_0
	serverAP []byte // server_application_traffic_secret_0
	exporter []byte // exporter_master_secret
	master   *cipher.MasterSchedule
}

// startSchedule13 runs the key schedule up to the handshake traffic
// secrets (RFC 8446, Section 7.1): the Early Secret of psk (nil: none),
// the Handshake Secret of the (EC)DHE shared secret, and the two
// handshake traffic secrets over helloHash, the hash of ClientHello...
// ServerHello.
func startSchedule13(s *cipher.Suite, psk, shared, helloHash []byte) (*secrets13, error) {
	es, err := cipher.NewEarlySchedule(s, psk)
	if err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	hs, err := es.Handshake(shared)
	if err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	k := &secrets13{suite: s, hs: hs}
	if k.clientHS, err = hs.ClientHandshakeTrafficSecret(helloHash); err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	if k.serverHS, err = hs.ServerHandshakeTrafficSecret(helloHash); err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	return k, nil
}

// application derives the application traffic secrets and the exporter
// master secret over finishedHash, the hash of ClientHello...server
// Finished (RFC 8446, Section 7.1). The Handshake Secret is wiped; the
// Master Secret stays until resumption is called.
func (k *secrets13) application(finishedHash []byte) error {
	m, err := k.hs.Master()
	if err != nil {
		return causef(ErrConfig, "key schedule: %v", err)
	}
	k.master = m
	if k.clientAP, err = m.ClientApplicationTrafficSecret(finishedHash); err != nil {
		return causef(ErrConfig, "key schedule: %v", err)
	}
	if k.serverAP, err = m.ServerApplicationTrafficSecret(finishedHash); err != nil {
		return causef(ErrConfig, "key schedule: %v", err)
	}
	if k.exporter, err = m.ExporterMasterSecret(finishedHash); err != nil {
		return causef(ErrConfig, "key schedule: %v", err)
	}
	return nil
}

// resumption derives resumption_master_secret over the hash of
// ClientHello...client Finished and wipes the Master Secret.
func (k *secrets13) resumption(clientFinishedHash []byte) ([]byte, error) {
	if k.master == nil {
		return nil, causef(ErrConfig, "key schedule: no master secret")
	}
	defer k.master.Erase()
	rms, err := k.master.ResumptionMasterSecret(clientFinishedHash)
	if err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	return rms, nil
}

// finished13 returns verify_data of a Finished sent under the handshake
// traffic secret baseKey, over transcriptHash (RFC 8446, Section 4.4.4).
func finished13(s *cipher.Suite, baseKey, transcriptHash []byte) ([]byte, error) {
	vd := cipher.FinishedVerifyData13(s, baseKey, transcriptHash)
	if vd == nil {
		return nil, causef(ErrConfig, "no Finished computation for %s", s)
	}
	return vd, nil
}

// checkFinished13 compares the peer's Finished with the verify_data
// expected under its handshake traffic secret, in constant time: a
// mismatch is a decrypt_error (RFC 8446, Section 4.4.4).
func checkFinished13(s *cipher.Suite, fin *Finished, baseKey, transcriptHash []byte) (*finishedVerified, error) {
	want, err := finished13(s, baseKey, transcriptHash)
	if err != nil {
		return nil, err
	}
	if len(fin.VerifyData) != len(want) || subtle.ConstantTimeCompare(fin.VerifyData, want) != 1 {
		return nil, causef(ErrBadFinished, "the peer's Finished does not match the handshake")
	}
	return &finishedVerified{verifyData: append([]byte(nil), fin.VerifyData...)}, nil
}

// protection13 builds the record protection of one direction from a
// traffic secret (RFC 8446, Section 7.3).
func protection13(s *cipher.Suite, secret []byte) (*record.Protection, error) {
	key, iv := cipher.TrafficKeys(s, secret)
	if key == nil {
		return nil, causef(ErrConfig, "no traffic keys for %s", s)
	}
	p, err := record.NewProtection(cipher.VersionTLS13, s, record.Keys{Key: key, IV: iv})
	if err != nil {
		return nil, causef(ErrConfig, "record protection: %v", err)
	}
	return p, nil
}

// installRead13 installs the read protection of a traffic secret. The
// record layer refuses a key change inside a handshake message, or with
// a whole message still unread (unexpected_message, RFC 8446, Section
// 5.1).
func installRead13(rc *record.Conn, s *cipher.Suite, secret []byte) (*record.Protection, error) {
	p, err := protection13(s, secret)
	if err != nil {
		return nil, err
	}
	return p, rc.SetReadProtection(p)
}

// installWrite13 installs the write protection of a traffic secret; what
// was queued before is sealed with the previous protection.
func installWrite13(rc *record.Conn, s *cipher.Suite, secret []byte) (*record.Protection, error) {
	p, err := protection13(s, secret)
	if err != nil {
		return nil, err
	}
	return p, rc.SetWriteProtection(p)
}
