package ssl

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/otpssl/ssl/handshake"
	"github.com/otpssl/ssl/record"
)

// This file is the one place that sends fatal alerts. Handshake and record
// errors come here as values (a *handshake.Error or a record.Alert);
// fail turns the first of them into the connection's sticky error, sends
// the alert when this side raised it, and closes the transport. After it
// nothing more is written: the record layer refuses writes after a fatal
// alert, and every later call returns the sticky error first.

// alertOf returns the alert err carries: a *handshake.Error's (with its
// state and cause), or a record.Alert's (state "" and, when the alert is
// wrapped in another error, that error as the cause).
func alertOf(err error) (a record.Alert, state string, cause error, ok bool) {
	var he *handshake.Error
	if errors.As(err, &he) {
		return he.Alert, he.State, he.Err, true
	}
	if errors.As(err, &a) {
		if _, bare := err.(record.Alert); !bare {
			cause = err
		}
		return a, "", cause, true
	}
	return record.Alert{}, "", nil, false
}

// fail ends the connection for err, which carries an alert (a
// *handshake.Error or a record.Alert) raised by this side or received from
// the peer, in the handshake state named state (unless err names one). The
// first such error sticks: it is recorded as the socket's fatal error, the
// alert is logged and, when this side raised it, sent (bounded by
// alert_timeout as a write deadline), and the transport is closed. A later
// call returns the recorded error and sends nothing. An error without an
// alert is reported as an internal_error this side raises.
func (s *Socket) fail(err error, state string) error {
	a, st, cause, ok := alertOf(err)
	if !ok {
		a, cause = record.Alert{Level: record.Fatal, Description: record.InternalError}, err
	}
	if a.Level == 0 {
		a.Level = record.Fatal
	}
	if st != "" {
		state = st
	}
	ae := NewAlertError(a, s.role, state, cause)

	s.mu.Lock()
	if s.fatal != nil {
		f := s.fatal
		s.closeTransportLocked()
		s.mu.Unlock()
		return f
	}
	s.fatal = ae
	if s.neg != nil && s.neg.state != nil {
		// RFC 5246, Section 7.2.2: a fatal alert invalidates the
		// session (sessions.go).
		defer s.neg.state.InvalidateSession()
	}
	send := !a.Remote && !s.closed && !s.transportClosed && !s.sentClose && s.werr == nil
	if send {
		s.sentClose = true
		s.setWriteDeadlineLocked(time.Now().Add(s.cfg.alertTimeout))
	}
	s.mu.Unlock()

	s.logAlert(ae)
	if send {
		s.writeMu.Lock()
		_ = s.rc.SendAlert(a.Level, a.Description)
		s.writeMu.Unlock()
	}
	s.closeTransport()
	return ae
}

// logAlert logs an alert sent or received, as Erlang's ssl does at level
// notice, in Erlang's text ("TLS server: In state hello generated SERVER
// ALERT: Fatal - Handshake Failure"), when the log_level (or log_alert)
// option allows. close_notify is not logged.
func (s *Socket) logAlert(ae *AlertError) {
	if record.Description(ae.Description) == record.CloseNotify {
		return
	}
	cfg := s.config()
	if !cfg.logEnabled(LevelNotice) || cfg.logger == nil {
		return
	}
	alerter := "own"
	if ae.Remote {
		alerter = "peer"
	}
	cfg.logger.LogAttrs(context.Background(), LevelNotice.slogLevel(), ae.Text(),
		slog.String("protocol", "TLS"),
		slog.String("role", s.role.String()),
		slog.String("state", ae.State),
		slog.String("alerter", alerter),
		slog.String("alert", record.Description(ae.Description).String()))
}
