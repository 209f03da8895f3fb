package runtime

import "testing"

// TestParseCPUList: execCPUAffinity's list format as runc's
// configs.ToCPUSet reads it, and its error words.
func TestParseCPUList(t *testing.T) {
	cases := []struct {
		list string
		cpus []int
		err  string
	}{
		{list: "", cpus: nil},
		{list: "0", cpus: []int{0}},
		{list: "0-2,5", cpus: []int{0, 1, 2, 5}},
		{list: " 1 ,, 3-3 ,", cpus: []int{1, 3}},
		{list: "3-1", err: "invalid range: 3-1"},
		{list: "1024", err: "values larger than 1023 are not supported"},
		{list: "x", err: `strconv.ParseUint: parsing "x": invalid syntax`},
		{list: ",", err: `no members found in set ","`},
	}
	for _, c := range cases {
		set, err := parseCPUList(c.list)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %q", c.list, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.list, err)
			continue
		}
		if set == nil {
			if c.cpus != nil {
				t.Errorf("%q: no set, want %v", c.list, c.cpus)
			}
			continue
		}
		if set.Count() != len(c.cpus) {
			t.Errorf("%q: %d CPUs, want %v", c.list, set.Count(), c.cpus)
		}
		for _, cpu := range c.cpus {
			if !set.IsSet(cpu) {
				t.Errorf("%q: CPU %d not set", c.list, cpu)
			}
		}
	}
}
