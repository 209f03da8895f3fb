package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorunc/gorunc/runtime"
)

func cmdSpec(g *globals, args []string) (int, error) {
	bundle, rootless := ".", false
	fs := newFlags("spec")
	fs.String(&bundle, "bundle", "b")
	fs.Bool(&rootless, "rootless")
	if _, err := fs.Parse(args, 0); err != nil {
		return 1, err
	}
	data, err := json.MarshalIndent(runtime.DefaultSpec(rootless), "", "\t")
	if err != nil {
		return 1, err
	}
	path := filepath.Join(bundle, "config.json")
	// O_EXCL: never overwrite a config someone wrote.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return 1, fmt.Errorf("spec: %s already exists; remove it first", path)
		}
		return 1, fmt.Errorf("spec: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return 1, fmt.Errorf("spec: write %s: %w", path, err)
	}
	return 0, f.Close()
}
