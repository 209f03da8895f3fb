// Command gorunc is an OCI container runtime with runc's command line.
package main

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/runtime"
)

// version is set by the Makefile (-ldflags "-X main.version=...").
var version = "dev"

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
	version   bool
	help      bool
	log       *logger
}

func (g *globals) store() runtime.Store {
	return runtime.Store{Root: g.root, Warn: func(msg string) {
		g.log.Warnf("%s", msg)
		fmt.Fprintf(os.Stderr, "gorunc: warning: %s\n", msg)
	}}
}

type command struct {
	summary string
	run     func(g *globals, args []string) (exitCode int, err error)
}

func commands() map[string]command {
	return map[string]command{
		"spec":     {"create a new specification file (config.json)", cmdSpec},
		"create":   {"create a container", cmdCreate},
		"start":    {"start a created container", cmdStart},
		"run":      {"create and start a container", cmdRun},
		"exec":     {"run a new process inside a container", cmdExec},
		"state":    {"print the state of a container", cmdState},
		"list":     {"list containers", cmdList},
		"kill":     {"send a signal to a container's init (or all its processes)", cmdKill},
		"delete":   {"delete a container", cmdDelete},
		"pause":    {"freeze every process of a container", cmdPause},
		"resume":   {"thaw a paused container", cmdResume},
		"ps":       {"list the processes of a container", cmdPs},
		"features": {"print the features this runtime supports, as JSON", cmdFeatures},
		"update":   {"update a container's resource constraints", cmdUpdate},
		"events":   {"print a container's stats and OOM events, as JSON", cmdEvents},
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

func run(args []string) int {
	g := &globals{root: runtime.DefaultRoot, logFormat: "text"}
	fs := newFlags("gorunc")
	fs.String(&g.root, "root")
	fs.String(&g.logPath, "log")
	fs.String(&g.logFormat, "log-format")
	fs.Bool(&g.debug, "debug")
	fs.Bool(&g.systemd, "systemd-cgroup")
	fs.String(&g.rootless, "rootless")
	fs.Bool(&g.version, "version", "v")
	fs.Bool(&g.help, "help", "h")
	rest, err := fs.Parse(args, 0)
	if err != nil {
		return fail(g, err)
	}
	if g.version {
		fmt.Printf("gorunc version %s\nspec: %s\ngo: %s\n", version, specs.Version, goruntime.Version())
		return 0
	}
	if g.help || len(rest) == 0 {
		usage()
		return 0
	}
	if g.log, err = openLog(g.logPath, g.logFormat, g.debug); err != nil {
		return fail(g, err)
	}
	if g.systemd {
		return fail(g, errors.New("--systemd-cgroup: the systemd cgroup driver is not supported yet; use the cgroupfs driver (omit the flag)"))
	}
	switch g.rootless {
	case "", "auto", "false":
	case "true":
		if os.Geteuid() != 0 {
			return fail(g, errors.New("--rootless true: rootless containers are not supported yet"))
		}
	default:
		return fail(g, fmt.Errorf("--rootless %q: must be auto, true or false", g.rootless))
	}
	cmd, ok := commands()[rest[0]]
	if !ok {
		return fail(g, fmt.Errorf("unknown command %q (see gorunc --help)", rest[0]))
	}
	g.log.Debugf("%s %s", rest[0], strings.Join(rest[1:], " "))
	code, err := cmd.run(g, rest[1:])
	if err != nil {
		rc := fail(g, err)
		if ce := (exitCodeError{}); errors.As(err, &ce) {
			return ce.code
		}
		return rc
	}
	return code
}

// fail prints the one-line error runc users expect, and logs it at error
// level where containerd's shim looks for it.
func fail(g *globals, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if g.log != nil {
		g.log.Errorf("%s", msg)
	}
	fmt.Fprintf(os.Stderr, "gorunc: %s\n", msg)
	return 1
}

func usage() {
	fmt.Println("usage: gorunc [global options] command [command options] [arguments...]")
	fmt.Println("\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("   %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Println("\nglobal options: --root DIR (default /run/gorunc), --log FILE, --log-format text|json, --debug, --version")
}
