package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestMinimal(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{
		"server: listening on port ",
		"client: connected with tlsv1.3, ",
		`client: got {ssl, Socket, "foo"}`,
		`server: got "bar"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
