package ssl

import (
	"net/netip"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/handshake"
)

// handshakeConfig translates the resolved config into the settings of one
// handshake. On a client, host and ip are what Connect was given (host ""
// for an upgraded connection; ip the peer's address, checked when there is
// no name, see peerIdentity): they decide the server name sent and the
// name or address the server's certificate must match. On a server both
// are zero, and a server with sni_hosts or sni_fun gets a callback that
// switches to the configuration for the name the client sends
// (forServerName).
//
// The DTLS versions are dropped here; the TLS ones, TLS 1.3 included, go
// to the handshake with the TLS 1.3 settings (supported_groups,
// signature_algs_cert, middlebox_comp_mode, cookie, key_update_at,
// keep_secrets, keylog).
func (c *config) handshakeConfig(host string, ip netip.Addr) *handshake.Config {
	hc := &handshake.Config{
		Suites:            c.suites,
		HonorCipherOrder:  c.honorCipherOrder,
		Eccs:              c.eccs,
		HonorEccOrder:     c.honorEccOrder,
		SignatureAlgs:     c.sigAlgs,
		DHParams:          c.dh,
		VerifyPeer:        c.verify == VerifyPeer,
		FailIfNoPeerCert:  c.failIfNoPeerCert,
		OmitCANames:       !c.certAuthorities,
		SecureRenegotiate: c.secureRenegotiate,
		Fallback:          c.fallback,

		Groups:                 c.groups,
		SignatureAlgsCert:      c.sigAlgsCert,
		DisableMiddleboxCompat: !c.middleboxCompat,
		NoCookie:               !c.cookie,
		KeyUpdateAt:            c.keyUpdateAt,
		KeepSecrets:            c.keepSecrets,
		KeyLog:                 c.keylog,
		PSKModes:               c.pskModes,
	}
	for _, v := range c.versions {
		if !isDTLS(v) {
			hc.Versions = append(hc.Versions, cipher.Version(v))
		}
	}
	if c.certChain != nil && c.key != nil {
		hc.Certificates = []handshake.Credential{{Chain: c.certChain, Key: c.key, Leaf: c.leaf}}
	}
	if c.role == RoleClient {
		sni, name, addr := c.peerIdentity(host, ip)
		hc.ServerName = sni
		hc.PathOptions = c.pathOptions(name, addr)
		hc.ALPN = c.alpnAdvertised
		if n := c.npnClient; n != nil {
			hc.NextProtocols = &handshake.NextProtocols{
				Protocols:        n.Protocols,
				ServerPrecedence: n.Precedence == PrecedenceServer,
				Default:          n.Default,
			}
		}
		return hc
	}
	hc.PathOptions = c.pathOptions("", netip.Addr{})
	hc.ALPN = c.alpnPreferred
	hc.NextProtocolsAdvertised = c.npnAdvertised
	hc.IssueSessionID = c.reuseSessions
	c.serverSessionOptions(hc) // sessions.go
	if c.sniHosts != nil || c.sniFun != nil {
		hc.SNI = func(name string) (*handshake.Config, error) {
			sc, err := c.forServerName(name)
			if err != nil {
				return nil, err
			}
			if sc == c {
				return nil, nil
			}
			return sc.handshakeConfig("", netip.Addr{}), nil
		}
	}
	return hc
}
