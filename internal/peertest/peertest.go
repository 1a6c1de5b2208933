// Package peertest finds the outside programs that interop tests talk to
// (openssl, gnutls-cli, gnutls-serv, erl, escript, redis-server).
//
// A test that needs one calls Require. When the program is missing the
// test is skipped with a message naming it, unless the environment variable
// OTPSSL_REQUIRE_PEERS is set to a non-empty value other than "0", as CI
// sets it: then the test fails, because a missing peer there means a
// missing install step.
package peertest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing peer from a
// skip into a failure.
const RequireEnv = "OTPSSL_REQUIRE_PEERS"

// Required reports whether missing peers fail tests instead of skipping
// them.
func Required() bool {
	v := os.Getenv(RequireEnv)
	return v != "" && v != "0"
}

// Require returns the path of the program name, or ends the test: skipped
// when peers are optional, failed when they are required.
func Require(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if Required() {
		tb.Fatalf("interop peer %q is not installed, and %s is set: install it (see .ci/run)", name, RequireEnv)
	}
	tb.Skipf("interop peer %q is not installed; skipping (set %s=1 to make this a failure)", name, RequireEnv)
	return ""
}
