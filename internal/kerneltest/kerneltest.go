// Package kerneltest holds what every test that touches the kernel shares.
package kerneltest

import (
	"os"
	"testing"
)

// Need skips a test that needs root, unless NAKAMI_REQUIRE_KERNEL=1 (CI
// sets it), in which case the test fails: a skipped kernel test must never
// pass for a green run.
func Need(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("NAKAMI_REQUIRE_KERNEL") == "1" {
		t.Fatal("this test needs root and NAKAMI_REQUIRE_KERNEL=1 forbids skipping")
	}
	t.Skip("needs root")
}
