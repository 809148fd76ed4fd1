package netlab

import (
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"nakami/internal/kerneltest"
)

// TestFailedPingSaysBothSides takes the bridge's address away and pings,
// then takes its port down and pings: each error must say what the kernel
// shows on the host (the bridge, its addresses, its port) and inside (eth0
// and its address, the default route), not only the count.
func TestFailedPingSaysBothSides(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	n := New(s)
	if err := n.AddBridge(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.AddNetns(); err != nil {
		t.Fatal(err)
	}
	if err := n.AddVeth(); err != nil {
		t.Fatal(err)
	}
	if err := n.Configure(); err != nil {
		t.Fatal(err)
	}
	br, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := netlink.ParseAddr(BridgeAddr)
	if err := netlink.AddrDel(br, addr); err != nil {
		t.Fatal(err)
	}
	wantIn(t, n, "1 packets transmitted, 0 received",
		"host: "+n.Bridge+" (bridge) UP no address with ports "+n.Veth+" (veth) UP no address",
		"inside "+n.NS+": links lo (device) UP 127.0.0.1/8, eth0 (veth) UP "+NSAddr,
		"default via "+Gateway+" dev eth0")

	veth, err := netlink.LinkByName(n.Veth)
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetDown(veth); err != nil {
		t.Fatal(err)
	}
	wantIn(t, n, "not forwarding", "ports "+n.Veth+" (veth) DOWN", "eth0 (veth)")
	if err := n.DelNetns(); err != nil {
		t.Error(err)
	}
}

// wantIn pings once and wants every phrase in the error, on one line.
func wantIn(t *testing.T, n *Net, phrases ...string) {
	t.Helper()
	_, err := n.PingInside(Gateway, 1)
	if err == nil {
		t.Fatal("the ping got its answer")
	}
	msg := err.Error()
	for _, want := range phrases {
		if !strings.Contains(msg, want) {
			t.Errorf("the failed ping's error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("the error is not one sentence: %q", msg)
	}
}
