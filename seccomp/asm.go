package seccomp

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// Classic BPF opcodes used by the compiler (include/uapi/linux/filter.h).
const (
	opLdAbsW = 0x20 // BPF_LD | BPF_W | BPF_ABS
	opAndK   = 0x54 // BPF_ALU | BPF_AND | BPF_K
	opJa     = 0x05 // BPF_JMP | BPF_JA
	opJeqK   = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	opJgtK   = 0x25 // BPF_JMP | BPF_JGT | BPF_K
	opJgeK   = 0x35 // BPF_JMP | BPF_JGE | BPF_K
	opRetK   = 0x06 // BPF_RET | BPF_K
)

// maxInsns is BPF_MAXINSNS: the kernel refuses longer seccomp programs.
const maxInsns = 4096

// label names a position in the program. Jumps in classic BPF only go
// forward, so a label must be marked after every jump that targets it.
type label int

// next is the pseudo-label "the instruction after this one".
const next label = -1

type nodeKind uint8

const (
	nodeStmt nodeKind = iota // a non-jump instruction
	nodeCond                 // conditional jump to jt / jf
	nodeJa                   // unconditional jump to jt
	nodeMark                 // position of a label, emits nothing
)

type node struct {
	kind   nodeKind
	op     uint16
	k      uint32
	jt, jf label
	// trampT / trampF: the conditional target is farther than the 8-bit
	// jt/jf field can reach, so a BPF_JA (32-bit offset) placed right after
	// the jump carries it the rest of the way.
	trampT, trampF bool
}

func (n *node) size() int {
	switch n.kind {
	case nodeMark:
		return 0
	case nodeCond:
		s := 1
		if n.trampT {
			s++
		}
		if n.trampF {
			s++
		}
		return s
	default:
		return 1
	}
}

// assembler collects instructions with symbolic forward jumps and resolves
// them, inserting trampolines for conditional jumps longer than 255.
type assembler struct {
	nodes  []node
	labels int
}

func (a *assembler) newLabel() label {
	a.labels++
	return label(a.labels - 1)
}

func (a *assembler) mark(l label) { a.nodes = append(a.nodes, node{kind: nodeMark, jt: l}) }

func (a *assembler) stmt(op uint16, k uint32) {
	a.nodes = append(a.nodes, node{kind: nodeStmt, op: op, k: k})
}

func (a *assembler) ret(k uint32) { a.stmt(opRetK, k) }

func (a *assembler) load(off uint32) { a.stmt(opLdAbsW, off) }

func (a *assembler) cond(op uint16, k uint32, jt, jf label) {
	a.nodes = append(a.nodes, node{kind: nodeCond, op: op, k: k, jt: jt, jf: jf})
}

func (a *assembler) ja(l label) { a.nodes = append(a.nodes, node{kind: nodeJa, op: opJa, jt: l}) }

// layout returns the pc of every node and of every label.
func (a *assembler) layout() (pcs []int, labelPC []int, err error) {
	pcs = make([]int, len(a.nodes))
	labelPC = make([]int, a.labels)
	for i := range labelPC {
		labelPC[i] = -1
	}
	pc := 0
	for i := range a.nodes {
		n := &a.nodes[i]
		pcs[i] = pc
		if n.kind == nodeMark {
			if labelPC[n.jt] != -1 {
				return nil, nil, fmt.Errorf("label %d marked twice", n.jt)
			}
			labelPC[n.jt] = pc
		}
		pc += n.size()
	}
	return pcs, labelPC, nil
}

// distance is how many instructions a jump at pc must skip to reach l.
func distance(pc int, l label, labelPC []int) (int, error) {
	if l == next {
		return 0, nil
	}
	t := labelPC[l]
	if t < 0 {
		return 0, fmt.Errorf("label %d never marked", l)
	}
	if t <= pc {
		return 0, fmt.Errorf("label %d is behind its jump (pc %d -> %d)", l, pc, t)
	}
	return t - pc - 1, nil
}

// assemble lays the program out until no conditional jump is out of range
// (adding a trampoline only ever lengthens the program, so this terminates),
// then emits it.
func (a *assembler) assemble() ([]bpf.RawInstruction, error) {
	for {
		pcs, labelPC, err := a.layout()
		if err != nil {
			return nil, err
		}
		changed := false
		for i := range a.nodes {
			n := &a.nodes[i]
			if n.kind != nodeCond {
				continue
			}
			if !n.trampT {
				d, err := distance(pcs[i], n.jt, labelPC)
				if err != nil {
					return nil, err
				}
				if d > 255 {
					n.trampT, changed = true, true
				}
			}
			if !n.trampF {
				d, err := distance(pcs[i], n.jf, labelPC)
				if err != nil {
					return nil, err
				}
				if d > 255 {
					n.trampF, changed = true, true
				}
			}
		}
		if !changed {
			return a.emit(pcs, labelPC)
		}
	}
}

func (a *assembler) emit(pcs, labelPC []int) ([]bpf.RawInstruction, error) {
	var out []bpf.RawInstruction
	for i := range a.nodes {
		n := &a.nodes[i]
		pc := pcs[i]
		switch n.kind {
		case nodeMark:
		case nodeStmt:
			out = append(out, bpf.RawInstruction{Op: n.op, K: n.k})
		case nodeJa:
			d, err := distance(pc, n.jt, labelPC)
			if err != nil {
				return nil, err
			}
			out = append(out, bpf.RawInstruction{Op: opJa, K: uint32(d)})
		case nodeCond:
			// Trampolines follow the jump: [cond][JA true?][JA false?]; a
			// fall-through ("next") must skip over them.
			tramps := n.size() - 1
			slot := 0
			var jt, jf int
			var trampolines []bpf.RawInstruction
			for _, side := range []struct {
				l     label
				tramp bool
				off   *int
			}{{n.jt, n.trampT, &jt}, {n.jf, n.trampF, &jf}} {
				switch {
				case side.tramp:
					tpc := pc + 1 + slot
					d, err := distance(tpc, side.l, labelPC)
					if err != nil {
						return nil, err
					}
					*side.off = slot
					trampolines = append(trampolines, bpf.RawInstruction{Op: opJa, K: uint32(d)})
					slot++
				case side.l == next:
					*side.off = tramps
				default:
					d, err := distance(pc, side.l, labelPC)
					if err != nil {
						return nil, err
					}
					*side.off = d
				}
			}
			out = append(out, bpf.RawInstruction{Op: n.op, Jt: uint8(jt), Jf: uint8(jf), K: n.k})
			out = append(out, trampolines...)
		}
	}
	return out, nil
}
