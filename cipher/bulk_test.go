package cipher

import "testing"

func TestBulkConstructorsMatchTheirKind(t *testing.T) {
	for b := BulkNull; b <= BulkAES256CCM8; b++ {
		p := b.Params()
		key := make([]byte, p.KeyLen)
		_, aeadErr := b.NewAEAD(key)
		_, blockErr := b.NewBlock(key)
		_, streamErr := b.NewStream(key)
		got := map[BulkKind]bool{KindAEAD: aeadErr == nil, KindBlock: blockErr == nil, KindStream: streamErr == nil}
		for kind, ok := range got {
			if ok != (kind == p.Kind) {
				t.Errorf("%s (kind %d): constructor for kind %d succeeded=%v", b, p.Kind, kind, ok)
			}
		}
		if p.Kind == KindAEAD {
			a, _ := b.NewAEAD(key)
			if a.NonceSize() != 12 || a.Overhead() != p.TagLen {
				t.Errorf("%s: nonce %d overhead %d, want 12 and %d", b, a.NonceSize(), a.Overhead(), p.TagLen)
			}
		}
		if p.Kind != KindNull {
			if _, err := b.NewAEAD(key[:len(key)-1]); err == nil && p.Kind == KindAEAD {
				t.Errorf("%s: short key accepted", b)
			}
			if _, err := b.NewBlock(append(key, 0)); err == nil && p.Kind == KindBlock {
				t.Errorf("%s: long key accepted", b)
			}
		}
	}
}

func TestMACSizesMatchTheirHash(t *testing.T) {
	for _, m := range []MAC{MACMD5, MACSHA1, MACSHA256, MACSHA384} {
		if got := m.Hash()().Size(); got != m.Size() {
			t.Errorf("%s: hash size %d, Size() %d", m, got, m.Size())
		}
	}
	if MACAEAD.Hash() != nil || MACNull.Hash() != nil {
		t.Error("MACAEAD or MACNull has a hash")
	}
}
