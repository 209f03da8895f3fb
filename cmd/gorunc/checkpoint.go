package main

import (
	"github.com/gorunc/gorunc/runtime"
)

// criuFlags declares the flags checkpoint and restore share.
func criuFlags(fs *flagSet, o *runtime.CriuOptions) {
	fs.String(&o.ImagePath, "image-path")
	fs.String(&o.WorkPath, "work-path")
	fs.Bool(&o.TCPEstablished, "tcp-established")
	fs.Bool(&o.ExtUnixSk, "ext-unix-sk")
	fs.Bool(&o.ShellJob, "shell-job")
	fs.Bool(&o.FileLocks, "file-locks")
	fs.Bool(&o.LazyPages, "lazy-pages")
	fs.Bool(&o.AutoDedup, "auto-dedup")
	fs.String(&o.ManageCgroupsMode, "manage-cgroups-mode")
	fs.Strings(&o.EmptyNs, "empty-ns")
}

func cmdCheckpoint(g *globals, args []string) (int, error) {
	o := runtime.CriuOptions{StatusFD: -1}
	fs := newFlags("checkpoint")
	criuFlags(fs, &o)
	fs.String(&o.ParentPath, "parent-path")
	fs.Bool(&o.LeaveRunning, "leave-running")
	fs.Bool(&o.TCPSkipInFlight, "tcp-skip-in-flight")
	fs.Bool(&o.LinkRemap, "link-remap")
	fs.Int(&o.StatusFD, "status-fd")
	fs.String(&o.PageServer, "page-server")
	fs.Bool(&o.PreDump, "pre-dump")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	id, err := needID("checkpoint", pos)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Checkpoint(id, o)
}

func cmdRestore(g *globals, args []string) (int, error) {
	o := runtime.RestoreOptions{CriuOptions: runtime.CriuOptions{StatusFD: -1}}
	fs := newFlags("restore")
	criuFlags(fs, &o.CriuOptions)
	fs.String(&o.ConsoleSocket, "console-socket")
	fs.String(&o.Bundle, "bundle", "b")
	fs.Bool(&o.Detach, "detach", "d")
	fs.String(&o.PidFile, "pid-file")
	fs.Bool(&o.NoSubreaper, "no-subreaper")
	fs.Bool(&o.NoPivot, "no-pivot")
	fs.String(&o.LsmProfile, "lsm-profile")
	fs.String(&o.LsmMountContext, "lsm-mount-context")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	if o.ID, err = needID("restore", pos); err != nil {
		return 1, err
	}
	o.SystemdCgroup = g.systemd
	return g.store().Restore(o)
}
