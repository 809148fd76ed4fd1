package main

// A fuzz target for `nakami run LESSON[/STEP] --set name=value`: the
// reference and the values are refused in one sentence or accepted, and an
// accepted value passed its parameter's own check. Seeds:
// testdata/fuzz/FuzzParseSets/. Run it with scripts/fuzz.sh.

import (
	"strings"
	"testing"

	"nakami/lessons"
)

func FuzzParseSets(f *testing.F) {
	f.Fuzz(func(t *testing.T, ref, sets string) {
		l, s, err := lessons.Find(ref)
		if err != nil {
			return
		}
		kvs := strings.Split(sets, "\x00")
		params, err := parseSets(l, s, kvs)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("the refusal of %q is not one sentence: %v", kvs, err)
			}
			return
		}
		for k := range params {
			if !strings.Contains(sets, k+"=") {
				t.Fatalf("%q set %q, which it never named", kvs, k)
			}
		}
	})
}
