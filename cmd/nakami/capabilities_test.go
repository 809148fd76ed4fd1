package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nakami/lessons"
)

// capsProcesses lists live processes running nakami's ping or helper role
// from a copy in a session directory: what the capabilities lesson holds.
func capsProcesses() []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmd, "__nakami_ping__") || strings.Contains(cmd, "__nakami_capexec__") {
			out = append(out, e.Name()+": "+cmd)
		}
	}
	return out
}

// TestRunCapabilitiesLeavesNoTrace: every check passes, and afterwards the
// copies, the temp dir, the journal and the held processes are gone.
func TestRunCapabilitiesLeavesNoTrace(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "capabilities", "--json")
	rs := runPassed(t, o, "capabilities")
	checks := 0
	for _, r := range rs {
		checks += len(r.Checks)
	}
	if checks < 24 {
		t.Errorf("%d checks, want at least 24", checks)
	}
	assertUnchanged(t, before)
	if ps := capsProcesses(); len(ps) > 0 {
		t.Errorf("processes left running: %v", ps)
	}
}

// TestCapabilitiesFormulaParams: the calculator with parameters; a bad one
// is refused before anything is made.
func TestCapabilitiesFormulaParams(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "capabilities/formula", "--json", "--set", "drop=cap_net_raw", "--set", "file=cap_net_raw+ep", "--set", "amb=", "--set", "inh=")
	var rs []lessons.Result
	if err := json.Unmarshal([]byte(o.stdout), &rs); err != nil || o.code != 0 || !strings.Contains(rs[len(rs)-1].Checks[1].Detail, "EPERM") {
		t.Errorf("EPERM case: exit %d, %v\n%s", o.code, err, o.stdout)
	}
	for _, set := range []string{"file=cap_bogus+ep", "uid=1000", "nnp=maybe", "drop=cap_nope"} {
		o := nakami(t, nil, "run", "capabilities/formula", "--set", set)
		if lines := strings.Split(strings.TrimSpace(o.stderr), "\n"); o.code != 2 || len(lines) != 1 {
			t.Errorf("--set %s: exit %d, %q", set, o.code, o.stderr)
		}
	}
	// Each value is fine alone; together the action refuses them.
	o = nakami(t, nil, "run", "capabilities/formula", "--set", "inh=cap_chown", "--set", "amb=cap_net_raw")
	if o.code != 1 || !strings.Contains(o.stderr, "is not within inh") {
		t.Errorf("ambient outside inheritable: exit %d, %q", o.code, o.stderr)
	}
	assertUnchanged(t, before)
}

// TestCapabilitiesSIGKILLThenCleanup: killed after the first step (a temp
// dir, a set-user-ID copy and a held process exist), the session leaves
// its journal; nakami cleanup removes everything. The journal lives in a
// directory of this test's own, so cleanup sees no other session.
func TestCapabilitiesSIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	runDir := t.TempDir()
	before := snapshot(t)
	cmd := command(t, nil, "run", "capabilities", "--step")
	cmd.Env = append(cmd.Env, "NAKAMI_RUN_DIR="+runDir)
	wait := pauseAfter(t, cmd, 1)
	cmd.Process.Kill()
	wait()
	journals, _ := filepath.Glob(filepath.Join(runDir, "*.journal"))
	if d := leftovers(before, t); !strings.Contains(d, "temp appeared: /tmp/nakami-") || len(journals) != 1 {
		t.Fatalf("after SIGKILL the copies and the journal should remain for cleanup; journals %v, diff:\n%s", journals, d)
	}
	clean := command(t, nil, "cleanup")
	clean.Env = append(clean.Env, "NAKAMI_RUN_DIR="+runDir)
	out, err := clean.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "removed file") || !strings.Contains(string(out), "removed dir") {
		t.Errorf("cleanup: %v\n%s", err, out)
	}
	assertUnchanged(t, before)
	if ps := capsProcesses(); len(ps) > 0 {
		t.Errorf("processes left running: %v", ps)
	}
}
