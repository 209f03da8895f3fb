package userns

import "testing"

func TestIdentity(t *testing.T) {
	tests := []struct {
		uidMap string
		want   bool
	}{
		{"         0          0 4294967295\n", true},
		{"0 1000 1\n", false},
		{"0 0 1000\n", false},
		{"0 100000 65536\n", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := identity([]byte(tt.uidMap)); got != tt.want {
			t.Errorf("identity(%q) = %v, want %v", tt.uidMap, got, tt.want)
		}
	}
}
