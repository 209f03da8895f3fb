package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/gorunc/gorunc/runtime"
)

// listEntry is one container as `runc list --format json` prints it: runc's
// containerState, whose field order (pid before status, annotations before
// owner) differs from the OCI state's; clients compare the bytes.
type listEntry struct {
	Version     string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Owner       string            `json:"owner"`
}

// containerState is runc's containerState of st. runc's state command
// prints the same type without filling the owner: "owner": "" there.
func containerState(st runtime.State, owner bool) listEntry {
	e := listEntry{
		Version: st.Version, ID: st.ID, Pid: st.Pid, Status: string(st.Status), Bundle: st.Bundle,
		Rootfs: st.Rootfs, Created: st.Created, Annotations: st.Annotations,
	}
	if owner {
		e.Owner = st.Owner
	}
	return e
}

func cmdList(g *globals, args []string) (int, error) {
	format, quiet := "table", false
	fs := newFlags("list")
	fs.String(&format, "format", "f")
	fs.Bool(&quiet, "quiet", "q")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	if len(pos) != 0 {
		return 1, errors.New(`"list" requires exactly 0 argument(s)`)
	}
	// runc reads the root directory itself and fails when it is missing
	// ("open /abs/root: no such file or directory"): a mistyped --root
	// is an error, not an empty list.
	root, err := filepath.Abs(g.root)
	if err != nil {
		return 1, err
	}
	if _, err := os.ReadDir(root); err != nil {
		return 1, err
	}
	s := g.store()
	ids, err := s.List()
	if err != nil {
		return 1, err
	}
	// A nil slice, as runc's: an empty root prints "null" in json.
	var entries []listEntry
	for _, id := range ids {
		c, err := s.Get(id)
		if err != nil {
			continue // deleted while we listed
		}
		entries = append(entries, containerState(c.State(), true))
	}
	// Buffered: tabwriter writes each cell and its padding on its own,
	// a dozen write(2)s a line unbuffered.
	out := bufio.NewWriter(os.Stdout)
	if quiet {
		for _, e := range entries {
			fmt.Fprintln(out, e.ID)
		}
		return 0, out.Flush()
	}
	switch format {
	case "json":
		return 0, printJSON(entries, "")
	case "table":
		w := tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)
		fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
		for _, e := range entries {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.Pid, e.Status, e.Bundle, e.Created.Format(time.RFC3339Nano), e.Owner)
		}
		if err := w.Flush(); err != nil {
			return 1, err
		}
		return 0, out.Flush()
	}
	// runc's wording; like runc, only after the root was read.
	return 1, errors.New("invalid format option")
}
