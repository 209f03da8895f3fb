package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// TestWriteTableAsTabwriter: list's table is laid out byte for byte as
// text/tabwriter lays it out (runc's table), for plain cells and for
// cells tabwriter reads otherwise (which writeTable hands to it).
func TestWriteTableAsTabwriter(t *testing.T) {
	header := []string{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}
	tests := []struct {
		name string
		rows [][]string
	}{
		{"header only", [][]string{header}},
		{"narrow", [][]string{header, {"a", "1", "created", "/b", "2026-11-30T21:00:00Z", "root"}}},
		{"wide and empty owner", [][]string{header,
			{"a-very-long-container-id-indeed", "123456", "running", "/a/much/longer/bundle/path/than/twelve", "2026-11-30T21:00:00.000000005Z", ""},
			{"b", "0", "stopped", "", "0001-01-01T00:00:00Z", "someone"}}},
		{"runes", [][]string{header, {"é-id", "1", "paused", "/bündle/ünïcode", "2026-11-30T21:00:00Z", "jösé"}}},
		{"invalid utf-8", [][]string{header, {"x", "1", "paused", "/b\xc3", "2026-11-30T21:00:00Z", "root"}}},
		{"tab in bundle", [][]string{header, {"x", "1", "created", "/b\tc", "2026-11-30T21:00:00Z", "root"}}},
		{"newline in owner", [][]string{header, {"x", "1", "created", "/b", "2026-11-30T21:00:00Z", "ro\not"}}},
		{"escape byte", [][]string{header, {"x", "1", "created", "/b\xffc\xff", "2026-11-30T21:00:00Z", "root"}}},
		{"vertical tab and form feed", [][]string{header, {"x", "1", "created", "/b\vc", "2026-11-30T21:00:00Z", "r\fo"}}},
	}
	for _, tc := range tests {
		var got, want bytes.Buffer
		gw, ww := bufio.NewWriter(&got), bufio.NewWriter(&want)
		if err := writeTable(gw, tc.rows); err != nil {
			t.Fatal(err)
		}
		if err := tabwriterTable(ww, tc.rows); err != nil {
			t.Fatal(err)
		}
		gw.Flush()
		ww.Flush()
		if got.String() != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got.String(), want.String())
		}
		if !strings.HasPrefix(got.String(), "ID ") {
			t.Errorf("%s: %q does not start with the header", tc.name, got.String())
		}
	}
}
