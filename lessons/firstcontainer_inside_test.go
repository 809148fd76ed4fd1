package lessons

import (
	"slices"
	"testing"
)

// ps aux as procps and as busybox print it: the PID column moves.
func TestPsPIDs(t *testing.T) {
	procps := `USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root           1  0.0  0.0   2480   512 ?        S    10:00   0:00 /bin/sh
root           7  0.0  0.0   7060  1536 ?        R    10:00   0:00 ps aux
`
	busybox := `PID   USER     TIME  COMMAND
    1 root      0:00 /bin/sh
    7 root      0:00 ps aux
`
	for name, out := range map[string]string{"procps": procps, "busybox": busybox} {
		if got := psPIDs(out); !slices.Equal(got, []int{1, 7}) {
			t.Errorf("%s: psPIDs = %v, want [1 7]", name, got)
		}
	}
	if got := psPIDs("sh: ps: not found\n"); got != nil {
		t.Errorf("not ps output: psPIDs = %v, want none", got)
	}
}
