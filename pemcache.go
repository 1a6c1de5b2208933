package ssl

import "github.com/otpssl/ssl/pem"

// ClearPEMCache empties the cache of PEM files at once, as Erlang's
// ssl:clear_pem_cache/0. Files named by options (certfile, keyfile,
// cacertfile, dhfile) are cached after they are first read; the cache
// already re-reads a file whose size or modification time changes and drops
// files unused for the PEMCacheClean interval (two minutes by default).
// ClearPEMCache makes the next use of every file read it again, whatever
// its state. Sockets already set up keep what they have read.
func ClearPEMCache() { pem.Default.Clear() }
