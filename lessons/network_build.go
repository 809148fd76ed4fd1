package lessons

// network/bridge, network/netns, network/veth and network/configure (rows
// 38–41 of the article map): the article's private network built over
// netlink — br0 192.168.77.1/24, the named namespace ns0, a veth pair from
// the bridge into it, and eth0 192.168.77.2/24 with a default route.

import (
	"os"
	"slices"

	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
)

func bridgeOf(n *netlab.Net) string { return n.Bridge }
func vethOf(n *netlab.Net) string   { return n.Veth }

var netBridgeStep = &Step{
	ID: "bridge",
	Commands: []string{"ip link add name br0 type bridge", "ip addr add 192.168.77.1/24 dev br0",
		"ip link set br0 up"},
	Requires: NeedsRoot,
	Why:      netRootWhy,
	Action:   func(e *Env) error { return netOf(e).AddBridge() },
	Checks: []Check{
		hostLinkCheck(T("a bridge link named for this session exists and is up", "このセッションの名前のブリッジがあり、up している"), bridgeOf,
			func(e *Env, n *netlab.Net, l netlab.LinkInfo) (bool, Text) {
				if l.Type != "bridge" || !l.Up {
					return false, Tf("%s is of type %s, up=%v", "%s の種類は %s、up=%v", n.Bridge, l.Type, l.Up)
				}
				return true, Tf("RTM_GETLINK: %d: %s type bridge, IFF_UP", "RTM_GETLINK: %d: %s 種類 bridge、IFF_UP", l.Index, n.Bridge)
			}),
		hostLinkCheck(T("the bridge has the address 192.168.77.1/24", "ブリッジのアドレスは 192.168.77.1/24"), bridgeOf,
			func(e *Env, n *netlab.Net, l netlab.LinkInfo) (bool, Text) {
				if !slices.Equal(l.Addrs, []string{netlab.BridgeAddr}) {
					return false, Tf("RTM_GETADDR %s: %v", "RTM_GETADDR %s: %v", n.Bridge, l.Addrs)
				}
				return true, Tf("RTM_GETADDR: inet %s on %s", "RTM_GETADDR: %[2]s に inet %[1]s", netlab.BridgeAddr, n.Bridge)
			}),
	},
}

var netNetnsStep = &Step{
	ID:       "netns",
	Live:     Live{Netns: ns0Path},
	Commands: []string{"ip netns add ns0", "ls -l /run/netns", "findmnt -t nsfs"},
	Requires: NeedsRoot,
	Why:      netRootWhy,
	Action: func(e *Env) error {
		made, err := netOf(e).AddNetns()
		if made {
			netnsDirMadeKey.Set(e, true)
		}
		return err
	},
	Checks: []Check{
		{
			Name: T("mountinfo shows an nsfs mount under /run/netns", "mountinfo では /run/netns の下に nsfs がマウントされている"),
			Probe: func(e *Env) (bool, Text) {
				n := netOf(e)
				fs, err := child.MountFSType(n.NSPath)
				if err != nil {
					return false, errText(err)
				}
				if fs != "nsfs" {
					return false, Tf("nothing of type nsfs is mounted on %s", "%s に nsfs はマウントされていません", n.NSPath)
				}
				return true, Tf("/proc/self/mountinfo: nsfs on %s", "/proc/self/mountinfo: %s に nsfs", n.NSPath)
			},
		},
		{
			Name: T("it is a different network namespace from the host's, with only lo", "ホストとは別のネットワーク名前空間で、lo しかない"),
			Probe: func(e *Env) (bool, Text) {
				n := netOf(e)
				if fs, _ := child.MountFSType(n.NSPath); fs != "nsfs" {
					return false, Tf("%s is not a namespace file", "%s は名前空間のファイルではありません", n.NSPath)
				}
				in, err := netlab.ReadInside(n.NSPath)
				if err != nil {
					return false, errText(err)
				}
				host, err := procfs.ReadNamespaces(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				if in.Inode == host["net"].Inode || len(in.Links) != 1 || in.Links[0].Name != "lo" {
					return false, Tf("inside: net:[%d], links %+v (host: net:[%d])", "中: net:[%d]、リンク %+v(ホスト: net:[%d])", in.Inode, in.Links, host["net"].Inode)
				}
				return true, Tf("after setns, /proc/thread-self/ns/net is net:[%d] (the host's is net:[%d]) and RTM_GETLINK lists only lo",
					"setns 後の /proc/thread-self/ns/net は net:[%d](ホストは net:[%d])、RTM_GETLINK は lo だけ", in.Inode, host["net"].Inode)
			},
		},
	},
}

var netVethStep = &Step{
	ID:    "veth",
	Live:  Live{Netns: ns0Path},
	After: []string{"bridge", "netns"},
	Commands: []string{"ip link add name veth0 type veth peer name veth0_peer", "ip link set dev veth0 master br0",
		"ip link set veth0 up", "ip link set veth0_peer netns ns0"},
	Requires: NeedsRoot,
	Why:      netRootWhy,
	Action:   func(e *Env) error { return netOf(e).AddVeth() },
	Checks: []Check{
		{
			Name: T("one end of the veth pair is enslaved to the bridge on the host", "veth ペアの一端はホストでブリッジにつながっている"),
			Probe: func(e *Env) (bool, Text) {
				n := netOf(e)
				br, ok1, err1 := netlab.HostLink(n.Bridge)
				v, ok2, err2 := netlab.HostLink(n.Veth)
				if err1 != nil || err2 != nil || !ok1 || !ok2 {
					return false, Tf("RTM_GETLINK: %s found=%v, %s found=%v", "RTM_GETLINK: %s あり=%v、%s あり=%v", n.Bridge, ok1, n.Veth, ok2)
				}
				if v.Type != "veth" || v.Master != br.Index || !v.Up {
					return false, Tf("%s: type %s, master %d, up=%v (bridge is %d)", "%s: 種類 %s、master %d、up=%v(ブリッジは %d)", n.Veth, v.Type, v.Master, v.Up, br.Index)
				}
				return true, Tf("RTM_GETLINK: %d: %s type veth, master %s (%d), IFF_UP", "RTM_GETLINK: %d: %s 種類 veth、master %s (%d)、IFF_UP", v.Index, n.Veth, n.Bridge, br.Index)
			},
		},
		hostLinkCheck(T("its peer is inside the namespace and gone from the host", "相手側は名前空間の中にあり、ホストにはない"), vethOf,
			func(e *Env, n *netlab.Net, v netlab.LinkInfo) (bool, Text) {
				if _, onHost, _ := netlab.HostLink(n.Peer); onHost {
					return false, Tf("%s is still in the host's namespace", "%s はまだホストの名前空間にあります", n.Peer)
				}
				in, err := netlab.ReadInside(n.NSPath)
				if err != nil {
					return false, errText(err)
				}
				for _, l := range in.Links {
					if l.Type == "veth" && l.Peer == v.Index {
						return true, Tf("inside %s: %d: %s type veth, its peer is ifindex %d = %s on the host",
							"%s の中: %d: %s 種類 veth、相手はホストの ifindex %d = %s", n.NS, l.Index, l.Name, v.Index, n.Veth)
					}
				}
				return false, Tf("no veth inside %s points at ifindex %d", "%s の中に ifindex %d を指す veth はありません", n.NS, v.Index)
			}),
	},
}

var netConfigureStep = &Step{
	ID:    "configure",
	Live:  Live{Netns: ns0Path},
	After: []string{"veth"},
	Commands: []string{"ip netns exec ns0 ip link set veth0_peer name eth0",
		"ip netns exec ns0 ip addr add 192.168.77.2/24 dev eth0", "ip netns exec ns0 ip link set lo up",
		"ip netns exec ns0 ip link set eth0 up", "ip netns exec ns0 ip route add default via 192.168.77.1"},
	Requires: NeedsRoot,
	Why:      netRootWhy,
	Action:   func(e *Env) error { return netOf(e).Configure() },
	Checks: []Check{
		insideCheck(T("inside, eth0 has 192.168.77.2/24 and is up", "中では eth0 が 192.168.77.2/24 を持ち up している"),
			func(e *Env, n *netlab.Net, in netlab.InsideState) (bool, Text) {
				for _, l := range in.Links {
					if l.Name == "eth0" && l.Up && slices.Equal(l.Addrs, []string{netlab.NSAddr}) {
						return true, Tf("inside %s: %d: eth0 IFF_UP inet %s", "%s の中: %d: eth0 IFF_UP inet %s", n.NS, l.Index, netlab.NSAddr)
					}
				}
				return false, Tf("inside %s: %+v", "%s の中: %+v", n.NS, in.Links)
			}),
		insideCheck(T("inside, the default route goes via 192.168.77.1", "中ではデフォルトルートが 192.168.77.1 経由"),
			func(e *Env, n *netlab.Net, in netlab.InsideState) (bool, Text) {
				want := netlab.Route{Dst: "default", Gw: netlab.Gateway, Dev: "eth0"}
				if !slices.Contains(in.Routes, want) {
					return false, Tf("routes inside %s: %+v", "%s の中のルート: %+v", n.NS, in.Routes)
				}
				return true, Tf("RTM_GETROUTE inside %s: default via %s dev eth0", "%s の中の RTM_GETROUTE: default via %s dev eth0", n.NS, netlab.Gateway)
			}),
	},
}
