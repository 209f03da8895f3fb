package runtime

import (
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/cgroup"
)

// The words of --debug's step lines that need more than a format string.

// nsSummary lists the namespaces init is created in and those it joins.
func nsSummary(nss []specs.LinuxNamespace) string {
	var made, joined []string
	for _, ns := range nss {
		if ns.Path == "" {
			made = append(made, string(ns.Type))
		} else {
			joined = append(joined, fmt.Sprintf("%s=%s", ns.Type, ns.Path))
		}
	}
	return fmt.Sprintf("new [%s], joined [%s]", strings.Join(made, " "), strings.Join(joined, " "))
}

// cgroupSummary says where the container's cgroup is and whether gorunc
// made it (delete removes it) or joined a pre-made one.
func cgroupSummary(st cgroup.State) string {
	var dirs []string
	for ctrl, p := range st.Paths {
		if ctrl == "" {
			dirs = append(dirs, p)
		} else {
			dirs = append(dirs, ctrl+"="+p)
		}
	}
	sort.Strings(dirs)
	how := "joined (pre-made)"
	if len(st.Created) > 0 {
		how = fmt.Sprintf("created (%d directories)", len(st.Created))
	}
	return fmt.Sprintf("v%d %s: %s", st.Version, how, strings.Join(dirs, " "))
}
