package ssl

import (
	"errors"
	"testing"

	"github.com/otpssl/ssl/internal/testpki"
)

// The cache of cacerts that parse answers by content: a certificate
// remembered as good does not make a changed copy of it good, a bad one
// is refused on every resolution, and the cache starts over when full.
func TestCACertsParseCheckByContent(t *testing.T) {
	pki := testpki.New(t)
	good := pki.Root("Root").DER
	mustResolve(t, RoleClient, Verify(VerifyPeer), CACerts(good))
	mustResolve(t, RoleClient, Verify(VerifyPeer), CACerts(good))

	bad := append([]byte(nil), good...)
	bad[1]++ // the outer length no longer matches
	for i := 0; i < 2; i++ {
		_, err := resolve(RoleClient, []Option{Verify(VerifyPeer), CACerts(good, bad)})
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Name != "cacerts" {
			t.Fatalf("resolution %d with a changed copy of a good certificate: %v", i, err)
		}
	}

	derCache.Lock()
	derCache.bytes = derCacheMaxBytes - 1
	derCache.Unlock()
	other := pki.Root("Other").DER
	mustResolve(t, RoleClient, Verify(VerifyPeer), CACerts(other))
	derCache.Lock()
	_, kept := derCache.ok[string(good)]
	n := derCache.bytes
	derCache.Unlock()
	if kept || n < len(other) || n >= derCacheMaxBytes-1 {
		t.Errorf("a full cache did not start over (old entry kept %v, %d bytes)", kept, n)
	}
}
