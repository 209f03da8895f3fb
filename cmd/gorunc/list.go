package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

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
	s := g.store()
	if s.Root, err = filepath.Abs(g.root); err != nil {
		return 1, err
	}
	ids, err := s.List()
	if err != nil {
		return 1, err
	}
	// A nil slice, as runc's: an empty root prints "null" in json.
	var entries []listEntry
	if states := s.ListStates(ids); len(states) > 0 {
		entries = make([]listEntry, 0, len(states))
		for _, st := range states {
			entries = append(entries, containerState(st, true))
		}
	}
	out := bufio.NewWriter(os.Stdout)
	if quiet {
		for _, e := range entries {
			out.WriteString(e.ID)
			out.WriteByte('\n')
		}
		return 0, out.Flush()
	}
	switch format {
	case "json":
		return 0, printJSON(entries, "")
	case "table":
		if err := writeTable(out, tableRows(entries)); err != nil {
			return 1, err
		}
		return 0, out.Flush()
	}
	// runc's wording; like runc, only after the root was read.
	return 1, errors.New("invalid format option")
}

// tableRows are list's table: a header, then a line per container.
func tableRows(entries []listEntry) [][]string {
	rows := make([][]string, 0, len(entries)+1)
	rows = append(rows, []string{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"})
	for _, e := range entries {
		rows = append(rows, []string{e.ID, strconv.Itoa(e.Pid), e.Status, e.Bundle, e.Created.Format(time.RFC3339Nano), e.Owner})
	}
	return rows
}

// The table's layout, runc's: text/tabwriter's minimum cell width,
// padding and pad character.
const (
	tableMinWidth = 12
	tablePadding  = 3
)

// writeTable writes rows, each of the same number of cells, as
// text/tabwriter lays out their tab-separated lines (each cell but the
// last padded to its column's widest plus the padding, in runes), with
// none of its buffering of every cell: with many containers, tabwriter
// and fmt were most of what `list` allocated after the states. A cell
// tabwriter would read otherwise (a tab, a line break, its escape byte)
// goes through tabwriter itself.
func writeTable(out *bufio.Writer, rows [][]string) error {
	width := make([]int, len(rows[0])-1)
	for _, r := range rows {
		for i, c := range r {
			if !plainCell(c) {
				return tabwriterTable(out, rows)
			}
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c)+tablePadding, tableMinWidth)
			}
		}
	}
	for _, r := range rows {
		for i, c := range r {
			out.WriteString(c)
			if i < len(width) {
				for n := utf8.RuneCountInString(c); n < width[i]; n++ {
					out.WriteByte(' ')
				}
			}
		}
		out.WriteByte('\n')
	}
	return nil
}

// plainCell: tabwriter takes c's bytes as the cell's text.
func plainCell(c string) bool {
	for i := 0; i < len(c); i++ {
		switch c[i] {
		case '\t', '\v', '\n', '\f', tabwriter.Escape:
			return false
		}
	}
	return true
}

func tabwriterTable(out *bufio.Writer, rows [][]string) error {
	w := tabwriter.NewWriter(out, tableMinWidth, 1, tablePadding, ' ', 0)
	for _, r := range rows {
		if _, err := io.WriteString(w, strings.Join(r, "\t")+"\n"); err != nil {
			return err
		}
	}
	return w.Flush()
}
