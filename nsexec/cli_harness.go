//go:build cgo && linux && setupharness

package nsexec

// #include <stdlib.h>
// #include "cli.h"
import "C"

import "unsafe"

// startRecord is cli.c's reading of state.json, for cli_test.go.
type startRecord struct {
	InitPid, InitStart, Version uint64
	Cgroup                      string
	HasProcess                  bool
	// PidNS: 0 none, 1 private, 2 joined; -1 unsure (Go's).
	PidNS int
}

func readStartRecord(data []byte) (startRecord, bool) {
	var c C.struct_container
	p := C.CBytes(data)
	defer C.free(p)
	if C.gorunc_start_record((*C.char)(p), C.size_t(len(data)), &c) != 0 {
		return startRecord{}, false
	}
	return startRecord{
		InitPid:    uint64(c.init_pid),
		InitStart:  uint64(c.init_start),
		Version:    uint64(c.version),
		Cgroup:     C.GoString((*C.char)(unsafe.Pointer(&c.cgroup[0]))),
		HasProcess: c.has_process != 0,
		PidNS:      map[bool]int{true: -1, false: int(c.pid_ns)}[c.ns_unsure != 0],
	}, true
}

// onePCommand is cli.c's gorunc_one_p for the command word cmd.
func onePCommand(cmd string) bool {
	c := C.CString(cmd)
	defer C.free(unsafe.Pointer(c))
	return C.gorunc_one_p(c) != 0
}
