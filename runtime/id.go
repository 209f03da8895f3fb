package runtime

import "fmt"

// maxIDLength is NAME_MAX: the id names a directory under the state root.
const maxIDLength = 255

// ValidateID accepts runc's id alphabet: letters, digits and "_+-.", never
// "." or "..", so that an id can never name a path outside the state root.
func ValidateID(id string) error {
	if id == "" {
		return fmt.Errorf("container id is empty")
	}
	if len(id) > maxIDLength {
		return fmt.Errorf("invalid container id: longer than %d characters", maxIDLength)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("invalid container id %q", id)
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '+' || c == '-' || c == '.':
		default:
			return fmt.Errorf("invalid container id %q: only letters, digits and _+-. are allowed", id)
		}
	}
	return nil
}
