package handshake

// TLS 1.3 0-RTT data (RFC 8446, Sections 2.3, 4.2.10 and 8).
//
// A client given EarlyData and a session whose ticket allows early data
// (max_early_data_size at least the data's length; the session's ALPN
// protocol among the ones offered) sends early_data in its ClientHello,
// then the data under client_early_traffic_secret of the first PSK
// offered, right after the ClientHello (and, in middlebox compatibility
// mode, its change_cipher_spec). Its handshake write keys wait for the
// server's EncryptedExtensions: when they accept the data, the client
// ends it with EndOfEarlyData under the early keys before its Finished;
// otherwise (or after a HelloRetryRequest) the data was not taken, and
// State.EarlyDataAccepted says so.
//
// A server with AcceptEarlyData marks its tickets with
// max_early_data_size (MaxEarlyData) and accepts early data with the
// first identity of a ClientHello it resumes, when that ClientHello
// comes without a HelloRetryRequest, the suite and the ALPN protocol are
// the session's, and the anti-replay filter (when there is one) has not
// seen the binder in its window. It then reads the data in the wait_eoed
// state, until EndOfEarlyData; more than max_early_data_size is an
// unexpected_message. Data it does not accept is skipped (trial
// decryption, record.Conn.SkipEarlyData) up to max_early_data_size.
// Accepted data is in State.EarlyData, for the application to take
// before anything else.
//
// Stateful tickets are single-use, so their early data cannot be
// replayed to this server; stateless ones can, within the ticket age
// window (MaxTicketAgeSkew), unless a ReplayFilter (Erlang's anti_replay)
// remembers the binders of the ClientHello messages it accepted early data
// with.

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

// keyLogClientEarly is the key log label of client_early_traffic_secret.
const keyLogClientEarly = "CLIENT_EARLY_TRAFFIC_SECRET"

// DefaultMaxEarlyData is the max_early_data_size a server accepting early
// data puts in its tickets when MaxEarlyData is 0: 16384 bytes, Erlang's
// server_session_ticket_max_early_data default.
const DefaultMaxEarlyData = 16384

// ReplayFilter remembers the ClientHello binders a server accepted early
// data with, for a window, in a pair of Bloom filters (Erlang's
// anti_replay {Window, K, M}): the current one takes the binders, the
// previous one, from the window before, is still checked; every window
// the previous one is dropped. A binder seen within one to two windows is
// refused (a false positive, with the probability of the filter's size,
// only costs the early data, never the handshake). It is safe for
// concurrent use.
//
// A binder stays in the filter for at least one window, so a server with
// a filter takes early data only from a ClientHello whose ticket age is
// within half a window of the server's view (RFC 8446, Section 8.3):
// the same ClientHello replayed more than a window later is then too old
// for early data, though it may still resume within MaxTicketAgeSkew.
// That is narrower than the resumption check whenever the window is
// under twice MaxTicketAgeSkew (Erlang's default window of 10 s gives
// 5 s); without it, a replay after the filter forgot the binder would
// have its early data taken again.
type ReplayFilter struct {
	mu        sync.Mutex
	window    time.Duration
	k         int
	m         uint64
	cur, prev []uint64
	start     time.Time
}

// NewReplayFilter returns a filter over window with k hashes and m bits
// per Bloom filter.
func NewReplayFilter(window time.Duration, k int, m uint64) *ReplayFilter {
	if window <= 0 {
		window = MaxTicketAgeSkew
	}
	if k < 1 {
		k = 1
	}
	if m < 64 {
		m = 64
	}
	return &ReplayFilter{window: window, k: k, m: m, cur: make([]uint64, (m+63)/64), prev: make([]uint64, (m+63)/64)}
}

// Fresh records key at now and reports whether it was not seen in the
// window before.
func (f *ReplayFilter) Fresh(key []byte, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.start.IsZero():
		f.start = now
	case now.Sub(f.start) >= 2*f.window:
		clear(f.cur)
		clear(f.prev)
		f.start = now
	case now.Sub(f.start) >= f.window:
		f.cur, f.prev = f.prev, f.cur
		clear(f.cur)
		f.start = f.start.Add(f.window)
	}
	sum := sha256.Sum256(key)
	h1, h2 := binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])|1
	inCur, inPrev := true, true
	for i := 0; i < f.k; i++ {
		bit := (h1 + uint64(i)*h2) % f.m
		w, b := bit/64, uint64(1)<<(bit%64)
		if f.cur[w]&b == 0 {
			inCur = false
			f.cur[w] |= b
		}
		if f.prev[w]&b == 0 {
			inPrev = false
		}
	}
	return !inCur && !inPrev
}

func (c *Config) maxEarlyData() uint32 {
	if c.MaxEarlyData == 0 {
		return DefaultMaxEarlyData
	}
	return c.MaxEarlyData
}

// acceptEarly decides whether the server takes the client's early data.
func (c *server13) acceptEarly() bool {
	cfg, ch, p := c.cfg, c.ch, c.psk
	if !ch.EarlyData || c.helloRetry || p == nil || p.index != 0 || !cfg.AcceptEarlyData {
		return false
	}
	s := p.sess
	if s.MaxEarlyData == 0 || s.CipherSuite != c.suite.ID || s.ALPN != c.alpn {
		return false
	}
	if f := cfg.ReplayFilter; f != nil {
		now := cfg.now()
		id := ch.PSKIdentities[0]
		clientAge := time.Duration(id.ObfuscatedTicketAge-s.TicketAgeAdd) * time.Millisecond
		if d := clientAge - now.Sub(s.Created); d > f.window/2 || d < -f.window/2 {
			return false
		}
		if !f.Fresh(ch.PSKBinders[0], now) {
			return false
		}
	}
	return true
}

// earlySecret returns client_early_traffic_secret of psk with suite s
// over hello, the ClientHello (RFC 8446, Section 7.1).
func earlySecret(s *cipher.Suite, psk, hello []byte) ([]byte, error) {
	es, err := cipher.NewEarlySchedule(s, psk)
	if err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	h := s.Hash().New()
	h.Write(hello)
	sec, err := es.ClientEarlyTrafficSecret(h.Sum(nil))
	if err != nil {
		return nil, causef(ErrConfig, "key schedule: %v", err)
	}
	return sec, nil
}

// serverWaitEOED is the wait_eoed state: the client's early data comes,
// under the early keys, until its EndOfEarlyData.
type serverWaitEOED struct {
	*serverFlight2
	max uint32 // max_early_data_size of the session
}

func (w *serverWaitEOED) name() string { return stateWaitEOED }

func (w *serverWaitEOED) next() (serverState13, *State, error) {
	hc := w.hc
	for {
		if err := hc.ctx.Err(); err != nil {
			return nil, nil, err
		}
		m, err := hc.rc.ReadMessage()
		if err != nil {
			return nil, nil, err
		}
		switch m.Type {
		case record.TypeApplicationData:
			if uint64(len(w.earlyData))+uint64(len(m.Data)) > uint64(w.max) {
				return nil, nil, unexpected("application_data", "more early data than max_early_data_size")
			}
			w.earlyData = append(w.earlyData, m.Data...)
			continue
		case record.TypeHandshake:
		default:
			return nil, nil, unexpected(m.Type.String(), "in state wait_eoed")
		}
		typ, _, err := ParseHeader(m.Data)
		if err != nil {
			return nil, nil, err
		}
		if typ != TypeEndOfEarlyData {
			return nil, nil, unexpected(typ.String(), "expected end_of_early_data in state wait_eoed")
		}
		if _, err := UnmarshalEndOfEarlyData(m.Data); err != nil {
			return nil, nil, err
		}
		hc.tr.add(m.Data)
		if _, err := installRead13(hc.rc, w.suite, w.keys.clientHS); err != nil {
			return nil, nil, err
		}
		return &serverWaitFinished{serverFlight2: w.serverFlight2}, nil, nil
	}
}

// earlyOK says whether the client may send its early data with the
// sessions offered: the first one allows that much, and its ALPN
// protocol is among the ones offered.
func earlyOK(cfg *Config, psks []offeredPSK) bool {
	if len(cfg.EarlyData) == 0 || len(psks) == 0 {
		return false
	}
	s := psks[0].sess
	if uint64(len(cfg.EarlyData)) > uint64(s.MaxEarlyData) {
		return false
	}
	return s.ALPN == "" || slices.Contains(cfg.ALPN, s.ALPN)
}

// sendEarly sends the client's early data after its first ClientHello:
// the compatibility change_cipher_spec first in middlebox compatibility
// mode (RFC 8446, Appendix D.4), then the data under the early keys.
func (w *clientWaitSH) sendEarly() error {
	hc, o := w.hc, w.offer
	p := o.psks[0]
	sec, err := earlySecret(p.suite, p.sess.MasterSecret, hc.tr.buf)
	if err != nil {
		return err
	}
	writeKeyLog(w.cfg.KeyLog, keyLogClientEarly, w.hello.Random[:], sec)
	// Every record after the first ClientHello has legacy_record_version
	// 0x0303 (RFC 8446, Section 5.1).
	if err := hc.rc.SetVersion(cipher.VersionTLS13); err != nil {
		return err
	}
	if o.compat {
		if err := hc.writeCCS(); err != nil {
			return err
		}
		w.ccsSent = true
	}
	if _, err := installWrite13(hc.rc, p.suite, sec); err != nil {
		return err
	}
	if _, err := hc.rc.Write(w.cfg.EarlyData); err != nil {
		return err
	}
	w.earlySent = true
	return hc.flush()
}
