package redissession

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadReply feeds any bytes to the reply parser: it must not panic,
// must not hang, and anything it returns stays within the bounds.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "-ERR wrong\r\n", ":42\r\n", "$5\r\nhello\r\n", "$-1\r\n", "*-1\r\n",
		"*2\r\n$1\r\n0\r\n*2\r\n$3\r\nkey\r\n$4\r\nkey2\r\n",
		"$3\r\nabcXY", "*3\r\n:1\r\n", "$99999999999\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(data), 16)
		for range 4 {
			v, err := readReply(r, 0)
			if err != nil {
				return
			}
			checkBounds(t, v, 0)
		}
	})
}

func checkBounds(t *testing.T, v any, depth int) {
	switch x := v.(type) {
	case []byte:
		if len(x) > maxBulkLen+maxLineLen {
			t.Fatalf("a string of %d bytes", len(x))
		}
	case []any:
		if len(x) > maxArrayLen || depth > 3 {
			t.Fatalf("an array of %d at depth %d", len(x), depth)
		}
		for _, e := range x {
			checkBounds(t, e, depth+1)
		}
	}
}

// TestReadReply checks each reply type.
func TestReadReply(t *testing.T) {
	r := bufio.NewReader(bytes.NewReader([]byte("+OK\r\n:7\r\n$2\r\nab\r\n$-1\r\n*2\r\n$1\r\n0\r\n*0\r\n-ERR no\r\n$3\r\nabcd\r\n")))
	if v, err := readReply(r, 0); err != nil || string(v.([]byte)) != "OK" {
		t.Fatalf("simple string: %v %v", v, err)
	}
	if v, err := readReply(r, 0); err != nil || v.(int64) != 7 {
		t.Fatalf("integer: %v %v", v, err)
	}
	if v, err := readReply(r, 0); err != nil || string(v.([]byte)) != "ab" {
		t.Fatalf("bulk: %v %v", v, err)
	}
	if _, err := readReply(r, 0); err != errNil {
		t.Fatalf("null bulk: %v", err)
	}
	if v, err := readReply(r, 0); err != nil || len(v.([]any)) != 2 {
		t.Fatalf("array: %v %v", v, err)
	}
	if _, err := readReply(r, 0); err == nil || err.Error() != "redissession: server error: ERR no" {
		t.Fatalf("error reply: %v", err)
	}
	if _, err := readReply(r, 0); err == nil {
		t.Fatal("a bulk string without its CRLF was accepted")
	}
}
