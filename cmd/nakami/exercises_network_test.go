package main

// The network lesson's exercises, done with iproute2 and util-linux the way
// a learner does them, except that the namespaces are kept by bind mounts
// on files in the test's temporary directory (unshare --net=FILE) instead
// of `ip netns add`, which would leave /run/netns behind on a host that had
// none. Only 192.168.77.0/24, only links named nkx…, removed even when the
// test fails.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// netnsFile makes a network namespace held by a bind mount on a file of
// the test's own, unmounted when the test ends.
func netnsFile(t *testing.T, name string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("umount", f).Run() })
	sh(t, "unshare --net="+f+" true")
	return f
}

// delLinksAtEnd removes the test's host links when the test ends, however
// it ends (a link already gone is fine).
func delLinksAtEnd(t *testing.T, names ...string) {
	for _, n := range names {
		exec.Command("ip", "link", "del", n).Run()
	}
	t.Cleanup(func() {
		for _, n := range names {
			exec.Command("ip", "link", "del", n).Run()
		}
	})
}

// checkWithin re-runs `nakami check` until it exits 0, for up to two
// seconds (a new bridge port may take a moment to forward), then checks
// it the usual way.
func checkWithin(t *testing.T, says []string, id string, args ...string) {
	t.Helper()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if nakami(t, nil, append([]string{"check", id}, args...)...).code == 0 {
			break
		}
	}
	check(t, 0, says, id, args...)
}

func TestExerciseNSPing(t *testing.T) {
	learner(t, "ip", "unshare", "nsenter")
	before := snapshot(t)
	const id = "network/ns-ping"
	delLinksAtEnd(t, "nkxbr0", "nkxveth0")
	check(t, 1, []string{"no network namespace of yours has a veth"}, id)

	ns := netnsFile(t, "nkx-ns0")
	sh(t, "ip link add name nkxbr0 type bridge && ip addr add 192.168.77.1/24 dev nkxbr0 && ip link set dev nkxbr0 up")
	sh(t, "ip link add nkxveth0 type veth peer name nkxpeer0 && ip link set dev nkxveth0 up && ip link set dev nkxpeer0 netns "+ns)
	sh(t, "nsenter --net="+ns+" ip addr add 192.168.77.2/24 dev nkxpeer0 && nsenter --net="+ns+" ip link set dev nkxpeer0 up")
	// Near miss: the veth is up, but not on the bridge.
	check(t, 1, []string{ns, "nkxveth0 is not enslaved to a bridge"}, id)

	sh(t, "ip link set dev nkxveth0 master nkxbr0")
	checkWithin(t, []string{ns, "peer nkxveth0 is on bridge nkxbr0 (192.168.77.1)", "to 192.168.77.1 was answered"}, id)
	o := nakami(t, nil, "check", id, "--json", "--lang", "ja")
	if o.code != 0 || !netHasAll(o.stdout, `"done": true`, "応答がありました") {
		t.Errorf("check --json --lang ja: exit %d\n%s", o.code, o.stdout)
	}

	// Undo: the namespace end goes down, then the namespace itself goes.
	sh(t, "nsenter --net="+ns+" ip link set dev nkxpeer0 down")
	check(t, 1, []string{"nkxpeer0 is down"}, id)
	sh(t, "umount "+ns+" && ip link del nkxbr0")
	check(t, 1, []string{"no network namespace of yours has a veth", "(0 namespaces besides the host's looked at)"}, id)

	// The lesson's own network, kept, is not a solution.
	if o := nakami(t, nil, "run", "network/ping", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed link nk", "removed netns /run/netns/nakami-")
}

func TestExerciseVethPair(t *testing.T) {
	learner(t, "ip", "unshare", "nsenter")
	before := snapshot(t)
	const id = "network/veth-pair"
	delLinksAtEnd(t, "nkxveth1", "nkxveth2")
	check(t, 1, []string{"no two network namespaces of yours are joined"}, id)

	a, b := netnsFile(t, "nkx-ns1"), netnsFile(t, "nkx-ns2")
	// Near miss: one end stays on the host.
	sh(t, "ip link add nkxveth1 type veth peer name nkxveth2 && ip link set dev nkxveth1 netns "+a)
	sh(t, "nsenter --net="+a+" ip addr add 192.168.77.11/24 dev nkxveth1 && nsenter --net="+a+" ip link set dev nkxveth1 up")
	sh(t, "ip addr add 192.168.77.12/24 dev nkxveth2 && ip link set dev nkxveth2 up")
	check(t, 1, []string{"nkxveth1 in " + a, "leads to the host, not to another namespace of yours"}, id)

	sh(t, "ip link set dev nkxveth2 netns "+b)
	sh(t, "nsenter --net="+b+" ip addr add 192.168.77.12/24 dev nkxveth2")
	// Near miss: moving it took it down.
	check(t, 1, []string{"are one veth pair, but nkxveth2 is down"}, id)
	sh(t, "nsenter --net="+b+" ip link set dev nkxveth2 up")
	checkWithin(t, []string{"nkxveth1 (192.168.77.11) in " + a, "nkxveth2 (192.168.77.12) in " + b, "each address answered"}, id)

	// Undo: take one address away, then the namespaces.
	sh(t, "nsenter --net="+b+" ip addr del 192.168.77.12/24 dev nkxveth2")
	check(t, 1, []string{"nkxveth2 has no 192.168.77.x/24 address"}, id)
	sh(t, "umount "+a+" "+b)
	check(t, 1, []string{"no two network namespaces of yours are joined"}, id)

	// The lesson's namespace is joined to the host, not to another one;
	// and it is nakami's.
	if o := nakami(t, nil, "run", "network/ping", "--keep"); o.code != 0 {
		t.Fatalf("run --keep: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	check(t, 1, []string{"made by nakami"}, id)
	cleanedUp(t, nakami(t, nil, "cleanup"), before, "removed link nk")
}

// netHasAll reports whether s holds every one of subs.
func netHasAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
