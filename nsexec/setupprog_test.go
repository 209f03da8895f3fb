package nsexec

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// TestSetupProgramRefusesWhatCCannotHold: a string longer than setup.c's
// buffer for its field is the program's error (the runtime then keeps Go
// init), never a program the C side calls malformed; the longest that
// fits is taken.
func TestSetupProgramRefusesWhatCCannotHold(t *testing.T) {
	long := func(n int) string { return "/" + strings.Repeat("a", n-1) }
	cases := []struct {
		name  string
		add   func(p *SetupProgram)
		fails bool
	}{
		{"path that fits", func(p *SetupProgram) { p.Mask(long(4095)) }, false},
		{"path too long", func(p *SetupProgram) { p.Mask(long(4096)) }, true},
		{"fstype too long", func(p *SetupProgram) { p.Mount(strings.Repeat("t", 64), "/mnt", 0) }, true},
		{"option key that fits", func(p *SetupProgram) {
			p.Mount("tmpfs", "/mnt", 0, MountOption{Key: strings.Repeat("k", 255)})
		}, false},
		{"option key too long", func(p *SetupProgram) {
			p.Mount("tmpfs", "/mnt", 0, MountOption{Key: strings.Repeat("k", 256)})
		}, true},
		{"sysctl key too long", func(p *SetupProgram) { p.Sysctl(strings.Repeat("k", 256), "1") }, true},
		{"NUL", func(p *SetupProgram) { p.Hostname("a\x00b") }, true},
	}
	for _, c := range cases {
		p := NewSetupProgram("/root")
		c.add(p)
		_, err := p.Bytes()
		if (p.Err() != nil) != c.fails || (err != nil) != c.fails {
			t.Errorf("%s: Err() = %v, Bytes() error %v, want an error: %v", c.name, p.Err(), err, c.fails)
		}
	}
}

// TestSetupDebugfFitsItsStep: a debug line of a message near PATH_MAX is
// cut (on a rune boundary, marked "...") so that its step still fits the
// C side's buffer, and stays one JSON object.
func TestSetupDebugfFitsItsStep(t *testing.T) {
	for _, msg := range []string{strings.Repeat("x", 5000), strings.Repeat("é", 3000), strings.Repeat("\x01", 2000), "short"} {
		p := NewSetupProgram("/root")
		p.LogTo(5)
		p.Debugf("%s", msg)
		b, err := p.Bytes()
		if err != nil {
			t.Fatalf("%d-byte message: %v", len(msg), err)
		}
		// The line is the last string: its length, then its bytes.
		i := strings.LastIndex(string(b), `{"level"`)
		line := b[i : i+int(binary.LittleEndian.Uint32(b[i-4:]))]
		if len(line) >= pathMax {
			t.Errorf("%d-byte message: a %d-byte line", len(msg), len(line))
		}
		var v struct{ Level, Msg string }
		if err := json.Unmarshal(line, &v); err != nil || v.Level != "debug" {
			t.Errorf("%d-byte message: line %.60q... is no debug object: %v", len(msg), line, err)
		}
		if len(msg) > pathMax && !strings.HasSuffix(v.Msg, "...") {
			t.Errorf("%d-byte message not marked as cut: ...%q", len(msg), v.Msg[len(v.Msg)-10:])
		}
	}
}
