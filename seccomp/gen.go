package seccomp

//go:generate go run ./internal/mksyscalls -o zsyscalls.go
