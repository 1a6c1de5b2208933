package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUpgrade(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{
		"server: plain TCP listener on 127.0.0.1:",
		`server: got "STARTTLS\r\n" over plain TCP`,
		"client: the server agreed to upgrade",
		"client: upgraded to tlsv1.3",
		`server: got {ssl, Socket, "foo"}`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
