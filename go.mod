module github.com/otpssl/ssl

go 1.24.0
