package ssl

import "testing"

func TestProtocolAtomsRoundTrip(t *testing.T) {
	want := map[Protocol]string{
		SSLv3: "sslv3", TLSv1: "tlsv1", TLSv1_1: "tlsv1.1", TLSv1_2: "tlsv1.2",
		TLSv1_3: "tlsv1.3", DTLSv1: "dtlsv1", DTLSv1_2: "dtlsv1.2",
	}
	for p, s := range want {
		if p.String() != s {
			t.Errorf("%#04x.String() = %q, want %q", uint16(p), p.String(), s)
		}
		got, err := ParseProtocol(s)
		if err != nil || got != p {
			t.Errorf("ParseProtocol(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseProtocol("tlsv9"); err == nil {
		t.Error("ParseProtocol accepted tlsv9")
	}
}
