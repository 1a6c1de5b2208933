// Package crl checks certificate revocation with certificate revocation
// lists (RFC 5280, Sections 5 and 6.3): the CRL cache interface of Erlang's
// ssl_crl_cache_api, the internal cache (ssl_crl_cache), the hash-directory
// cache (ssl_crl_hash_dir) and CRL validation.
package crl
