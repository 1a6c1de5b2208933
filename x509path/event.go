package x509path

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
)

// Kind is the kind of an Event and, for Valid, ValidPeer and Unknown, a
// Verdict.
type Kind int

// Event kinds and verdicts. BadCert, Extension, Valid and ValidPeer are
// event kinds; Valid, ValidPeer and Unknown are also verdicts a VerifyFun
// returns (Fail makes the fourth verdict).
const (
	// BadCert: a check failed; Event.Reason says which (Erlang {bad_cert,
	// Reason}).
	BadCert Kind = iota + 1
	// Extension: the certificate has an extension path validation does not
	// process; Event.Extension is it (Erlang {extension, Ext}).
	Extension
	// Valid: a CA certificate of the path passed (Erlang valid). As an
	// answer: carry on.
	Valid
	// ValidPeer: the peer certificate passed (Erlang valid_peer). As an
	// answer it means the same as Valid.
	ValidPeer
	// Unknown is only an answer: the VerifyFun does not know the extension
	// of an Extension event (Erlang unknown).
	Unknown
)

// String returns the Erlang atom of the kind: "bad_cert", "extension",
// "valid", "valid_peer" or "unknown".
func (k Kind) String() string {
	switch k {
	case BadCert:
		return "bad_cert"
	case Extension:
		return "extension"
	case Valid:
		return "valid"
	case ValidPeer:
		return "valid_peer"
	case Unknown:
		return "unknown"
	}
	return "undefined"
}

func (Kind) verdict() {}

// Event is what path validation tells a VerifyFun about one certificate.
type Event struct {
	// Kind is BadCert, Extension, Valid or ValidPeer.
	Kind Kind
	// Reason is set for BadCert.
	Reason Reason
	// Extension is set for Extension.
	Extension pkix.Extension
}

// String returns the event as Erlang writes it: "valid", "valid_peer",
// "{bad_cert,Reason}" or "{extension,{'Extension',OID,Critical,<<hex>>}}"
// (the extension value is shown as hex, not decoded as Erlang would).
func (e Event) String() string {
	switch e.Kind {
	case BadCert:
		return "{bad_cert," + reasonString(e.Reason) + "}"
	case Extension:
		crit := "false"
		if e.Extension.Critical {
			crit = "true"
		}
		return "{extension,{'Extension'," + oidTerm(e.Extension.Id) + "," + crit +
			",<<16#" + hex.EncodeToString(e.Extension.Value) + ">>}}"
	}
	return e.Kind.String()
}

func oidTerm(o asn1.ObjectIdentifier) string {
	s := oidListTerm([]asn1.ObjectIdentifier{o})
	return s[1 : len(s)-1]
}

// Verdict is a VerifyFun's answer: Valid, ValidPeer, Unknown, or Fail(r).
type Verdict interface {
	verdict()
}

type failVerdict struct{ reason Reason }

func (failVerdict) verdict() {}

// Fail is the verdict that stops validation with reason r (Erlang {fail,
// Reason}). A nil r stands for the reason of the BadCert event being
// answered, or the atom "fail" for other events.
func Fail(r Reason) Verdict { return failVerdict{reason: r} }

// FailReason reports whether v is a Fail verdict, and its reason.
func FailReason(v Verdict) (Reason, bool) {
	f, ok := v.(failVerdict)
	return f.reason, ok
}

// VerifyFun is Erlang's verify_fun: path validation calls it for every
// certificate of the path, trust anchor side first and the peer last.
//
//   - For every problem found, with a BadCert event. Valid (or ValidPeer,
//     or Unknown) lets validation go on as if the check had passed; Fail
//     stops it. Unknown is treated as Fail here, where Erlang's
//     public_key would carry on: an answer meant for extensions does not
//     accept a bad certificate.
//   - For every extension that path validation does not process itself,
//     with an Extension event. Unknown on a critical extension fails with
//     unknown_critical_extension; on a non-critical one it carries on.
//   - After all checks of a CA certificate, with Valid; of the peer, with
//     ValidPeer. Unknown is accepted here like Valid.
//
// The verdict goes with the new user state, which is passed to the next
// call; the last one ends in Result.UserState. A nil verdict fails.
//
// The certificates are those of crypto/x509; cert.Raw is the DER.
type VerifyFun func(cert *x509.Certificate, ev Event, userState any) (Verdict, any)

// PartialChainFun is Erlang's partial_chain: when the chain leads to no
// trusted root, it is called with a candidate path, as DER, in Erlang's
// order: the certificate nearest the root first, the peer last. Returning
// one of those certificates and true makes it the trust anchor: the
// certificates below it are validated against it. Returning false (or a
// certificate not in the list) leaves the path untrusted (unknown_ca).
type PartialChainFun func(chain [][]byte) (trustedCA []byte, ok bool)

// DefaultVerifyPeer is the verify fun of verify_peer, as in the seed:
//
//	fun(_, {bad_cert, _} = Reason, _) -> {fail, Reason};
//	   (_, {extension, _}, UserState) -> {unknown, UserState};
//	   (_, valid, UserState) -> {valid, UserState};
//	   (_, valid_peer, UserState) -> {valid, UserState}
//	end
//
// Validate uses it when Options.VerifyFun is nil.
func DefaultVerifyPeer(_ *x509.Certificate, ev Event, userState any) (Verdict, any) {
	switch ev.Kind {
	case BadCert:
		return Fail(ev.Reason), userState
	case Extension:
		return Unknown, userState
	}
	return Valid, userState
}

// DefaultVerifyNone is the verify fun of verify_none, as in the seed: it
// accepts every problem and every critical extension.
//
//	fun(_, {bad_cert, _}, UserState) -> {valid, UserState};
//	   (_, {extension, #'Extension'{critical = true}}, UserState) -> {valid, UserState};
//	   (_, {extension, _}, UserState) -> {unknown, UserState};
//	   (_, valid, UserState) -> {valid, UserState};
//	   (_, valid_peer, UserState) -> {valid, UserState}
//	end
func DefaultVerifyNone(_ *x509.Certificate, ev Event, userState any) (Verdict, any) {
	switch ev.Kind {
	case BadCert:
		return Valid, userState
	case Extension:
		if ev.Extension.Critical {
			return Valid, userState
		}
		return Unknown, userState
	}
	return Valid, userState
}
