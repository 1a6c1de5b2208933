package peertest

import "testing"

func TestRequiredReadsTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		val  string
		want bool
	}{{"", false}, {"0", false}, {"1", true}, {"yes", true}} {
		t.Setenv(RequireEnv, c.val)
		if got := Required(); got != c.want {
			t.Errorf("%s=%q: Required() = %v, want %v", RequireEnv, c.val, got, c.want)
		}
	}
}

func TestRequireFindsAProgramOnPath(t *testing.T) {
	if Require(t, "sh") == "" {
		t.Fatal("Require returned an empty path for sh")
	}
}
