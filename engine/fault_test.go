package engine

import "testing"

func TestParseFault(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "kill@1": 1, "kill@237": 237} {
		if got, err := ParseFault(in); err != nil || got != want {
			t.Errorf("ParseFault(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"kill@0", "kill@-1", "kill@", "kill@x", "kill", "fake@3", "kill@1 "} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("ParseFault(%q) accepted", bad)
		}
	}
}
