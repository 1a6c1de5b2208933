package ssl

// How says which direction Shutdown closes.
type How int

// Shutdown directions (Erlang read, write, read_write).
const (
	Read How = iota
	Write
	ReadWrite
)

// String returns the Erlang atom.
func (h How) String() string {
	switch h {
	case Read:
		return "read"
	case Write:
		return "write"
	case ReadWrite:
		return "read_write"
	}
	return "unknown"
}
