package procfs

import (
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

// FuzzMountinfo feeds /proc/PID/mountinfo text to the parser ReadMounts
// uses (github.com/moby/sys/mountinfo).
func FuzzMountinfo(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := mountinfo.GetMountsFromReader(strings.NewReader(s), nil)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m == nil {
				t.Fatalf("%q gave a nil mount", s)
			}
		}
	})
}
