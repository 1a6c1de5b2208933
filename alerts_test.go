package ssl

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/record"
)

// logRecorder is a slog.Handler that keeps the messages logged.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

func (h *logRecorder) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

// fakeHello is the record the fake handshake's client sends first.
var fakeHello = []byte{22, 3, 1, 0, 8, 1, 0, 0, 4, 'f', 'a', 'k', 'e'}

// TestHandshakeFailureSendsOneAlert fails the server's handshake and
// checks what goes on the wire: the alert, and nothing after it.
func TestHandshakeFailureSendsOneAlert(t *testing.T) {
	checkLeaks(t)
	f := useFake(t)
	f.serverErr = record.Alert{Level: record.Fatal, Description: record.HandshakeFailure, Reason: "no suite in common"}
	logs := &logRecorder{}
	ls, err := Listen(0, newCreds(t).serverOpts(IP(mustAddr("127.0.0.1")), Logger(slog.New(logs)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	conn, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(fakeHello); err != nil {
		t.Fatal(err)
	}
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.SSLAccept(hangLimit)
	var ae *AlertError
	if !errors.As(err, &ae) {
		t.Fatalf("SSLAccept = %v, want an *AlertError", err)
	}
	const text = "TLS server: In state hello generated SERVER ALERT: Fatal - Handshake Failure\n no suite in common"
	if ae.Remote || ae.Role != RoleServer || ae.Text() != text {
		t.Errorf("alert %+v, text %q", ae, ae.Text())
	}
	if want := "{tls_alert,{handshake_failure," + erlString(text) + "}}"; ae.Term() != want {
		t.Errorf("Term = %s, want %s", ae.Term(), want)
	}
	got := readAll(t, conn)
	if len(got) != 7 || got[0] != 21 || !bytes.Equal(got[3:], []byte{0, 2, 2, 40}) {
		t.Fatalf("the server wrote %x, want one handshake_failure alert and the end", got)
	}
	// The error sticks; the socket is closed for data.
	if err2 := s.SSLAccept(hangLimit); err2 != err {
		t.Errorf("SSLAccept again = %v, want the same error", err2)
	}
	if err2 := s.Send([]byte("x")); err2 != err {
		t.Errorf("Send = %v, want the alert", err2)
	}
	if msgs := logs.messages(); len(msgs) != 1 || msgs[0] != text {
		t.Errorf("logged %q, want the alert's text", msgs)
	}
}

// TestHandshakeFailureAtPeer checks the error of the side that receives
// the alert.
func TestHandshakeFailureAtPeer(t *testing.T) {
	checkLeaks(t)
	f := useFake(t)
	f.serverErr = record.Alert{Level: record.Fatal, Description: record.HandshakeFailure}
	c := newCreds(t)
	ls, err := Listen(0, c.serverOpts(IP(mustAddr("127.0.0.1")), LogLevel(LevelNone))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	go func() {
		s, err := ls.TransportAccept(hangLimit)
		if err == nil {
			s.SSLAccept(hangLimit)
			s.Close()
		}
	}()
	logs := &logRecorder{}
	_, err = Connect("127.0.0.1", port(ls), c.clientOpts(Logger(slog.New(logs))), hangLimit)
	var ae *AlertError
	if !errors.As(err, &ae) || !ae.Remote {
		t.Fatalf("Connect = %v, want the server's alert", err)
	}
	const want = `{tls_alert,{handshake_failure,"TLS client: In state hello received SERVER ALERT: Fatal - Handshake Failure"}}`
	if ae.Term() != want {
		t.Errorf("Term = %s, want %s", ae.Term(), want)
	}
	if !errors.Is(err, record.Alert{Description: record.HandshakeFailure}) {
		t.Error("errors.Is does not find the alert")
	}
	if msgs := logs.messages(); len(msgs) != 1 || !strings.Contains(msgs[0], "received SERVER ALERT") {
		t.Errorf("logged %q", msgs)
	}
}

func TestLogAlertFalse(t *testing.T) {
	checkLeaks(t)
	f := useFake(t)
	f.serverErr = record.Alert{Level: record.Fatal, Description: record.HandshakeFailure}
	logs := &logRecorder{}
	ls, err := Listen(0, newCreds(t).serverOpts(IP(mustAddr("127.0.0.1")), LogAlert(false), Logger(slog.New(logs)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	conn, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(fakeHello)
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SSLAccept(hangLimit); err == nil {
		t.Fatal("the handshake succeeded")
	}
	readAll(t, conn)
	if msgs := logs.messages(); len(msgs) != 0 {
		t.Errorf("logged %q with log_alert false", msgs)
	}
}

// TestFatalAlertAfterHandshake corrupts a record and checks both ends:
// the alert sent, nothing after it, and the error sticking.
func TestFatalAlertAfterHandshake(t *testing.T) {
	checkLeaks(t)
	server, client := passivePair(t, newCreds(t))
	bad := append([]byte{23, 3, 3, 0, 40}, make([]byte, 40)...)
	if _, err := client.transport.Write(bad); err != nil {
		t.Fatal(err)
	}
	_, err := server.Recv(0, hangLimit)
	var ae *AlertError
	if !errors.As(err, &ae) || ae.Remote || record.Description(ae.Description) != record.BadRecordMAC || ae.State != "connection" {
		t.Fatalf("Recv = %v, want a bad_record_mac this side raised in state connection", err)
	}
	if !strings.HasPrefix(ae.Term(), `{tls_alert,{bad_record_mac,"TLS server: In state connection generated SERVER ALERT: Fatal - Bad Record MAC`) {
		t.Errorf("Term = %s", ae.Term())
	}
	// Later calls return the same error.
	if _, err2 := server.Recv(0, 0); err2 != err {
		t.Errorf("Recv again = %v", err2)
	}
	if err2 := server.Send([]byte("x")); err2 != err {
		t.Errorf("Send = %v", err2)
	}
	if err2 := server.Close(); err2 != nil {
		t.Errorf("Close = %v", err2)
	}
	// On the wire: one protected alert record, then the end (TLS 1.3
	// hides the alert in an application_data record).
	raw := readAll(t, client.transport)
	if len(raw) < 7 || (raw[0] != 21 && raw[0] != 23) || int(raw[3])<<8|int(raw[4]) != len(raw)-5 {
		t.Fatalf("the server wrote %x, want one alert record and nothing after", raw)
	}
}

// TestPostHandshakeMessages sends handshake messages after the handshake:
// a HelloRequest the fake refuses with a warning (the connection goes
// on), then a message it refuses with a fatal alert.
func TestPostHandshakeMessages(t *testing.T) {
	checkLeaks(t)
	f := useFake(t)
	logs := &logRecorder{}
	server, client := pair(t, newCreds(t), []Option{Active(false), Logger(slog.New(logs))}, []Option{Active(false)})
	writeHandshake := func(s *Socket, msg []byte) {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		if err := s.rc.WriteRecord(record.TypeHandshake, msg); err != nil {
			t.Fatal(err)
		}
		if err := s.rc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	writeHandshake(server, []byte{0, 0, 0, 0})
	if err := server.Send([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, client, 4); string(got) != "data" {
		t.Fatalf("client got %q", got)
	}
	if err := client.Send([]byte("back")); err != nil {
		t.Fatal(err)
	}
	if got := recvExactly(t, server, 4); string(got) != "back" {
		t.Fatalf("server got %q", got)
	}
	f.mu.Lock()
	handled := f.handled
	f.mu.Unlock()
	if handled != 1 {
		t.Errorf("%d messages handled, want 1", handled)
	}
	if msgs := logs.messages(); len(msgs) != 1 || msgs[0] != "TLS server: In state connection received CLIENT ALERT: Warning - No Renegotiation" {
		t.Errorf("server logged %q", msgs)
	}

	writeHandshake(client, []byte{1, 0, 0, 0})
	_, err := server.Recv(0, hangLimit)
	if !errors.Is(err, record.Alert{Description: record.UnexpectedMessage}) {
		t.Fatalf("Recv after a refused message = %v", err)
	}
	if _, err := client.Recv(0, hangLimit); !errors.Is(err, record.Alert{Description: record.UnexpectedMessage}) {
		t.Fatalf("the client's Recv = %v, want the server's alert", err)
	}
}

// TestSendWhileAlertIsSent races sends against a fatal alert raised by the
// reader: every send fails or completes before the alert, none after.
func TestSendWhileAlertIsSent(t *testing.T) {
	checkLeaks(t)
	server, client := pair(t, newCreds(t), nil, []Option{Active(false)})
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := server.Send([]byte("tick")); err != nil {
				done <- err
				return
			}
		}
	}()
	bad := append([]byte{23, 3, 3, 0, 40}, make([]byte, 40)...)
	if _, err := client.transport.Write(bad); err != nil {
		t.Fatal(err)
	}
	var sendErr error
	select {
	case sendErr = <-done:
	case <-time.After(hangLimit):
		close(stop)
		<-done
		t.Fatal("sends went on after the fatal alert")
	}
	if !errors.Is(sendErr, record.Alert{Description: record.BadRecordMAC}) {
		t.Errorf("Send = %v, want the alert", sendErr)
	}
	// The client reads data records, then the alert, then nothing.
	for {
		_, err := client.Recv(0, hangLimit)
		if err == nil {
			continue
		}
		if !errors.Is(err, record.Alert{Description: record.BadRecordMAC}) {
			t.Fatalf("client Recv = %v, want the alert last", err)
		}
		break
	}
}

// TestHostileBytesAfterHandshake feeds random bytes to an established
// socket: every input ends the connection with an error (an alert or a
// close), never a panic or a hang.
func TestHostileBytesAfterHandshake(t *testing.T) {
	checkLeaks(t)
	useFake(t) // cheap handshakes; the record layer and the socket are under test
	c := newCreds(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 40; i++ {
		server, client := pair(t, c, []Option{Active(i%2 == 0), LogLevel(LevelNone)}, []Option{Active(false)})
		junk := make([]byte, 1+rng.IntN(300))
		for j := range junk {
			junk[j] = byte(rng.UintN(256))
		}
		if i%3 == 0 {
			junk[0] = byte(20 + rng.IntN(4)) // a valid content type
			junk[1], junk[2] = 3, 3
		}
		client.transport.Write(junk)
		client.transport.Close()
		var err error
		if i%2 == 0 {
			for err == nil {
				switch m := next(t, server.Messages()).(type) {
				case Error:
					err = m.Reason
				case Closed:
					err = ErrClosed
				}
			}
		} else {
			for err == nil {
				_, err = server.Recv(0, hangLimit)
			}
		}
		var ae *AlertError
		if !errors.Is(err, ErrClosed) && !errors.As(err, &ae) {
			t.Fatalf("input %x: %v, want an alert or ErrClosed", junk, err)
		}
		server.Close()
		client.Close()
	}
}

func TestCloseDuringHandshake(t *testing.T) {
	checkLeaks(t)
	ls, err := Listen(0, newCreds(t).serverOpts(IP(mustAddr("127.0.0.1")))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	conn, err := net.Dial("tcp", ls.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := ls.TransportAccept(hangLimit)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.SSLAccept(Infinity) }()
	time.Sleep(20 * time.Millisecond) // let it block (not needed to pass)
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("SSLAccept interrupted by Close = %v, want ErrClosed", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("Close did not end the handshake")
	}
	if b := readAll(t, conn); len(b) != 0 {
		t.Errorf("the server wrote %x", b)
	}
}
