// Command gorunc-gen writes gorunc's man pages (gorunc.8 and gorunc-CMD.8,
// roff) and its bash completion from the command table in cmd/gorunc/cli,
// the same table the parser and `gorunc --help` use. `make man` runs it; the
// output goes to the gitignored build/ folder, never into git: a checked-in
// copy would be a second source that every flag change (and every branch
// adding one) has to regenerate and merge.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorunc/gorunc/cmd/gorunc/cli"
)

func main() {
	manDir := flag.String("man", "", "write gorunc.8 and gorunc-CMD.8 into this directory")
	bash := flag.String("bash", "", "write the bash completion script to this file")
	flag.Parse()
	if err := generate(*manDir, *bash); err != nil {
		fmt.Fprintf(os.Stderr, "gorunc-gen: %v\n", err)
		os.Exit(1)
	}
}

func generate(manDir, bash string) error {
	if manDir != "" {
		if err := os.MkdirAll(manDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(manDir, cli.AppName+".8"), cli.ManPage(nil), 0o644); err != nil {
			return err
		}
		for _, c := range cli.Commands() {
			name := filepath.Join(manDir, cli.AppName+"-"+c.Name+".8")
			if err := os.WriteFile(name, cli.ManPage(&c), 0o644); err != nil {
				return err
			}
		}
	}
	if bash != "" {
		if err := os.MkdirAll(filepath.Dir(bash), 0o755); err != nil {
			return err
		}
		return os.WriteFile(bash, cli.BashCompletion(), 0o644)
	}
	return nil
}
