package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Spelling is how a flag appears in help: "--bundle value, -b value".
func Spelling(f Flag) string {
	parts := make([]string, len(f.Names))
	for i, n := range f.Names {
		parts[i] = dashes(n) + n
		if f.Value {
			parts[i] += " value"
		}
	}
	return strings.Join(parts, ", ")
}

// dashes: urfave/cli (runc's parser) shows one-letter names with one dash.
func dashes(name string) string {
	if len(name) == 1 {
		return "-"
	}
	return "--"
}

func usageText(f Flag) string {
	if f.Default != "" {
		return f.Usage + " (default: " + f.Default + ")"
	}
	return f.Usage
}

// UsageLine is the synopsis after the program name: "list [command options] ".
func UsageLine(c Command) string {
	line := c.Name
	if len(c.Flags) > 0 {
		line += " [command options]"
	}
	args := c.ArgsUsage
	if args == "" {
		args = "[arguments...]"
	}
	return line + " " + args
}

// WriteCommandHelp prints `gorunc CMD --help` in urfave/cli's layout, the
// one runc users and scripts know: NAME, USAGE, DESCRIPTION, OPTIONS.
func WriteCommandHelp(w io.Writer, c Command) error {
	var b strings.Builder
	fmt.Fprintf(&b, "NAME:\n   %s %s - %s\n\nUSAGE:\n   %s %s\n", AppName, c.Name, c.Usage, AppName, UsageLine(c))
	if c.Description != "" {
		fmt.Fprintf(&b, "\nDESCRIPTION:\n   %s\n", c.Description)
	}
	if len(c.Flags) > 0 {
		b.WriteString("\nOPTIONS:\n")
		writeFlags(&b, c.Flags)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteAppHelp prints `gorunc --help`.
func WriteAppHelp(w io.Writer, version string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "NAME:\n   %s - %s\n\n%s\n\nUSAGE:\n   %s [global options] command [command options] [arguments...]\n\nVERSION:\n   %s\n\nCOMMANDS:\n",
		AppName, AppUsage, AppText, AppName, version)
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, c := range Commands() {
		fmt.Fprintf(tw, "   %s\t%s\n", c.Name, c.Usage)
	}
	fmt.Fprintf(tw, "   help, h\tShows a list of commands or help for one command\n")
	tw.Flush()
	b.WriteString("\nGLOBAL OPTIONS:\n")
	writeFlags(&b, Globals())
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFlags(b *strings.Builder, flags []Flag) {
	tw := tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)
	for _, f := range flags {
		fmt.Fprintf(tw, "   %s\t%s\n", Spelling(f), usageText(f))
	}
	tw.Flush()
}
