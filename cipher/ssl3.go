package cipher

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding"
	"errors"
	"hash"
)

// SSL 3.0 key derivation (RFC 6101): the master secret and key block
// expansion, and the hashes of the Finished and CertificateVerify
// messages. SSL 3.0 has no PRF; these constructions stand in for it.

// ssl3MaxExpand is the longest output of ssl3Expand: 26 blocks, one per
// letter of the salts "A", "BB", ..., "ZZ...Z". The longest SSL 3.0 key
// block of the registry (AES-256-CBC with SHA-1) is 136 bytes.
const ssl3MaxExpand = 26 * md5.Size

// ssl3Expand fills dst with
//
//	MD5(secret || SHA1("A" || secret || seed)) ||
//	MD5(secret || SHA1("BB" || secret || seed)) || ...
//
// which is the SSL 3.0 master secret (secret = premaster, seed = client
// random || server random; RFC 6101, Section 6.1) and key block (secret =
// master secret, seed = server random || client random; Section 6.2.2).
// dst holds at most ssl3MaxExpand bytes; callers size it from the
// registry, so a longer dst is a bug and is left untouched beyond that.
func ssl3Expand(dst, secret, seed []byte) {
	md, sh := md5.New(), sha1.New()
	var salt [26]byte
	var inner [sha1.Size]byte
	var block [md5.Size]byte
	for i := 0; len(dst) > 0 && i < len(salt); i++ {
		salt[i] = 'A' + byte(i)
		for j := 0; j < i; j++ {
			salt[j] = salt[i]
		}
		sh.Reset()
		sh.Write(salt[:i+1])
		sh.Write(secret)
		sh.Write(seed)
		sh.Sum(inner[:0])
		md.Reset()
		md.Write(secret)
		md.Write(inner[:])
		md.Sum(block[:0])
		n := copy(dst, block[:])
		dst = dst[n:]
	}
}

// SSL 3.0 Finished senders (RFC 6101, Section 5.6.9).
var (
	ssl3SenderClient = []byte{0x43, 0x4C, 0x4E, 0x54} // "CLNT"
	ssl3SenderServer = []byte{0x53, 0x52, 0x56, 0x52} // "SRVR"
)

// ErrHashState is returned when a running transcript hash cannot be
// copied: it is not MD5 or SHA-1 as the SSL 3.0 functions need, or it does
// not implement encoding.BinaryMarshaler.
var ErrHashState = errors.New("cipher: transcript hash cannot be copied")

// SSL3FinishedVerifyData computes the 36 bytes of an SSL 3.0 Finished
// message (RFC 6101, Section 5.6.9):
//
//	MD5(master || pad2 || MD5(handshake || sender || master || pad1)) ||
//	SHA(master || pad2 || SHA(handshake || sender || master || pad1))
//
// md5Hash and sha1Hash are the running MD5 and SHA-1 hashes of the
// handshake messages so far (for example the halves of an MD5SHA1). They
// are copied through encoding.BinaryMarshaler, not consumed: the caller
// may keep writing to them. ErrHashState is returned when they cannot be
// copied.
func SSL3FinishedVerifyData(master []byte, isClient bool, md5Hash, sha1Hash hash.Hash) ([]byte, error) {
	sender := ssl3SenderServer
	if isClient {
		sender = ssl3SenderClient
	}
	return ssl3HandshakeHash(master, sender, md5Hash, sha1Hash)
}

// SSL3CertificateVerifyHash computes the 36 bytes an SSL 3.0
// CertificateVerify signs (RFC 6101, Section 5.6.8): the Finished
// construction without a sender. For a DSA or ECDSA signature only the
// last 20 bytes (the SHA-1 half) are signed. The hashes are copied, not
// consumed, as in SSL3FinishedVerifyData.
func SSL3CertificateVerifyHash(master []byte, md5Hash, sha1Hash hash.Hash) ([]byte, error) {
	return ssl3HandshakeHash(master, nil, md5Hash, sha1Hash)
}

func ssl3HandshakeHash(master, sender []byte, md5Hash, sha1Hash hash.Hash) ([]byte, error) {
	m, err := cloneHash(md5Hash, md5.New)
	if err != nil {
		return nil, err
	}
	s, err := cloneHash(sha1Hash, sha1.New)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, md5.Size+sha1.Size)
	out = ssl3Outer(out, m, md5.New, 48, master, sender)
	out = ssl3Outer(out, s, sha1.New, 40, master, sender)
	return out, nil
}

// ssl3Outer appends H(master || pad2 || H(handshake || sender || master ||
// pad1)) to out, where running holds H over the handshake messages and
// padLen is 48 for MD5 and 40 for SHA-1.
func ssl3Outer(out []byte, running hash.Hash, fresh func() hash.Hash, padLen int, master, sender []byte) []byte {
	var pad [48]byte
	for i := range pad[:padLen] {
		pad[i] = 0x36
	}
	running.Write(sender)
	running.Write(master)
	running.Write(pad[:padLen])
	var innerBuf [sha1.Size]byte
	inner := running.Sum(innerBuf[:0])
	for i := range pad[:padLen] {
		pad[i] = 0x5c
	}
	h := fresh()
	h.Write(master)
	h.Write(pad[:padLen])
	h.Write(inner)
	return h.Sum(out)
}

// cloneHash copies the state of h, which must be of the kind fresh makes,
// into a new hash.
func cloneHash(h hash.Hash, fresh func() hash.Hash) (hash.Hash, error) {
	c := fresh()
	if h == nil || h.Size() != c.Size() {
		return nil, ErrHashState
	}
	state, err := marshalState(h)
	if err != nil {
		return nil, err
	}
	if err := unmarshalState(c, state); err != nil {
		return nil, err
	}
	return c, nil
}

func marshalState(h hash.Hash) ([]byte, error) {
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return nil, ErrHashState
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil, ErrHashState
	}
	return state, nil
}

func unmarshalState(h hash.Hash, state []byte) error {
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok {
		return ErrHashState
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return ErrHashState
	}
	return nil
}
