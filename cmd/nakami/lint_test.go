package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestLintKernelNegativeControl: `nakami lint --kernel` proves every step
// and prints, last, the negative control's count, which must be M of M;
// the faked runs leave the host as it was.
func TestLintKernelNegativeControl(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "lint", "--kernel")
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	last := lines[len(lines)-1]
	m := regexp.MustCompile(`^negative control: (\d+) of (\d+) checks fail when their step's operations are faked$`).FindStringSubmatch(last)
	if o.code != 0 || m == nil || m[1] != m[2] || m[2] == "0" {
		t.Fatalf("exit %d, last line %q\n%s\n%s", o.code, last, o.stdout, o.stderr)
	}
	t.Log(last)
	assertUnchanged(t, before)
}
