package cli

import (
	"fmt"
	"strings"
)

// roff escapes text for a man page: a backslash is "\e", a minus "\-" (so
// that it is not set as a hyphen and searches for "--bundle" match), and a
// line starting with "." or "'" is guarded by "\&" (it would be a request).
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

func manFlags(b *strings.Builder, flags []Flag) {
	for _, f := range flags {
		parts := make([]string, len(f.Names))
		for i, n := range f.Names {
			parts[i] = `\fB` + roff(dashes(n)+n) + `\fR`
			if f.Value {
				parts[i] += ` \fIvalue\fR`
			}
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", strings.Join(parts, ", "), roff(usageText(f)))
	}
}

// ManPage renders gorunc(8) for a nil c, gorunc-NAME(8) otherwise.
func ManPage(c *Command) []byte {
	var b strings.Builder
	if c == nil {
		fmt.Fprintf(&b, ".TH GORUNC 8 \"\" \"%s\" \"System Manager's Manual\"\n.SH NAME\n%s \\- %s\n", AppName, AppName, roff(AppUsage))
		fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIcommand options\\fR] [\\fIarguments\\fR...]\n", AppName)
		fmt.Fprintf(&b, ".SH DESCRIPTION\n.nf\n%s\n.fi\n.SH COMMANDS\n", roff(AppText))
		for _, cmd := range Commands() {
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR\n%s (see \\fB%s\\-%s\\fR(8))\n", cmd.Name, roff(cmd.Usage), AppName, cmd.Name)
		}
		b.WriteString(".SH GLOBAL OPTIONS\n")
		manFlags(&b, Globals())
		return []byte(b.String())
	}
	upper := strings.ToUpper(AppName + "-" + c.Name)
	fmt.Fprintf(&b, ".TH %s 8 \"\" \"%s\" \"System Manager's Manual\"\n.SH NAME\n%s\\-%s \\- %s\n", roff(upper), AppName, AppName, c.Name, roff(c.Usage))
	synopsis, more, _ := strings.Cut(UsageLine(*c), "\n")
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n%s\n", AppName, roff(synopsis))
	desc := strings.TrimSpace(strings.TrimSpace(more) + "\n\n" + c.Description)
	if desc != "" {
		fmt.Fprintf(&b, ".SH DESCRIPTION\n.nf\n%s\n.fi\n", roff(desc))
	}
	if len(c.Flags) > 0 {
		b.WriteString(".SH OPTIONS\n")
		manFlags(&b, c.Flags)
	}
	fmt.Fprintf(&b, ".SH SEE ALSO\n\\fB%s\\fR(8)\n", AppName)
	return []byte(b.String())
}
