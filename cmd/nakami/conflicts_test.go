package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"nakami/tui"
)

// TestNetworkAfterKill: kill -9 in the middle of the network lesson (after
// the bridge step), then `nakami run network` must refuse with exit 3 in a
// sentence naming the dead session's bridge and nakami cleanup, create
// nothing, and `nakami doctor` must report both; the workbench's offer
// (its content and its removal, which the workbench runs in a tea.Cmd)
// then names the bridge and removes everything.
func TestNetworkAfterKill(t *testing.T) {
	needKernel(t)
	before := crashSnapshot(t)
	bridge := killNetworkAfterBridge(t)
	killed := crashSnapshot(t)

	r := nakami(t, nil, "run", "network")
	if r.code != exitMachine || !strings.Contains(r.stderr, bridge) || !strings.Contains(r.stderr, "nakami cleanup") ||
		!strings.Contains(r.stderr, "no longer running") {
		t.Errorf("nakami run network after a kill -9: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if d := killed.diff(crashSnapshot(t)); d != "" {
		t.Errorf("the refused run created something:\n%s", d)
	}
	doc := nakami(t, nil, "doctor")
	if !strings.Contains(doc.stdout, "leftovers") || !strings.Contains(doc.stdout, "cannot start: "+bridge) {
		t.Errorf("nakami doctor does not report the leftovers and the conflict:\n%s", doc.stdout)
	}

	lo := workbenchLeftovers()
	if lo == nil || len(lo.Sessions) != 1 || lo.Sessions[0].Tag != "nakami-"+bridge[2:10] ||
		!slices.Contains(lo.Sessions[0].Objects, tui.Object{Kind: tui.ObjBridge, Name: bridge}) {
		t.Fatalf("the workbench's offer: %+v", lo)
	}
	rm := lo.Remove()
	if rm.Problems != 0 || len(rm.Removed) != 1 || !slices.Contains(rm.Removed[0].Objects, tui.Object{Kind: tui.ObjBridge, Name: bridge}) {
		t.Errorf("the workbench's removal: %+v", rm)
	}
	if lo := workbenchLeftovers(); lo != nil {
		t.Errorf("after the removal the workbench still offers: %+v", lo)
	}
	if d := settle(t, before); d != "" {
		t.Errorf("after the offer was taken, the host still differs:\n%s", d)
	}
	if r := nakami(t, nil, "run", "network"); r.code != 0 {
		t.Errorf("after cleanup, nakami run network exited %d:\n%s", r.code, r.stderr)
	}
}

// killNetworkAfterBridge runs the network lesson step by step and kills it
// with SIGKILL once the bridge step has run, leaving that session's
// objects (a bridge, the isolated step's process) in its journal. It
// returns the bridge's name, nk<session>br0.
func killNetworkAfterBridge(t *testing.T) string {
	t.Helper()
	cmd := command(t, nil, "run", "network", "--step")
	stdin, _ := cmd.StdinPipe()
	stderr, _ := cmd.StderrPipe()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for pauses := 0; pauses < 2 && sc.Scan(); { // after isolated, after bridge
		if strings.Contains(sc.Text(), "press Enter") {
			if pauses++; pauses < 2 {
				stdin.Write([]byte("\n"))
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	bridge := regexp.MustCompile(`nk[0-9a-f]{8}br0`).FindString(stdout.String())
	if bridge == "" {
		t.Fatalf("the bridge step did not run before the kill:\n%s", stdout.String())
	}
	return bridge
}

// TestNetworkRefusesLearnersBridge: a bridge of the learner's own holding
// 192.168.77.1/24 stops the lesson with exit 3, naming the bridge, and
// nothing is created; doctor says the same.
func TestNetworkRefusesLearnersBridge(t *testing.T) {
	needKernel(t)
	ip := func(args ...string) {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	if _, err := exec.Command("ip", "link", "show", "br0").CombinedOutput(); err == nil {
		t.Fatal("this host already has a br0; the test needs to make its own")
	}
	ip("link", "add", "br0", "type", "bridge")
	t.Cleanup(func() { ip("link", "del", "br0") })
	ip("addr", "add", "192.168.77.1/24", "dev", "br0")
	before := crashSnapshot(t)
	r := nakami(t, nil, "run", "network")
	want := "nakami: br0 already holds 192.168.77.1/24, and nakami did not create it"
	if r.code != exitMachine || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "ip addr del 192.168.77.1/24 dev br0") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a refused run printed steps:\n%s", r.stdout)
	}
	if d := before.diff(crashSnapshot(t)); d != "" {
		t.Errorf("the refused run created something:\n%s", d)
	}
	if doc := nakami(t, nil, "doctor"); doc.code != exitMachine || !strings.Contains(doc.stdout, "cannot start: br0 already holds") {
		t.Errorf("doctor exit %d:\n%s", doc.code, doc.stdout)
	}
	// The isolated step alone touches nothing on the host: not refused.
	if r := nakami(t, nil, "run", "network/isolated"); r.code != 0 {
		t.Errorf("network/isolated exited %d:\n%s", r.code, r.stderr)
	}
}
