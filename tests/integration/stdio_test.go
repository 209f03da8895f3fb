package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A foreground process without a terminal gets pipes, never the caller's
// own stdio files: with `gorunc run ID >> file` the container could
// otherwise reopen /proc/self/fd/1 and read the file's earlier content,
// truncate it or chmod it (the open file is the caller's). runc does the
// same (setupProcessPipes in its tty.go), and its init gives the pipes to
// process.user (fixStdioPermissions) so that a non-root process can still
// reopen them.
//
// Compared with runc 1.5.1 on the same bundles (GORUNC=$RUNC_REF
// runs these tests against it): runc passes every case.

// secret is what the caller's stdout file holds before the container runs.
const secret = "SECRET-earlier-content-of-the-callers-file"

// leakScript tries, from inside the container, everything the caller's
// file would allow: read its earlier content (first, before anything is in
// the pipe to steal; on a pipe cat blocks until timeout ends it), chmod it,
// reopen it with O_TRUNC; and reports what fds 0-2 are and who owns them.
// $$ is the shell: inside $(...) /proc/self/fd/1 would be the substitution's
// own pipe.
const leakScript = `
echo "stolen=[$(exec 2>/dev/null; timeout 1 cat /proc/$$/fd/1; true)]"
chmod 666 /proc/$$/fd/1 2>/dev/null
echo "fd0=$(readlink /proc/$$/fd/0) fd1=$(readlink /proc/$$/fd/1) fd2=$(readlink /proc/$$/fd/2)"
echo "owner=$(stat -L -c %u /proc/$$/fd/1)"
ls -l /proc/$$/fd/
echo viaproc >/proc/self/fd/1 || echo reopen-failed
echo to-stderr >&2
echo end
exit 42
`

type stdioCase struct {
	name   string
	script string
	user   *specs.User
	stdin  string
	// noPidNS runs the container without its own pid namespace, so that
	// its background children survive init.
	noPidNS bool
	// userNS maps the container's ids to 200000 and up on the host.
	userNS bool
	check  func(t *testing.T, r stdioResult)
}

type stdioResult struct {
	file    string // the caller's stdout file afterwards: secret + output
	out     string // what followed the secret
	stderr  string
	code    int
	mode    os.FileMode
	elapsed time.Duration
	exec    bool // the process was started by `gorunc exec`
}

func stdioCases() []stdioCase {
	leakCheck := func(owner string) func(*testing.T, stdioResult) {
		return func(t *testing.T, r stdioResult) {
			if strings.Count(r.file, secret) != 1 || !strings.HasPrefix(r.file, secret+"\n") {
				t.Errorf("the caller's file lost or leaked its earlier content:\n%s", r.file)
			}
			if strings.Contains(r.out, secret) {
				t.Errorf("the container read the caller's file:\n%s", r.out)
			}
			for _, want := range []string{"stolen=[]", "fd0=pipe:[", "fd1=pipe:[", "fd2=pipe:[", "owner=" + owner + "\n", "viaproc\n", "end\n"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("output has no %q:\n%s", want, r.out)
				}
			}
			// The shell's fds, as ls -l lists them: "... 1 -> pipe:[N]".
			var fds []string
			for _, line := range strings.Split(r.out, "\n") {
				if f := strings.Fields(line); len(f) > 3 && f[len(f)-2] == "->" {
					fds = append(fds, f[len(f)-3]+" "+f[len(f)-1][:min(5, len(f[len(f)-1]))])
				}
			}
			if want := []string{"0 pipe:", "1 pipe:", "2 pipe:"}; !slices.Equal(fds, want) {
				t.Errorf("the process has fds %q, want %q", fds, want)
			}
			if r.mode != 0o600 {
				t.Errorf("the caller's file has mode %v, want 0600 (chmod reached it)", r.mode)
			}
			if r.code != 42 {
				t.Errorf("exit code %d, want 42", r.code)
			}
			if r.stderr != "to-stderr\n" || strings.Contains(r.out, "to-stderr") {
				t.Errorf("stderr %q (stdout %q): not separated", r.stderr, r.out)
			}
		}
	}
	// More than a pipe buffer many times over, written just before exit.
	var seq strings.Builder
	for i := 1; i <= 300000; i++ {
		fmt.Fprintf(&seq, "%d\n", i)
	}
	input := strings.Repeat("stdin line to the end of the file\n", 20000)
	return []stdioCase{
		{name: "no access to the caller's file", script: leakScript, check: leakCheck("0")},
		{
			name: "non-root user reopens its pipes", script: leakScript,
			user: &specs.User{UID: 1000, GID: 1000}, check: leakCheck("1000"),
		},
		{
			// Owned by host uid 201000, which is 1000 inside.
			name: "non-root user in a user namespace", script: leakScript,
			user: &specs.User{UID: 1000, GID: 1000}, userNS: true, check: leakCheck("1000"),
		},
		{
			name: "large output complete at exit", script: "seq 1 300000; exit 3",
			check: func(t *testing.T, r stdioResult) {
				if r.out != seq.String() {
					t.Errorf("got %d bytes of output, want %d", len(r.out), seq.Len())
				}
				if r.code != 3 {
					t.Errorf("exit code %d, want 3", r.code)
				}
			},
		},
		{
			name: "stdin read to EOF", script: "cat; echo cat-ended", stdin: input,
			check: func(t *testing.T, r stdioResult) {
				if r.out != input+"cat-ended\n" {
					t.Errorf("got %d bytes back (ends %q), want the %d of stdin and cat-ended",
						len(r.out), r.out[max(0, len(r.out)-40):], len(input))
				}
			},
		},
		{
			// A pid namespace dies with its init; here the child
			// outlives the process gorunc waits for. As runc, gorunc
			// waits until the child closes the pipe, and its late
			// output arrives: a `run` deletes the container (and so
			// kills the child) before it waits; an exec waits.
			name: "background child holds stdout", script: "(sleep 2; echo late) & seq 1 300000", noPidNS: true,
			check: func(t *testing.T, r stdioResult) {
				want := seq.String()
				if r.exec {
					want += "late\n"
				}
				if r.out != want || r.code != 0 {
					t.Errorf("got %d bytes of output (ends %q) and exit %d, want %d bytes and 0",
						len(r.out), r.out[max(0, len(r.out)-20):], r.code, len(want))
				}
				if r.exec && r.elapsed < 2*time.Second {
					t.Errorf("exec returned after %v, before the background child closed stdout", r.elapsed)
				}
				if r.elapsed > 15*time.Second {
					t.Errorf("took %v", r.elapsed)
				}
			},
		},
	}
}

// runStdio runs gorunc with the caller's stdout a file that holds secret,
// opened O_APPEND as `>>` does (and the same file as fd 3, which must not
// reach the container either), its stdin a file with stdin, and stderr a
// file of its own.
func (e *env) runStdio(stdin string, args ...string) stdioResult {
	e.t.Helper()
	dir := e.t.TempDir()
	outPath := filepath.Join(dir, "out")
	if err := os.WriteFile(outPath, []byte(secret+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
	out, err := os.OpenFile(outPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer out.Close()
	inPath := filepath.Join(dir, "in")
	if err := os.WriteFile(inPath, []byte(stdin), 0o600); err != nil {
		e.t.Fatal(err)
	}
	in, err := os.Open(inPath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer in.Close()
	errf := e.tempFile()
	defer errf.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, append([]string{"--root", e.root}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, errf
	cmd.ExtraFiles = []*os.File{out}
	start := time.Now()
	err = cmd.Run()
	r := stdioResult{elapsed: time.Since(start), stderr: readAll(errf)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		e.t.Fatalf("gorunc %v: still running after 60 s", args)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		e.t.Fatalf("gorunc %v: %v", args, err)
	}
	data, err := os.ReadFile(outPath)
	if err != nil {
		e.t.Fatal(err)
	}
	r.file = string(data)
	r.out = strings.TrimPrefix(r.file, secret+"\n")
	st, err := os.Stat(outPath)
	if err != nil {
		e.t.Fatal(err)
	}
	r.mode = st.Mode().Perm()
	return r
}

func TestRunForegroundStdioPipes(t *testing.T) {
	for i, c := range stdioCases() {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", c.script)
			if c.user != nil {
				e.spec.Process.User = *c.user
			}
			if c.noPidNS {
				e.spec.Linux.Namespaces = e.spec.Linux.Namespaces[1:]
			}
			if c.userNS {
				userns(e, 200000)
			}
			e.writeSpec()
			c.check(t, e.runStdio(c.stdin, "run", "--bundle", e.bundle, fmt.Sprintf("stdio%d", i)))
		})
	}
}

func TestExecForegroundStdioPipes(t *testing.T) {
	for i, c := range stdioCases() {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			if c.noPidNS {
				e.spec.Linux.Namespaces = e.spec.Linux.Namespaces[1:]
			}
			if c.userNS {
				userns(e, 200000)
			}
			e.writeSpec()
			id := fmt.Sprintf("stdio%d", i)
			e.must("run", "-d", "--bundle", e.bundle, id)
			args := []string{"exec"}
			if c.user != nil {
				args = append(args, "--user", fmt.Sprintf("%d:%d", c.user.UID, c.user.GID))
			}
			r := e.runStdio(c.stdin, append(args, id, "sh", "-c", c.script)...)
			r.exec = true
			c.check(t, r)
		})
	}
}
