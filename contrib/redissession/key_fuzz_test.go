package redissession

import (
	"testing"

	"github.com/otpssl/ssl/session"
)

// FuzzParseKey feeds any string to parseKey, as SCAN hands back keys
// another writer may have made: it must not panic, must keep session IDs
// within MaxIDLen, and a key it reads must name the same session once
// written back by redisKey.
func FuzzParseKey(f *testing.F) {
	c := New("127.0.0.1:0")
	for _, k := range []session.Key{
		session.MakeKey(session.PartialKey{Host: "example.com", Port: 443}, []byte{1, 2, 3}),
		session.MakeKey(session.PartialKey{}, nil),
	} {
		f.Add(string(c.redisKey(session.Client, k)), true)
		f.Add(string(c.redisKey(session.Server, k)), false)
	}
	f.Add("otpssl:session:client:zz:1:00", true)
	f.Add("otpssl:session:server:00:-1:"+string(make([]byte, 70)), false)
	f.Fuzz(func(t *testing.T, k string, client bool) {
		role := session.Server
		if client {
			role = session.Client
		}
		key, ok := c.parseKey(role, k)
		if !ok {
			return
		}
		if len(key.ID) > session.MaxIDLen {
			t.Fatalf("a session ID of %d bytes", len(key.ID))
		}
		again, ok := c.parseKey(role, string(c.redisKey(role, key)))
		if !ok || again != key {
			t.Fatalf("%q: %+v written back reads as %+v, %v", k, key, again, ok)
		}
	})
}
