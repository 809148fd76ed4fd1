package netlab

import (
	"os"
	"slices"
	"testing"
	"time"

	"nakami/engine/child"

	"nakami/engine"
	"nakami/internal/kerneltest"
)

// TestNetworkLifecycle builds the article's network, checks it over
// netlink from both sides, pings across it, and takes it down again.
func TestNetworkLifecycle(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	n := New(s)
	start := time.Now()
	if err := n.AddBridge(); err != nil {
		t.Fatal(err)
	}
	made, err := n.AddNetns()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.AddVeth(); err != nil {
		t.Fatal(err)
	}
	if err := n.Configure(); err != nil {
		t.Fatal(err)
	}
	t.Logf("set up in %v", time.Since(start))

	br, ok, err := HostLink(n.Bridge)
	if err != nil || !ok || br.Type != "bridge" || !br.Up || !slices.Equal(br.Addrs, []string{BridgeAddr}) {
		t.Fatalf("bridge: %+v %v %v", br, ok, err)
	}
	veth, ok, err := HostLink(n.Veth)
	if err != nil || !ok || veth.Master != br.Index || veth.Type != "veth" {
		t.Fatalf("veth: %+v %v %v", veth, ok, err)
	}
	if _, ok, _ := HostLink(n.Peer); ok {
		t.Errorf("%s is still in the host's namespace", n.Peer)
	}
	in, err := ReadInside(n.NSPath)
	if err != nil {
		t.Fatal(err)
	}
	var eth0 *LinkInfo
	for i := range in.Links {
		if in.Links[i].Name == "eth0" {
			eth0 = &in.Links[i]
		}
	}
	if eth0 == nil || !eth0.Up || !slices.Equal(eth0.Addrs, []string{NSAddr}) || eth0.Peer != veth.Index {
		t.Fatalf("inside: %+v", in.Links)
	}
	if !slices.Contains(in.Routes, Route{Dst: "default", Gw: Gateway, Dev: "eth0"}) {
		t.Errorf("routes inside: %+v", in.Routes)
	}
	var host os.FileInfo
	if host, err = os.Stat("/proc/self/ns/net"); err != nil || in.Inode == 0 {
		t.Fatal(err)
	}
	_ = host

	r, err := n.PingInside(Gateway, 3)
	if err != nil || r.Received != 3 {
		t.Fatalf("ping: %+v %v", r, err)
	}
	t.Logf("ping: %s", r.Summary())
	after, err := ReadInside(n.NSPath)
	if err != nil || after.SNMP["Icmp"]["OutEchos"] < 3 || after.SNMP["Icmp"]["InEchoReps"] < 3 {
		t.Errorf("counters inside: %v %v", after.SNMP["Icmp"], err)
	}
	for _, bad := range []string{"8.8.8.8", "10.0.0.1", "192.168.78.1", "127.0.0.1"} {
		if _, err := n.PingInside(bad, 1); err == nil {
			t.Errorf("ping %s was allowed", bad)
		}
	}

	if err := n.DelNetns(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := HostLink(n.Veth); ok {
		t.Errorf("%s outlived its namespace", n.Veth)
	}
	if _, err := os.Stat(n.NSPath); !os.IsNotExist(err) {
		t.Errorf("%s: %v", n.NSPath, err)
	}
	if err := n.DelBridge(); err != nil {
		t.Fatal(err)
	}
	if left, err := HostLinksWithPrefix(LinkPrefix(s.ID)); err != nil || len(left) > 0 {
		t.Errorf("left: %v %v", left, err)
	}
	if made {
		if err := RemoveNetnsDir(s); err != nil {
			t.Error(err)
		}
	}
	if live := s.Journal.Live(); len(live) != 0 {
		t.Errorf("journal still lists %v", live)
	}
}

// TestNetworkUnwind: the session's own unwind (and so `nakami cleanup`)
// removes everything in reverse, veth first, then the netns, then the bridge.
func TestNetworkUnwind(t *testing.T) {
	kerneltest.Need(t)
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	s, err := engine.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	n := New(s)
	made := false
	err = n.AddBridge()
	if err == nil {
		made, err = n.AddNetns()
	}
	if err == nil {
		err = n.AddVeth()
	}
	if made {
		defer RemoveNetnsDir(s)
	}
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := HostLinksWithPrefix(LinkPrefix(s.ID)); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
	if _, err := os.Stat(n.NSPath); !os.IsNotExist(err) {
		t.Errorf("%s: %v", n.NSPath, err)
	}
}

// TestNetRefusesForeignLinks: nothing outside the session's prefix is ever
// journaled or looked up for change.
func TestNetRefusesForeignLinks(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	n := New(s)
	for _, name := range []string{"lo", "eth0", "nk00000000br0"} {
		if err := n.record(engine.KindLink, name); err == nil {
			t.Errorf("recorded %s", name)
		}
		if _, err := n.hostLink(name); err == nil {
			t.Errorf("looked up %s for change", name)
		}
	}
}

// TestMain: the test binary is also the children's binary (child.Main).
func TestMain(m *testing.M) {
	child.Main()
	os.Exit(m.Run())
}
