// Package handshake holds the handshake messages and the client and server
// state machines of SSL 3.0 and TLS 1.0-1.3.
package handshake
