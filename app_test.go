package ssl

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/otpssl/ssl/pem"
)

// resetApp puts the application back in its initial state after a test.
func resetApp(t *testing.T) {
	t.Helper()
	oldClean := pem.Default.CleanInterval()
	t.Cleanup(func() {
		app.mu.Lock()
		app.started = false
		app.env.Store(nil)
		app.mu.Unlock()
		pem.Default.SetCleanInterval(oldClean)
	})
}

func TestStartStop(t *testing.T) {
	resetApp(t)
	if err := Stop(); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if err := Start(); err != nil {
		t.Fatal(err)
	}
	if err := Start(); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second Start = %v", err)
	}
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
	if err := Start(AlertTimeout(time.Second)); err != nil {
		t.Errorf("Start after Stop: %v", err)
	}
	if currentEnv().alertTimeout != time.Second {
		t.Error("the environment of the second Start is not in force")
	}
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
	// The environment outlives Stop, as an Erlang node's does.
	if currentEnv().alertTimeout != time.Second {
		t.Error("Stop reset the environment")
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	resetApp(t)
	e := currentEnv()
	if e.sessionLifetime != 24*time.Hour || e.sessionClientMax != 1000 || e.sessionServerMax != 1000 ||
		e.alertTimeout != 5*time.Second || !reflect.DeepEqual(e.protocolVersions, []Protocol{TLSv1_3, TLSv1_2}) ||
		!reflect.DeepEqual(e.dtlsVersions, []Protocol{DTLSv1_2}) {
		t.Errorf("defaults %v", e)
	}
}

func TestEnvironmentReachesConfigs(t *testing.T) {
	resetApp(t)
	if err := Start(
		SessionLifetime(time.Hour), SessionCacheClientMax(10), SessionCacheServerMax(20),
		ProtocolVersion(TLSv1_2, TLSv1_1, DTLSv1), AlertTimeout(250*time.Millisecond), PEMCacheClean(time.Minute),
	); err != nil {
		t.Fatal(err)
	}
	e := currentEnv()
	if e.sessionLifetime != time.Hour || e.sessionClientMax != 10 || e.sessionServerMax != 20 {
		t.Errorf("session settings %v", e)
	}
	if pem.Default.CleanInterval() != time.Minute {
		t.Errorf("PEM cache clean interval %v", pem.Default.CleanInterval())
	}
	c := mustResolve(t, RoleClient, noVerify)
	if !reflect.DeepEqual(c.versions, []Protocol{TLSv1_2, TLSv1_1}) || c.alertTimeout != 250*time.Millisecond {
		t.Errorf("config versions %v alert timeout %v", c.versions, c.alertTimeout)
	}
	d := mustResolve(t, RoleClient, noVerify, ProtocolOption(DTLS))
	if !reflect.DeepEqual(d.versions, []Protocol{DTLSv1}) {
		t.Errorf("DTLS versions %v", d.versions)
	}
	// The versions option overrides protocol_version.
	c = mustResolve(t, RoleClient, noVerify, Versions(TLSv1_3))
	if !reflect.DeepEqual(c.versions, []Protocol{TLSv1_3}) {
		t.Errorf("versions option %v", c.versions)
	}
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestStartRefusesBadEnvironment(t *testing.T) {
	resetApp(t)
	tests := []struct {
		opt  EnvOption
		term string
	}{
		{SessionLifetime(0), "{options,{session_lifetime,0}}"},
		{EnvOption{"session_lifetime", "long"}, `{options,{session_lifetime,"long"}}`},
		{SessionCacheClientMax(0), "{options,{session_cache_client_max,0}}"},
		{SessionCacheServerMax(-1), "{options,{session_cache_server_max,-1}}"},
		{ProtocolVersion(), "{options,{protocol_version,[]}}"},
		{ProtocolVersion(TLSv1_3, TLSv1), "{options,missing_version,{'tlsv1.2',{versions,['tlsv1.3',tlsv1]}}}"},
		{ProtocolVersion(TLSv1_2, TLSv1_2), "{options,{protocol_version,['tlsv1.2','tlsv1.2']}}"},
		{AlertTimeout(-time.Second), "{options,{alert_timeout,-1000}}"},
		{EnvOption{"session_cb", "my_cache"}, `{options,{session_cb,"my_cache"}}`},
	}
	for _, tc := range tests {
		err := Start(tc.opt)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Term() != tc.term {
			t.Errorf("Start(%v) = %v, want %s", tc.opt, err, tc.term)
		}
		if app.started || app.env.Load() != nil {
			t.Fatalf("Start(%v) failed but changed the state", tc.opt)
		}
	}
	// Erlang's units for hand-written settings.
	if err := Start(EnvOption{"session_lifetime", 60}, EnvOption{"alert_timeout", 1500}, EnvOption{"protocol_version", []string{"tlsv1.2"}}); err != nil {
		t.Fatal(err)
	}
	e := currentEnv()
	if e.sessionLifetime != time.Minute || e.alertTimeout != 1500*time.Millisecond || !reflect.DeepEqual(e.protocolVersions, []Protocol{TLSv1_2}) {
		t.Errorf("hand-written environment %v", e)
	}
}

func TestVersionInfo(t *testing.T) {
	resetApp(t)
	info := VersionInfo()
	if info.AppVsn == "" {
		t.Error("no application version")
	}
	// No handshake is implemented yet: nothing is supported or available.
	if len(handshakeVersions) == 0 && (len(info.Supported) != 0 || len(info.Available) != 0) {
		t.Errorf("versions reported without a handshake: %+v", info)
	}
	// Supported and Available derive from handshakeVersions and the
	// environment.
	old := handshakeVersions
	t.Cleanup(func() { handshakeVersions = old })
	handshakeVersions = []Protocol{TLSv1_2, TLSv1_3, TLSv1_1, DTLSv1_2}
	info = VersionInfo()
	if !reflect.DeepEqual(info.Available, []Protocol{TLSv1_3, TLSv1_2, TLSv1_1}) ||
		!reflect.DeepEqual(info.Supported, []Protocol{TLSv1_3, TLSv1_2}) ||
		!reflect.DeepEqual(info.AvailableDTLS, []Protocol{DTLSv1_2}) ||
		!reflect.DeepEqual(info.SupportedDTLS, []Protocol{DTLSv1_2}) {
		t.Errorf("VersionInfo = %+v", info)
	}
	if err := Start(ProtocolVersion(TLSv1_2, TLSv1_1)); err != nil {
		t.Fatal(err)
	}
	info = VersionInfo()
	if !reflect.DeepEqual(info.Supported, []Protocol{TLSv1_2, TLSv1_1}) {
		t.Errorf("Supported with protocol_version = %v", info.Supported)
	}
}

func TestEccs(t *testing.T) {
	want := []NamedCurve{X25519, Secp256r1, Secp384r1, Secp521r1}
	if got := Eccs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Eccs() = %v", got)
	}
	names := []string{}
	for _, c := range Eccs() {
		names = append(names, c.String())
	}
	if !reflect.DeepEqual(names, []string{"x25519", "secp256r1", "secp384r1", "secp521r1"}) {
		t.Errorf("Eccs names %v", names)
	}
	for _, p := range []Protocol{TLSv1, TLSv1_1, TLSv1_2, TLSv1_3, DTLSv1, DTLSv1_2} {
		if got := EccsFor(p); !reflect.DeepEqual(got, want) {
			t.Errorf("EccsFor(%v) = %v", p, got)
		}
	}
	if got := EccsFor(SSLv3); got == nil || len(got) != 0 {
		t.Errorf("EccsFor(sslv3) = %#v, want empty", got)
	}
	if got := EccsFor(Protocol(0x0399)); got != nil {
		t.Errorf("EccsFor(unknown) = %v", got)
	}
	// The result is the caller's.
	Eccs()[0] = 0
	if Eccs()[0] != X25519 {
		t.Error("Eccs shares its slice")
	}
}

func TestDefaultCRLCache(t *testing.T) {
	if DefaultCRLCache() == nil || DefaultCRLCache() != DefaultCRLCache() {
		t.Error("DefaultCRLCache is not one shared cache")
	}
}

// Resolutions before Start share one default environment; Start builds
// its own and leaves that one as it was.
func TestStartLeavesSharedDefaultsAlone(t *testing.T) {
	resetApp(t)
	if currentEnv() != sharedDefaultEnv {
		t.Fatal("before Start the environment is not the shared default")
	}
	if err := Start(ProtocolVersion(TLSv1_2), AlertTimeout(time.Second), SessionCacheClientMax(3)); err != nil {
		t.Fatal(err)
	}
	if currentEnv() == sharedDefaultEnv || currentEnv().alertTimeout != time.Second {
		t.Error("Start's environment is not in force")
	}
	if !reflect.DeepEqual(sharedDefaultEnv, defaultEnv()) {
		t.Errorf("Start changed the shared defaults: %+v", sharedDefaultEnv)
	}
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
}
