// Package userns tells whether this process runs in a user namespace other
// than the initial one. Both the runtime (--rootless auto, the XDG root) and
// the systemd driver (whose uid the user's bus knows) ask.
package userns

import (
	"bytes"

	"github.com/gorunc/gorunc/internal/rawfile"
)

// Running reports whether this process is in a user namespace other than
// the initial one, whose uid_map is the identity over the whole 32-bit
// range (user_namespaces(7)). Any other map, or none readable, is a child
// namespace.
//
// Read through a raw descriptor (rawfile): every gorunc command asks this
// (--rootless auto), and an os.File would also make the runtime's poller,
// which start, kill and delete need for nothing else.
func Running() bool {
	b, err := rawfile.Read("/proc/self/uid_map", 64)
	if err != nil {
		return false
	}
	return !identity(b)
}

func identity(uidMap []byte) bool {
	f := bytes.Fields(uidMap)
	return len(f) == 3 && string(f[0]) == "0" && string(f[1]) == "0" && string(f[2]) == "4294967295"
}
