package cgroup

// Fuzz targets for the cgroupfs and mountinfo parsers. Seeds:
// testdata/fuzz/<target>/. Run them with scripts/fuzz.sh.

import (
	"strings"
	"testing"
)

func FuzzParseMounts(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMounts(s)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.Version != 1 && m.Version != 2 {
				t.Fatalf("%q gave a cgroup version %d", s, m.Version)
			}
		}
		LayoutOf(ms)
	})
}

func FuzzParseKeyed(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKeyed(s)
		if err != nil {
			return
		}
		for key := range k {
			if key == "" || strings.ContainsAny(key, " \t\n") {
				t.Fatalf("%q gave a key %q", s, key)
			}
		}
	})
}

func FuzzParseCPUStat(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) { ParseCPUStat(s) })
}

func FuzzParseLimit(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseLimit(s); err == nil && n < -1 {
			t.Fatalf("%q accepted as %d", s, n)
		}
	})
}

func FuzzParseCPUMax(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		q, p, err := ParseCPUMax(s)
		if err != nil {
			return
		}
		q2, p2, err := ParseCPUMax(FormatCPUMax(q, p))
		if err != nil || q2 != q || p2 != p {
			t.Fatalf("%q read as %d %d does not read back (%d %d, %v)", s, q, p, q2, p2, err)
		}
	})
}

func FuzzParsePIDList(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePIDList(s)
		for _, p := range ps {
			if err == nil && p <= 0 {
				t.Fatalf("%q gave PID %d", s, p)
			}
		}
	})
}
