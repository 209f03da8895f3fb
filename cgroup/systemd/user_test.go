package systemd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestUserBusAddress(t *testing.T) {
	withBus := t.TempDir()
	if err := os.WriteFile(filepath.Join(withBus, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string // "" for ErrNoUserBus
	}{
		{"session address wins", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x", "XDG_RUNTIME_DIR": withBus}, "unix:path=/x"},
		{"xdg bus socket", map[string]string{"XDG_RUNTIME_DIR": withBus}, "unix:path=" + withBus + "/bus"},
		{"xdg without a bus", map[string]string{"XDG_RUNTIME_DIR": t.TempDir()}, ""},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UserBusAddress(func(k string) string { return tt.env[k] })
			if tt.want == "" {
				if !errors.Is(err, ErrNoUserBus) {
					t.Fatalf("UserBusAddress = %q, %v; want ErrNoUserBus", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("UserBusAddress = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseOwnerUID(t *testing.T) {
	tests := []struct {
		out  string
		want int // -1: an error
	}{
		{"BusAddress=unix:path=/run/user/1000/bus\nBusID=ab\nOwnerUID=1000\nUniqueName=:1.4\n", 1000},
		{"  OwnerUID=0\n", 0},
		{"OwnerUID=x\n", -1},
		{"BusID=ab\n", -1},
	}
	for _, tt := range tests {
		got, err := parseOwnerUID([]byte(tt.out))
		if tt.want == -1 {
			if err == nil {
				t.Errorf("parseOwnerUID(%q) = %d; want an error", tt.out, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseOwnerUID(%q) = %d, %v; want %d", tt.out, got, err, tt.want)
		}
	}
}
