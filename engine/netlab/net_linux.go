package netlab

// A private network, the way the article builds it with ip(8), done over
// netlink: a bridge with 192.168.77.1/24 on the host, a veth pair with one
// end on the bridge and the other moved into the lab's named namespace
// (netns_linux.go), renamed eth0, addressed and given a default route
// through the bridge; and taking links down again.
//
// Safety: every address and gateway passes GuardIP/GuardCIDR (only
// 192.168.77.0/24); every link nakami changes on the host passes
// GuardLinkName (only nk<session>…); the only route added is inside the
// namespace nakami created. Each object is journaled before it exists.
//
// Syscalls: netlink RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK, RTM_NEWADDR,
// RTM_NEWROUTE, RTM_GETLINK; setns(2) CLONE_NEWNET to configure the inside.
// Man pages: rtnetlink(7), ip-link(8), ip-address(8), ip-route(8), veth(4),
// bridge(8).

import (
	"errors"
	"fmt"
	"net"
	"os"

	"nakami/engine"

	"github.com/vishvananda/netlink"
)

// Net is one session's private network.
type Net struct {
	s *engine.Session
	Names
}

// New names the session's network objects; it creates nothing.
func New(s *engine.Session) *Net { return &Net{s: s, Names: NamesFor(s.ID)} }

func (n *Net) record(kind, name string) error {
	e := engine.Entry{Kind: kind}
	if kind == engine.KindLink {
		if err := GuardLinkName(n.s.ID, name); err != nil {
			return err
		}
		e.Name = name
	} else {
		e.Path = name
	}
	_, err := n.s.Journal.Record(e)
	return err
}

// hostLink finds one of the session's links in the host's namespace.
func (n *Net) hostLink(name string) (netlink.Link, error) {
	if err := GuardLinkName(n.s.ID, name); err != nil {
		return nil, err
	}
	return netlink.LinkByName(name)
}

// addAddr assigns a guarded address to a link.
func addAddr(l netlink.Link, cidr string) error {
	ipn, err := GuardCIDR(cidr)
	if err != nil {
		return err
	}
	return netlink.AddrAdd(l, &netlink.Addr{IPNet: ipn})
}

// AddBridge refuses when something holds the subnet (CheckFree), then
// creates the bridge, gives it 192.168.77.1/24 and brings it up.
func (n *Net) AddBridge() error {
	if err := CheckFree(n.s.ID); err != nil { // conflicts_linux.go: before anything is made
		return err
	}
	if err := n.record(engine.KindLink, n.Bridge); err != nil {
		return err
	}
	t := n.s.T
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge}}
	if err := t.Do("RTM_NEWLINK bridge "+n.Bridge, "ip link add name "+n.Bridge+" type bridge", func() error {
		return netlink.LinkAdd(br)
	}); err != nil {
		return err
	}
	l, err := n.hostLink(n.Bridge)
	if err != nil {
		return err
	}
	if err := t.Do("RTM_NEWADDR "+BridgeAddr+" dev "+n.Bridge, "ip addr add "+BridgeAddr+" dev "+n.Bridge, func() error {
		return addAddr(l, BridgeAddr)
	}); err != nil {
		return err
	}
	return t.Do("RTM_NEWLINK "+n.Bridge+" IFF_UP", "ip link set "+n.Bridge+" up", func() error {
		return netlink.LinkSetUp(l)
	})
}

// AddVeth creates the veth pair, puts one end on the bridge and up, and
// moves the other into the namespace.
func (n *Net) AddVeth() error {
	t := n.s.T
	if err := n.record(engine.KindLink, n.Veth); err != nil {
		return err
	}
	if err := n.record(engine.KindLink, n.Peer); err != nil {
		return err
	}
	v := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: n.Veth}, PeerName: n.Peer}
	if err := t.Do("RTM_NEWLINK veth "+n.Veth+" peer "+n.Peer, "ip link add name "+n.Veth+" type veth peer name "+n.Peer, func() error {
		return netlink.LinkAdd(v)
	}); err != nil {
		return err
	}
	veth, err := n.hostLink(n.Veth)
	if err != nil {
		return err
	}
	br, err := n.hostLink(n.Bridge)
	if err != nil {
		return err
	}
	if err := t.Do(fmt.Sprintf("RTM_NEWLINK %s IFLA_MASTER=%d (%s)", n.Veth, br.Attrs().Index, n.Bridge), "ip link set dev "+n.Veth+" master "+n.Bridge, func() error {
		return netlink.LinkSetMaster(veth, br)
	}); err != nil {
		return err
	}
	if err := t.Do("RTM_NEWLINK "+n.Veth+" IFF_UP", "ip link set "+n.Veth+" up", func() error {
		return netlink.LinkSetUp(veth)
	}); err != nil {
		return err
	}
	peer, err := n.hostLink(n.Peer)
	if err != nil {
		return err
	}
	return t.Do(fmt.Sprintf("RTM_NEWLINK %s IFLA_NET_NS_FD=open(%q)", n.Peer, n.NSPath), "ip link set "+n.Peer+" netns "+n.NS, func() error {
		f, err := os.Open(n.NSPath)
		if err != nil {
			return err
		}
		defer f.Close()
		return netlink.LinkSetNsFd(peer, int(f.Fd()))
	})
}

// Configure does, inside the namespace, what the article types after
// `ip netns exec ns0`: rename the peer to eth0, address it, bring it and lo
// up, and route everything else through the bridge's address.
func (n *Net) Configure() error {
	t := n.s.T
	x := "ip netns exec " + n.NS + " "
	return n.Inside(func() error {
		peer, err := netlink.LinkByName(n.Peer)
		if err != nil {
			return fmt.Errorf("%s is not in %s: %w", n.Peer, n.NS, err)
		}
		if err := t.Do("RTM_NEWLINK "+n.Peer+" IFLA_IFNAME=eth0 (in "+n.NS+")", x+"ip link set "+n.Peer+" name eth0", func() error {
			return netlink.LinkSetName(peer, n.Inner)
		}); err != nil {
			return err
		}
		eth0, err := netlink.LinkByName(n.Inner)
		if err != nil {
			return err
		}
		if err := t.Do("RTM_NEWADDR "+NSAddr+" dev eth0 (in "+n.NS+")", x+"ip addr add "+NSAddr+" dev eth0", func() error {
			return addAddr(eth0, NSAddr)
		}); err != nil {
			return err
		}
		if err := t.Do("RTM_NEWLINK eth0 IFF_UP (in "+n.NS+")", x+"ip link set eth0 up", func() error {
			return netlink.LinkSetUp(eth0)
		}); err != nil {
			return err
		}
		if err := t.Do("RTM_NEWLINK lo IFF_UP (in "+n.NS+")", x+"ip link set lo up", func() error {
			lo, err := netlink.LinkByName("lo")
			if err == nil {
				err = netlink.LinkSetUp(lo)
			}
			return err
		}); err != nil {
			return err
		}
		return t.Do("RTM_NEWROUTE default via "+Gateway+" dev eth0 (in "+n.NS+")", x+"ip route add default via "+Gateway, func() error {
			return addDefaultRoute(eth0)
		})
	})
}

// addDefaultRoute adds "default via 192.168.77.1"; it is only ever called
// on a thread inside nakami's namespace.
func addDefaultRoute(l netlink.Link) error {
	gw := net.ParseIP(Gateway)
	if err := GuardIP(gw); err != nil {
		return err
	}
	return netlink.RouteAdd(&netlink.Route{LinkIndex: l.Attrs().Index, Gw: gw})
}

// DelBridge is `ip link del br0`.
func (n *Net) DelBridge() error {
	e, ok := n.live(engine.KindLink, n.Bridge)
	if !ok {
		return fmt.Errorf("%s is not one of this session's live objects", n.Bridge)
	}
	return n.s.T.Do("RTM_DELLINK "+n.Bridge, "ip link del "+n.Bridge, func() error {
		return n.s.Journal.Release(e)
	})
}

func (n *Net) live(kind, name string) (engine.Entry, bool) {
	for _, e := range n.s.Journal.Live() {
		if e.Kind == kind && (e.Name == name || e.Path == name) {
			return e, true
		}
	}
	return engine.Entry{}, false
}

func (n *Net) releaseIfGone(name string) {
	if e, ok := n.live(engine.KindLink, name); ok {
		n.s.Journal.Release(e) // already gone: Undo finds nothing and succeeds
	}
}

func init() {
	engine.RegisterUndo(engine.KindLink, func(e engine.Entry) error {
		l, err := netlink.LinkByName(e.Name)
		if err != nil {
			var nf netlink.LinkNotFoundError
			if errors.As(err, &nf) {
				return nil
			}
			return err
		}
		return netlink.LinkDel(l)
	})
}
