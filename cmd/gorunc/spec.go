package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/runtime"
)

func cmdSpec(g *globals, args []string) (int, error) {
	bundle, rootless := "", false
	fs := newFlags("spec")
	fs.String(&bundle, "bundle", "b")
	fs.Bool(&rootless, "rootless")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	if len(pos) != 0 {
		return 1, errors.New(`"spec" requires exactly 0 argument(s)`)
	}
	// Byte for byte what runc 1.5 writes: tab indentation and no final
	// newline (runc writes json.MarshalIndent's output as it is).
	// runc's IsCgroup2UnifiedMode: a host whose cgroupfs cannot be
	// read counts as v1.
	v, _ := cgroup.HostVersion()
	data, err := json.MarshalIndent(runtime.DefaultSpec(rootless, v == 2), "", "\t")
	if err != nil {
		return 1, err
	}
	if bundle != "" {
		// runc chdirs into the bundle, so its error names the directory.
		if st, err := os.Stat(bundle); err != nil {
			return 1, fmt.Errorf("chdir %s: %w", bundle, errors.Unwrap(err))
		} else if !st.IsDir() {
			return 1, fmt.Errorf("chdir %s: not a directory", bundle)
		}
	}
	path := filepath.Join(bundle, "config.json")
	// O_EXCL: never overwrite a config someone wrote; runc's wording.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return 1, errors.New("File config.json exists. Remove it first")
		}
		return 1, fmt.Errorf("spec: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return 1, fmt.Errorf("spec: write %s: %w", path, err)
	}
	return 0, f.Close()
}
