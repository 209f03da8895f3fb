package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestManAndCompletionCoverEveryFlag: the man pages and the bash completion
// are rendered from the same table as --help, so each lists every flag.
func TestManAndCompletionCoverEveryFlag(t *testing.T) {
	bash := string(BashCompletion())
	pages := map[string]struct {
		page  string
		flags []Flag
	}{"gorunc": {string(ManPage(nil)), Globals()}}
	for _, c := range Commands() {
		pages[c.Name] = struct {
			page  string
			flags []Flag
		}{string(ManPage(&c)), c.Flags}
		if !strings.Contains(pages["gorunc"].page, `\fB`+c.Name+`\fR`) {
			t.Errorf("gorunc.8 does not list %s", c.Name)
		}
		if !strings.Contains(bash, "\t"+c.Name+") ") {
			t.Errorf("completion has no case for %s", c.Name)
		}
	}
	for name, p := range pages {
		if !strings.HasPrefix(p.page, ".TH ") || !strings.Contains(p.page, "\n.SH NAME\n") {
			t.Errorf("%s: not a man page: %q", name, p.page)
		}
		for _, f := range p.flags {
			for _, n := range f.Names {
				if !strings.Contains(p.page, `\fB`+roff(dashes(n)+n)+`\fR`) {
					t.Errorf("%s.8 lacks %s%s", name, dashes(n), n)
				}
				if !regexp.MustCompile(`[\s"]` + dashes(n) + n + `[\s"]`).MatchString(bash) {
					t.Errorf("completion lacks %s%s (%s)", dashes(n), n, name)
				}
			}
			if !strings.Contains(p.page, roff(f.Usage)) {
				t.Errorf("%s.8 lacks the description of --%s", name, f.Names[0])
			}
		}
	}
}

// TestCompletionScript runs the script in bash: syntax, and the flags it
// offers after "gorunc list -".
func TestCompletionScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash:", err)
	}
	script := filepath.Join(t.TempDir(), "gorunc")
	if err := os.WriteFile(script, BashCompletion(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bash, "-c", `source "$1"; COMP_WORDS=(gorunc --root /x list -); COMP_CWORD=4; _gorunc; echo "${COMPREPLY[*]}"`, "bash", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "--quiet -q --format -f --help -h" {
		t.Errorf("completion after 'gorunc --root /x list -': %q", got)
	}
}
