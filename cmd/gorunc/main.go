// Command gorunc is an OCI container runtime with runc's command line.
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/cmd/gorunc/cli"
	"github.com/gorunc/gorunc/runlog"
	"github.com/gorunc/gorunc/runtime"
)

// version is the release, X.Y.Z as runc's VERSION file holds it.
//
//go:embed VERSION
var version string

// commit is set by the Makefile (-ldflags "-X main.commit=$(git describe
// --dirty --always)", the string runc prints there); a plain `go build`
// falls back to the revision Go stamps into the binary.
var commit string

// versionText is `gorunc --version` in runc's shape: runc prints "runc
// version", "commit:" (when known), "spec:", "go:" and, built with
// libseccomp, "libseccomp:"; gorunc compiles seccomp filters itself and
// links no libseccomp, so that line has nothing to say.
func versionText() string {
	c := commit
	if c == "" {
		c = vcsRevision()
	}
	return versionTextFor(c)
}

func versionTextFor(c string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "gorunc version %s\n", strings.TrimSpace(version))
	if c != "" {
		fmt.Fprintf(&b, "commit: %s\n", c)
	}
	fmt.Fprintf(&b, "spec: %s\ngo: %s\n", specs.Version, goruntime.Version())
	return b.String()
}

func vcsRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

func init() {
	// `gorunc init` becomes the container process: credentials,
	// capabilities and namespaces are per-thread, so the main goroutine
	// must stay on the main thread, the one that finally execve()s.
	// Locking in init() is the only way to pin it to the main thread.
	if len(os.Args) > 1 && (os.Args[1] == "init" || os.Args[1] == "exec-init") {
		goruntime.LockOSThread()
	}
}

// globals are runc's global flags.
type globals struct {
	root      string
	logPath   string
	logFormat string
	debug     bool
	systemd   bool
	rootless  string
	// isRootless is --rootless resolved (runtime.Rootless).
	isRootless bool
	// xdgUnset: a rootless caller without XDG_RUNTIME_DIR got the
	// default --root, which it likely cannot write (see fail).
	xdgUnset bool
	version  bool
	help     bool
	log      *runlog.Logger
}

func (g *globals) store() runtime.Store {
	return runtime.Store{Root: g.root, Log: g.log, Rootless: g.isRootless, Warn: func(msg string) {
		// With --log a warning goes only to the log, as runc's (logrus)
		// do: containerd's shim hands create its container's stderr
		// pipe, so a line there would land in the container's own
		// output (`kubectl logs`); the shim reads only the log.
		if g.logPath != "" {
			g.log.Warnf("%s", msg)
			return
		}
		fmt.Fprintf(os.Stderr, "gorunc: warning: %s\n", msg)
	}}
}

// command runs one subcommand; its help text is in package cli's table.
type command func(g *globals, args []string) (exitCode int, err error)

func commands() map[string]command {
	return map[string]command{
		"spec":       cmdSpec,
		"create":     cmdCreate,
		"start":      cmdStart,
		"run":        cmdRun,
		"exec":       cmdExec,
		"state":      cmdState,
		"list":       cmdList,
		"kill":       cmdKill,
		"delete":     cmdDelete,
		"pause":      cmdPause,
		"resume":     cmdResume,
		"ps":         cmdPs,
		"features":   cmdFeatures,
		"update":     cmdUpdate,
		"events":     cmdEvents,
		"checkpoint": cmdCheckpoint,
		"restore":    cmdRestore,
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.Init() // never returns
	}
	if len(os.Args) > 1 && os.Args[1] == "exec-init" {
		runtime.ExecInit() // never returns
	}
	os.Exit(run(os.Args[1:]))
}

// globalFlags declares runc's global flags (described in cli.Globals).
func globalFlags(g *globals) *flagSet {
	fs := newFlags("gorunc")
	fs.String(&g.root, "root")
	fs.String(&g.logPath, "log")
	fs.String(&g.logFormat, "log-format")
	fs.Bool(&g.debug, "debug")
	fs.Bool(&g.systemd, "systemd-cgroup")
	fs.String(&g.rootless, "rootless")
	fs.Bool(&g.version, "version", "v")
	fs.Bool(&g.help, "help", "h")
	return fs
}

func run(args []string) int {
	g := &globals{logFormat: "text"}
	rest, err := globalFlags(g).Parse(args, 0)
	if err != nil {
		return fail(g, err)
	}
	defaultRoot := g.root == ""
	if defaultRoot {
		if g.root = runtime.XDGRoot(); g.root == "" {
			g.root = runtime.DefaultRoot
		}
	}
	if g.version {
		fmt.Print(versionText())
		return 0
	}
	if g.help || len(rest) == 0 {
		return writeHelp(g, cli.WriteAppHelp(os.Stdout, strings.TrimSpace(version)))
	}
	if g.log, err = runlog.Open(g.logPath, g.logFormat, g.debug); err != nil {
		return fail(g, err)
	}
	if g.isRootless, err = runtime.Rootless(g.rootless, g.systemd); err != nil {
		return fail(g, err)
	}
	if defaultRoot && g.root != runtime.DefaultRoot {
		// As runc's app.Before: for every command, spec included.
		if err := runtime.MakeXDGRoot(g.root); err != nil {
			return fail(g, err)
		}
	}
	g.xdgUnset = defaultRoot && g.isRootless && os.Getenv("XDG_RUNTIME_DIR") == ""
	if rest[0] == "help" || rest[0] == "h" {
		if len(rest) == 1 {
			return writeHelp(g, cli.WriteAppHelp(os.Stdout, strings.TrimSpace(version)))
		}
		rest = []string{rest[1], "--help"}
	}
	cmd, ok := commands()[rest[0]]
	if !ok {
		// runc (urfave/cli) answers an unknown command with its help
		// command's error and exit code 3.
		fail(g, fmt.Errorf("No help topic for '%s'", rest[0]))
		return 3
	}
	g.log.Debugf("%s %s", rest[0], strings.Join(rest[1:], " "))
	code, err := cmd(g, rest[1:])
	if h := (*helpRequest)(nil); errors.As(err, &h) {
		return writeHelp(g, cli.WriteCommandHelp(os.Stdout, commandHelp(h)))
	}
	if err != nil {
		rc := fail(g, err)
		if ce := (exitCodeError{}); errors.As(err, &ce) {
			return ce.code
		}
		return rc
	}
	return code
}

func writeHelp(g *globals, err error) int {
	if err != nil {
		return fail(g, err)
	}
	return 0
}

// commandHelp is the table's description of the command, with any flag the
// code declares but the table lacks listed as undocumented (a unit test
// fails for those; the user still sees that the flag exists).
func commandHelp(h *helpRequest) cli.Command {
	c, ok := cli.Lookup(h.cmd)
	if !ok {
		c = cli.Command{Name: h.cmd}
	}
	documented := map[string]bool{}
	for _, f := range c.Flags {
		for _, n := range f.Names {
			documented[n] = true
		}
	}
	for _, d := range h.declared {
		if !documented[d.names[0]] {
			c.Flags = append(c.Flags, cli.Flag{Names: d.names, Value: d.value, Usage: "(undocumented)"})
		}
	}
	return c
}

// fail prints the one-line error runc users expect, and logs it at error
// level where containerd's shim looks for it.
func fail(g *globals, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if g.xdgUnset && errors.Is(err, os.ErrPermission) {
		// runc says only "mkdir /run/runc/ID: permission denied".
		msg += fmt.Sprintf(" (rootless: XDG_RUNTIME_DIR is not set, so --root defaulted to %s; set XDG_RUNTIME_DIR or --root)", g.root)
	}
	if g.log != nil {
		g.log.Errorf("%s", msg)
	}
	fmt.Fprintf(os.Stderr, "gorunc: %s\n", msg)
	return 1
}
