module github.com/otpssl/ssl/contrib/redissession

go 1.24.0

require github.com/otpssl/ssl v0.0.0

require (
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
)

replace github.com/otpssl/ssl => ../..
