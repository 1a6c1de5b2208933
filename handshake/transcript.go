package handshake

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding"
	"errors"
	"hash"
	"io"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// transcript is the running hash of the handshake messages of SSL 3.0 and
// TLS 1.0-1.2 (RFC 5246, Sections 7.4.8 and 7.4.9), fed with the bytes of
// each message exactly as sent or received (STYLE rule 2).
//
// Until the suite is known the messages are only buffered, because the
// TLS 1.2 hash is the suite's PRF hash. After setSuite they go to the hash
// and, while keep is set, to the buffer too: a TLS 1.0-1.2
// CertificateVerify signs the messages themselves with a hash the
// signature scheme chooses, which may differ from the PRF hash. A side
// that knows no CertificateVerify will be made or checked calls release
// and the buffer goes.
type transcript struct {
	buf  []byte
	keep bool
	h    hash.Hash // nil until setSuite
	v    cipher.Version
}

func newTranscript() *transcript { return &transcript{keep: true} }

// add feeds one whole handshake message (header included).
func (t *transcript) add(msg []byte) {
	if t.keep || t.h == nil {
		t.buf = append(t.buf, msg...)
	}
	if t.h != nil {
		t.h.Write(msg)
	}
}

// setSuite starts the hash of version v and suite s with the messages
// buffered so far.
func (t *transcript) setSuite(v cipher.Version, s *cipher.Suite) {
	t.v = v
	t.h = cipher.NewTranscriptHash(v, s)
	t.h.Write(t.buf)
	if !t.keep {
		t.buf = nil
	}
}

// release drops the buffer: no CertificateVerify needs it.
func (t *transcript) release() {
	t.keep = false
	if t.h != nil {
		t.buf = nil
	}
}

// messages returns the messages so far; only valid while keep is set.
func (t *transcript) messages() []byte { return t.buf }

// sum returns the hash of the messages so far, without changing the
// running state: the handshake hash of a TLS 1.0-1.2 Finished message and
// the session hash of RFC 7627.
func (t *transcript) sum() []byte { return t.h.Sum(nil) }

// snapshot is the transcript as it was at one point: what a Finished or
// CertificateVerify computed at that point covers.
type snapshot struct {
	v    cipher.Version
	sum  []byte    // the hash (TLS 1.0-1.2)
	msgs []byte    // the messages, when the transcript keeps them
	md5  hash.Hash // SSL 3.0: copies of the two running hashes
	sha1 hash.Hash
	err  error // a copy failed (SSL 3.0)
}

// snap records the transcript now. For SSL 3.0 it copies the MD5 and SHA-1
// states, which the SSL 3.0 Finished and CertificateVerify constructions
// need (RFC 6101, Sections 5.6.8 and 5.6.9).
func (t *transcript) snap() *snapshot {
	s := &snapshot{v: t.v}
	if t.keep {
		s.msgs = t.buf[:len(t.buf):len(t.buf)]
	}
	if t.v == cipher.VersionSSL30 {
		ms, ok := t.h.(*cipher.MD5SHA1)
		if !ok {
			s.err = errors.New("handshake: SSL 3.0 transcript is not MD5 and SHA-1")
			return s
		}
		s.md5, s.err = cloneHash(ms.MD5)
		if s.err == nil {
			s.sha1, s.err = cloneHash(ms.SHA1)
		}
		return s
	}
	s.sum = t.sum()
	return s
}

// cloneHash copies a running hash through its binary marshaling.
func cloneHash(h hash.Hash) (hash.Hash, error) {
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return nil, cipher.ErrHashState
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var c hash.Hash
	switch h.Size() {
	case 16:
		c = md5.New()
	case 20:
		c = sha1.New()
	default:
		return nil, cipher.ErrHashState
	}
	if err := c.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, err
	}
	return c, nil
}

// finished returns the verify_data of a Finished message over the
// snapshot: 12 bytes of PRF output in TLS 1.0-1.2 (RFC 5246, Section
// 7.4.9), the 36-byte MD5 and SHA-1 construction in SSL 3.0 (RFC 6101,
// Section 5.6.9).
func (s *snapshot) finished(suite *cipher.Suite, master []byte, client bool) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.v == cipher.VersionSSL30 {
		return cipher.SSL3FinishedVerifyData(master, client, s.md5, s.sha1)
	}
	vd := cipher.FinishedVerifyData(s.v, suite, master, client, s.sum)
	if vd == nil {
		return nil, errors.New("handshake: no Finished computation for " + s.v.String())
	}
	return vd, nil
}

// hsConn is the record layer as a handshake state machine sees it: it
// reads and writes whole handshake messages, and is the one place where
// messages enter the transcript. Reads skip what the handshake ignores
// (warning alerts other than the ones the caller asks for, HelloRequest
// at a client) and return the peer's fatal alerts as errors.
type hsConn struct {
	ctx    context.Context
	rc     *record.Conn
	tr     *transcript
	client bool
	// helloRequests counts the HelloRequest messages a client ignored
	// during this handshake.
	helloRequests int
	// reneg is set in a renegotiation (renegotiation.go).
	reneg *renegConn
}

// maxIgnoredHelloRequests bounds the HelloRequest messages a client
// ignores during one handshake (RFC 5246, Section 7.4.1.1 says to ignore
// them while negotiating); more is an unexpected_message, so that a peer
// cannot keep a handshake busy with them.
const maxIgnoredHelloRequests = 4

// errNoCertificateAlert is what read returns for an SSL 3.0 no_certificate
// warning alert when the caller accepts it.
var errNoCertificateAlert = errors.New("handshake: no_certificate warning alert")

// readOpts says which exceptions a read accepts.
type readOpts struct {
	noCertificate bool // an SSL 3.0 no_certificate warning alert
}

// read returns the next handshake message, whole with its header, after
// adding it to the transcript. The caller checks its type against what
// its state allows.
func (c *hsConn) read(o readOpts) (MessageType, []byte, error) {
	for {
		if err := c.ctx.Err(); err != nil {
			return 0, nil, err
		}
		msg, err := c.readHandshakeMessage()
		if err != nil {
			var a record.Alert
			if errors.As(err, &a) && a.Remote && a.Level == record.Warning {
				switch {
				case a.Description == record.CloseNotify:
					return 0, nil, io.ErrUnexpectedEOF
				case a.Description == record.NoCertificate && o.noCertificate:
					return 0, nil, errNoCertificateAlert
				}
				// Other warnings during the handshake carry nothing
				// that changes it (unrecognized_name, no_renegotiation
				// ...); the record layer bounds how many may come in
				// a row.
				continue
			}
			return 0, nil, err
		}
		typ, body, err := ParseHeader(msg)
		if err != nil {
			return 0, nil, err
		}
		if typ == TypeHelloRequest && c.client && c.rc.Version() < cipher.VersionTLS13 {
			// RFC 5246, Section 7.4.1.1: a client ignores HelloRequest
			// while it negotiates; it is not part of the transcript.
			// TLS 1.3 has no HelloRequest (RFC 8446, Section 4).
			if len(body) != 0 {
				return 0, nil, alertf(record.DecodeError, "HelloRequest with a body")
			}
			c.helloRequests++
			if c.helloRequests > maxIgnoredHelloRequests {
				return 0, nil, unexpected("hello_request", "too many HelloRequest messages during the handshake")
			}
			continue
		}
		c.tr.add(msg)
		return typ, msg, nil
	}
}

// write queues a message built in memory, adding it to the transcript.
func (c *hsConn) write(m Message) error {
	data, err := m.Marshal()
	if err != nil {
		return alertf(record.InternalError, "cannot encode %s: %v", m.Type(), err)
	}
	return c.writeRaw(data)
}

// writeRaw queues one whole encoded message, adding it to the transcript.
func (c *hsConn) writeRaw(data []byte) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.tr.add(data)
	return c.rc.WriteRecord(record.TypeHandshake, data)
}

// writeCCS queues a change_cipher_spec.
func (c *hsConn) writeCCS() error {
	return c.rc.WriteRecord(record.TypeChangeCipherSpec, []byte{1})
}

// readCCS reads the change_cipher_spec that must come next, skipping
// warning alerts as read does.
func (c *hsConn) readCCS() error {
	for {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		err := c.readChangeCipherSpec()
		var a record.Alert
		if err != nil && errors.As(err, &a) && a.Remote && a.Level == record.Warning {
			if a.Description == record.CloseNotify {
				return io.ErrUnexpectedEOF
			}
			continue
		}
		return err
	}
}

// flush sends the queued flight.
func (c *hsConn) flush() error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	return c.rc.Flush()
}

// readClientHello is a server's first read: a ClientHello, or with the
// record layer's V2HelloCompatible an SSL 2.0 CLIENT-HELLO, which stands
// for a ClientHello of the same version, random and TLS cipher suites,
// with the null compression method and no extensions, and enters the
// transcript as received (RFC 5246, Appendix E.2).
func (c *hsConn) readClientHello() (*ClientHello, error) {
	for {
		if err := c.ctx.Err(); err != nil {
			return nil, err
		}
		msg, v2h, err := c.rc.ReadClientHello()
		if err != nil {
			var a record.Alert
			if errors.As(err, &a) && a.Remote && a.Level == record.Warning {
				if a.Description == record.CloseNotify {
					return nil, io.ErrUnexpectedEOF
				}
				continue
			}
			return nil, err
		}
		if v2h != nil {
			c.tr.add(v2h.Raw)
			return &ClientHello{
				Version:            cipher.Version(v2h.Version),
				Random:             v2h.Random(),
				CipherSuites:       v2h.CipherSuites(),
				CompressionMethods: []uint8{CompressionNull},
			}, nil
		}
		typ, _, err := ParseHeader(msg)
		if err != nil {
			return nil, err
		}
		if typ != TypeClientHello {
			return nil, unexpected(typ.String(), "expected client_hello in state hello")
		}
		ch, err := UnmarshalClientHello(msg)
		if err != nil {
			return nil, err
		}
		c.tr.add(msg)
		return ch, nil
	}
}
