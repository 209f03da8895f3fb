// Package cli is gorunc's command-line table: every command, every flag and
// the text that describes them. The parser in cmd/gorunc binds flags by the
// names listed here, and the help screens, the man pages and the bash
// completion (cmd/gorunc-gen) are all rendered from it, so the four cannot
// drift apart. The wording follows runc 1.5's where gorunc behaves the same.
package cli

// Flag describes one command-line flag.
type Flag struct {
	// Names holds the long name first, then the aliases ("bundle", "b").
	Names []string
	// Value is true for a flag that takes a value (--bundle DIR), false
	// for a boolean switch (--detach).
	Value bool
	// Default is shown as "(default: ...)", as urfave/cli prints it.
	Default string
	Usage   string
}

// Command describes one subcommand.
type Command struct {
	Name string
	// Usage is the one-line summary of the command list.
	Usage string
	// ArgsUsage follows "gorunc NAME [command options]" in the usage line;
	// a newline in it starts the longer explanation runc prints there.
	ArgsUsage   string
	Description string
	Flags       []Flag
}

// App is the text of `gorunc --help` around the command list.
const (
	AppName  = "gorunc"
	AppUsage = "Open Container Initiative runtime"
	AppText  = `gorunc is a command line client for running applications packaged according to
the Open Container Initiative (OCI) format. It implements the OCI runtime
specification with runc's command line, so process supervisors (containerd's
runc shim, podman's conmon) can use it in runc's place.

Containers are configured using bundles. A bundle for a container is a directory
that includes a specification file named "config.json" and a root filesystem.

To start a new instance of a container:

    # gorunc run [ -b bundle ] <container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide must be unique on your host. The bundle
defaults to the current directory.`
)

const idArgs = `<container-id>

Where "<container-id>" is the name for the instance of the container.`

// Globals returns the flags that come before the command name.
func Globals() []Flag {
	return []Flag{
		{Names: []string{"debug"}, Usage: "enable debug logging"},
		{Names: []string{"log"}, Value: true, Usage: "set the log file to write gorunc logs to (default is '/dev/stderr')"},
		{Names: []string{"log-format"}, Value: true, Default: `"text"`, Usage: "set the log format ('text' (default), or 'json')"},
		{Names: []string{"root"}, Value: true, Default: `"/run/gorunc"`, Usage: "root directory for storage of container state (this should be located in tmpfs)"},
		{Names: []string{"systemd-cgroup"}, Usage: `enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:gorunc:434234"`},
		{Names: []string{"rootless"}, Value: true, Default: `"auto"`, Usage: "ignore cgroup permission errors ('true', 'false', or 'auto')"},
		{Names: []string{"help", "h"}, Usage: "show help"},
		{Names: []string{"version", "v"}, Usage: "print the version"},
	}
}

// Commands returns every command in the order `gorunc --help` lists them.
func Commands() []Command {
	// Flags shared by several commands, in runc's words; built per call,
	// so that no caller can change another's table.
	flagBundle := Flag{Names: []string{"bundle", "b"}, Value: true, Usage: "path to the root of the bundle directory, defaults to the current directory"}
	flagConsoleSocket := Flag{Names: []string{"console-socket"}, Value: true, Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"}
	flagPidfdSocket := Flag{Names: []string{"pidfd-socket"}, Value: true, Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the init process"}
	flagPidFile := Flag{Names: []string{"pid-file"}, Value: true, Usage: "specify the file to write the process id to"}
	flagNoPivot := Flag{Names: []string{"no-pivot"}, Usage: "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"}
	flagNoNewKeyring := Flag{Names: []string{"no-new-keyring"}, Usage: "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key"}
	flagPreserveFDs := Flag{Names: []string{"preserve-fds"}, Value: true, Default: "0", Usage: "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"}
	flagDetach := Flag{Names: []string{"detach", "d"}, Usage: "detach from the container's process"}
	flagFormat := Flag{Names: []string{"format", "f"}, Value: true, Default: `"table"`, Usage: "select one of: table or json"}
	// checkpoint's and restore's, runc's criu flags.
	flagWorkPath := Flag{Names: []string{"work-path"}, Value: true, Usage: "path for saving work files and logs"}
	flagTCPEstablished := Flag{Names: []string{"tcp-established"}, Usage: "allow open tcp connections"}
	flagExtUnixSk := Flag{Names: []string{"ext-unix-sk"}, Usage: "allow external unix sockets"}
	flagShellJob := Flag{Names: []string{"shell-job"}, Usage: "allow shell jobs"}
	flagFileLocks := Flag{Names: []string{"file-locks"}, Usage: "handle file locks, for safety"}
	flagLazyPages := Flag{Names: []string{"lazy-pages"}, Usage: "use userfaultfd to lazily restore memory pages"}
	flagManageCgroups := Flag{Names: []string{"manage-cgroups-mode"}, Value: true, Usage: "cgroups mode: soft|full|strict|ignore (default: soft)"}
	flagEmptyNs := Flag{Names: []string{"empty-ns"}, Value: true, Usage: "create a namespace, but don't restore its properties"}
	flagAutoDedup := Flag{Names: []string{"auto-dedup"}, Usage: "enable auto deduplication of memory images"}
	return []Command{
		{
			Name: "checkpoint", Usage: "checkpoint a running container",
			ArgsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
checkpointed.`,
			Description: `The checkpoint command saves the state of the container instance.`,
			Flags: []Flag{
				{Names: []string{"image-path"}, Value: true, Usage: "path for saving criu image files"},
				flagWorkPath,
				{Names: []string{"parent-path"}, Value: true, Usage: "path for previous criu image files in pre-dump"},
				{Names: []string{"leave-running"}, Usage: "leave the process running after checkpointing"},
				flagTCPEstablished,
				{Names: []string{"tcp-skip-in-flight"}, Usage: "skip in-flight tcp connections"},
				{Names: []string{"link-remap"}, Usage: "allow one to link unlinked files back when possible"},
				flagExtUnixSk, flagShellJob, flagLazyPages,
				{Names: []string{"status-fd"}, Value: true, Default: "-1", Usage: `criu writes \0 to this FD once lazy-pages is ready`},
				{Names: []string{"page-server"}, Value: true, Usage: "ADDRESS:PORT of the page server"},
				flagFileLocks,
				{Names: []string{"pre-dump"}, Usage: "dump container's memory information only, leave the container running after this"},
				flagManageCgroups, flagEmptyNs, flagAutoDedup,
			},
		},
		{
			Name: "create", Usage: "create a container",
			ArgsUsage: idArgs + ` The name you provide for the container instance must be
unique on your host.`,
			Description: `The create command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem. The container's process (the args of the spec) runs once
"gorunc start" is called.`,
			Flags: []Flag{flagBundle, flagConsoleSocket, flagPidfdSocket, flagPidFile, flagNoPivot, flagNoNewKeyring, flagPreserveFDs},
		},
		{
			Name: "delete", Usage: "delete any resources held by the container often used with detached container",
			ArgsUsage: idArgs,
			Flags: []Flag{
				{Names: []string{"force", "f"}, Usage: "Forcibly deletes the container if it is still running (uses SIGKILL)"},
			},
		},
		{
			Name: "events", Usage: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
			ArgsUsage: "<container-id>",
			Description: `The events command displays information about the container. By default the
information is displayed once every 5 seconds.`,
			Flags: []Flag{
				{Names: []string{"interval"}, Value: true, Default: "5s", Usage: "set the stats collection interval"},
				{Names: []string{"stats"}, Usage: "display the container's stats then exit"},
			},
		},
		{
			Name: "exec", Usage: "execute new process inside the container",
			ArgsUsage: `<container-id> <command> [command options]  || -p process.json <container-id>

Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.`,
			Flags: []Flag{
				flagConsoleSocket,
				{Names: []string{"pidfd-socket"}, Value: true, Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the exec process"},
				{Names: []string{"cwd"}, Value: true, Usage: "current working directory in the container"},
				{Names: []string{"env", "e"}, Value: true, Usage: "set environment variables"},
				{Names: []string{"tty", "t"}, Usage: "allocate a pseudo-TTY"},
				{Names: []string{"user", "u"}, Value: true, Usage: "UID (format: <uid>[:<gid>])"},
				{Names: []string{"additional-gids", "g"}, Value: true, Usage: "additional gids"},
				{Names: []string{"process", "p"}, Value: true, Usage: "path to the process.json"},
				flagDetach,
				flagPidFile,
				{Names: []string{"process-label"}, Value: true, Usage: "set the asm process label for the process commonly used with selinux"},
				{Names: []string{"apparmor"}, Value: true, Usage: "set the apparmor profile for the process"},
				{Names: []string{"no-new-privs"}, Usage: "set the no new privileges value for the process"},
				{Names: []string{"ignore-paused"}, Usage: "allow exec in a paused container"},
				{Names: []string{"cgroup"}, Value: true, Usage: "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>."},
				{Names: []string{"cap", "c"}, Value: true, Usage: "add a capability to the bounding set for the process"},
				flagPreserveFDs,
			},
		},
		{
			Name: "features", Usage: "show the enabled features",
			Description: `Show the enabled features (the OCI runtime features document, as JSON).`,
		},
		{
			Name: "kill", Usage: "kill sends the specified signal (default: SIGTERM) to the container's init process",
			ArgsUsage: `<container-id> [signal]

Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.`,
			Flags: []Flag{
				{Names: []string{"all", "a"}, Usage: "send the specified signal to all processes inside the container (deprecated)"},
			},
		},
		{
			Name: "list", Usage: "lists containers started by gorunc with the given root",
			ArgsUsage: `

Where the given root is specified via the global option "--root"
(default: "/run/gorunc").`,
			Flags: []Flag{
				flagFormat,
				{Names: []string{"quiet", "q"}, Usage: "display only container IDs"},
			},
		},
		{
			Name: "pause", Usage: "pause suspends all processes inside the container",
			ArgsUsage:   idArgs,
			Description: `The pause command suspends all processes in the instance of the container.`,
		},
		{
			Name: "ps", Usage: "ps displays the processes running inside a container",
			ArgsUsage: "<container-id> [ps options]",
			Flags:     []Flag{flagFormat},
		},
		{
			Name: "restore", Usage: "restore a container from a previous checkpoint",
			ArgsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
restored.`,
			Description: `Restores the saved state of the container instance that was previously saved
using the gorunc checkpoint command.`,
			Flags: []Flag{
				flagConsoleSocket,
				{Names: []string{"image-path"}, Value: true, Usage: "path to criu image files for restoring"},
				flagWorkPath, flagTCPEstablished, flagExtUnixSk, flagShellJob, flagFileLocks, flagManageCgroups,
				{Names: []string{"bundle", "b"}, Value: true, Usage: "path to the root of the bundle directory"},
				flagDetach, flagPidFile,
				{Names: []string{"no-subreaper"}, Usage: "disable the use of the subreaper used to reap reparented processes"},
				flagNoPivot, flagEmptyNs, flagAutoDedup, flagLazyPages,
				{Names: []string{"lsm-profile"}, Value: true, Usage: "Specify an LSM profile to be used during restore in the form of TYPE:NAME."},
				{Names: []string{"lsm-mount-context"}, Value: true, Usage: "Specify an LSM mount context to be used during restore."},
			},
		},
		{
			Name: "resume", Usage: "resumes all processes that have been previously paused",
			ArgsUsage:   idArgs,
			Description: `The resume command resumes all processes in the instance of the container.`,
		},
		{
			Name: "run", Usage: "create and run a container",
			ArgsUsage: idArgs + ` The name you provide for the container instance must be
unique on your host.`,
			Description: `The run command creates an instance of a container for a bundle and starts
the process given by the args of its "config.json".`,
			Flags: []Flag{
				flagBundle, flagConsoleSocket, flagPidfdSocket, flagDetach,
				{Names: []string{"keep"}, Usage: "do not delete the container after it exits"},
				{Names: []string{"no-subreaper"}, Usage: "disable the use of the subreaper used to reap reparented processes"},
				flagPidFile, flagNoPivot, flagNoNewKeyring, flagPreserveFDs,
			},
		},
		{
			Name: "spec", Usage: "create a new specification file",
			Description: `The spec command creates the new specification file named "config.json" for
the bundle. It is runc 1.5's starter file: edit it (args, mounts, namespaces)
before running a container. --rootless generates a spec for a container
started by an unprivileged user.`,
			Flags: []Flag{
				{Names: []string{"bundle", "b"}, Value: true, Usage: "path to the root of the bundle directory"},
				{Names: []string{"rootless"}, Usage: "generate a configuration for a rootless container"},
			},
		},
		{
			Name: "start", Usage: "executes the user defined process in a created container",
			ArgsUsage:   idArgs,
			Description: `The start command executes the user defined process in a created container.`,
		},
		{
			Name: "state", Usage: "output the state of a container",
			ArgsUsage:   idArgs,
			Description: `The state command outputs current state information for the instance of a container.`,
		},
		{
			Name: "update", Usage: "update container resource constraints",
			ArgsUsage: "<container-id>",
			Flags: []Flag{
				{Names: []string{"resources", "r"}, Value: true, Usage: `path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0,
    "checkBeforeUpdate": true
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "burst": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": "",
    "idle": 0
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.`},
				{Names: []string{"blkio-weight"}, Value: true, Default: "0", Usage: "Specifies per cgroup weight, range is from 10 to 1000"},
				{Names: []string{"cpu-period"}, Value: true, Usage: "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"},
				{Names: []string{"cpu-quota"}, Value: true, Usage: "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"},
				{Names: []string{"cpu-burst"}, Value: true, Usage: "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"},
				{Names: []string{"cpu-share"}, Value: true, Usage: "CPU shares (relative weight vs. other containers)"},
				{Names: []string{"cpu-rt-period"}, Value: true, Usage: "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"},
				{Names: []string{"cpu-rt-runtime"}, Value: true, Usage: "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"},
				{Names: []string{"cpuset-cpus"}, Value: true, Usage: "CPU(s) to use"},
				{Names: []string{"cpuset-mems"}, Value: true, Usage: "Memory node(s) to use"},
				// runc 1.5 hides these two; the table has no hidden flags,
				// so they are listed with runc's words.
				{Names: []string{"kernel-memory"}, Value: true, Usage: "(obsoleted; do not use)"},
				{Names: []string{"kernel-memory-tcp"}, Value: true, Usage: "(obsoleted; do not use)"},
				{Names: []string{"memory"}, Value: true, Usage: "Memory limit (in bytes)"},
				{Names: []string{"cpu-idle"}, Value: true, Usage: "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"},
				{Names: []string{"memory-reservation"}, Value: true, Usage: "Memory reservation or soft_limit (in bytes)"},
				{Names: []string{"memory-swap"}, Value: true, Usage: "Total memory usage (memory + swap); set '-1' to enable unlimited swap"},
				{Names: []string{"pids-limit"}, Value: true, Default: "0", Usage: "Maximum number of pids allowed in the container"},
				{Names: []string{"l3-cache-schema"}, Value: true, Usage: "The string of Intel RDT/CAT L3 cache schema"},
				{Names: []string{"mem-bw-schema"}, Value: true, Usage: "The string of Intel RDT/MBA memory bandwidth schema"},
			},
		},
	}
}

// Lookup returns the command named name.
func Lookup(name string) (Command, bool) {
	for _, c := range Commands() {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}
