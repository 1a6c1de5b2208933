package handshake

import "github.com/otpssl/ssl/session"

// TestHooks are the message hooks of a Config, exported for the tests of
// package handshake_test that replay RFC 8448's traces (testHooks).
type TestHooks struct {
	ClientHello         func(*ClientHello)
	ServerHello         func(*ServerHello)
	EncryptedExtensions func(*EncryptedExtensions)
	CertificateRequest  func(*CertificateRequest)
	Cookie              func(helloHash []byte) []byte
}

// SetTicketOpener makes t take tickets with open alone (the RFC 8448
// replay of Section 4 resumes the trace's ticket).
func SetTicketOpener(t *ServerTickets, open func([]byte) *session.Session) { t.testOpen = open }

// SetTestHooks installs h in cfg.
func SetTestHooks(cfg *Config, h TestHooks) {
	cfg.hooks = &testHooks{
		clientHello: h.ClientHello, serverHello: h.ServerHello, encryptedExtensions: h.EncryptedExtensions,
		certificateRequest: h.CertificateRequest, cookie: h.Cookie,
	}
}
