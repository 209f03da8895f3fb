package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The few bpf(2) commands the v2 device filter needs, issued directly.
// cilium/ebpf did this before; it was dropped because linking it put its
// dependencies' package inits (encoding/xml, compress/flate, go/parser,
// crypto, btf, features) into every gorunc process, init included: 1.4 MB
// of binary and ~3 ms per process start on the bench host
// (docs/performance.md, "cilium/ebpf"). The attr layouts are
// include/uapi/linux/bpf.h's union bpf_attr members; the kernel accepts a
// shorter attr than its own and treats the rest as zero.

// insn is struct bpf_insn: opcode, dst (low nibble) and src (high nibble)
// registers, a signed 16-bit jump offset counted from the next
// instruction, a 32-bit immediate.
type insn struct {
	code uint8
	regs uint8
	off  int16
	imm  int32
}

// Opcodes (include/uapi/linux/bpf_common.h, bpf.h): class | op | source.
const (
	bpfLdxMemW   = 0x01 | 0x60 | 0x00 // BPF_LDX | BPF_MEM | BPF_W
	bpfAnd32Imm  = 0x04 | 0x50 | 0x00 // BPF_ALU | BPF_AND | BPF_K
	bpfRsh32Imm  = 0x04 | 0x70 | 0x00 // BPF_ALU | BPF_RSH | BPF_K
	bpfMov32Imm  = 0x04 | 0xb0 | 0x00 // BPF_ALU | BPF_MOV | BPF_K
	bpfMov32Reg  = 0x04 | 0xb0 | 0x08 // BPF_ALU | BPF_MOV | BPF_X
	bpfJeqImm    = 0x05 | 0x10 | 0x00 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJneImm    = 0x05 | 0x50 | 0x00 // BPF_JMP | BPF_JNE | BPF_K
	bpfExit      = 0x05 | 0x90        // BPF_JMP | BPF_EXIT
	bpfClassMask = 0x07
)

func ldxW(dst, src uint8, off int16) insn { return insn{bpfLdxMemW, src<<4 | dst, off, 0} }
func and32(dst uint8, imm int32) insn     { return insn{bpfAnd32Imm, dst, 0, imm} }
func rsh32(dst uint8, imm int32) insn     { return insn{bpfRsh32Imm, dst, 0, imm} }
func mov32(dst uint8, imm int32) insn     { return insn{bpfMov32Imm, dst, 0, imm} }
func mov32Reg(dst, src uint8) insn        { return insn{bpfMov32Reg, src<<4 | dst, 0, 0} }
func exit() insn                          { return insn{code: bpfExit} }

// jne and jeq jump off instructions ahead when taken.
func jne(dst uint8, imm int32, off int16) insn { return insn{bpfJneImm, dst, off, imm} }
func jeq(dst uint8, imm int32, off int16) insn { return insn{bpfJeqImm, dst, off, imm} }

func (i insn) dst() uint8 { return i.regs & 0xf }
func (i insn) src() uint8 { return i.regs >> 4 }

func (i insn) String() string {
	return fmt.Sprintf("{code %#02x dst r%d src r%d off %d imm %d}", i.code, i.dst(), i.src(), i.off, i.imm)
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return int(r), errno
	}
	return int(r), nil
}

// progLoadAttr is bpf_attr's BPF_PROG_LOAD member up to kern_version.
type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	_           uint32
}

// loadDeviceProgram loads insns as a BPF_PROG_TYPE_CGROUP_DEVICE program
// and returns its fd. On failure it loads once more with the verifier's
// log and puts the verifier's reason in the error (the first try goes
// without: a log makes every load slower).
func loadDeviceProgram(insns []insn) (int, error) {
	license := []byte("Apache-2.0\x00")
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(insns)),
		insns:    uint64(uintptr(unsafe.Pointer(&insns[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	fd, err := retryBPF(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err == nil {
		runtime.KeepAlive(insns)
		runtime.KeepAlive(license)
		return fd, nil
	}
	err = withVerifierLog(err, &attr)
	runtime.KeepAlive(insns)
	runtime.KeepAlive(license)
	return -1, err
}

// withVerifierLog loads attr's program again with the verifier's log on and
// adds the log's reason to err, the first load's error. A function of its
// own, not inlined: its 64 KiB buffer lives on the stack (it does not
// escape), and in loadDeviceProgram's frame it made every load, failed or
// not, grow the calling goroutine's stack to 128 KiB (five copies, ~60
// fresh pages).
//
//go:noinline
func withVerifierLog(err error, attr *progLoadAttr) error {
	log := make([]byte, 64<<10)
	attr.logLevel, attr.logSize = 1, uint32(len(log))
	attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
	if fd, lerr := retryBPF(unix.BPF_PROG_LOAD, unsafe.Pointer(attr), unsafe.Sizeof(*attr)); lerr == nil {
		unix.Close(fd) // loaded the second time: report the first error
	} else if msg := verifierReason(log); msg != "" {
		err = fmt.Errorf("%w: verifier: %s", err, msg)
	}
	runtime.KeepAlive(log)
	return err
}

// retryBPF retries a command the kernel interrupted: the verifier returns
// EAGAIN when a signal (the Go runtime's preemption signal) is pending.
func retryBPF(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	for tries := 0; ; tries++ {
		fd, err := bpf(cmd, attr, size)
		if (errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR)) && tries < 10 {
			continue
		}
		return fd, err
	}
}

// verifierReason is the verifier log's last line before its statistics
// ("processed N insns ..."): the reason it refused the program.
func verifierReason(log []byte) string {
	if n := bytes.IndexByte(log, 0); n >= 0 {
		log = log[:n]
	}
	lines := strings.Split(strings.TrimRight(string(log), "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "processed ") && !strings.HasPrefix(l, "verification time") && !strings.HasPrefix(l, "stack depth") {
			return l
		}
	}
	return ""
}

// attachAttr is bpf_attr's BPF_PROG_ATTACH/DETACH member.
type attachAttr struct {
	targetFD     uint32
	attachBPFFD  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBPFFD uint32
}

func attachDeviceProgram(cgroupFD, progFD int) error {
	attr := attachAttr{targetFD: uint32(cgroupFD), attachBPFFD: uint32(progFD), attachType: unix.BPF_CGROUP_DEVICE, attachFlags: unix.BPF_F_ALLOW_MULTI}
	_, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

func detachDeviceProgramFD(cgroupFD, progFD int) error {
	attr := attachAttr{targetFD: uint32(cgroupFD), attachBPFFD: uint32(progFD), attachType: unix.BPF_CGROUP_DEVICE}
	_, err := bpf(unix.BPF_PROG_DETACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// queryAttr is bpf_attr's BPF_PROG_QUERY member up to prog_cnt.
type queryAttr struct {
	targetFD    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     uint64
	progCnt     uint32
	_           uint32
}

// attachedDevicePrograms lists the ids of the device programs attached to
// the cgroup fd (its own attachments, not its ancestors').
func attachedDevicePrograms(cgroupFD int) ([]uint32, error) {
	attr := queryAttr{targetFD: uint32(cgroupFD), attachType: unix.BPF_CGROUP_DEVICE}
	if _, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err != nil {
		return nil, err
	}
	for {
		if attr.progCnt == 0 {
			return nil, nil
		}
		ids := make([]uint32, attr.progCnt)
		attr.progIDs = uint64(uintptr(unsafe.Pointer(&ids[0])))
		_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		runtime.KeepAlive(ids)
		// ENOSPC: more were attached between the two queries; progCnt
		// holds the new count.
		if errors.Is(err, unix.ENOSPC) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return ids[:attr.progCnt], nil
	}
}

// progFDByID opens the program with the given id (BPF_PROG_GET_FD_BY_ID).
func progFDByID(id uint32) (int, error) {
	attr := struct{ id, nextID, openFlags uint32 }{id: id}
	return bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}
