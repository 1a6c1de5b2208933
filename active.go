package ssl

import "time"

// Active mode: one goroutine per socket reads from the network while the
// socket is active and delivers messages to the owner channel. It holds
// the read side (readMu) for as long as it runs, and it reads the next
// record only after the owner has taken the previous message (a blocking
// channel send), so nothing piles up beyond the channel's buffer. Setopts
// to passive mode, Shutdown(Read) and Close stop it: they set stopReader,
// close wake (a send blocked on the owner channel gives up; the data goes
// back to the front of rbuf for Recv) and set a past read deadline (a
// blocked read returns; the record layer keeps a partly read record).

// Messages returns the socket's own owner channel, where an active socket
// delivers Data, Closed, Error and Passive messages unless
// ControllingProcess moved delivery elsewhere. Its buffer holds
// DefaultMailboxSize messages; while it is full the socket reads nothing
// more from the network. The channel is never closed: a Closed message
// says that nothing more will come (there is none after Close).
func (s *Socket) Messages() <-chan Message { return s.mailbox }

// ControllingProcess makes owner the channel active-mode messages are
// delivered to, as Erlang's controlling_process/2; nil gives delivery back
// to the socket's own channel (Messages). When it returns, nothing more is
// sent to the previous channel; messages already in that channel's buffer
// stay there, for its reader to take. A message whose delivery was under
// way goes to the new owner. The socket never closes an owner channel.
// Unlike Erlang, any goroutine may call it: Go has no owner identity.
func (s *Socket) ControllingProcess(owner chan<- Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if owner == nil {
		owner = s.mailbox
	}
	if owner == s.owner {
		return nil
	}
	s.owner = owner
	s.interruptSendLocked()
	return nil
}

// interruptSendLocked makes a message send under way give up and look at
// the owner and the stop flag again, and waits until it has; mu held.
func (s *Socket) interruptSendLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
	gen := s.sendGen
	for s.sending && s.sendGen == gen {
		s.cond.Wait()
	}
}

// startReaderLocked starts the reader goroutine if the socket is active
// and may read: the handshake is done, no passive read is under way, the
// socket is open for reading and the connection's end has not been
// delivered yet; mu held.
func (s *Socket) startReaderLocked() {
	if s.reader || !s.active.on() || s.closed || s.readShut || s.closeDelivered ||
		s.passiveReaders > 0 || !s.established.Load() {
		return
	}
	s.reader = true
	s.stopReader = false
	done := make(chan struct{})
	s.readerDone = done
	go s.readLoop(done)
}

// stopReaderLocked asks the reader goroutine to stop and returns a channel
// closed when it has (nil when none runs); mu held. The caller waits on it
// after releasing mu.
func (s *Socket) stopReaderLocked() chan struct{} {
	if !s.reader {
		return nil
	}
	if !s.stopReader {
		s.stopReader = true
		s.interruptSendLocked()
		if !s.rn.running {
			// A renegotiation the reader runs is not cut short: the
			// reader stops after it (renegotiate.go).
			s.setReadDeadlineLocked(aLongTimeAgo)
		}
	}
	return s.readerDone
}

// readLoop is the reader goroutine.
func (s *Socket) readLoop(done chan struct{}) {
	s.readMu.Lock()
	for s.readOne() {
	}
	s.mu.Lock()
	s.reader = false
	close(done)
	// The mode may have been made active again after a stop was asked
	// for; a new reader takes over once this one has let go of readMu.
	s.startReaderLocked()
	s.mu.Unlock()
	s.readMu.Unlock()
}

// readOne delivers one message; it returns false when the reader must
// stop.
func (s *Socket) readOne() bool {
	s.mu.Lock()
	stop := s.stopReader || s.closed || !s.active.on()
	due := s.renegotiationDueLocked()
	s.mu.Unlock()
	if stop {
		return false
	}
	if due {
		// A renegotiation asks for the read side (renegotiate.go).
		s.serveRenegotiation()
		return true
	}
	p, ok, err := s.extract(0)
	if err != nil {
		s.perr = s.packetFailed(err)
		s.deliverEnd()
		return false
	}
	if !ok {
		if s.rerr != nil {
			s.deliverEnd()
			return false
		}
		// A time-out here is the interruption of a stop, or a deadline
		// set by SetReadDeadline, which active mode does not honour: the
		// loop looks at the flags again.
		_, _ = s.fill(time.Time{}, nil, true)
		return true
	}
	s.touch()
	// The message counts against the active mode before the owner can
	// see it, as the message and the mode change are one step in Erlang:
	// an owner that has taken the message finds the socket passive
	// (once, or the last of N), and its next Setopts is not lost to this
	// delivery.
	s.mu.Lock()
	prev, gen := s.active, s.activeGen
	passive := s.consumeActiveLocked()
	s.mu.Unlock()
	if !s.deliver(Data{Sock: s, Data: p}) {
		// Kept as it was cut, for the next delivery or Recv. The count
		// goes back unless the mode was set meanwhile.
		s.pending, s.hasPending = p, true
		s.mu.Lock()
		if s.activeGen == gen {
			s.active = prev
		} else if s.active.kind == activeN && prev.kind == activeN {
			s.active.n++
		}
		s.mu.Unlock()
		return true
	}
	if passive {
		s.deliver(Passive{Sock: s})
	}
	return true
}

// consumeActiveLocked counts a Data message against the active mode: once
// becomes passive, N counts down and at 0 becomes passive; it reports
// whether a Passive message is due. mu held.
func (s *Socket) consumeActiveLocked() (passive bool) {
	switch s.active.kind {
	case activeOnce:
		s.active = activeMode{kind: activeFalse}
	case activeN:
		s.active.n--
		if s.active.n <= 0 {
			s.active = activeMode{kind: activeFalse}
			return true
		}
	}
	return false
}

// deliverEnd delivers the end of the connection: the Error (once) when a
// fatal error or a packet that could not be decoded ended it, then Closed
// (once). readMu held.
func (s *Socket) deliverEnd() {
	s.mu.Lock()
	reason := s.perr
	if reason == nil && s.rerr != ErrClosed {
		// A fatal alert, or econnreset with show_econnreset.
		reason = s.rerr
	}
	sendErr := !s.errorDelivered && reason != nil
	s.mu.Unlock()
	if sendErr {
		if !s.deliver(Error{Sock: s, Reason: reason}) {
			return
		}
		s.mu.Lock()
		s.errorDelivered = true
		s.mu.Unlock()
	}
	if s.deliver(Closed{Sock: s}) {
		s.mu.Lock()
		s.closeDelivered = true
		s.mu.Unlock()
	}
}

// deliver sends m to the owner channel, waiting as long as the owner
// does not take it. It returns false, with m not delivered, when the
// reader is asked to stop or the socket is closed.
func (s *Socket) deliver(m Message) bool {
	s.mu.Lock()
	for {
		if s.stopReader || s.closed || s.renegotiationDueLocked() && isData(m) {
			s.mu.Unlock()
			return false
		}
		owner, wake := s.owner, s.wake
		s.sending = true
		_, s.sendingData = m.(Data)
		s.sendGen++
		s.mu.Unlock()
		sent := false
		select {
		case owner <- m:
			sent = true
		case <-wake:
		}
		s.mu.Lock()
		s.sending = false
		s.cond.Broadcast()
		if sent {
			s.mu.Unlock()
			return true
		}
	}
}

// isData reports whether m is a Data message, the only kind a
// renegotiation may hold back (renegotiate.go).
func isData(m Message) bool {
	_, ok := m.(Data)
	return ok
}
