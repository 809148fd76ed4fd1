package container

import (
	"os"
	"path/filepath"
	"testing"
)

// TestInsideRefusesEscapes: a tar entry may not leave the directory, by
// "..", or through a symlink an earlier entry made.
func TestInsideRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	os.Symlink("/etc", filepath.Join(dir, "link"))
	os.Mkdir(filepath.Join(dir, "usr"), 0o755)
	for name, ok := range map[string]bool{
		"usr/bin/sh": true, "./etc/passwd": true, "/etc/passwd": true, "a/../b": true,
		"../etc/passwd": false, "link/passwd": false, "usr/../link/shadow": false, "./../../x": false,
	} {
		rel, err := inside(dir, name)
		if (err == nil) != ok {
			t.Errorf("inside(%q) = %q, %v; want ok %v", name, rel, err, ok)
		}
		if err == nil && filepath.IsAbs(rel) {
			t.Errorf("inside(%q) = %q, not relative", name, rel)
		}
	}
}
