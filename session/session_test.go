package session

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/otpssl/ssl/cipher"
)

func sampleSession(id byte) *Session {
	return &Session{
		ID:                   bytes.Repeat([]byte{id}, 32),
		Version:              cipher.VersionTLS12,
		CipherSuite:          0xc02b,
		MasterSecret:         bytes.Repeat([]byte{0x42}, 48),
		ExtendedMasterSecret: true,
		PeerCertificates:     [][]byte{[]byte("leaf certificate"), []byte("intermediate")},
		PeerVerified:         true,
		LocalCertHash:        bytes.Repeat([]byte{7}, 32),
		ServerName:           "example.test",
		ALPN:                 "h2",
		Group:                29,
		Created:              time.Unix(1700000000, 123456789),
		Ticket:               []byte("ticket bytes"),
		TicketLifetime:       3600,
		TicketAgeAdd:         12345,
		MaxEarlyData:         16384,
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	for _, s := range []*Session{
		sampleSession(1),
		{Version: cipher.VersionSSL30, CipherSuite: 0x000a, MasterSecret: make([]byte, 48), Created: time.Unix(1, 0)},
		{Version: cipher.VersionTLS13, CipherSuite: 0x1301, MasterSecret: make([]byte, 32), Created: time.Unix(5, 5)},
	} {
		enc, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if !got.Created.Equal(s.Created) {
			t.Fatalf("created %v, want %v", got.Created, s.Created)
		}
		got.Created = s.Created
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
		}
		var u Session
		if err := u.UnmarshalBinary(enc); err != nil || !bytes.Equal(u.MasterSecret, s.MasterSecret) {
			t.Fatalf("UnmarshalBinary: %v", err)
		}
		// The decoded session shares no memory with the input.
		for i := range enc {
			enc[i] ^= 0xff
		}
		if !bytes.Equal(got.MasterSecret, s.MasterSecret) || !bytes.Equal(got.PeerCertificate(), s.PeerCertificate()) {
			t.Fatal("decoded session aliases its input")
		}
	}
}

func TestEncodingRefusesBadSessions(t *testing.T) {
	mod := func(f func(s *Session)) *Session { s := sampleSession(2); f(s); return s }
	for i, s := range []*Session{
		mod(func(s *Session) { s.ID = make([]byte, 33) }),
		mod(func(s *Session) { s.MasterSecret = s.MasterSecret[:47] }),
		mod(func(s *Session) { s.Version = 0x0305 }),
		mod(func(s *Session) { s.Version = 0x0200 }),
		mod(func(s *Session) { s.CipherSuite = 0 }),
		mod(func(s *Session) { s.Compression = 1 }),
		mod(func(s *Session) { s.LocalCertHash = []byte{1} }),
		mod(func(s *Session) { s.ServerName = string(make([]byte, 256)) }),
		mod(func(s *Session) { s.PeerCertificates = make([][]byte, MaxChainLen+1) }),
		mod(func(s *Session) { s.PeerCertificates = [][]byte{{}} }),
		mod(func(s *Session) { s.Created = time.Time{} }),
		mod(func(s *Session) { s.Ticket = make([]byte, 1<<16) }),
	} {
		if _, err := s.MarshalBinary(); err == nil {
			t.Errorf("case %d: a bad session encoded", i)
		}
	}
}

func TestDecodeRefusesMalformed(t *testing.T) {
	good, err := sampleSession(3).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation fails.
	for n := 0; n < len(good); n++ {
		if _, err := Decode(good[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
	// Trailing bytes, other formats, bad fields.
	set := func(off int, v byte) []byte { b := append([]byte(nil), good...); b[off] = v; return b }
	for name, b := range map[string][]byte{
		"trailing":    append(append([]byte(nil), good...), 0),
		"magic":       set(0, 'X'),
		"format":      set(2, 2),
		"version":     set(3, 9),
		"compression": set(7, 1),
		"flags":       set(8, 0x80),
		"huge":        make([]byte, MaxEncodedLen+1),
	} {
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func sessionAt(id byte, created time.Time) *Session {
	s := sampleSession(id)
	s.Created = created
	return s
}

func TestMemoryCacheLifetime(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1800000000, 0)}
	c := NewMemoryCache(WithClock(clk.now))
	if err := c.Init(InitArgs{Role: Server, Lifetime: time.Hour, Max: 10}); err != nil {
		t.Fatal(err)
	}
	k := MakeKey(PartialKey{Port: 443}, []byte{1})
	c.Update(k, sessionAt(1, clk.now()))
	clk.add(59 * time.Minute)
	if c.Lookup(k) == nil {
		t.Fatal("a session younger than its lifetime is gone")
	}
	clk.add(time.Minute)
	if c.Lookup(k) != nil {
		t.Fatal("an expired session was returned")
	}
	if c.Len() != 0 {
		t.Fatalf("the expired session was not cleaned: %d left", c.Len())
	}
	// Expired sessions are swept by Update, and never selected.
	pk := PartialKey{Host: "h", Port: 1}
	for i := range 5 {
		c.Update(MakeKey(pk, []byte{byte(i)}), sessionAt(byte(i), clk.now()))
	}
	clk.add(2 * time.Hour)
	if got := c.SelectSession(pk); len(got) != 0 {
		t.Fatalf("selected %d expired sessions", len(got))
	}
	c.Update(MakeKey(PartialKey{Port: 2}, []byte{9}), sessionAt(9, clk.now()))
	if c.Len() != 1 {
		t.Fatalf("%d sessions after a sweep, want 1", c.Len())
	}
	if n := c.Foldl(func(Key, *Session, any) any { return nil }, 0); n != 0 && n != nil {
		t.Fatalf("foldl %v", n)
	}
}

// TestMemoryCacheFullInvalidates: the default rule of the seed: adding to
// a full cache with no expired session invalidates every session; an
// expired one makes room instead.
func TestMemoryCacheFullInvalidates(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1800000000, 0)}
	c := NewMemoryCache(WithClock(clk.now))
	if err := c.Init(InitArgs{Role: Server, Lifetime: time.Hour, Max: 3}); err != nil {
		t.Fatal(err)
	}
	pk := PartialKey{Port: 443}
	for i := range 3 {
		c.Update(MakeKey(pk, []byte{byte(i)}), sessionAt(byte(i), clk.now()))
	}
	c.Update(MakeKey(pk, []byte{3}), sessionAt(3, clk.now()))
	if c.Len() != 1 || c.Lookup(MakeKey(pk, []byte{3})) == nil {
		t.Fatalf("after adding to a full cache: %d sessions", c.Len())
	}
	// Replacing a key of a full cache is not adding.
	c.Update(MakeKey(pk, []byte{4}), sessionAt(4, clk.now()))
	c.Update(MakeKey(pk, []byte{5}), sessionAt(5, clk.now()))
	c.Update(MakeKey(pk, []byte{5}), sessionAt(5, clk.now()))
	if c.Len() != 3 {
		t.Fatalf("replacing a key emptied the cache: %d sessions", c.Len())
	}
	// An expired session makes room: nothing else goes.
	c.Update(MakeKey(pk, []byte{6}), sessionAt(6, clk.now().Add(-2*time.Hour)))
	if c.Len() != 1 {
		t.Fatalf("%d sessions", c.Len())
	}
	c.Update(MakeKey(pk, []byte{7}), sessionAt(7, clk.now()))
	c.Update(MakeKey(pk, []byte{8}), sessionAt(8, clk.now()))
	c.Update(MakeKey(pk, []byte{9}), sessionAt(9, clk.now()))
	if c.Len() != 3 || c.Lookup(MakeKey(pk, []byte{7})) == nil || c.Lookup(MakeKey(pk, []byte{9})) == nil {
		t.Fatalf("an expired session did not make room: %d sessions", c.Len())
	}
}

func TestMemoryCacheMax(t *testing.T) {
	for _, role := range []Role{Client, Server} {
		t.Run(role.String(), func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1800000000, 0)}
			c := NewMemoryCache(WithClock(clk.now), WithDropOldest())
			if err := c.Init(InitArgs{Role: role, Lifetime: time.Hour, Max: 3}); err != nil {
				t.Fatal(err)
			}
			pk := PartialKey{Host: "srv", Port: 443}
			if role == Server {
				pk.Host = ""
			}
			keys := make([]Key, 5)
			for i := range keys {
				keys[i] = MakeKey(pk, []byte{byte(i)})
				c.Update(keys[i], sessionAt(byte(i), clk.now()))
				clk.add(time.Second)
				if c.Len() > 3 {
					t.Fatalf("cache of max 3 holds %d", c.Len())
				}
			}
			// The oldest went first; the newest are all there.
			for i, k := range keys {
				if got := c.Lookup(k) != nil; got != (i >= 2) {
					t.Errorf("session %d present = %v", i, got)
				}
			}
			// Updating an entry refreshes its place: key 2 survives the
			// next insertion, key 3 (now the oldest) goes.
			c.Update(keys[2], sessionAt(2, clk.now()))
			c.Update(MakeKey(pk, []byte{9}), sessionAt(9, clk.now()))
			if c.Lookup(keys[2]) == nil || c.Lookup(keys[3]) != nil {
				t.Error("the least recently updated session was not the one dropped")
			}
			// An expired session goes before a live one.
			clk.add(30 * time.Minute)
			c.Update(MakeKey(pk, []byte{10}), sessionAt(10, clk.now().Add(-2*time.Hour)))
			clk.add(time.Second)
			c.Update(MakeKey(pk, []byte{11}), sessionAt(11, clk.now()))
			// (10 took the place of the oldest, 4; 11 takes expired 10's.)
			if c.Lookup(keys[2]) == nil || c.Lookup(MakeKey(pk, []byte{9})) == nil || c.Len() != 3 {
				t.Error("a live session was dropped while an expired one was there")
			}
			sel := c.SelectSession(pk)
			if len(sel) != 3 || sel[0].ID[0] != 11 {
				t.Errorf("select: %d sessions, newest first expected", len(sel))
			}
		})
	}
}

func TestMemoryCacheOptionsWinOverInit(t *testing.T) {
	c := NewMemoryCache(WithMax(2), WithLifetime(time.Minute), WithDropOldest())
	_ = c.Init(InitArgs{Role: Client, Max: 100, Lifetime: time.Hour})
	for i := range 5 {
		c.Update(MakeKey(PartialKey{Host: "a", Port: 1}, []byte{byte(i)}), sessionAt(byte(i), time.Now()))
	}
	if c.Len() != 2 {
		t.Fatalf("WithMax(2) holds %d", c.Len())
	}
	c.Update(MakeKey(PartialKey{Port: 1}, make([]byte, 33)), sampleSession(1))
	c.Update(MakeKey(PartialKey{Port: 1}, nil), nil)
	if c.Len() != 2 {
		t.Fatal("an over-long key or a nil session was stored")
	}
}

func TestMemoryCacheConcurrent(t *testing.T) {
	c := NewMemoryCache()
	_ = c.Init(InitArgs{Role: Client, Max: 50, Lifetime: time.Hour})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				pk := PartialKey{Host: fmt.Sprint("h", i%7), Port: g}
				k := MakeKey(pk, []byte{byte(i), byte(g)})
				c.Update(k, sampleSession(byte(i)))
				c.Lookup(k)
				c.SelectSession(pk)
				if i%5 == 0 {
					c.Delete(k)
				}
				if i%100 == 0 {
					c.Foldl(func(_ Key, _ *Session, acc any) any { return acc.(int) + 1 }, 0)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 50 {
		t.Fatalf("cache of max 50 holds %d", c.Len())
	}
	n := c.Foldl(func(_ Key, _ *Session, acc any) any { return acc.(int) + 1 }, 0).(int)
	if n != c.Len() {
		t.Fatalf("foldl counted %d of %d", n, c.Len())
	}
	c.Terminate()
	if c.Len() != 0 {
		t.Fatal("Terminate left sessions")
	}
	c.Update(MakeKey(PartialKey{Port: 1}, []byte{1}), sampleSession(1)) // harmless after Terminate
}

func TestValidAt(t *testing.T) {
	now := time.Unix(1800000000, 0)
	s := sessionAt(1, now)
	if !s.ValidAt(now, 0) || !s.ValidAt(now.Add(DefaultLifetime-time.Second), 0) || s.ValidAt(now.Add(DefaultLifetime), 0) {
		t.Error("default lifetime")
	}
	if s.ValidAt(now.Add(-2*time.Minute), time.Hour) {
		t.Error("a session from the future is valid")
	}
	if (*Session)(nil).ValidAt(now, time.Hour) || (&Session{}).ValidAt(now, time.Hour) {
		t.Error("nil or zero session valid")
	}
	c := s.Clone()
	c.MasterSecret[0] ^= 1
	c.PeerCertificates[0][0] ^= 1
	if s.MasterSecret[0] == c.MasterSecret[0] || s.PeerCertificates[0][0] == c.PeerCertificates[0][0] {
		t.Error("Clone shares memory")
	}
}

func TestTicketKeys(t *testing.T) {
	k, err := NewTicketKeys(0)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("a session encoding")
	tk, err := k.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	got, cur, err := k.Open(tk)
	if err != nil || !cur || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q %v %v", got, cur, err)
	}
	tk2, _ := k.Seal(plain)
	if bytes.Equal(tk, tk2) {
		t.Fatal("two tickets of the same plaintext are equal: nonces repeat")
	}
	// Tampering anywhere fails.
	for i := range tk {
		bad := append([]byte(nil), tk...)
		bad[i] ^= 1
		if _, _, err := k.Open(bad); !errors.Is(err, ErrTicket) {
			t.Fatalf("byte %d altered: %v", i, err)
		}
	}
	for _, short := range [][]byte{nil, tk[:MinTicketLen-1]} {
		if _, _, err := k.Open(short); !errors.Is(err, ErrTicket) {
			t.Fatal("short ticket opened")
		}
	}
	// A foreign key set cannot open it.
	other, _ := NewTicketKeys(0)
	if _, _, err := other.Open(tk); !errors.Is(err, ErrTicket) {
		t.Fatal("another key set opened the ticket")
	}
	// After one rotation the ticket still opens, not as current; after
	// two it does not.
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if got, cur, err := k.Open(tk); err != nil || cur || !bytes.Equal(got, plain) {
		t.Fatalf("after one rotation: %v current=%v", err, cur)
	}
	_ = k.Rotate()
	if _, _, err := k.Open(tk); !errors.Is(err, ErrTicket) {
		t.Fatal("a ticket opened after its key was rotated out")
	}
}

func TestTicketKeysAutomaticRotation(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1800000000, 0)}
	k, _ := NewTicketKeys(time.Hour)
	k.now = clk.now
	k.rotated = clk.now()
	tk, _ := k.Seal([]byte("x"))
	clk.add(time.Hour + time.Second)
	if _, cur, err := k.Open(tk); err != nil || cur {
		t.Fatalf("one interval later: %v current=%v", err, cur)
	}
	tk2, _ := k.Seal([]byte("y"))
	if _, cur, err := k.Open(tk2); err != nil || !cur {
		t.Fatal("a new ticket is not sealed with the new key")
	}
	clk.add(2 * time.Hour)
	if _, _, err := k.Open(tk); !errors.Is(err, ErrTicket) {
		t.Fatal("a ticket three intervals old opened")
	}
	if _, _, err := k.Open(tk2); !errors.Is(err, ErrTicket) {
		t.Fatal("a ticket two intervals old opened")
	}
}

func TestStaticTicketKeys(t *testing.T) {
	var a, b [TicketKeyLen]byte
	a[0], b[0] = 1, 2
	k1, err := NewStaticTicketKeys(a)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := NewStaticTicketKeys(a)
	tk, _ := k1.Seal([]byte("shared"))
	if got, cur, err := k2.Open(tk); err != nil || !cur || string(got) != "shared" {
		t.Fatal("a server with the same key cannot open the ticket")
	}
	// The fleet moves to b, keeping a for opening.
	if err := k2.SetKeys(b, a); err != nil {
		t.Fatal(err)
	}
	if _, cur, err := k2.Open(tk); err != nil || cur {
		t.Fatal("old key after SetKeys")
	}
	_ = k2.SetKeys(b)
	if _, _, err := k2.Open(tk); !errors.Is(err, ErrTicket) {
		t.Fatal("dropped key still opens")
	}
	if _, err := NewStaticTicketKeys(); err == nil {
		t.Fatal("an empty key set")
	}
}
