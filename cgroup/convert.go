package cgroup

import "math"

// sharesToWeight converts OCI cpu.shares (the v1 range [2, 262144], default
// 1024) to cgroup v2 cpu.weight ([1, 10000], default 100). 0 means unset.
//
// runc >= 1.3.2 and crun >= 1.23 use a quadratic function of log2(shares)
// that maps the three anchor points onto each other: 2 -> 1, 1024 -> 100,
// 262144 -> 10000. The older linear formula
//
//	weight = 1 + ((shares - 2) * 9999) / 262142
//
// (still quoted in the seed lesson) maps the default 1024 to 39, so a
// container with default shares got less than half the weight of a
// process outside any container (opencontainers/runc#4772).
func sharesToWeight(shares uint64) uint64 {
	switch {
	case shares == 0:
		return 0
	case shares <= 2:
		return 1
	case shares >= 262144:
		return 10000
	}
	l := math.Log2(float64(shares))
	exponent := (l*l+125*l)/612.0 - 7.0/34.0
	return uint64(math.Ceil(math.Pow(10, exponent)))
}

// blkioWeightToIOWeight converts a v1 blkio weight [10, 1000] to a v2
// io.weight [1, 10000], as runc's ConvertBlkIOToIOWeightValue.
func blkioWeightToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	return 1 + (uint64(w)-10)*9999/990
}
