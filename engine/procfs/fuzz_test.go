package procfs

// Fuzz targets for the /proc parsers: each takes text the kernel (or a
// hostile file system) hands over, so none may panic, and what one accepts
// must mean what it says. Seeds: testdata/fuzz/<target>/. Run them with
// scripts/fuzz.sh.

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseNSLink(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseNSLink(s)
		if err != nil {
			return
		}
		if again, err := ParseNSLink(fmt.Sprintf("%s:[%d]", l.Type, l.Inode)); err != nil || again != l {
			t.Fatalf("%q parsed as %v, which does not read back (%v, %v)", s, l, again, err)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStatus(s)
		if err == nil && st.PID <= 0 {
			t.Fatalf("%q accepted with PID %d", s, st.PID)
		}
	})
}

func FuzzParseIDMap(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseIDMap(s)
		if err != nil {
			return
		}
		again, err := ParseIDMap(FormatIDMap(m))
		if err != nil || (len(m) > 0 && !reflect.DeepEqual(again, m)) {
			t.Fatalf("%q parsed as %v, formatted as %q, read back as %v, %v", s, m, FormatIDMap(m), again, err)
		}
	})
}

func FuzzParseCgroup(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseCgroup(s)
		if err != nil {
			return
		}
		for _, e := range es {
			if !strings.HasPrefix(e.Path, "/") {
				t.Fatalf("%q gave a cgroup path %q that is not absolute", s, e.Path)
			}
		}
	})
}

func FuzzParseStatStart(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) { ParseStatStart(s) })
}

func FuzzParseSysvKeys(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) { ParseSysvKeys(s) })
}
