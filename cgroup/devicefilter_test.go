package cgroup

import (
	"fmt"
	"testing"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runFilter interprets the few instructions deviceFilter emits, so the
// rule semantics are tested without a kernel (BPF_PROG_TEST_RUN does not
// support device programs). The real-kernel test is TestHostUnified....
func runFilter(t *testing.T, insns asm.Instructions, typ, access, major, minor uint32) int {
	t.Helper()
	ctx := []uint32{access<<16 | typ, major, minor}
	labels := map[string]int{}
	for i, ins := range insns {
		if s := ins.Symbol(); s != "" {
			labels[s] = i
		}
	}
	var reg [11]uint64
	for pc, steps := 0, 0; steps < 1000; steps++ {
		ins := insns[pc]
		op := ins.OpCode
		pc++
		switch {
		case op.Class() == asm.LdXClass:
			reg[ins.Dst] = uint64(ctx[ins.Offset/4])
		case op.Class() == asm.ALU64Class || op.Class() == asm.ALUClass:
			src := uint64(uint32(ins.Constant))
			if op.Source() == asm.RegSource {
				src = reg[ins.Src]
			}
			switch op.ALUOp() {
			case asm.Mov:
				reg[ins.Dst] = src
			case asm.And:
				reg[ins.Dst] &= src
			case asm.RSh:
				reg[ins.Dst] >>= src
			default:
				t.Fatalf("unexpected ALU op %v", ins)
			}
			reg[ins.Dst] = uint64(uint32(reg[ins.Dst]))
		case op.Class().IsJump():
			if op.JumpOp() == asm.Exit {
				return int(reg[0])
			}
			v := uint64(uint32(ins.Constant))
			taken := false
			switch op.JumpOp() {
			case asm.JNE:
				taken = reg[ins.Dst] != v
			case asm.JEq:
				taken = reg[ins.Dst] == v
			default:
				t.Fatalf("unexpected jump %v", ins)
			}
			if taken {
				target, ok := labels[ins.Reference()]
				if !ok {
					t.Fatalf("jump to unknown label %q", ins.Reference())
				}
				pc = target
			}
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

// checkReachable fails when an instruction cannot be reached: the kernel's
// verifier rejects such a program ("unreachable insn").
func checkReachable(t *testing.T, insns asm.Instructions) {
	t.Helper()
	labels := map[string]int{}
	for i, ins := range insns {
		if s := ins.Symbol(); s != "" {
			labels[s] = i
		}
	}
	seen := make([]bool, len(insns))
	var walk func(int)
	walk = func(pc int) {
		for ; pc < len(insns) && !seen[pc]; pc++ {
			seen[pc] = true
			op := insns[pc].OpCode
			if op.Class().IsJump() {
				if op.JumpOp() == asm.Exit {
					return
				}
				walk(labels[insns[pc].Reference()])
			}
		}
	}
	walk(0)
	for i, ok := range seen {
		if !ok {
			t.Fatalf("instruction %d (%v) is unreachable in\n%v", i, insns[i], insns)
		}
	}
}
