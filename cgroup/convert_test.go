package cgroup

import "testing"

// sharesToWeightLinear is the pre-runc-1.3.2 conversion that the seed
// lesson still quotes: it maps the default 1024 to 39 (runc#4772).
func sharesToWeightLinear(shares uint64) uint64 {
	return 1 + ((shares-2)*9999)/262142
}

func TestSharesToWeight(t *testing.T) {
	tests := []struct{ shares, want, linear uint64 }{
		{2, 1, 1},
		{1024, 100, 39},
		{262144, 10000, 10000},
		{512, 59, 20},
		{4096, 303, 157},
	}
	for _, tt := range tests {
		if got := sharesToWeight(tt.shares); got != tt.want {
			t.Errorf("sharesToWeight(%d) = %d, want %d", tt.shares, got, tt.want)
		}
		if got := sharesToWeightLinear(tt.shares); got != tt.linear {
			t.Errorf("sharesToWeightLinear(%d) = %d, want %d", tt.shares, got, tt.linear)
		}
	}
	if sharesToWeight(0) != 0 {
		t.Error("shares 0 means unset and must stay 0")
	}
	// The conversion must be monotonic over the whole range.
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s++ {
		w := sharesToWeight(s)
		if w < prev || w < 1 || w > 10000 {
			t.Fatalf("sharesToWeight(%d) = %d after %d", s, w, prev)
		}
		prev = w
	}
}

func TestBlkioWeightToIOWeight(t *testing.T) {
	for _, tt := range []struct {
		in   uint16
		want uint64
	}{{10, 1}, {1000, 10000}, {500, 4950}, {0, 0}} {
		if got := blkioWeightToIOWeight(tt.in); got != tt.want {
			t.Errorf("blkioWeightToIOWeight(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
