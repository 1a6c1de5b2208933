package ssl

import (
	"sync/atomic"
	"time"
)

// Hibernation (Erlang's hibernate_after): a socket idle for that long
// gives back the memory it holds only to move data: the record layer's
// read buffer (20 KiB) and sealing buffer (two records), the handshake
// reassembly buffers, and the socket's gather buffer for Send. A reader
// waiting for the peer (the active reader, or a Recv) then waits with a
// 5-byte buffer; the full buffers come back with the next byte that
// arrives or the next Send. What stays is what the connection is: the
// keys and cipher states (their key schedules are the keys), the
// negotiated parameters, and, in active mode, the reader goroutine.
//
// Activity is any record read from the peer, a Send, a Recv or Read that
// returns data, or an active delivery. One timer per socket, armed when
// the handshake ends, checks the time of the last activity; after a
// hibernation it is armed again at the next activity. Closing the socket
// stops it.

// hibernation is the socket's hibernation state.
type hibernation struct {
	on     atomic.Bool   // hibernate_after is set
	after  time.Duration // hibernate_after, once on
	last   atomic.Int64  // time of the last activity, UnixNano
	asleep atomic.Bool   // hibernated, timer not armed
	timer  *time.Timer   // set once, under mu
	count  atomic.Int64  // hibernations so far (for tests)
}

// armHibernationLocked starts the hibernation timer of a socket whose
// handshake has just succeeded, when hibernate_after is set; mu held.
// It runs before the socket is marked established, so that every later
// call sees the timer.
func (s *Socket) armHibernationLocked(d time.Duration) {
	if d < 0 || s.hib.timer != nil || s.closed {
		return
	}
	s.hib.after = d
	s.hib.last.Store(time.Now().UnixNano())
	s.hib.timer = time.AfterFunc(d, s.hibernateCheck)
	s.hib.on.Store(true)
}

// touch records activity; a hibernated socket arms its timer again.
func (s *Socket) touch() {
	if !s.hib.on.Load() {
		return
	}
	s.hib.last.Store(time.Now().UnixNano())
	if s.hib.asleep.CompareAndSwap(true, false) {
		s.mu.Lock()
		if !s.closed && s.hib.timer != nil {
			s.hib.timer.Reset(s.hib.after)
		}
		s.mu.Unlock()
	}
}

// hibernateCheck runs when the timer fires: it hibernates the socket if
// it has been idle for hibernate_after, and otherwise waits for the rest.
func (s *Socket) hibernateCheck() {
	s.mu.Lock()
	if s.closed || s.transportClosed {
		s.mu.Unlock()
		return
	}
	idle := time.Duration(time.Now().UnixNano() - s.hib.last.Load())
	if idle < s.hib.after {
		s.hib.timer.Reset(s.hib.after - idle)
		s.mu.Unlock()
		return
	}
	s.hib.asleep.Store(true)
	s.mu.Unlock()
	s.hibernate()
}

// hibernate gives back the idle buffers. A side in use by a call that
// does not wait on the peer is not idle and is left alone; a reader
// waiting on the peer is interrupted, and gives back its buffers itself
// before it waits again (fill).
func (s *Socket) hibernate() {
	s.hib.count.Add(1)
	if s.writeMu.TryLock() {
		s.rc.ReleaseWriteBuffers()
		s.wbuf = nil
		s.writeMu.Unlock()
	}
	if s.readMu.TryLock() {
		s.releaseReadBuffers()
		s.readMu.Unlock()
		return
	}
	s.mu.Lock()
	if !s.closed && !s.transportClosed && !s.rn.running { // a renegotiation is not idle (renegotiate.go)
		s.hibWanted = true
		s.setReadDeadlineLocked(aLongTimeAgo)
	}
	s.mu.Unlock()
}

// releaseReadBuffers gives back the read side's buffers; readMu held.
func (s *Socket) releaseReadBuffers() {
	s.rc.ReleaseReadBuffers()
	if len(s.rbuf) == 0 {
		s.rbuf = nil
	} else if cap(s.rbuf) > len(s.rbuf) {
		s.rbuf = append(make([]byte, 0, len(s.rbuf)), s.rbuf...)
	}
}

// stopHibernationLocked stops the timer for good; mu held.
func (s *Socket) stopHibernationLocked() {
	if s.hib.timer != nil {
		s.hib.timer.Stop()
	}
}
