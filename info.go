package ssl

import (
	"net"
	"net/netip"
)

// ErrNoPeercert is returned by Peercert when the peer sent no
// certificate: Erlang's {error, no_peercert}.
var ErrNoPeercert error = &reasonError{"no_peercert", "the peer sent no certificate"}

// ConnectionInfo is what ConnectionInformation reports, Erlang's
// connection_information/1,2 result. A field whose item was not asked for
// or is not defined has its zero value; Items lists the items present.
type ConnectionInfo struct {
	// Protocol is the negotiated version (item protocol).
	Protocol Protocol
	// CipherSuite is the negotiated suite (items cipher_suite and
	// selected_cipher_suite, which Go does not need to tell apart).
	CipherSuite CipherSuite
	// SNIHostname is the server name the client sent (item sni_hostname),
	// on both sides.
	SNIHostname string
	// ECC is the elliptic curve of the key exchange (item ecc), when one
	// was used.
	ECC NamedCurve
	// SessionID is the session ID (item session_id); it may be empty.
	SessionID []byte
	// SessionResumption says the handshake resumed a session (item
	// session_resumption): in TLS 1.3 with a PSK from a session ticket,
	// in TLS 1.0-1.2 with an abbreviated handshake.
	SessionResumption bool
	// SessionData is the TLS 1.0-1.2 session's encoding (item
	// session_data, current OTP's), for a client's ReuseSessionData; it
	// holds the master secret and is reported only when asked for by
	// name, and only for a session that can be resumed.
	SessionData []byte
	// NegotiatedProtocol is the protocol ALPN or NPN chose (item
	// negotiated_protocol).
	NegotiatedProtocol string
	// ClientRandom, ServerRandom and MasterSecret are the hello randoms and
	// the TLS 1.0-1.2 master secret. They affect the security of the
	// connection and are reported only when asked for by name
	// (client_random, server_random, master_secret), as Erlang does.
	ClientRandom []byte
	ServerRandom []byte
	MasterSecret []byte
	// ClientHandshakeTrafficSecret, ServerHandshakeTrafficSecret,
	// ClientTrafficSecret and ServerTrafficSecret are the TLS 1.3
	// secrets (items client_handshake_traffic_secret,
	// server_handshake_traffic_secret, client_traffic_secret and
	// server_traffic_secret), ClientKeyUpdates and ServerKeyUpdates the
	// generations N of the traffic secrets
	// (application_traffic_secret_N, after N key updates). They are
	// reported only when asked for by name on a TLS 1.3 connection with
	// keep_secrets, as current OTP's connection_information does;
	// unlike OTP, which gives each side the peer's traffic secret only
	// ({client_traffic_secret, Secret, N} on a server), both sides get
	// both.
	ClientHandshakeTrafficSecret []byte
	ServerHandshakeTrafficSecret []byte
	ClientTrafficSecret          []byte
	ServerTrafficSecret          []byte
	ClientKeyUpdates             int
	ServerKeyUpdates             int
	// Keylog is the item keylog: the connection's secrets as NSS key log
	// lines (without newlines), for Wireshark: CLIENT_RANDOM for TLS
	// 1.0-1.2; the handshake and current traffic secrets and
	// EXPORTER_SECRET for TLS 1.3. Reported only when asked for by name,
	// with keep_secrets, as OTP does.
	Keylog []string
	// Options are the ssl options given (each with its last value; secrets
	// such as password and key left out): all of them when no item is
	// named, else those named.
	Options []Option
	// Items names the items present, in the order asked (the Erlang item
	// names; for Options, each option's name).
	Items []string
}

// ConnectionInformation returns information about the connection, as
// Erlang's connection_information/1,2. With no items it reports protocol,
// cipher_suite, selected_cipher_suite, sni_hostname (when the client sent
// one), ecc (when a curve was used), session_id, negotiated_protocol (when
// one was), session_resumption and every ssl option given. With items it reports those named,
// if defined: the items above, client_random, server_random,
// master_secret (TLS 1.0-1.2; undefined in TLS 1.3), with keep_secrets
// keylog and, in TLS 1.3, client_handshake_traffic_secret,
// server_handshake_traffic_secret, client_traffic_secret and
// server_traffic_secret, and ssl option names; other names are ignored,
// so the result may be empty. Current OTP's srp_username and
// max_fragment_length are never defined here: this library implements
// neither the SRP key exchange (RFC 5054) nor the max_fragment_length
// extension (RFC 6066, Section 4; a client does not offer it and a server
// does not answer it, so records are never limited by it); asking for
// them gives nothing, as OTP gives nothing for an item a connection does
// not have. Before the handshake it returns ErrNotConnected,
// after Close ErrClosed.
func (s *Socket) ConnectionInformation(items ...string) (ConnectionInfo, error) {
	neg, cfg, err := s.negotiatedInfo()
	if err != nil {
		return ConnectionInfo{}, err
	}
	var info ConnectionInfo
	add := func(item string) {
		switch item {
		case "protocol":
			info.Protocol = Protocol(neg.version)
		case "cipher_suite", "selected_cipher_suite":
			if neg.suite == nil {
				return
			}
			info.CipherSuite = suiteOf(neg.suite)
		case "sni_hostname":
			if neg.serverName == "" {
				return
			}
			info.SNIHostname = neg.serverName
		case "ecc":
			if neg.group == 0 || !neg.group.IsEC() {
				return
			}
			info.ECC = neg.group
		case "session_id":
			info.SessionID = append([]byte{}, neg.sessionID...)
		case "session_resumption":
			info.SessionResumption = neg.resumed
		case "session_data":
			if neg.session == nil {
				return
			}
			d, err := neg.session.MarshalBinary()
			if err != nil {
				return
			}
			info.SessionData = d
		case "negotiated_protocol":
			p := negotiatedProtocol(neg)
			if p == "" {
				return
			}
			info.NegotiatedProtocol = p
		case "client_random":
			info.ClientRandom = append([]byte(nil), neg.clientRandom[:]...)
		case "server_random":
			info.ServerRandom = append([]byte(nil), neg.serverRandom[:]...)
		case "master_secret":
			if len(neg.masterSecret) == 0 {
				return
			}
			info.MasterSecret = append([]byte(nil), neg.masterSecret...)
		case "srp_username", "max_fragment_length":
			return // never negotiated by this library (see above)
		case "client_handshake_traffic_secret", "server_handshake_traffic_secret",
			"client_traffic_secret", "server_traffic_secret", "keylog":
			if !addSecret(&info, neg, cfg, item) {
				return
			}
		default:
			return
		}
		info.Items = append(info.Items, item)
	}
	if len(items) == 0 {
		for _, item := range []string{"protocol", "cipher_suite", "selected_cipher_suite", "sni_hostname",
			"ecc", "session_id", "negotiated_protocol", "session_resumption"} {
			add(item)
		}
		info.Options = cfg.definedOptions()
		for _, o := range info.Options {
			info.Items = append(info.Items, o.Name)
		}
		return info, nil
	}
	var defined map[string]Option
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		if seen[item] {
			continue
		}
		seen[item] = true
		if _, isOption := optSpecs[item]; isOption && optSpecs[item].class == classSSL && !infoItems[item] {
			if defined == nil {
				defined = make(map[string]Option)
				for _, o := range cfg.definedOptions() {
					defined[o.Name] = o
				}
			}
			if o, ok := defined[item]; ok {
				info.Options = append(info.Options, o)
				info.Items = append(info.Items, item)
			}
			continue
		}
		add(item)
	}
	return info, nil
}

// infoItems are the items of ConnectionInformation that are not ssl
// options; protocol is both, and means the negotiated version.
var infoItems = map[string]bool{
	"protocol": true, "cipher_suite": true, "selected_cipher_suite": true, "sni_hostname": true,
	"ecc": true, "session_id": true, "negotiated_protocol": true, "session_resumption": true,
	"session_data":  true,
	"client_random": true, "server_random": true, "master_secret": true,
	"client_handshake_traffic_secret": true, "server_handshake_traffic_secret": true,
	"client_traffic_secret": true, "server_traffic_secret": true, "keylog": true,
}

// negotiatedInfo returns what the handshake negotiated and the config, or
// why there is nothing to report.
func (s *Socket) negotiatedInfo() (*negotiated, *config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, nil, ErrClosed
	case !s.established.Load() || s.neg == nil:
		if s.fatal != nil {
			return nil, nil, s.fatal
		}
		return nil, nil, ErrNotConnected
	}
	return s.neg, s.cfg, nil
}

func negotiatedProtocol(neg *negotiated) string {
	if neg.alpn != "" {
		return neg.alpn
	}
	return neg.npn
}

// Peercert returns the peer's certificate, DER-encoded, as Erlang's
// peercert/1: the first of the chain it sent. It returns ErrNoPeercert
// when the peer sent none (a client the server did not ask, an anonymous
// or PSK suite), ErrNotConnected before the handshake and ErrClosed after
// Close. The slice is a copy.
func (s *Socket) Peercert() ([]byte, error) {
	neg, _, err := s.negotiatedInfo()
	if err != nil {
		return nil, err
	}
	if len(neg.peerCerts) == 0 || len(neg.peerCerts[0]) == 0 {
		return nil, ErrNoPeercert
	}
	return append([]byte(nil), neg.peerCerts[0]...), nil
}

// NegotiatedProtocol returns the application protocol ALPN (or, failing
// that, NPN) chose, as Erlang's negotiated_protocol/1, or
// ErrProtocolNotNegotiated. It returns ErrNotConnected before the
// handshake and ErrClosed after Close.
func (s *Socket) NegotiatedProtocol() (string, error) {
	neg, _, err := s.negotiatedInfo()
	if err != nil {
		return "", err
	}
	if p := negotiatedProtocol(neg); p != "" {
		return p, nil
	}
	return "", ErrProtocolNotNegotiated
}

// Peername returns the peer's address and port, as Erlang's peername/1.
// It works before the handshake; after Close it returns ErrClosed. A
// transport whose addresses are not IP addresses gives an error.
func (s *Socket) Peername() (netip.AddrPort, error) {
	if s.isClosed() {
		return netip.AddrPort{}, ErrClosed
	}
	return addrPort(s.transport.RemoteAddr())
}

// Sockname returns the local address and port, as Erlang's sockname/1.
// It works before the handshake; after Close it returns ErrClosed.
func (s *Socket) Sockname() (netip.AddrPort, error) {
	if s.isClosed() {
		return netip.AddrPort{}, ErrClosed
	}
	return addrPort(s.transport.LocalAddr())
}

func (s *Socket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// addrPort converts a transport address to an address and port.
func addrPort(a net.Addr) (netip.AddrPort, error) {
	switch x := a.(type) {
	case *net.TCPAddr:
		ap := x.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	case *net.UDPAddr:
		ap := x.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	case nil:
		return netip.AddrPort{}, &reasonError{"enotconn", "the transport has no address"}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}, &reasonError{"einval", "the transport's address " + a.String() + " is not an IP address and port"}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
