package cipher

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpssl/ssl/internal/peertest"
)

// The traces of RFC 8448 ("Example Handshake Traces for TLS 1.3"),
// Section 3 (a simple 1-RTT handshake with TLS_AES_128_GCM_SHA256) and
// Section 4 (a resumed 0-RTT handshake using the ticket of Section 3).
// The handshake messages are taken from the traces so that the transcript
// hashes are computed here; every secret, key, IV and verify_data below is
// the value printed in the RFC.

// RFC 8448, Section 3: handshake messages.
const (
	rfc8448S3ClientHello = "" +
		"010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef" +
		"6283024dece7000006130113031302010000910000000b000900000673657276" +
		"6572ff01000100000a00140012001d0017001800190100010101020103010400" +
		"230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e" +
		"51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603" +
		"020308040805080604010501060102010402050206020202002d00020101001c" +
		"00024001"
	rfc8448S3ServerHello = "" +
		"020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155" +
		"772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb" +
		"f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304"
	rfc8448S3EncryptedExtensions = "" +
		"080000240022000a00140012001d00170018001901000101010201030104001c" +
		"0002400100000000"
	rfc8448S3Certificate = "" +
		"0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a" +
		"864886f70d01010b0500300e310c300a06035504031303727361301e170d3136" +
		"303733303031323335395a170d3236303733303031323335395a300e310c300a" +
		"0603550403130372736130819f300d06092a864886f70d010101050003818d00" +
		"30818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826" +
		"d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312" +
		"0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda4308467480" +
		"30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a" +
		"8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355" +
		"1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5" +
		"b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a5" +
		"8c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102" +
		"702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0" +
		"a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000"
	rfc8448S3CertificateVerify = "" +
		"0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145a" +
		"b3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248ee" +
		"aaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c" +
		"9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea2" +
		"0d53dfacd42f74f3"
	rfc8448S3ServerFinished = "" +
		"140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454" +
		"b78f0718"
	rfc8448S3ClientFinished = "" +
		"14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2" +
		"edd5ce61"
)

// RFC 8448, Section 4: handshake messages of the resumed handshake.
const (
	// The whole ClientHello, binders included, as sent in its record.
	rfc8448S4ClientHello = "" +
		"010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc41" +
		"9d7876487d95000006130113031302010001cd0000000b000900000673657276" +
		"6572ff01000100000a00140012001d0017001800190100010101020103010400" +
		"3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe" +
		"051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603" +
		"020308040805080604010501060102010402050206020202002d00020101001c" +
		"0002400100150057000000000000000000000000000000000000000000000000" +
		"0000000000000000000000000000000000000000000000000000000000000000" +
		"0000000000000000000000000000000000000000000000000000000000000000" +
		"2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a" +
		"34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a98211" +
		"7283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3" +
		"664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b" +
		"3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c6" +
		"21a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb002120" +
		"3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d"
	rfc8448S4ServerHello = "" +
		"0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea512" +
		"2495f559ea2d00130100003400290002000000330024001d0020121761ee42c3" +
		"33e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304"
	rfc8448S4EncryptedExtensions = "" +
		"080000280026000a00140012001d00170018001901000101010201030104001c" +
		"0002400100000000002a0000"
	rfc8448S4ServerFinished = "" +
		"1400002048d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0" +
		"dd1a34b2"
	rfc8448S4EndOfEarlyData = "05000000"
	rfc8448S4ClientFinished = "" +
		"140000207230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd3" +
		"2bda416d"
)

// transcript returns the SHA-256 hash of the concatenated messages.
func transcript(t *testing.T, msgs ...string) []byte {
	t.Helper()
	h := sha256.New()
	for _, m := range msgs {
		h.Write(unhex(t, m))
	}
	return h.Sum(nil)
}

func expectHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if hex.EncodeToString(got) != want {
		t.Errorf("%s:\n got %x\nwant %s", what, got, want)
	}
}

// must returns a function that fails the test on an error and returns
// the bytes otherwise: must(t)(f()).
func must(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func x25519Shared(t *testing.T, priv, peerPub string) []byte {
	t.Helper()
	k, err := ecdh.X25519().NewPrivateKey(unhex(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(unhex(t, peerPub))
	if err != nil {
		t.Fatal(err)
	}
	shared, err := k.ECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	return shared
}

func TestRFC8448SimpleHandshake(t *testing.T) {
	s := SuiteByID(0x1301) // TLS_AES_128_GCM_SHA256
	const (
		ch, sh, ee = rfc8448S3ClientHello, rfc8448S3ServerHello, rfc8448S3EncryptedExtensions
		cert, cv   = rfc8448S3Certificate, rfc8448S3CertificateVerify
		sfin, cfin = rfc8448S3ServerFinished, rfc8448S3ClientFinished
	)

	// {client} and {server} create ephemeral x25519 key pairs; the shared
	// secret is the IKM of "extract secret handshake".
	shared := x25519Shared(t, "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005",
		"c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")
	expectHex(t, "(EC)DHE shared secret", shared, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")

	early, err := NewEarlySchedule(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "early secret", early.secret, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
	expectHex(t, "derive secret for handshake", must(t)(DeriveSecret(crypto.SHA256, early.secret, "derived", transcript(t))),
		"6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")

	hs, err := early.Handshake(shared)
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "handshake secret", hs.secret, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")

	helloHash := transcript(t, ch, sh)
	expectHex(t, "transcript hash ClientHello..ServerHello", helloHash, "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")
	chts := must(t)(hs.ClientHandshakeTrafficSecret(helloHash))
	shts := must(t)(hs.ServerHandshakeTrafficSecret(helloHash))
	expectHex(t, "client handshake traffic secret", chts, "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
	expectHex(t, "server handshake traffic secret", shts, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")

	key, iv := TrafficKeys(s, shts)
	expectHex(t, "server handshake key", key, "3fce516009c21727d0f2e4e86ee403bc")
	expectHex(t, "server handshake iv", iv, "5d313eb2671276ee13000b30")
	key, iv = TrafficKeys(s, chts)
	expectHex(t, "client handshake key", key, "dbfaa693d1762c5b666af5d950258d01")
	expectHex(t, "client handshake iv", iv, "5bd3c71b836e0b76bb73265f")

	// The server's Finished covers ClientHello..CertificateVerify.
	expectHex(t, "server finished key", FinishedKey(s, shts), "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")
	serverVerify := FinishedVerifyData13(s, shts, transcript(t, ch, sh, ee, cert, cv))
	expectHex(t, "server finished", serverVerify, "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718")
	if !bytes.Equal(serverVerify, unhex(t, sfin)[4:]) {
		t.Error("server verify_data differs from the Finished message of the trace")
	}

	expectHex(t, "derive secret for master", must(t)(DeriveSecret(crypto.SHA256, hs.secret, "derived", transcript(t))),
		"43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4")
	ms, err := hs.Master()
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "master secret", ms.secret, "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")

	appHash := transcript(t, ch, sh, ee, cert, cv, sfin)
	expectHex(t, "transcript hash ClientHello..server Finished", appHash, "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13")
	cats := must(t)(ms.ClientApplicationTrafficSecret(appHash))
	sats := must(t)(ms.ServerApplicationTrafficSecret(appHash))
	expectHex(t, "client application traffic secret", cats, "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
	expectHex(t, "server application traffic secret", sats, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
	expectHex(t, "exporter master secret", must(t)(ms.ExporterMasterSecret(appHash)), "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50")
	key, iv = TrafficKeys(s, sats)
	expectHex(t, "server application key", key, "9f02283b6c9c07efc26bb9f2ac92e356")
	expectHex(t, "server application iv", iv, "cf782b88dd83549aadf1e984")
	key, iv = TrafficKeys(s, cats)
	expectHex(t, "client application key", key, "17422dda596ed5d9acd890e3c63f5051")
	expectHex(t, "client application iv", iv, "5b78923dee08579033e523d9")

	// The client's Finished covers ClientHello..server Finished.
	expectHex(t, "client finished key", FinishedKey(s, chts), "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4")
	clientVerify := FinishedVerifyData13(s, chts, appHash)
	expectHex(t, "client finished", clientVerify, "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61")
	if !bytes.Equal(clientVerify, unhex(t, cfin)[4:]) {
		t.Error("client verify_data differs from the Finished message of the trace")
	}

	resHash := transcript(t, ch, sh, ee, cert, cv, sfin, cfin)
	expectHex(t, "transcript hash ClientHello..client Finished", resHash, "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d")
	rms := must(t)(ms.ResumptionMasterSecret(resHash))
	expectHex(t, "resumption master secret", rms, "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c")
	// The NewSessionTicket of the trace has ticket_nonce 00 00.
	expectHex(t, "resumption PSK", must(t)(ResumptionPSK(s, rms, []byte{0, 0})), "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3")

	// Every stage refuses to work once it has given way.
	if _, err := early.ClientEarlyTrafficSecret(helloHash); !errors.Is(err, ErrScheduleAdvanced) {
		t.Errorf("early stage after Handshake: %v", err)
	}
	if _, err := early.Handshake(shared); !errors.Is(err, ErrScheduleAdvanced) {
		t.Errorf("second Handshake: %v", err)
	}
	if _, err := hs.ServerHandshakeTrafficSecret(helloHash); !errors.Is(err, ErrScheduleAdvanced) {
		t.Errorf("handshake stage after Master: %v", err)
	}
	ms.Erase()
	ms.Erase()
	if _, err := ms.ResumptionMasterSecret(resHash); !errors.Is(err, ErrScheduleAdvanced) {
		t.Errorf("master stage after Erase: %v", err)
	}
}

func TestRFC8448ResumedHandshake(t *testing.T) {
	s := SuiteByID(0x1301)
	const (
		ch, sh, ee = rfc8448S4ClientHello, rfc8448S4ServerHello, rfc8448S4EncryptedExtensions
		sfin, eoed = rfc8448S4ServerFinished, rfc8448S4EndOfEarlyData
		cfin       = rfc8448S4ClientFinished
	)
	psk := unhex(t, "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3") // Section 3's resumption PSK
	early, err := NewEarlySchedule(s, psk)
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "early secret", early.secret, "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c")

	// The binder covers the ClientHello up to the binders list: all but the
	// 2-byte list length, the 1-byte binder length and the 32-byte binder.
	full := unhex(t, ch)
	if len(full) != 512 {
		t.Fatalf("ClientHello of %d bytes", len(full))
	}
	truncated := full[:len(full)-35]
	binderHash := sha256.Sum256(truncated)
	expectHex(t, "binder hash", binderHash[:], "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14")
	bk := must(t)(early.BinderKey(false))
	expectHex(t, "resumption binder key", bk, "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256")
	expectHex(t, "binder finished key", FinishedKey(s, bk), "5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa")
	binder := must(t)(early.Binder(false, binderHash[:]))
	expectHex(t, "binder", binder, "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d")
	if !bytes.Equal(binder, full[len(full)-32:]) {
		t.Error("binder differs from the one in the ClientHello of the trace")
	}
	if ext := must(t)(early.BinderKey(true)); bytes.Equal(ext, bk) {
		t.Error("external and resumption binder keys are equal")
	}

	chHash := transcript(t, ch)
	expectHex(t, "ClientHello hash", chHash, "08ad0fa05d7c7233b1775ba2ff9f4c5b8b59276b7f227f13a976245f5d960913")
	cets := must(t)(early.ClientEarlyTrafficSecret(chHash))
	expectHex(t, "client early traffic secret", cets, "3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62")
	expectHex(t, "early exporter master secret", must(t)(early.EarlyExporterMasterSecret(chHash)),
		"b2026866610937d7423e5be90862ccf24c0e6091186d34f812089ff5be2ef7df")
	key, iv := TrafficKeys(s, cets)
	expectHex(t, "early key", key, "920205a5b7bf2115e6fc5c2942834f54")
	expectHex(t, "early iv", iv, "6d475f0993c8e564610db2b9")

	shared := x25519Shared(t, "de5b4476e7b490b2652d338acbf2948066f255f9440e23b98fc69835298dc107",
		"e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b")
	expectHex(t, "(EC)DHE shared secret", shared, "f44194756ff9ec9d25180635d66ea6824c6ab3bf179977be37f723570e7ccb2e")
	hs, err := early.Handshake(shared)
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "handshake secret", hs.secret, "005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6")
	helloHash := transcript(t, ch, sh)
	expectHex(t, "transcript hash ClientHello..ServerHello", helloHash, "f736cb34fe25e701551bee6fd24c1cc7102a7daf9405cb15d97aafe16f757d03")
	chts := must(t)(hs.ClientHandshakeTrafficSecret(helloHash))
	shts := must(t)(hs.ServerHandshakeTrafficSecret(helloHash))
	expectHex(t, "client handshake traffic secret", chts, "2faac08f851d35fea3604fcb4de82dc62c9b164a70974d0462e27f1ab278700f")
	expectHex(t, "server handshake traffic secret", shts, "fe927ae271312e8bf0275b581c54eef020450dc4ecffaa05a1a35d27518e7803")
	key, iv = TrafficKeys(s, shts)
	expectHex(t, "server handshake key", key, "27c6bdc0a3dcea39a47326d79bc9e4ee")
	expectHex(t, "server handshake iv", iv, "9569ecdd4d0536705e9ef725")
	key, iv = TrafficKeys(s, chts)
	expectHex(t, "client handshake key", key, "b1530806f4adfeac83f1413032bbfa82")
	expectHex(t, "client handshake iv", iv, "eb50c16be7654abf99dd06d9")

	expectHex(t, "server finished key", FinishedKey(s, shts), "4bb74cae7a5dc8914604c0bfbe2f0c062396883922bec8a15e2a9b532a5d392c")
	expectHex(t, "server finished", FinishedVerifyData13(s, shts, transcript(t, ch, sh, ee)),
		"48d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2")

	ms, err := hs.Master()
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "master secret", ms.secret, "e2d32d4ed66dd37897a0e80c84107503ce58bf8aad4cb55a5002d77ecb890ece")
	appHash := transcript(t, ch, sh, ee, sfin)
	expectHex(t, "transcript hash ClientHello..server Finished", appHash, "b0aeffc46a2cfe33114e6fd7d51f9f04b1ca3c497dab08934a774a9d9ad7dbf3")
	cats := must(t)(ms.ClientApplicationTrafficSecret(appHash))
	sats := must(t)(ms.ServerApplicationTrafficSecret(appHash))
	expectHex(t, "client application traffic secret", cats, "2abbf2b8e381d23dbebe1dd2a7d16a8bf484cb4950d23fb7fb7fa8547062d9a1")
	expectHex(t, "server application traffic secret", sats, "cc21f1bf8feb7dd5fa505bd9c4b468a9984d554a993dc49e6d285598fb672691")
	expectHex(t, "exporter master secret", must(t)(ms.ExporterMasterSecret(appHash)), "3fd93d4ffddc98e64b14dd107aedf8ee4add23f4510f58a4592d0b201bee56b4")
	key, iv = TrafficKeys(s, sats)
	expectHex(t, "server application key", key, "e857c690a34c5a9129d833619684f95e")
	expectHex(t, "server application iv", iv, "0685d6b561aab9ef1013faf9")
	key, iv = TrafficKeys(s, cats)
	expectHex(t, "client application key", key, "3cf122f301c6358ca7989553250efd72")
	expectHex(t, "client application iv", iv, "ab1aec26aa78b8fc1176b9ac")

	// The client's Finished follows EndOfEarlyData.
	expectHex(t, "client finished key", FinishedKey(s, chts), "5ace394c26980d581243f627d1150ae27e37fa52364e0a7f20ac686d09cd0e8e")
	expectHex(t, "client finished", FinishedVerifyData13(s, chts, transcript(t, ch, sh, ee, sfin, eoed)),
		"7230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd32bda416d")
	resHash := transcript(t, ch, sh, ee, sfin, eoed, cfin)
	expectHex(t, "transcript hash ClientHello..client Finished", resHash, "c3c122e0bd907a4a3ff6112d8fd53dbf89c773d9552e8b6b9d56d361b3a97bf6")
	expectHex(t, "resumption master secret", must(t)(ms.ResumptionMasterSecret(resHash)),
		"5e95bdf1f89005ea2e9aa0ba85e728e3c19c5fe0c699e3f5bee59faebd0b5406")
}

// TestNextTrafficSecret checks the KeyUpdate derivation (RFC 8446, Section
// 7.2) against HMAC written out by hand: for an output of one hash
// length, HKDF-Expand(secret, info, L) is HMAC(secret, info || 0x01), and
// info is HkdfLabel{L, "tls13 traffic upd", ""}. No published KeyUpdate
// vector was found.
func TestNextTrafficSecret(t *testing.T) {
	for _, id := range []uint16{0x1301, 0x1302} {
		s := SuiteByID(id)
		fn, _ := hashFunc(s.Hash())
		secret := randBytes(t, s.Hash().Size())
		label := "tls13 traffic upd"
		info := []byte{0, byte(s.Hash().Size()), byte(len(label))}
		info = append(info, label...)
		info = append(info, 0, 1)
		mac := hmac.New(fn, secret)
		mac.Write(info)
		if got, want := NextTrafficSecret(s, secret), mac.Sum(nil); !bytes.Equal(got, want) {
			t.Errorf("%s: next secret %x, want %x", s, got, want)
		}
		if NextTrafficSecret(s, secret[1:]) != nil || NextTrafficSecret(SuiteByID(0xC02F), secret) != nil {
			t.Errorf("%s: NextTrafficSecret accepted a bad secret or suite", s)
		}
	}
}

func TestHKDFLimits(t *testing.T) {
	secret := make([]byte, 32)
	if _, err := HKDFExpandLabel(crypto.SHA256, secret, strings.Repeat("a", 249), nil, 32); err != nil {
		t.Errorf("249-byte label refused: %v", err)
	}
	if _, err := HKDFExpandLabel(crypto.SHA256, secret, strings.Repeat("a", 250), nil, 32); err == nil {
		t.Error("250-byte label accepted")
	}
	if _, err := HKDFExpandLabel(crypto.SHA256, secret, "x", make([]byte, 255), 32); err != nil {
		t.Errorf("255-byte context refused: %v", err)
	}
	if _, err := HKDFExpandLabel(crypto.SHA256, secret, "x", make([]byte, 256), 32); err == nil {
		t.Error("256-byte context accepted")
	}
	for _, n := range []int{-1, 255*32 + 1, 0x10000, int(^uint(0) >> 1)} {
		if _, err := HKDFExpandLabel(crypto.SHA256, secret, "x", nil, n); err == nil {
			t.Errorf("length %d accepted", n)
		}
	}
	if out, err := HKDFExpandLabel(crypto.SHA384, secret, "x", nil, 255*48); err != nil || len(out) != 255*48 {
		t.Errorf("maximal SHA-384 expansion: %d bytes, %v", len(out), err)
	}
	for _, h := range []crypto.Hash{0, crypto.MD5, crypto.SHA1, crypto.MD5SHA1, crypto.SHA512, crypto.Hash(200)} {
		if _, err := HKDFExpandLabel(h, secret, "x", nil, 16); err == nil {
			t.Errorf("hash %v accepted by HKDFExpandLabel", h)
		}
		if _, err := HKDFExtract(h, nil, secret); err == nil {
			t.Errorf("hash %v accepted by HKDFExtract", h)
		}
	}
	// RFC 5869, Appendix A.1 (test case 1), which HKDFExtract must match.
	prk, err := HKDFExtract(crypto.SHA256, unhex(t, "000102030405060708090a0b0c"), unhex(t, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"))
	if err != nil {
		t.Fatal(err)
	}
	expectHex(t, "RFC 5869 A.1 PRK", prk, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
}

func TestScheduleMisuse(t *testing.T) {
	tls12 := SuiteByID(0xC02F)
	if _, err := NewEarlySchedule(tls12, nil); !errors.Is(err, ErrNotTLS13) {
		t.Errorf("TLS 1.2 suite: %v", err)
	}
	if _, err := NewEarlySchedule(nil, nil); !errors.Is(err, ErrNotTLS13) {
		t.Errorf("nil suite: %v", err)
	}
	s := SuiteByID(0x1302) // SHA-384
	e, err := NewEarlySchedule(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.secret) != 48 || e.Suite() != s {
		t.Fatalf("SHA-384 early secret of %d bytes", len(e.secret))
	}
	if _, err := e.ClientEarlyTrafficSecret(make([]byte, 32)); !errors.Is(err, ErrHashLength) {
		t.Errorf("SHA-256-sized hash with a SHA-384 suite: %v", err)
	}
	if _, err := e.Binder(false, make([]byte, 47)); !errors.Is(err, ErrHashLength) {
		t.Errorf("short binder hash: %v", err)
	}
	if k, iv := TrafficKeys(s, make([]byte, 32)); k != nil || iv != nil {
		t.Error("TrafficKeys accepted a short secret")
	}
	if k, iv := TrafficKeys(tls12, make([]byte, 32)); k != nil || iv != nil {
		t.Error("TrafficKeys accepted a TLS 1.2 suite")
	}
	if FinishedKey(s, nil) != nil || FinishedVerifyData13(s, make([]byte, 48), nil) != nil {
		t.Error("Finished accepted a bad input")
	}
	if _, err := ResumptionPSK(s, make([]byte, 48), make([]byte, 256)); err == nil {
		t.Error("256-byte ticket nonce accepted")
	}
	if _, err := ExportKeyingMaterial13(s, make([]byte, 32), "x", nil, 16); !errors.Is(err, ErrHashLength) {
		t.Errorf("exporter with a short secret: %v", err)
	}
	if _, err := ExportKeyingMaterial13(s, make([]byte, 48), strings.Repeat("x", 250), nil, 16); err == nil {
		t.Error("exporter with a 250-byte label accepted")
	}
	// A nil stage (from an ignored error) fails cleanly.
	var ne *EarlySchedule
	var nh *HandshakeSchedule
	var nm *MasterSchedule
	if _, err := ne.Handshake(nil); err == nil {
		t.Error("nil early stage advanced")
	}
	if _, err := ne.BinderKey(true); err == nil {
		t.Error("nil early stage derived")
	}
	if _, err := nh.Master(); err == nil {
		t.Error("nil handshake stage advanced")
	}
	if _, err := nm.ExporterMasterSecret(make([]byte, 48)); err == nil {
		t.Error("nil master stage derived")
	}
	nm.Erase()
	if ne.Suite() != nil || nh.Suite() != nil || nm.Suite() != nil {
		t.Error("nil stages have a suite")
	}
	// Without (EC)DHE the handshake secret is extracted from zeros.
	hs, err := e.Handshake(nil)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := NewEarlySchedule(s, nil)
	hs2, _ := e2.Handshake(make([]byte, 48))
	if !bytes.Equal(hs.secret, hs2.secret) {
		t.Error("nil shared secret is not the zero value")
	}
	if len(e.secret) != 0 {
		t.Error("early secret not wiped")
	}
}

// writeTestCert writes a self-signed P-256 certificate and key for
// openssl s_server.
func writeTestCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestExporterAgainstOpenSSL runs openssl s_client against openssl
// s_server with -keymatexport and a key log, and recomputes the exported
// keying material from the logged secrets: RFC 5705 in TLS 1.0 and 1.2
// (master secret from CLIENT_RANDOM, server random from the ServerHello
// that -msg prints) and RFC 8446 Section 7.5 in TLS 1.3 (EXPORTER_SECRET).
func TestExporterAgainstOpenSSL(t *testing.T) {
	openssl := peertest.Require(t, "openssl")
	dir := t.TempDir()
	certFile, keyFile := writeTestCert(t, dir)
	const label = "EXPERIMENTAL-otpssl"
	cases := []struct {
		version Version
		flag    string
		suite   uint16
	}{
		{VersionTLS10, "-tls1", 0xC009},   // ECDHE-ECDSA-AES128-SHA: MD5/SHA-1 PRF
		{VersionTLS12, "-tls1_2", 0xC02B}, // ECDHE-ECDSA-AES128-GCM-SHA256
		{VersionTLS12, "-tls1_2", 0xC02C}, // ECDHE-ECDSA-AES256-GCM-SHA384
		{VersionTLS13, "-tls1_3", 0x1301},
		{VersionTLS13, "-tls1_3", 0x1302},
	}
	for i, c := range cases {
		s := SuiteByID(c.suite)
		n := 20 + 13*i
		port := peertest.FreePort(t)
		srvArgs := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certFile, "-key", keyFile,
			"-naccept", "1", c.flag}
		cliArgs := []string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(port), c.flag,
			"-keylogfile", filepath.Join(dir, "keylog"+strconv.Itoa(i)), "-keymatexport", label,
			"-keymatexportlen", strconv.Itoa(n), "-msg"}
		if s.TLS13() {
			srvArgs = append(srvArgs, "-ciphersuites", s.IANAName)
			cliArgs = append(cliArgs, "-ciphersuites", s.IANAName)
		} else {
			srvArgs = append(srvArgs, "-cipher", s.OpenSSLName+":@SECLEVEL=0")
			cliArgs = append(cliArgs, "-cipher", s.OpenSSLName+":@SECLEVEL=0")
		}
		srv := peertest.Start(t, "openssl", srvArgs...)
		// Not WaitListening: its probe connection would be the one accepted.
		srv.WaitOutput(t, "ACCEPT", 10*time.Second)
		cmd := exec.Command(openssl, cliArgs...)
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: s_client: %v\n%s", s, err, out)
		}
		srv.Kill()
		want := keyingMaterial(t, string(out))
		keylog, err := os.ReadFile(filepath.Join(dir, "keylog"+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		if s.TLS13() {
			secret := keylogSecret(t, string(keylog), "EXPORTER_SECRET")
			got, err = ExportKeyingMaterial13(s, secret, label, nil, n)
		} else {
			cr, master := keylogClientRandom(t, string(keylog))
			sr := serverRandom(t, string(out))
			got, err = ExportKeyingMaterial(c.version, s, master, cr, sr, label, nil, false, n)
		}
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s in %s: exported %x, openssl %x", s, c.version, got, want)
		}
	}
}

func keyingMaterial(t *testing.T, out string) []byte {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Keying material: "); ok {
			return unhex(t, rest)
		}
	}
	t.Fatalf("no keying material in s_client output:\n%s", out)
	return nil
}

func keylogSecret(t *testing.T, keylog, label string) []byte {
	t.Helper()
	for _, line := range strings.Split(keylog, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == label {
			return unhex(t, f[2])
		}
	}
	t.Fatalf("no %s in key log:\n%s", label, keylog)
	return nil
}

func keylogClientRandom(t *testing.T, keylog string) (clientRandom, master []byte) {
	t.Helper()
	for _, line := range strings.Split(keylog, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "CLIENT_RANDOM" {
			return unhex(t, f[1]), unhex(t, f[2])
		}
	}
	t.Fatalf("no CLIENT_RANDOM in key log:\n%s", keylog)
	return nil, nil
}

// serverRandom reads the ServerHello that s_client -msg prints as hex and
// returns its random (after type, length and version).
func serverRandom(t *testing.T, out string) []byte {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		if !strings.Contains(line, "], ServerHello") {
			continue
		}
		var hexDigits strings.Builder
		for _, l := range lines[i+1:] {
			if !strings.HasPrefix(l, "    ") {
				break
			}
			hexDigits.WriteString(strings.ReplaceAll(l, " ", ""))
		}
		msg := unhex(t, hexDigits.String())
		if len(msg) < 38 {
			break
		}
		return msg[6:38]
	}
	t.Fatalf("no ServerHello in s_client -msg output:\n%s", out)
	return nil
}
