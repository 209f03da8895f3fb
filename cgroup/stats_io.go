package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// statV1Blkio reads the first of each pair of files the kernel has:
// blkio.io_service_bytes_recursive exists only with a proportional
// scheduler (CFQ/BFQ); the throttle files exist whenever blkio is mounted
// (Documentation/admin-guide/cgroup-v1/blkio-controller.rst).
func statV1Blkio(dir string, st *Stats) error {
	pick := func(files ...string) string {
		for _, f := range files {
			if fileExists(dir, f) {
				return f
			}
		}
		return ""
	}
	var err error
	if f := pick("blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes"); f != "" {
		if st.IOServiceBytes, err = readV1Blkio(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	if f := pick("blkio.io_serviced_recursive", "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced"); f != "" {
		if st.IOServiced, err = readV1Blkio(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}

// readV1Blkio parses "MAJ:MIN Op value" lines; the "Total N" summary line
// has no device and is skipped.
func readV1Blkio(p string) ([]IOEntry, error) {
	var out []IOEntry
	err := scanLines(p, func(fields []string) error {
		if len(fields) != 3 {
			return nil
		}
		major, minor, err := parseDevice(fields[0], p)
		if err != nil {
			return err
		}
		v, err := parseUint(fields[2], p)
		if err != nil {
			return err
		}
		out = append(out, IOEntry{Major: major, Minor: minor, Op: fields[1], Value: v})
		return nil
	})
	return out, err
}

// statV2IO maps io.stat's "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.."
// lines onto v1's Read/Write entries, as runc does.
func statV2IO(dir string, st *Stats) error {
	p := filepath.Join(dir, "io.stat")
	return scanLines(p, func(fields []string) error {
		if len(fields) < 2 {
			return nil
		}
		major, minor, err := parseDevice(fields[0], p)
		if err != nil {
			return err
		}
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := parseUint(v, p)
			if err != nil {
				return err
			}
			e := IOEntry{Major: major, Minor: minor, Value: n}
			switch k {
			case "rbytes", "rios":
				e.Op = "Read"
			case "wbytes", "wios":
				e.Op = "Write"
			default:
				continue
			}
			if strings.HasSuffix(k, "bytes") {
				st.IOServiceBytes = append(st.IOServiceBytes, e)
			} else {
				st.IOServiced = append(st.IOServiced, e)
			}
		}
		return nil
	})
}

// statV1Hugetlb reads hugetlb.<size>.{usage_in_bytes,max_usage_in_bytes,
// failcnt} for each page size the kernel offers.
func statV1Hugetlb(dir string, st *Stats) error {
	for _, size := range hugetlbSizes(dir, ".usage_in_bytes") {
		var h HugetlbStats
		for file, dst := range map[string]*uint64{"usage_in_bytes": &h.Usage, "max_usage_in_bytes": &h.MaxUsage, "failcnt": &h.Failcnt} {
			v, err := readUint(dir, "hugetlb."+size+"."+file)
			if err != nil {
				return err
			}
			*dst = v
		}
		if st.Hugetlb == nil {
			st.Hugetlb = map[string]HugetlbStats{}
		}
		st.Hugetlb[size] = h
	}
	return nil
}

// statV2Hugetlb reads hugetlb.<size>.current and the "max" count of
// hugetlb.<size>.events (allocations refused by the limit).
func statV2Hugetlb(dir string, st *Stats) error {
	for _, size := range hugetlbSizes(dir, ".current") {
		cur, err := readUint(dir, "hugetlb."+size+".current")
		if err != nil {
			return err
		}
		h := HugetlbStats{Usage: cur}
		if fileExists(dir, "hugetlb."+size+".events") {
			ev, err := readKV(dir, "hugetlb."+size+".events")
			if err != nil {
				return err
			}
			h.Failcnt = ev["max"]
		}
		if st.Hugetlb == nil {
			st.Hugetlb = map[string]HugetlbStats{}
		}
		st.Hugetlb[size] = h
	}
	return nil
}

// hugetlbSizes lists the page sizes with a hugetlb.<size><suffix> file,
// skipping the ".rsvd." variants.
func hugetlbSizes(dir, suffix string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "hugetlb.*"+suffix))
	var sizes []string
	for _, m := range matches {
		size := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "hugetlb."), suffix)
		if size != "" && !strings.Contains(size, ".") {
			sizes = append(sizes, size)
		}
	}
	sort.Strings(sizes)
	return sizes
}

func parseDevice(s, where string) (uint64, uint64, error) {
	maj, min, ok := strings.Cut(s, ":")
	major, err1 := strconv.ParseUint(maj, 10, 64)
	minor, err2 := strconv.ParseUint(min, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("parse %s: %q is not MAJOR:MINOR", where, s)
	}
	return major, minor, nil
}

// scanLines calls fn with the fields of each line of p.
func scanLines(p string, fn func([]string) error) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := fn(strings.Fields(sc.Text())); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	return nil
}
