package ssl

import "strconv"

// Message is what a socket in active mode delivers to its owner channel:
// Data, Closed, Error or Passive. They mirror Erlang's {ssl, Socket, Data},
// {ssl_closed, Socket}, {ssl_error, Socket, Reason} and
// {ssl_passive, Socket}.
type Message interface {
	// Socket returns the socket the message comes from.
	Socket() *Socket
}

// Data is received application data: Erlang's {ssl, Socket, Data}. Data is
// a copy that the receiver owns and may keep or modify. With packet type
// raw (the default) it holds what one or more records brought, never
// empty; with another packet type it is one packet (which may be empty),
// as Recv returns it. Go has one byte type, so it is []byte whatever the
// mode and header options say.
type Data struct {
	Sock *Socket // the socket that received it
	Data []byte  // the data, the receiver's to keep
}

// Closed says that the connection has ended: Erlang's {ssl_closed,
// Socket}. It is delivered exactly once, as the last message of the
// socket, when the connection ends while the socket is in active mode (or
// when it is next made active, if it ended in passive mode): the peer
// closed it (close_notify or the end of the transport), or an Error was
// delivered just before. Closing the socket with Close or Shutdown does
// not deliver it, as in Erlang: the owner knows it closed the socket.
type Closed struct {
	Sock *Socket // the socket whose connection ended
}

// Error reports a fatal error that ended the connection in active mode:
// Erlang's {ssl_error, Socket, Reason}. Reason is usually an *AlertError
// (an alert this side sent or received). Unlike Erlang's ssl, which ends
// with the error message alone, a Closed message always follows, so that
// a loop over the messages can stop at Closed.
type Error struct {
	Sock   *Socket // the socket whose connection failed
	Reason error   // why: an *AlertError, a *PacketError, econnreset
}

// Passive says that an ActiveN count has run out and the socket has
// switched to passive mode: Erlang's {ssl_passive, Socket}.
type Passive struct {
	Sock *Socket // the socket that became passive
}

// Socket returns the socket the message comes from.
func (m Data) Socket() *Socket { return m.Sock }

// Socket returns the socket the message comes from.
func (m Closed) Socket() *Socket { return m.Sock }

// Socket returns the socket the message comes from.
func (m Error) Socket() *Socket { return m.Sock }

// Socket returns the socket the message comes from.
func (m Passive) Socket() *Socket { return m.Sock }

// String renders the message as the Erlang tuple, with the data's length
// in place of the data: {ssl,Socket,<<12 bytes>>}.
func (m Data) String() string {
	return "{ssl,Socket,<<" + strconv.Itoa(len(m.Data)) + " bytes>>}"
}

// String renders the message as the Erlang tuple {ssl_closed,Socket}.
func (m Closed) String() string { return "{ssl_closed,Socket}" }

// String renders the message as the Erlang tuple {ssl_error,Socket,Reason},
// with the reason's Erlang term when it has one.
func (m Error) String() string { return "{ssl_error,Socket," + reasonTerm(m.Reason) + "}" }

// String renders the message as the Erlang tuple {ssl_passive,Socket}.
func (m Passive) String() string { return "{ssl_passive,Socket}" }

// reasonTerm renders an error as the Erlang reason: its Term when it has
// one, else its message as a string.
func reasonTerm(err error) string {
	if err == nil {
		return "undefined"
	}
	if t, ok := err.(interface{ Term() string }); ok {
		return t.Term()
	}
	return erlString(err.Error())
}
