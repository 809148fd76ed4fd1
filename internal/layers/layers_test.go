// Package layers holds the test that keeps nakami's layers apart (see
// docs/architecture.md): data flows content → lessons → engine → kernel,
// and the workbench sees only lessons.
package layers

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// list runs `go list -json -deps=false` on the module's packages.
func list(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "nakami/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func isEngine(path string) bool {
	return path == "nakami/engine" || strings.HasPrefix(path, "nakami/engine/")
}

func TestLayers(t *testing.T) {
	pkgs := list(t)
	for path, p := range pkgs {
		switch {
		case isEngine(path):
			// The engine knows nothing of lessons, screens or the CLI,
			// not even through another package.
			for _, d := range p.Deps {
				if d == "nakami/lessons" || d == "nakami/tui" || d == "nakami/content" || strings.HasPrefix(d, "nakami/cmd/") {
					t.Errorf("%s depends on %s", path, d)
				}
			}
		case path == "nakami/tui":
			// The workbench renders lessons.Result; it reaches the
			// kernel only through lessons.
			for _, d := range p.Imports {
				if isEngine(d) || d == "golang.org/x/sys/unix" || d == "syscall" {
					t.Errorf("tui imports %s", d)
				}
			}
		case path == "nakami/lessons":
			// Lessons bind steps to engine calls and make none of their own.
			for _, d := range p.Imports {
				if d == "golang.org/x/sys/unix" || d == "nakami/engine/nsenter" {
					t.Errorf("lessons imports %s", d)
				}
			}
		}
	}
	for _, want := range []string{"nakami/engine/procfs", "nakami/engine/child", "nakami/engine/cgroup", "nakami/engine/caps",
		"nakami/engine/netlab", "nakami/engine/rootfs", "nakami/engine/overlay", "nakami/engine/container", "nakami/engine/nsenter"} {
		if _, ok := pkgs[want]; !ok {
			t.Errorf("no package %s", want)
		}
	}
}

// TestPureParsers: the parsers of /proc files and capability text build on
// any OS, so they can be read and tested without Linux.
func TestPureParsers(t *testing.T) {
	for _, p := range []string{"nakami/engine/procfs", "nakami/engine/caps", "nakami/engine/cgroup"} {
		cmd := exec.Command("go", "vet", p)
		cmd.Env = append(cmd.Environ(), "GOOS=darwin", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOOS=darwin go vet %s: %v\n%s", p, err, out)
		}
	}
}
