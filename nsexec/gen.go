package nsexec

//go:generate go run ./internal/mkerrtext -o zerrtext.c
