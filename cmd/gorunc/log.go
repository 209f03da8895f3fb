package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// logger writes runc-shaped log lines to --log. containerd's shim reads the
// last "error" line of the JSON log as the reason a command failed, so the
// keys are exactly "level", "msg" and "time".
type logger struct {
	w     io.Writer
	json  bool
	debug bool
}

func openLog(path, format string, debug bool) (*logger, error) {
	l := &logger{w: io.Discard, json: format == "json", debug: debug}
	if format != "text" && format != "json" {
		return nil, fmt.Errorf("--log-format %q: must be text or json", format)
	}
	if path == "" {
		if debug {
			l.w = os.Stderr
		}
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--log %s: %w", path, err)
	}
	l.w = f
	return l, nil
}

func (l *logger) log(level, msg string) {
	if level == "debug" && !l.debug {
		return
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if l.json {
		line, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		l.w.Write(append(line, '\n'))
		return
	}
	fmt.Fprintf(l.w, "time=%q level=%s msg=%q\n", now, level, msg)
}

func (l *logger) Debugf(format string, args ...any) { l.log("debug", fmt.Sprintf(format, args...)) }
func (l *logger) Warnf(format string, args ...any)  { l.log("warning", fmt.Sprintf(format, args...)) }
func (l *logger) Errorf(format string, args ...any) { l.log("error", fmt.Sprintf(format, args...)) }
