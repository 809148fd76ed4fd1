package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRunNetwork runs the whole network lesson: exit 0, every step passed,
// the ping got its replies, and the host is as it was.
func TestRunNetwork(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	o := nakami(t, nil, "run", "network", "--json")
	for _, r := range runPassed(t, o, "network") {
		if r.Step == "ping" {
			ok := false
			for _, op := range r.Ops {
				ok = ok || strings.Contains(op.Detail, "3 packets transmitted, 3 received")
			}
			if !ok {
				t.Errorf("the ping's transcript does not show 3 replies: %+v", r.Ops)
			}
		}
	}
	assertUnchanged(t, before)
}

// pausedNetworkRun starts `run network --step` and returns once the
// configure step is done (bridge, namespace and veth pair exist) and the
// run is paused.
func pausedNetworkRun(t *testing.T) (*exec.Cmd, func() error) {
	t.Helper()
	cmd := command(t, nil, "run", "network", "--step")
	return cmd, pauseAfter(t, cmd, 5) // isolated bridge netns veth configure
}

// TestNetworkSIGKILLThenCleanup: killed mid-lesson, nakami leaves its links,
// namespace and journal behind; `nakami cleanup` removes all of it.
func TestNetworkSIGKILLThenCleanup(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := pausedNetworkRun(t)
	killLeaves(t, cmd, wait, before, 100*time.Millisecond, "link appeared: nk", "netns appeared: nakami-", "nsfs", "/run/nakami")
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed link nk", "removed netns /run/netns/nakami-")
}

// TestNetworkSIGINT: Ctrl-C mid-lesson unwinds everything.
func TestNetworkSIGINT(t *testing.T) {
	needKernel(t)
	before := snapshot(t)
	cmd, wait := pausedNetworkRun(t)
	sigintUnwinds(t, cmd, wait, before)
}
