// Package kerneltest holds what every test that touches the kernel shares.
package kerneltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"nakami/engine"
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

// Tool finds a program the test needs. CI (NAKAMI_REQUIRE_KERNEL=1)
// installs every such program, so there a missing one is a failure.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("NAKAMI_REQUIRE_KERNEL") == "1" {
		t.Fatalf("%s is not installed and NAKAMI_REQUIRE_KERNEL=1 forbids skipping", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// Session opens an engine session whose journal lives in the test's
// temporary directory, and closes it (failing the test if anything could
// not be removed) when the test ends.
func Session(t testing.TB) *engine.Session {
	t.Helper()
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	s, err := engine.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Fixture reads testdata/NAME of the package under test.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
