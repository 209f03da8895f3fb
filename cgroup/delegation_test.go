package cgroup

import "testing"

func TestCommonAncestor(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope", "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/c1", "/sys/fs/cgroup/user.slice/user-1000.slice"},
		{"/sys/fs/cgroup/a", "/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a"},
		{"/sys/fs/cgroup/a", "/sys/fs/cgroup/a", "/sys/fs/cgroup/a"},
		{"/sys/fs/cgroup/ab", "/sys/fs/cgroup/a", "/sys/fs/cgroup"},
		{"/x", "/y", "/"},
	} {
		if got := commonAncestor(tc.a, tc.b); got != tc.want {
			t.Errorf("commonAncestor(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
