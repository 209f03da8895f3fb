// Package runlog writes the log runc writes (logrus's shape), for --log,
// --log-format and --debug, and relays the lines `gorunc init` writes to
// its log pipe into it, as runc's parent relays runc init's
// (libcontainer/logs.ForwardLogs).
//
// containerd's shim passes `--log <bundle>/log.json --log-format json` and
// reads the last "error" line as the reason a command failed: the keys are
// logrus's ("level", "msg", "time"; with --debug the runtime's own lines
// also carry logrus's ReportCaller keys "func" and "file", relayed lines
// do not), the levels are logrus's names, and the time is logrus's default
// RFC 3339 in seconds.
package runlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Levels, in logrus's spelling.
const (
	Debug   = "debug"
	Info    = "info"
	Warning = "warning"
	Error   = "error"
)

// Logger writes one line per entry. A nil *Logger discards everything, so
// code that logs need not ask whether a log was asked for.
type Logger struct {
	mu     sync.Mutex
	w      io.Writer
	json   bool
	debug  bool
	caller bool
}

// Options say where and how a Logger writes.
type Options struct {
	W io.Writer
	// JSON selects logrus's JSONFormatter, else its TextFormatter.
	JSON bool
	// Debug lets debug-level lines through (runc's --debug).
	Debug bool
	// Caller adds the "func" and "file" keys, as runc's --debug turns on
	// logrus's ReportCaller for its own lines.
	Caller bool
}

// New is a Logger writing to o.W.
func New(o Options) *Logger {
	return &Logger{w: o.W, json: o.JSON, debug: o.Debug, caller: o.Caller}
}

// Enabled says whether debug lines are written: callers skip work done
// only for them (a log pipe to init).
func (l *Logger) Enabled() bool { return l != nil && l.debug }

// Debugf formats only when debug lines are written.
func (l *Logger) Debugf(format string, args ...any) {
	if l.Enabled() {
		l.log(Debug, fmt.Sprintf(format, args...), true)
	}
}

func (l *Logger) Warnf(format string, args ...any) {
	l.log(Warning, fmt.Sprintf(format, args...), true)
}
func (l *Logger) Errorf(format string, args ...any) { l.log(Error, fmt.Sprintf(format, args...), true) }

func (l *Logger) log(level, msg string, own bool) {
	if l == nil || (level == Debug && !l.debug) {
		return
	}
	fields := []field{{"level", level}, {"msg", msg}, {"time", time.Now().Format(time.RFC3339)}}
	if own && l.caller {
		if fn, file := caller(); fn != "" {
			fields = append(fields, field{"file", file}, field{"func", fn})
		}
	}
	line := format(fields, l.json)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(line)
}

type field struct{ key, value string }

// format renders fields as logrus does: JSON with sorted keys, or text as
// key=value with values quoted where they need it, time first.
func format(fields []field, asJSON bool) []byte {
	if asJSON {
		m := make(map[string]string, len(fields))
		for _, f := range fields {
			m[f.key] = f.value
		}
		line, _ := json.Marshal(m) // map keys are sorted, as logrus's
		return append(line, '\n')
	}
	var b strings.Builder
	order := []string{"time", "level", "msg", "func", "file"}
	for _, k := range order {
		for _, f := range fields {
			if f.key != k {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			if k == "level" {
				fmt.Fprintf(&b, "%s=%s", k, f.value)
			} else {
				fmt.Fprintf(&b, "%s=%q", k, f.value)
			}
		}
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

// caller is the first function on the stack that is not the Logger's.
func caller() (fn, file string) {
	pcs := make([]uintptr, 16)
	n := goruntime.Callers(3, pcs)
	frames := goruntime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "/runlog.(*Logger)") {
			return f.Function, fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return "", ""
		}
	}
}

// Forward relays the JSON lines read from r (init's log pipe) until EOF,
// each at its own level and without caller keys: their source is init,
// not this function. A line that is not such JSON is logged as an error,
// in runc's words. done is closed at EOF.
func (l *Logger) Forward(r io.Reader) (done <-chan struct{}) {
	d := make(chan struct{})
	go func() {
		defer close(d)
		s := bufio.NewScanner(r)
		for s.Scan() {
			if len(s.Bytes()) == 0 {
				continue
			}
			var e struct{ Level, Msg string }
			if err := json.Unmarshal(s.Bytes(), &e); err != nil || e.Level == "" {
				l.Errorf("failed to decode %q to json: %v", s.Bytes(), err)
				continue
			}
			l.log(e.Level, e.Msg, false)
		}
	}()
	return d
}

// Open is the Logger for runc's global flags: --log path, --log-format
// text|json, --debug. Without --log, only --debug's lines are written, to
// stderr (logrus's default output); errors and warnings then reach stderr
// in gorunc's own one-line shape instead (cmd/gorunc).
func Open(path, logFormat string, debug bool) (*Logger, error) {
	if logFormat != "text" && logFormat != "json" {
		return nil, fmt.Errorf("--log-format %q: must be text or json", logFormat)
	}
	o := Options{W: io.Discard, JSON: logFormat == "json", Debug: debug, Caller: debug}
	if path == "" && debug {
		o.W = os.Stderr
	}
	if path != "" {
		// O_SYNC as runc's, so that lines written just before a
		// failure are on disk when the shim reads them.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC|syscall.O_CLOEXEC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("--log %s: %w", path, err)
		}
		o.W = f
	}
	return New(o), nil
}
