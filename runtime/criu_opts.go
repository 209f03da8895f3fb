package runtime

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/checkpoint-restore/go-criu/v8/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CriuOptions are the flags checkpoint and restore share (runc's
// criuOptions), in runc's spelling.
type CriuOptions struct {
	ImagePath         string // --image-path; default ./checkpoint
	WorkPath          string // --work-path; criu's logs go there
	ParentPath        string // --parent-path, relative to ImagePath
	LeaveRunning      bool
	TCPEstablished    bool
	TCPSkipInFlight   bool
	LinkRemap         bool
	ExtUnixSk         bool
	ShellJob          bool
	FileLocks         bool
	PreDump           bool
	AutoDedup         bool
	LazyPages         bool
	StatusFD          int    // --status-fd, -1 when unset
	PageServer        string // ADDRESS:PORT
	ManageCgroupsMode string // soft|full|strict|ignore; "" is criu's default
	EmptyNs           []string
	LsmProfile        string
	LsmMountContext   string
}

// criuSettings is CriuOptions checked and converted for the RPC.
type criuSettings struct {
	imageDir, parent string
	cgMode           rpc.CriuCgMode
	emptyNs          uint32
	pageServer       *rpc.CriuPageServerInfo
}

// settings checks the options (but the cgroup mode, see criuCgMode) in runc's order and with its words, and
// makes the image directory as runc does (before anything else happens,
// so a restore from a directory that does not exist fails on its missing
// descriptors.json, as runc's).
func (o CriuOptions) settings() (*criuSettings, error) {
	img := o.ImagePath
	if img == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		img = filepath.Join(wd, "checkpoint")
	}
	img, err := filepath.Abs(img)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(img, 0o700); err != nil {
		return nil, fmt.Errorf("--image-path: %w", err)
	}
	s := &criuSettings{imageDir: img, parent: o.ParentPath}
	if o.ParentPath != "" {
		if filepath.IsAbs(o.ParentPath) {
			return nil, errors.New("--parent-path must be relative")
		}
		p := filepath.Join(img, o.ParentPath)
		fi, err := os.Stat(p)
		if err == nil && !fi.IsDir() {
			err = &os.PathError{Op: "stat", Path: p, Err: unix.ENOTDIR}
		}
		if err != nil {
			return nil, fmt.Errorf("invalid --parent-path: %w", err)
		}
	}
	if o.PageServer != "" {
		host, port, err := net.SplitHostPort(o.PageServer)
		if err != nil || host == "" || port == "" {
			return nil, errors.New("Use --page-server ADDRESS:PORT to specify page server")
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return nil, errors.New("Invalid port number")
		}
		s.pageServer = &rpc.CriuPageServerInfo{Address: &host, Port: new(int32(n))}
	}
	// runc does not manage network devices: the network namespace is
	// always created empty (or joined, when it has a path).
	mask := uint32(unix.CLONE_NEWNET)
	for _, ns := range o.EmptyNs {
		if specs.LinuxNamespaceType(ns) != specs.NetworkNamespace {
			return nil, fmt.Errorf("namespace %q is not supported", ns)
		}
	}
	s.emptyNs = mask
	return s, nil
}

// criuCgMode is --manage-cgroups-mode; "" leaves the choice to criu
// (soft, unless its configuration says otherwise). runc 1.5 checks it
// after criu's version, so without criu that is the error.
func criuCgMode(mode string) (rpc.CriuCgMode, error) {
	switch mode {
	case "":
		return rpc.CriuCgMode_DEFAULT, nil
	case "soft":
		return rpc.CriuCgMode_SOFT, nil
	case "full":
		return rpc.CriuCgMode_FULL, nil
	case "strict":
		return rpc.CriuCgMode_STRICT, nil
	case "ignore":
		return rpc.CriuCgMode_IGNORE, nil
	}
	return 0, errors.New("invalid manage-cgroups-mode value")
}

// baseOpts are the RPC options both directions set the same way.
// The image directory's fd is openDirs' to set.
func (o CriuOptions) baseOpts(s *criuSettings, logFile string) *rpc.CriuOpts {
	return &rpc.CriuOpts{
		LogLevel:          new(int32(4)),
		LogFile:           &logFile,
		ManageCgroups:     new(true), // obsoleted by ManageCgroupsMode, as runc sends both
		ManageCgroupsMode: &s.cgMode,
		NotifyScripts:     new(true),
		ShellJob:          new(o.ShellJob),
		TcpEstablished:    new(o.TCPEstablished),
		ExtUnixSk:         new(o.ExtUnixSk),
		FileLocks:         new(o.FileLocks),
		EmptyNs:           new(s.emptyNs),
		OrphanPtsMaster:   new(true),
		AutoDedup:         new(o.AutoDedup),
		LazyPages:         new(o.LazyPages),
	}
}

// openDirs opens the image directory and, when set, the work directory
// (made if missing) for criu; logDir is where criu's log goes.
func openDirs(imageDir, workPath string, opts *rpc.CriuOpts) (closeAll func(), logDir string, err error) {
	img, err := os.Open(imageDir)
	if err != nil {
		return nil, "", err
	}
	opts.ImagesDirFd = new(int32(img.Fd()))
	if workPath == "" {
		return func() { img.Close() }, imageDir, nil
	}
	if err := os.Mkdir(workPath, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		img.Close()
		return nil, "", fmt.Errorf("--work-path: %w", err)
	}
	work, err := os.Open(workPath)
	if err != nil {
		img.Close()
		return nil, "", fmt.Errorf("--work-path: %w", err)
	}
	opts.WorkDirFd = new(int32(work.Fd()))
	return func() { img.Close(); work.Close() }, workPath, nil
}

// CheckpointAnnotation is runc's features annotation saying that the binary
// has checkpoint and restore.
const CheckpointAnnotation = "org.opencontainers.runc.checkpoint.enabled"

// criuConfigAnnotation names a CRIU configuration file for the container.
const criuConfigAnnotation = "org.criu.config"

// PotentiallyUnsafeAnnotations are the config annotations that change what
// gorunc does (features.md "potentiallyUnsafeConfigAnnotations"): a client
// should not pass them through from an untrusted image. runc 1.5 lists
// org.criu.config too.
func PotentiallyUnsafeAnnotations() []string { return []string{criuConfigAnnotation} }

// criuConfigFile is runc's: the annotation org.criu.config names a CRIU
// configuration file for this container ("" for none); without it,
// /etc/criu/runc.conf, so that a site's settings for runc apply to gorunc.
func criuConfigFile(spec *specs.Spec, opts *rpc.CriuOpts) {
	if f, ok := spec.Annotations[criuConfigAnnotation]; ok {
		if f != "" {
			opts.ConfigFile = &f
		}
		return
	}
	opts.ConfigFile = new("/etc/criu/runc.conf")
}

// checkCriuFeatures asks criu whether it has what the options need
// (pre-dump's memory tracking, lazy pages), in runc's words.
func checkCriuFeatures(want *rpc.CriuFeatures) error {
	typ := rpc.CriuReqType_FEATURE_CHECK
	resp, err := swrk{}.run(&rpc.CriuReq{Type: &typ, Features: want})
	if err != nil {
		return fmt.Errorf("CRIU feature check failed: %w", err)
	}
	got := resp.GetFeatures()
	var missing []string
	if want.MemTrack != nil && *want.MemTrack && !got.GetMemTrack() {
		missing = append(missing, "MemTrack")
	}
	if want.LazyPages != nil && *want.LazyPages && !got.GetLazyPages() {
		missing = append(missing, "LazyPages")
	}
	if len(missing) > 0 {
		return fmt.Errorf("criu is missing features: %v", missing)
	}
	return nil
}
