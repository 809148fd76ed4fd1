package lessons

import (
	"context"
	"strings"
	"testing"
)

// controlled are the checks issue 12 found resting on a child's report, on
// nakami's bookkeeping, or unable to fail, each with a part of its name as
// it reads now: each must fail when its step's operations are faked.
var controlled = []struct{ step, check string }{
	{"filesystem/escape", "holds the canary outside it open"},
	{"filesystem/escape", "is / after it"},
	{"filesystem/drop-cap", "got nowhere"},
	{"filesystem/pivot-root", "opened no canary"},
	{"capabilities/suid", "counted its echo request"},
	{"capabilities/no-cap", "could open no raw ICMP socket"},
	{"capabilities/setcap", "counted its echo request"},
	{"capabilities/list", "cap_last_cap"},
	{"capabilities/formula", "the formula computes"},
	{"namespaces/unshare", "in its own user namespace the process is root"},
	{"namespaces/types", "user: uid_map maps one id"},
	{"namespaces/types", "cgroup: inside"},
	{"namespaces/compare", "shares every namespace"},
	{"cgroups/pids-limit", "pids.events"},
	{"cgroups/pids-limit", "the host is spared"},
	{"cgroups/nested", "returned EINVAL"},
	{"network/nat", "the host's reads what it read before"},
	{"overlay/layer2", "before the mount"},
	{"first-container/start-time", "timed starts was a real container"},
}

// TestListedChecksFailUnderControl: the negative control catches each of
// them (a check that still passed would be named in the proof's errors).
func TestListedChecksFailUnderControl(t *testing.T) {
	needKernel(t)
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	for _, c := range controlled {
		t.Run(c.step+"/"+c.check, func(t *testing.T) {
			l, s, err := Find(c.step)
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			for _, ck := range s.Checks {
				if strings.Contains(ck.Name.EN, c.check) {
					name = ck.Name.EN
				}
			}
			if name == "" {
				t.Fatalf("%s has no check named like %q", c.step, c.check)
			}
			if why := Unavailable(s, "en"); why != "" {
				t.Fatalf("cannot run here: %s", why)
			}
			p := controlStep(context.Background(), l, s, nil)
			for _, err := range p.Errs {
				if strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "passes when") {
					t.Error(err)
				}
			}
			if p.Checks != len(s.Checks) || p.Caught != p.Checks {
				t.Errorf("%s", p.ControlLine())
			}
		})
	}
}
