package handshake

import (
	"encoding/hex"
	"io"
	"strconv"
)

// The labels of the NSS key log format (the SSLKEYLOGFILE lines Wireshark
// and other tools read; draft-ietf-tls-keylogfile): each line is a label,
// the client random in hexadecimal and a secret in hexadecimal.
const (
	// KeyLogClientRandom labels the TLS 1.0-1.2 master secret.
	KeyLogClientRandom = "CLIENT_RANDOM"
	// KeyLogClientHandshake labels client_handshake_traffic_secret.
	KeyLogClientHandshake = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	// KeyLogServerHandshake labels server_handshake_traffic_secret.
	KeyLogServerHandshake = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	// KeyLogClientTraffic labels client_application_traffic_secret_N,
	// with N appended ("CLIENT_TRAFFIC_SECRET_0").
	KeyLogClientTraffic = "CLIENT_TRAFFIC_SECRET_"
	// KeyLogServerTraffic labels server_application_traffic_secret_N,
	// with N appended.
	KeyLogServerTraffic = "SERVER_TRAFFIC_SECRET_"
	// KeyLogExporter labels exporter_master_secret.
	KeyLogExporter = "EXPORTER_SECRET"
)

// keyLogLine returns one key log line, without its newline.
func keyLogLine(label string, clientRandom, secret []byte) string {
	b := make([]byte, 0, len(label)+2+2*len(clientRandom)+2*len(secret))
	b = append(b, label...)
	b = append(b, ' ')
	b = hex.AppendEncode(b, clientRandom)
	b = append(b, ' ')
	b = hex.AppendEncode(b, secret)
	return string(b)
}

// trafficLabel returns the label of application traffic secret n of one
// side.
func trafficLabel(client bool, n int) string {
	if client {
		return KeyLogClientTraffic + strconv.Itoa(n)
	}
	return KeyLogServerTraffic + strconv.Itoa(n)
}

// writeKeyLog writes one line to w, if w is set. The line goes in one
// Write, so that a writer shared by connections that serializes its
// writes never mixes lines; errors are ignored, as a key log is a
// debugging aid that must not break the connection.
func writeKeyLog(w io.Writer, label string, clientRandom, secret []byte) {
	if w == nil || len(secret) == 0 {
		return
	}
	_, _ = io.WriteString(w, keyLogLine(label, clientRandom, secret)+"\n")
}

// KeyLog returns the connection's secrets as NSS key log lines (without
// newlines), as Erlang's connection_information item keylog gives them:
// for TLS 1.0-1.2 the CLIENT_RANDOM line of the master secret; for TLS
// 1.3, with Config.KeepSecrets, the handshake traffic secrets, the
// current application traffic secrets (CLIENT_TRAFFIC_SECRET_N and
// SERVER_TRAFFIC_SECRET_N after N key updates) and the exporter secret.
// It returns nil when the secrets are not kept. It may be called while
// another goroutine updates the keys.
func (s *State) KeyLog() []string {
	cr := s.ClientRandom[:]
	if s.tls13 == nil {
		if len(s.MasterSecret) == 0 {
			return nil
		}
		return []string{keyLogLine(KeyLogClientRandom, cr, s.MasterSecret)}
	}
	k := s.Secrets()
	if len(k.ClientTraffic) == 0 {
		return nil
	}
	var out []string
	if len(k.ClientHandshake) > 0 {
		out = append(out,
			keyLogLine(KeyLogClientHandshake, cr, k.ClientHandshake),
			keyLogLine(KeyLogServerHandshake, cr, k.ServerHandshake))
	}
	out = append(out,
		keyLogLine(trafficLabel(true, k.ClientKeyUpdates), cr, k.ClientTraffic),
		keyLogLine(trafficLabel(false, k.ServerKeyUpdates), cr, k.ServerTraffic),
		keyLogLine(KeyLogExporter, cr, s.tls13.exporter))
	return out
}
