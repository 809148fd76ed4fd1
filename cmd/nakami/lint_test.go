package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestLintKernelNegativeControl: `nakami lint --kernel` proves every step
// and prints, last, the negative control's count, which must be M of M;
// the faked runs leave the host as it was.
func TestLintKernelNegativeControl(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	lintKernel(t, nil)
	assertUnchanged(t, before)
}

// TestLintKernelAsNobody proves, as nobody, the steps an unprivileged user
// can run: their non-root branches (a user namespace first, reading
// fib_trie instead of netlink) must fail under the negative control too.
func TestLintKernelAsNobody(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	out := lintKernel(t, asNobody)
	for _, step := range []string{"namespaces/unshare", "namespaces/nsenter", "namespaces/types", "network/isolated"} {
		if strings.Contains(out, "not proven here: "+step+":") {
			t.Errorf("%s was not proven as nobody", step)
		}
	}
	if !strings.Contains(out, "not proven here: namespaces/persist: needs root") {
		t.Error("namespaces/persist needs root, and lint as nobody does not say so")
	}
	assertUnchanged(t, before)
}

// lintKernel runs `nakami lint --kernel` as cred and requires its last line
// to say that N of N (N > 0) checks failed under the negative control.
func lintKernel(t *testing.T, cred *syscall.Credential) string {
	t.Helper()
	o := nakami(t, cred, "lint", "--kernel")
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	last := lines[len(lines)-1]
	m := regexp.MustCompile(`^negative control: (\d+) of (\d+) checks fail when their step's operations are faked$`).FindStringSubmatch(last)
	if o.code != 0 || m == nil || m[1] != m[2] || m[2] == "0" {
		t.Fatalf("exit %d, last line %q\n%s\n%s", o.code, last, o.stdout, o.stderr)
	}
	t.Log(last)
	return o.stdout + o.stderr
}
