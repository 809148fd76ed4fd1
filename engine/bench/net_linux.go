package bench

// The network lesson's topology (a named netns, a bridge with
// 192.168.77.1/24, a veth pair with one end in the netns as eth0 with
// 192.168.77.2/24, lo up, a default route), made and removed through
// netlink (package netlab) and through ip(8) commands, each object
// journaled before it is made.

import (
	"fmt"
	"os"
	"os/exec"
	"time"

	"nakami/engine"
	"nakami/engine/netlab"
)

// NetCandidates returns the two ways of making the topology. Each run
// makes it and removes it. ip(8) missing is named.
func NetCandidates(s *engine.Session) ([]Candidate, error) {
	viaNetlink := func() error {
		n := netlab.New(s)
		// The order of the ip commands below: the namespace's teardown
		// (asynchronous) overlaps the bridge's removal, then the veth's
		// end is awaited.
		for _, f := range []func() error{func() error { _, err := n.AddNetns(); return err }, n.AddBridge, n.AddVeth, n.Configure,
			n.DropNetns, n.DelBridge, n.AwaitVethGone} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	}
	cs := []Candidate{{Name: "netlink", Command: "RTM_NEWLINK/NEWADDR/NEWROUTE … (netlab)", Run: viaNetlink}}
	ip, err := exec.LookPath("ip")
	if err != nil {
		return append(cs, Candidate{Name: "ip", Command: "ip …", Missing: "ip(8) is not installed (iproute2)"}), nil
	}
	// Names of their own, so the two never meet: a second session's.
	s2, err := engine.NewSession()
	if err != nil {
		return nil, err
	}
	nm := netlab.NamesFor(s2.ID)
	viaIP := func() error {
		var es []engine.Entry
		for _, e := range []engine.Entry{{Kind: engine.KindNetns, Path: nm.NSPath}, {Kind: engine.KindLink, Name: nm.Bridge},
			{Kind: engine.KindLink, Name: nm.Veth}} {
			e, err := s2.Journal.Record(e)
			if err != nil {
				return err
			}
			es = append(es, e)
		}
		for _, argv := range [][]string{
			{"netns", "add", nm.NS},
			{"link", "add", "name", nm.Bridge, "type", "bridge"},
			{"addr", "add", netlab.BridgeAddr, "dev", nm.Bridge},
			{"link", "set", nm.Bridge, "up"},
			{"link", "add", nm.Veth, "type", "veth", "peer", "name", nm.Peer},
			{"link", "set", nm.Veth, "master", nm.Bridge, "up"},
			{"link", "set", nm.Peer, "netns", nm.NS},
			{"-n", nm.NS, "link", "set", nm.Peer, "name", nm.Inner},
			{"-n", nm.NS, "addr", "add", netlab.NSAddr, "dev", nm.Inner},
			{"-n", nm.NS, "link", "set", nm.Inner, "up"},
			{"-n", nm.NS, "link", "set", "lo", "up"},
			{"-n", nm.NS, "route", "add", "default", "via", netlab.Gateway},
			{"netns", "del", nm.NS},
			{"link", "del", nm.Bridge},
		} {
			if out, err := exec.Command(ip, argv...).CombinedOutput(); err != nil {
				return fmt.Errorf("ip %v: %v: %s", argv, err, out)
			}
		}
		// The namespace, and the veth pair with it, is torn down
		// asynchronously (as netlab.DelNetns waits for, so does this).
		for i := 0; i < 400; i++ {
			if _, err := os.Stat("/sys/class/net/" + nm.Veth); err != nil {
				for _, e := range es {
					s2.Journal.Forget(e) // removed by the commands above
				}
				return nil
			}
			time.Sleep(5 * time.Millisecond)
		}
		return fmt.Errorf("%s still exists 2 s after its namespace was deleted", nm.Veth)
	}
	cs = append(cs, Candidate{Name: "ip", Command: "ip netns add; ip link add … type bridge; … (14 commands)", Run: viaIP})
	closers = append(closers, s2)
	return cs, nil
}

// closers are the extra sessions NetCandidates opened; Close unwinds them.
var closers []*engine.Session

// Close removes whatever the extra sessions still hold.
func Close() error {
	var first error
	for _, s := range closers {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	closers = nil
	return first
}
