package ssl

import (
	"slices"

	"github.com/otpssl/ssl/handshake"
)

// stagePSKModes resolves the psk_key_exchange_modes option (options.go,
// PSKKeyExchangeModes): a list of PSKMode or of their atoms, at least
// one, each known; a mode given twice counts once, at its first place.
// It needs TLS 1.3.
func (r *resolver) stagePSKModes() error {
	v, ok := r.get("psk_key_exchange_modes")
	if !ok {
		return nil
	}
	if err := r.needVersion("psk_key_exchange_modes", tls13Only...); err != nil {
		return err
	}
	var modes []PSKMode
	switch x := v.(type) {
	case []PSKMode:
		modes = x
	case PSKMode:
		modes = []PSKMode{x}
	case []string:
		for _, a := range x {
			m, ok := enumOf(a, PSKDHEKE, PSKKE)
			if !ok {
				return invalid("psk_key_exchange_modes", v, quoteAtom(a)+" is not psk_dhe_ke or psk_ke")
			}
			modes = append(modes, m)
		}
	default:
		return invalid("psk_key_exchange_modes", v, "the value must be a list of psk_dhe_ke and psk_ke")
	}
	if len(modes) == 0 {
		return invalid("psk_key_exchange_modes", v, "at least one mode is needed")
	}
	out := make([]uint8, 0, 2)
	for _, m := range modes {
		if m != PSKDHEKE && m != PSKKE {
			return invalid("psk_key_exchange_modes", v, m.String()+" is not psk_dhe_ke or psk_ke")
		}
		if !slices.Contains(out, uint8(m)) {
			out = append(out, uint8(m))
		}
	}
	if len(out) == 1 && out[0] == handshake.PSKModeDHEKE {
		out = nil // the default
	}
	r.c.pskModes = out
	return nil
}
