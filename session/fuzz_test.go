package session

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, and
// whatever it accepts must encode back to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, s := range []*Session{sampleSession(1), sampleSession(2)} {
		enc, err := s.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{})
	f.Add([]byte("SE\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			return
		}
		enc, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("a decoded session does not encode: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding differs:\n%x\n%x", enc, data)
		}
	})
}

// fuzzTicketKey is a fixed key, so that the seeds are tickets it sealed.
var fuzzTicketKey = [TicketKeyLen]byte{1, 2, 3, 4, 5, 6, 7, 8}

// FuzzOpenTicket feeds arbitrary bytes to TicketKeys.Open and what it
// opens to Decode, as a server does with a ticket from the network. Only
// tickets the key sealed may open.
func FuzzOpenTicket(f *testing.F) {
	k, err := NewStaticTicketKeys(fuzzTicketKey)
	if err != nil {
		f.Fatal(err)
	}
	enc, _ := sampleSession(3).MarshalBinary()
	tk, err := k.Seal(enc)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tk)
	f.Add(tk[:MinTicketLen])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ticket []byte) {
		pt, _, err := k.Open(ticket)
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
			return
		}
		if len(ticket) < MinTicketLen {
			t.Fatal("a short ticket opened")
		}
		if _, err := Decode(pt); err != nil && bytes.Equal(pt, enc) {
			t.Fatal("the sealed session does not decode")
		}
	})
}
