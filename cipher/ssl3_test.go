package cipher

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"hash"
	"testing"
)

// SSL 3.0 expansion vectors ("SSL3-PRF": MD5(secret || SHA1("A" || secret
// || salt)) || ...) from Botan's test data, src/tests/data/kdf/ssl3prf.vec.
var ssl3ExpandVectors = []struct{ secret, salt, output string }{
	{"6E60", "17FEBCA565786528F84A", "D626B75AB8BD4F5B9458BDDA8589FD39"},
	{"66BEEC6EDE7FCDF50B76EBCD5C0FE0A472F2EA8B1E2BE2971E49CA", "5C461D77ACDB631ABAE2E7AFED5E9ABBBAA99B", "EB"},
	{"1171D78F812512DEFBA258574E41F2832BB9B359EB0CA79E7669", "73D677854D88F62417774A2A5645CCAE9C1AEF8E9D1B48", "2C8B"},
	{"EE6A733EC671DA7477AE18916895A133CC92E23DBACEE2634846CAEF0B08", "B7F9722B37389C11", "C264D9D0C9"},
	{"4279DB52505E7B505BBC26CE0FBF2F4353086C1363", "8710A8A12B2D18A27A50E5F32C37448A", "4A84A8E829528393FF890129"},
	{"33CE7917528009F2A1011CFCD494B80D4BBFD901", "81851CC61D3E910E04D5EC38A465", "2FB1FDD16FCE41C9C563226A564D1647"},
	{"40ED568CFC6C0A17866C67B7660C96BF9DA54C", "A3502B96214854E5AF5720E8970D3F240AAB2E21319A88E901", "321118AA031C5C9EFF145542B4426C3C71"},
	{"F36E535A1C2C6F6771", "290BE26068D887AA6E86500E85C606", "6004BBD20BB68E2F1FFC65977807EE25A3FBFE"},
	{"C4C38EC6A1EA975D0ECA535B0CC4D6D0", "E84EE4D9DC701DE04E250768F2DFB9B6A2", "3B50F91EDFDD96CBA8B6329616D4F5964CD8C961CB1D9332"},
	{"870515C65F0AF7AAB10C365AF8AC535E1AA8997D139645A21F71FD23ABBB", "AA33C0BFF91FC9F1C97BFD00D5F5AC2953C6D1EC43E5838887A2F984C5A53F", "1895554BD0A1DE7F48FA8776D314EAE2B9E8D7E3CF2A418D17659DC1"},
	{"834CD382FBF84FF54CC8D3BCB778ACD7DDE8FE32ABA212ABB1", "EE768F1AAF889EFB5B20F7536FECA037BF", "6151C82D7384ED41264424827766B6A7279593C86DCBAC9A4D711009E30EC3"},
	{"E0BDEBC1D1EEDB393368D489", "5D2B46C7BB5258ABC13514995E518FD4D77BECB738D77909", "F3D8ED6D46280C3694F33D2D4A210248D657277DD78ACD3B34063D085657A58E"},
}

func TestSSL3ExpandBotanVectors(t *testing.T) {
	for _, tc := range ssl3ExpandVectors {
		want := unhex(t, tc.output)
		got := make([]byte, len(want))
		ssl3Expand(got, unhex(t, tc.secret), unhex(t, tc.salt))
		if !bytes.Equal(got, want) {
			t.Errorf("secret %s salt %s:\n got %X\nwant %X", tc.secret, tc.salt, got, want)
		}
	}
}

// TestSSL3MasterAndKeys checks that the SSL 3.0 master secret and key
// block use the expansion with the randoms in the order RFC 6101 gives
// (client first for the master secret, server first for the key block),
// and the key block split with CBC IVs.
func TestSSL3MasterAndKeys(t *testing.T) {
	pre, cr, sr := randBytes(t, 48), randBytes(t, 32), randBytes(t, 32)
	s := SuiteByID(0x0035) // TLS_RSA_WITH_AES_256_CBC_SHA: the longest SSL 3.0 key block
	master := MasterSecret(VersionSSL30, s, pre, cr, sr)
	want := make([]byte, 48)
	ssl3Expand(want, pre, append(append([]byte{}, cr...), sr...))
	if !bytes.Equal(master, want) {
		t.Fatalf("SSL 3.0 master secret %x, want %x", master, want)
	}
	k := DeriveKeys(VersionSSL30, s, master, cr, sr)
	block := make([]byte, 136)
	ssl3Expand(block, master, append(append([]byte{}, sr...), cr...))
	var joined []byte
	for _, b := range [][]byte{k.ClientMAC, k.ServerMAC, k.ClientKey, k.ServerKey, k.ClientIV, k.ServerIV} {
		joined = append(joined, b...)
	}
	if !bytes.Equal(joined, block) || len(k.ClientIV) != 16 || len(k.ClientMAC) != 20 || len(k.ClientKey) != 32 {
		t.Errorf("SSL 3.0 key block split wrong")
	}
	// The 26th block is the last; asking for more leaves the rest alone.
	long := make([]byte, ssl3MaxExpand+16)
	ssl3Expand(long, pre, cr)
	if !bytes.Equal(long[ssl3MaxExpand:], make([]byte, 16)) || bytes.Equal(long[ssl3MaxExpand-16:ssl3MaxExpand], make([]byte, 16)) {
		t.Error("ssl3Expand past 26 blocks")
	}
	if DeriveKeys(VersionSSL30, SuiteByID(0xC013), master, cr, sr).ClientKey != nil {
		t.Error("SSL 3.0 keys for an ECC suite")
	}
}

// ssl3FinishedByHand computes the SSL 3.0 Finished hash of RFC 6101,
// Section 5.6.9, from the whole transcript, written out term by term.
func ssl3FinishedByHand(master, transcript, sender []byte) []byte {
	pad := func(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	md5In := md5.Sum(cat(transcript, sender, master, pad(0x36, 48)))
	md5Out := md5.Sum(cat(master, pad(0x5c, 48), md5In[:]))
	shaIn := sha1.Sum(cat(transcript, sender, master, pad(0x36, 40)))
	shaOut := sha1.Sum(cat(master, pad(0x5c, 40), shaIn[:]))
	return cat(md5Out[:], shaOut[:])
}

// No published SSL 3.0 Finished vector was found; this checks the
// streaming implementation against the formula applied to the whole
// transcript, and that the running hashes are not consumed.
func TestSSL3Finished(t *testing.T) {
	master := randBytes(t, 48)
	transcript := randBytes(t, 300)
	h := NewMD5SHA1()
	h.Write(transcript)
	before := h.Sum(nil)
	client, err := SSL3FinishedVerifyData(master, true, h.MD5, h.SHA1)
	if err != nil {
		t.Fatal(err)
	}
	server, err := SSL3FinishedVerifyData(master, false, h.MD5, h.SHA1)
	if err != nil {
		t.Fatal(err)
	}
	if want := ssl3FinishedByHand(master, transcript, []byte("CLNT")); !bytes.Equal(client, want) {
		t.Errorf("client Finished %x, want %x", client, want)
	}
	if want := ssl3FinishedByHand(master, transcript, []byte("SRVR")); !bytes.Equal(server, want) {
		t.Errorf("server Finished %x, want %x", server, want)
	}
	cv, err := SSL3CertificateVerifyHash(master, h.MD5, h.SHA1)
	if err != nil {
		t.Fatal(err)
	}
	if want := ssl3FinishedByHand(master, transcript, nil); !bytes.Equal(cv, want) {
		t.Errorf("CertificateVerify hash %x, want %x", cv, want)
	}
	if !bytes.Equal(h.Sum(nil), before) {
		t.Error("the running hashes were changed")
	}
	// The transcript continues after the client's Finished.
	h.Write([]byte("client finished message"))
	again, _ := SSL3FinishedVerifyData(master, false, h.MD5, h.SHA1)
	if want := ssl3FinishedByHand(master, append(transcript, "client finished message"...), []byte("SRVR")); !bytes.Equal(again, want) {
		t.Error("Finished after more messages is wrong")
	}
}

type opaqueHash struct{ hash.Hash }

func TestSSL3FinishedBadHashes(t *testing.T) {
	master := make([]byte, 48)
	for _, c := range []struct {
		name      string
		md5, sha1 hash.Hash
	}{
		{"nil", nil, nil},
		{"swapped", sha1.New(), md5.New()},
		{"sha256", md5.New(), sha256.New()},
		{"not marshalable", opaqueHash{md5.New()}, sha1.New()},
	} {
		if _, err := SSL3FinishedVerifyData(master, true, c.md5, c.sha1); !errors.Is(err, ErrHashState) {
			t.Errorf("%s: error %v, want ErrHashState", c.name, err)
		}
	}
}
