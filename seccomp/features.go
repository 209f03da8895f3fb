package seccomp

import (
	"sort"
)

// Features lists what Compile accepts, from the same tables it uses, for the
// `features` command (runtime-spec features-linux.md "Seccomp": actions,
// operators, archs). archs are those with a syscall table here.
func Features() (actions, ops, arches []string) {
	for a := range actionBase() {
		actions = append(actions, string(a))
	}
	for _, o := range operators {
		ops = append(ops, string(o))
	}
	for a := range archs() {
		arches = append(arches, string(a))
	}
	sort.Strings(actions)
	sort.Strings(ops)
	sort.Strings(arches)
	return actions, ops, arches
}

// KnownFlags lists the profile flags Compile accepts (features-linux.md
// "knownFlags"). Whether the running kernel supports each is a separate,
// run-time question.
func KnownFlags() []string {
	var out []string
	for f := range filterFlags() {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}
