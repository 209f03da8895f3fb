package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/gorunc/gorunc/runtime"
)

// cmdEvents: `events [--stats] [--interval 5s] ID`, one JSON object per
// line as runc prints them: with --stats one stats event, then exit;
// without, a stats event every interval and an oom event on each OOM,
// until the container stops.
func cmdEvents(g *globals, args []string) (int, error) {
	stats, interval := false, "5s"
	fs := newFlags("events")
	fs.Bool(&stats, "stats")
	fs.String(&interval, "interval")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	id, err := needID("events", pos)
	if err != nil {
		return 1, err
	}
	every, err := time.ParseDuration(interval)
	if err != nil || every <= 0 {
		return 1, fmt.Errorf("events: --interval %q: want a positive duration such as 5s or 500ms", interval)
	}
	enc := json.NewEncoder(os.Stdout)
	if stats {
		st, err := g.store().Stats(id)
		if err != nil {
			return 1, err
		}
		return 0, enc.Encode(runtime.Event{Type: "stats", ID: id, Data: st})
	}
	return 0, g.store().Events(id, every, func(e runtime.Event) error { return enc.Encode(e) })
}
