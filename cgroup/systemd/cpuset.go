package systemd

import (
	"errors"
	"strconv"
	"strings"
)

// RangeToBits converts a cpuset list ("0-3,5") into the byte array systemd
// takes for AllowedCPUs and AllowedMemoryNodes: bit n of the whole array is
// CPU (or node) n, byte 0 holding 0-7 (systemd's cpu_set_from_dbus). Empty
// elements and spaces around them are allowed, as the kernel allows them.
func RangeToBits(list string) ([]byte, error) {
	var bits []byte
	set := func(n uint64) {
		for uint64(len(bits)) <= n/8 {
			bits = append(bits, 0)
		}
		bits[n/8] |= 1 << (n % 8)
	}
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(r, "-")
		start, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, err
		}
		end := start
		if isRange {
			if end, err = strconv.ParseUint(hi, 10, 16); err != nil {
				return nil, err
			}
			if start > end {
				return nil, errors.New("invalid range: " + r)
			}
		}
		for n := start; n <= end; n++ {
			set(n)
		}
	}
	if len(bits) == 0 {
		return nil, errors.New("empty value")
	}
	return bits, nil
}
