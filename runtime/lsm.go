package runtime

import (
	"errors"
	"fmt"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Linux security modules. A profile or label in the config is a promise
// that the process runs confined; a runtime that accepts it and runs the
// process unconfined breaks it silently (the class of CVE-2019-16884 and
// CVE-2023-28642, where runc's AppArmor profile did not apply). So, as
// runc: an AppArmor profile is always applied, and the kernel's refusal
// (no AppArmor) fails the container; an SELinux label on a host without
// SELinux is refused at validation. gorunc does not apply SELinux labels
// yet, so on a host with SELinux they are refused too, rather than ignored.

// errSELinuxUnsupported is runc's wording for a label without SELinux.
var errSELinuxUnsupported = errors.New("selinux label is specified in config, but selinux is disabled or not supported")

// validateLabels refuses SELinux labels gorunc cannot apply.
func validateLabels(p *specs.Process, l *specs.Linux) error {
	label := p != nil && p.SelinuxLabel != ""
	mount := l != nil && l.MountLabel != ""
	if !label && !mount {
		return nil
	}
	if !selinuxEnabled() {
		return errSELinuxUnsupported
	}
	return errors.New("selinux labels (process.selinuxLabel, linux.mountLabel) are not supported by gorunc yet; refusing to run the container unlabelled")
}

// selinuxEnabled: selinuxfs is mounted where the SELinux tools expect it.
func selinuxEnabled() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/selinux", &st) == nil && st.Type == unix.SELINUX_MAGIC
}

// applyAppArmor makes profile the process's profile from its execve on:
// "exec NAME" in the calling thread's attr/apparmor/exec (attr/exec before
// Linux 5.8), as libapparmor's aa_change_onexec, written through a procfs
// handle a mount in the container cannot redirect (CVE-2025-52881). It
// must run on the thread that will execve.
func applyAppArmor(profile string) error {
	if profile == "" {
		return nil
	}
	if err := writeThreadAttr("exec "+profile, "attr/apparmor/exec", "attr/exec"); err != nil {
		return fmt.Errorf("unable to apply apparmor profile: apparmor failed to apply profile: %w", err)
	}
	return nil
}

// writeThreadAttr writes value to the first of the calling thread's
// /proc attr files that exists.
func writeThreadAttr(value string, names ...string) error {
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return fmt.Errorf("open procfs: %w", err)
	}
	defer proc.Close()
	var last error
	for _, name := range names {
		f, closer, err := proc.OpenThreadSelf(name)
		if errors.Is(err, unix.ENOENT) {
			last = err
			continue
		}
		if err != nil {
			return err
		}
		defer closer()
		defer f.Close()
		w, err := pathrs.Reopen(f, unix.O_WRONLY|unix.O_CLOEXEC)
		if err != nil {
			return err
		}
		defer w.Close()
		_, err = w.WriteString(value) // *os.PathError names the file
		return err
	}
	return last
}
