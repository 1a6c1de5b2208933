package handshake

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/otpssl/ssl/cipher"
	"github.com/otpssl/ssl/record"
)

func TestEncryptedExtensionsRFC8448(t *testing.T) {
	flight := splitMessages(t, unhex(t, rfc8448ServerFlight))
	m, err := UnmarshalEncryptedExtensions(flight[0])
	if err != nil {
		t.Fatal(err)
	}
	want := &EncryptedExtensions{
		ServerNameAck:   true,
		SupportedGroups: []NamedGroup{0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104},
		RecordSizeLimit: 0x4001,
		ExtensionOrder:  []ExtensionType{ExtSupportedGroups, ExtRecordSizeLimit, ExtServerName},
	}
	if got := withoutRaw(t, m); !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v\nwant %+v", got, want)
	}
}

func randEncryptedExtensions(r *rand.Rand) *EncryptedExtensions {
	maybe := func() bool { return r.Intn(2) == 0 }
	m := &EncryptedExtensions{ServerNameAck: maybe(), EarlyData: maybe()}
	if maybe() {
		m.MaxFragmentLength = uint8(1 + r.Intn(4))
	}
	if maybe() {
		m.SupportedGroups = randUint16s[NamedGroup](r, 8)
	}
	if maybe() {
		m.ALPNProtocol = randName(r, 1, 30)
	}
	if maybe() {
		m.RecordSizeLimit = uint16(64 + r.Intn(0x4000))
	}
	m.Unknown = randUnknown(r, 2)
	if maybe() {
		m.Unknown = append(m.Unknown, Extension{Type: ExtUseSRTP, Data: []byte{0, 2, 0, 1, 0}})
	}
	if order, err := m.Extensions(); err == nil {
		m.ExtensionOrder = shuffleOrder(r, order, 0, false)
	}
	return m
}

func TestEncryptedExtensionsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 1000; i++ {
		checkRoundTrip(t, randEncryptedExtensions(r), cipher.VersionTLS13)
	}
}

func TestEncryptedExtensionsErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		body []byte
		want record.Description
	}{
		{"no block", nil, record.DecodeError},
		{"trailing byte", []byte{0, 0, 0}, record.DecodeError},
		{"ALPN two names", vec16(rawExt(ExtALPN, vec16(append(vec8('a'), vec8('b')...)...))...), record.IllegalParameter},
		{"ALPN empty list", vec16(rawExt(ExtALPN, vec16())...), record.DecodeError},
		{"early_data with data", vec16(rawExt(ExtEarlyData, []byte{0, 0, 0, 1})...), record.DecodeError},
		{"server_name with data", vec16(rawExt(ExtServerName, []byte{0, 0})...), record.DecodeError},
		{"supported_groups odd", vec16(rawExt(ExtSupportedGroups, vec16(0, 29, 1))...), record.DecodeError},
		{"record_size_limit 1", vec16(rawExt(ExtRecordSizeLimit, []byte{0, 1})...), record.IllegalParameter},
		{"pre_shared_key", vec16(rawExt(ExtPreSharedKey, []byte{0, 0})...), record.IllegalParameter},
		{"duplicate", vec16(append(rawExt(ExtEarlyData, nil), rawExt(ExtEarlyData, nil)...)...), record.IllegalParameter},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalEncryptedExtensions(frame(TypeEncryptedExtensions, c.body))
			wantAlert(t, err, c.want)
		})
	}
	flight := splitMessages(t, unhex(t, rfc8448ServerFlight))
	checkTruncations(t, flight[0], cipher.VersionTLS13)
	for name, m := range map[string]*EncryptedExtensions{
		"unknown holds ALPN":      {Unknown: []Extension{{Type: ExtALPN}}},
		"unknown holds key_share": {Unknown: []Extension{{Type: ExtKeyShare}}},
		"ALPN name of 256 bytes":  {ALPNProtocol: string(make([]byte, 256))},
	} {
		if b, err := m.Marshal(); err == nil {
			t.Errorf("%s: marshalled to %x", name, b)
		}
	}
}
