package runlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLineShapes(t *testing.T) {
	cases := []struct {
		name  string
		o     Options
		log   func(l *Logger)
		want  []string // substrings of the output
		empty bool
	}{
		{name: "json debug with caller", o: Options{JSON: true, Debug: true, Caller: true},
			log:  func(l *Logger) { l.Debugf("step %d", 1) },
			want: []string{`"level":"debug"`, `"msg":"step 1"`, `"func":"github.com/gorunc/gorunc/runlog.TestLineShapes`, `"file":"`, `"time":"`}},
		{name: "debug dropped without --debug", o: Options{JSON: true},
			log: func(l *Logger) { l.Debugf("step") }, empty: true},
		{name: "json warning", o: Options{JSON: true},
			log:  func(l *Logger) { l.Warnf("w") },
			want: []string{`{"level":"warning","msg":"w","time":"`}},
		{name: "text error", o: Options{},
			log:  func(l *Logger) { l.Errorf("bad %q", "x") },
			want: []string{`time="`, `level=error msg="bad \"x\""`}},
		{name: "relayed lines keep their level, lose the caller", o: Options{JSON: true, Debug: true, Caller: true},
			log: func(l *Logger) {
				<-l.Forward(strings.NewReader("{\"level\":\"debug\",\"msg\":\"init: x\",\"time\":\"t\"}\n\nnot json\n"))
			},
			want: []string{`{"level":"debug","msg":"init: x","time":"`, `"level":"error","msg":"failed to decode \"not json\" to json`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			c.o.W = &b
			c.log(New(c.o))
			out := b.String()
			if c.empty != (out == "") {
				t.Fatalf("output %q, want empty: %v", out, c.empty)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
			if c.o.JSON {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if line != "" && !json.Valid([]byte(line)) {
						t.Errorf("not JSON: %q", line)
					}
				}
			}
		})
	}
}

func TestNilLoggerDiscards(t *testing.T) {
	var l *Logger
	l.Debugf("x")
	l.Errorf("x")
	if l.Enabled() {
		t.Error("a nil logger is enabled")
	}
}
