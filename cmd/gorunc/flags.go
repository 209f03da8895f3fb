package main

import (
	"fmt"
	"strconv"
	"strings"
)

// flagSet parses flags in runc's spelling: "--name value", "--name=value",
// "-name value" and short aliases ("-b"), as urfave/cli (runc's parser)
// accepts them. Parsing stops at "--" or, once maxArgs positional arguments
// have been seen, so that `exec ID cmd --flag` and `ps ID -ef` keep the
// command's own flags.
//
// The flags are declared in code (newFlags(cmd).String(&p, "bundle", "b"))
// and described in the table of package cli; "--help" and "-h" on any
// command ask for that description (see helpRequest). A flag declared here
// but missing from the table still parses and shows in help as
// undocumented: TestHelpListsEveryDeclaredFlag fails for it, the build does
// not.
type flagSet struct {
	cmd   string
	flags map[string]*flagDef
	order []*flagDef
}

type flagDef struct {
	names []string
	bool  *bool
	str   *string
	int   *int
	multi *[]string
}

func newFlags(cmd string) *flagSet { return &flagSet{cmd: cmd, flags: map[string]*flagDef{}} }

func (f *flagSet) Bool(p *bool, names ...string) {
	f.add(&flagDef{bool: p}, names)
}
func (f *flagSet) String(p *string, names ...string) {
	f.add(&flagDef{str: p}, names)
}
func (f *flagSet) Int(p *int, names ...string) {
	f.add(&flagDef{int: p}, names)
}
func (f *flagSet) Strings(p *[]string, names ...string) {
	f.add(&flagDef{multi: p}, names)
}
func (f *flagSet) add(d *flagDef, names []string) {
	d.names = names
	f.order = append(f.order, d)
	for _, n := range names {
		f.flags[n] = d
	}
}

// Parse returns the positional arguments. maxArgs < 0 means no limit.
func (f *flagSet) Parse(args []string, maxArgs int) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			if maxArgs >= 0 && len(pos) >= maxArgs {
				return append(pos, args[i:]...), nil
			}
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if k, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = k, v, true
		}
		d, ok := f.flags[name]
		if !ok && (name == "help" || name == "h") {
			return nil, &helpRequest{cmd: f.cmd, declared: f.declared()}
		}
		if !ok {
			return nil, fmt.Errorf("%s: unknown flag %s", f.cmd, a)
		}
		if d.bool != nil {
			if !hasValue {
				*d.bool = true
				continue
			}
			b, err := strconv.ParseBool(value)
			if err != nil {
				return nil, fmt.Errorf("%s: flag --%s: %q is not a boolean", f.cmd, name, value)
			}
			*d.bool = b
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s: flag --%s needs a value", f.cmd, name)
			}
			i++
			value = args[i]
		}
		switch {
		case d.str != nil:
			*d.str = value
		case d.multi != nil:
			*d.multi = append(*d.multi, value)
		case d.int != nil:
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("%s: flag --%s: %q is not a number", f.cmd, name, value)
			}
			*d.int = n
		}
	}
	return pos, nil
}

// helpRequest is the error Parse returns for "--help" or "-h": the caller
// prints the command's help and exits 0, as runc does. It carries the flags
// the command declared, so help shows exactly what the parser accepts.
type helpRequest struct {
	cmd      string
	declared []declaredFlag
}

type declaredFlag struct {
	names []string
	value bool // takes a value (not a boolean switch)
}

func (h *helpRequest) Error() string { return h.cmd + ": help requested" }

func (f *flagSet) declared() []declaredFlag {
	out := make([]declaredFlag, len(f.order))
	for i, d := range f.order {
		out[i] = declaredFlag{names: d.names, value: d.bool == nil}
	}
	return out
}
