package cgroup

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runFilter interprets the few instructions deviceFilter emits, so the
// rule semantics are tested without a kernel (BPF_PROG_TEST_RUN does not
// support device programs). The real-kernel tests are
// TestHostUnifiedV2DeviceFilter and TestV2RealDeviceFilter.
func runFilter(t *testing.T, insns []insn, typ, access, major, minor uint32) int {
	t.Helper()
	ctx := []uint32{access<<16 | typ, major, minor}
	var reg [11]uint64
	for pc, steps := 0, 0; steps < 1000; steps++ {
		if pc < 0 || pc >= len(insns) {
			t.Fatalf("pc %d out of the program (%d instructions)", pc, len(insns))
		}
		ins := insns[pc]
		pc++
		switch ins.code {
		case bpfLdxMemW:
			if ins.src() != r1 || ins.off%4 != 0 || int(ins.off/4) >= len(ctx) {
				t.Fatalf("load %v: not a word of the context", ins)
			}
			reg[ins.dst()] = uint64(ctx[ins.off/4])
		case bpfMov32Imm:
			reg[ins.dst()] = uint64(uint32(ins.imm))
		case bpfMov32Reg:
			reg[ins.dst()] = uint64(uint32(reg[ins.src()]))
		case bpfAnd32Imm:
			reg[ins.dst()] = uint64(uint32(reg[ins.dst()]) & uint32(ins.imm))
		case bpfRsh32Imm:
			reg[ins.dst()] = uint64(uint32(reg[ins.dst()]) >> uint32(ins.imm))
		case bpfJneImm, bpfJeqImm:
			v := uint64(int64(ins.imm)) // BPF_JMP compares 64 bits, imm sign-extended
			if (reg[ins.dst()] != v) == (ins.code == bpfJneImm) {
				pc += int(ins.off)
			}
		case bpfExit:
			return int(reg[r0])
		default:
			t.Fatalf("unexpected instruction %v", ins)
		}
	}
	t.Fatal("program did not exit")
	return -1
}

func TestDeviceFilter(t *testing.T) {
	const c, b = devcgDevChar, devcgDevBlock
	const r, w, m = devcgAccRead, devcgAccWrite, devcgAccMknod
	allowAll := specs.LinuxDeviceCgroup{Allow: true, Access: "rwm"}
	denyAll := specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}
	null := specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rw"}
	type req struct {
		typ, acc, maj, min uint32
		want               int
	}
	tests := []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		reqs  []req
	}{
		{"no rules denies", nil, []req{{c, r, 1, 3, 0}}},
		{"allow all", []specs.LinuxDeviceCgroup{allowAll}, []req{{c, r | w | m, 1, 3, 1}, {b, r, 8, 0, 1}}},
		{"deny all then /dev/null", []specs.LinuxDeviceCgroup{denyAll, null}, []req{
			{c, r, 1, 3, 1}, {c, r | w, 1, 3, 1}, {c, m, 1, 3, 0}, {c, r, 1, 5, 0}, {b, r, 1, 3, 0},
		}},
		{"last rule wins: deny after allow", []specs.LinuxDeviceCgroup{null, {Allow: false, Type: "c", Major: i64(1), Minor: i64(3), Access: "w"}}, []req{
			{c, r, 1, 3, 1}, {c, w, 1, 3, 0}, {c, r | w, 1, 3, 0},
		}},
		{"last rule wins: allow after deny", []specs.LinuxDeviceCgroup{{Allow: false, Type: "c", Major: i64(1), Access: "rwm"}, null}, []req{
			{c, r, 1, 3, 1}, {c, r, 1, 5, 0},
		}},
		{"wildcard minor", []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Major: i64(136), Access: "rwm"}}, []req{
			{c, r, 136, 0, 1}, {c, r, 136, 7, 1}, {c, r, 137, 0, 0},
		}},
		{"negative numbers are wildcards", []specs.LinuxDeviceCgroup{{Allow: true, Type: "b", Major: i64(-1), Minor: i64(-1), Access: "r"}}, []req{
			{b, r, 8, 1, 1}, {b, w, 8, 1, 0}, {c, r, 8, 1, 0},
		}},
		{"rules before an unconditional rule are dead", []specs.LinuxDeviceCgroup{null, denyAll, null}, []req{{c, r, 1, 3, 1}, {c, r, 1, 5, 0}}},
		{"allow needs one rule to cover the request", []specs.LinuxDeviceCgroup{
			{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "r"},
			{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "w"},
		}, []req{{c, r, 1, 3, 1}, {c, w, 1, 3, 1}, {c, r | w, 1, 3, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns, err := deviceFilter(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			checkReachable(t, insns)
			for _, q := range tt.reqs {
				if got := runFilter(t, insns, q.typ, q.acc, q.maj, q.min); got != q.want {
					t.Errorf("type %d access %d %d:%d = %d, want %d", q.typ, q.acc, q.maj, q.min, got, q.want)
				}
			}
		})
	}
}

func TestDeviceFilterBadRule(t *testing.T) {
	_, err := deviceFilter([]specs.LinuxDeviceCgroup{{Allow: true, Type: "p"}})
	want := fmt.Sprintf("linux.resources.devices[0]: type %q: want a, b or c", "p")
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// checkReachable fails when an instruction cannot be reached or a jump
// leaves the program: the kernel's verifier rejects both.
func checkReachable(t *testing.T, insns []insn) {
	t.Helper()
	seen := make([]bool, len(insns))
	var walk func(int)
	walk = func(pc int) {
		for ; pc < len(insns) && !seen[pc]; pc++ {
			seen[pc] = true
			switch insns[pc].code {
			case bpfExit:
				return
			case bpfJneImm, bpfJeqImm:
				target := pc + 1 + int(insns[pc].off)
				if target <= pc || target >= len(insns) {
					t.Fatalf("instruction %d (%v) jumps to %d, outside the program or back", pc, insns[pc], target)
				}
				walk(target)
			}
		}
		if pc == len(insns) {
			t.Fatalf("the program runs off its end:\n%v", insns)
		}
	}
	walk(0)
	for i, ok := range seen {
		if !ok {
			t.Fatalf("instruction %d (%v) is unreachable in\n%v", i, insns[i], insns)
		}
	}
}

// TestLoadDeviceProgramSaysWhy: a program the verifier refuses fails with
// the verifier's reason, not only the errno. Needs root (bpf(2)).
func TestLoadDeviceProgramSaysWhy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for bpf(2)")
	}
	// Exit without setting R0: "R0 !read_ok".
	fd, err := loadDeviceProgram([]insn{exit()})
	if err == nil {
		unix.Close(fd)
		t.Fatal("a program that exits without a verdict was loaded")
	}
	if !strings.Contains(err.Error(), "verifier: ") || !strings.Contains(err.Error(), "R0") {
		t.Fatalf("err = %v, want the verifier's reason naming R0", err)
	}
}

// TestLoadDeviceProgramStackStaysSmall: a load that succeeds does not grow
// its goroutine's stack (it did to 128 KiB while the verifier log's 64
// KiB buffer sat in loadDeviceProgram's own frame: every container's
// create on cgroup v2 paid ~60 fresh pages for it). Needs root (bpf(2)).
func TestLoadDeviceProgramStackStaysSmall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for bpf(2)")
	}
	insns, err := deviceFilter([]specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	loaded, hold := make(chan error), make(chan struct{})
	runtime.GC()
	runtime.ReadMemStats(&before)
	go func() {
		fd, err := loadDeviceProgram(insns)
		if err == nil {
			unix.Close(fd)
		}
		loaded <- err
		<-hold // keep this goroutine's stack while it is measured
	}()
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	close(hold)
	if grown := int64(after.StackInuse) - int64(before.StackInuse); grown > 32<<10 {
		t.Fatalf("stacks grew by %d KiB for one load, want a few", grown>>10)
	}
}

func TestVerifierReason(t *testing.T) {
	tests := []struct{ log, want string }{
		{"0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0\n\x00\x00", "R0 !read_ok"},
		{"last insn is not an exit or jmp\nverification time 5 usec\nstack depth 0\nprocessed 0 insns\n", "last insn is not an exit or jmp"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := verifierReason([]byte(tt.log)); got != tt.want {
			t.Errorf("verifierReason(%q) = %q, want %q", tt.log, got, tt.want)
		}
	}
}
