// Package crl checks certificate revocation with certificate revocation
// lists (RFC 5280, Sections 5 and 6.3): the CRL cache interface of Erlang's
// ssl_crl_cache_api, the internal cache (ssl_crl_cache), the hash-directory
// cache (ssl_crl_hash_dir) and CRL validation.
//
// Path validation (package x509path) calls Check for each certificate when
// the crl_check option asks for it, with the crl_cache option's Cache:
//
//	cache := crl.NewInternalCache(crl.HTTPTimeout(5 * time.Second))
//	if err := cache.Insert(crl.FromFile("ca.crl.pem")); err != nil { ... }
//	res := crl.Check(crl.Request{Cert: leaf, Issuer: ca, Cache: cache, Trusted: roots})
//	switch res.Status {
//	case crl.Revoked:      // {bad_cert, {revoked, res.Reason}}
//	case crl.Undetermined: // {bad_cert, {revocation_status_undetermined, res.Detail}}
//	}
//
// Erlang's ssl module maps to this package as follows:
//
//	{crl_check, false | true | peer | best_effort}  CheckMode Off, On, Peer, BestEffort
//	{crl_cache, {ssl_crl_cache, {internal, []}}}    NewInternalCache()
//	{crl_cache, {ssl_crl_cache, {internal, [{http, T}]}}}  NewInternalCache(HTTPTimeout(T))
//	{crl_cache, {ssl_crl_hash_dir, {internal, [{dir, D}]}}}  NewHashDirCache(D)
//	ssl_crl_cache:insert({file, F}) / insert({der, L}) (*InternalCache).Insert(FromFile(F)) / Insert(FromDER(L...))
//	ssl_crl_cache:insert(URI, Src)                  (*InternalCache).InsertURI(URI, Src)
//	ssl_crl_cache:delete(URI | {file, F} | {der, L})  (*InternalCache).Delete(FromURI(URI) | FromFile(F) | FromDER(L...))
//	public_key:pkix_crls_validate/3                 Check
//	public_key:pkix_dist_points/1                   CertificateDistributionPoints
//
// Names are compared as OpenSSL compares them (case-insensitive for ASCII,
// whitespace collapsed; see SubjectNameHash), which is also how the hash
// directory's file names are computed. Delta CRLs are not supported.
package crl
