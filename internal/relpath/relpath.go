// Package relpath says where a path lies relative to another, lexically.
package relpath

import (
	"path/filepath"
	"strings"
)

// Under returns target relative to base when target is base itself (".")
// or below it, and ok false when it is outside: filepath.Rel, no symlink
// resolved, and outside means ".." or a path starting with "../", not a
// name that merely starts with two dots (a directory may be called
// "..data").
func Under(base, target string) (rel string, ok bool) {
	rel, err := filepath.Rel(base, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}
