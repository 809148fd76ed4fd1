package lessons

// The network lesson: rows 37–44 of the article map. A new network
// namespace holds only a DOWN loopback; then the article's private network
// is built over netlink — bridge 192.168.77.1/24, a named namespace, a veth
// pair between them, eth0 192.168.77.2/24 with a default route — pinged
// across, and taken down. Every check reads the kernel: netlink from the
// host and from a thread inside the namespace, /proc/PID/net, mountinfo,
// /proc/net/snmp counters, /proc/sys/net/ipv4/ip_forward.
//
// NAT is not applied: the article's MASQUERADE rule belongs in the host's
// namespace, where it would send packets off this machine. The step shows
// the rule and turns on forwarding inside nakami's own namespace only, to
// prove that the switch is per namespace.

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
)

var netRootWhy = T("creating links, addresses and named network namespaces on the host needs CAP_NET_ADMIN and CAP_SYS_ADMIN in the initial user namespace.",
	"ホストにリンク、アドレス、名前付きネットワーク名前空間を作るには、初期ユーザー名前空間での CAP_NET_ADMIN と CAP_SYS_ADMIN が必要です。")

func netOf(e *Env) *netlab.Net { return netlab.New(e.S) }

var pingCountParam = Param{
	Name: "count", Default: "3",
	Help: T("how many echo requests ns0 sends to 192.168.77.1", "ns0 が 192.168.77.1 に送るエコー要求の数"),
	Check: func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 10 {
			return fmt.Errorf("count %q is not a whole number from 1 to 10", v)
		}
		return nil
	},
}

var _ = register(&Lesson{
	ID: "network",
	Steps: []*Step{
		{
			ID:       "isolated",
			Commands: []string{"unshare -nr ip link"},
			Requires: NeedsUserNS,
			Live:     Live{Procs: []string{"isolated"}},
			Action: func(e *Env) error {
				c, err := e.Spawn(child.Spec{Role: "isolated", NewNS: []string{"user", "net"}, Shell: "unshare -nr ip link"})
				if err != nil {
					return err
				}
				return e.S.T.Do(fmt.Sprintf("read(\"/proc/%d/net/dev\")", c.PID), fmt.Sprintf("cat /proc/%d/net/dev", c.PID), func() error {
					_, err := procfs.ReadNetDevs(c.PID)
					return err
				})
			},
			Checks: []Check{
				{
					Name: T("the new network namespace holds only lo", "新しいネットワーク名前空間には lo しかない"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("isolated")
						if c == nil {
							return false, T("no process in a new network namespace yet", "まだ新しいネットワーク名前空間のプロセスがありません")
						}
						theirs, err := procfs.ReadNamespaces(c.PID)
						if err != nil {
							return false, errText(err)
						}
						mine, err := procfs.ReadNamespaces(os.Getpid())
						if err != nil {
							return false, errText(err)
						}
						devs, err := procfs.ReadNetDevs(c.PID)
						if err != nil {
							return false, errText(err)
						}
						if theirs["net"] == mine["net"] {
							return false, Tf("process %d is still in the host's net:[%d]", "プロセス %d はまだホストの net:[%d] にいます", c.PID, mine["net"].Inode)
						}
						if !slices.Equal(devs, []string{"lo"}) {
							return false, Tf("/proc/%d/net/dev lists %v", "/proc/%d/net/dev には %v があります", c.PID, devs)
						}
						return true, Tf("/proc/%d/net/dev lists only lo, in net:[%d] (the host's is net:[%d])",
							"/proc/%d/net/dev には lo だけ。net:[%d](ホストは net:[%d])", c.PID, theirs["net"].Inode, mine["net"].Inode)
					},
				},
				{
					Name: T("lo is DOWN", "lo は DOWN"),
					Probe: func(e *Env) (bool, Text) {
						c := e.Child("isolated")
						if c == nil {
							return false, T("no process in a new network namespace yet", "まだ新しいネットワーク名前空間のプロセスがありません")
						}
						if os.Geteuid() != 0 {
							// Without root nakami cannot open a netlink socket in
							// there; a loopback that is up has 127.0.0.1 in the
							// local routing table, which /proc/PID/net/fib_trie shows.
							b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/fib_trie", c.PID))
							if err != nil {
								return false, errText(err)
							}
							if strings.Contains(string(b), "127.0.0.1") {
								return false, Tf("/proc/%d/net/fib_trie has 127.0.0.1: lo is up", "/proc/%d/net/fib_trie に 127.0.0.1 があります: lo は up", c.PID)
							}
							return true, Tf("/proc/%d/net/fib_trie has no 127.0.0.1: lo is down", "/proc/%d/net/fib_trie に 127.0.0.1 はありません: lo は down", c.PID)
						}
						ls, err := netlab.LinksOf(c.PID)
						if err != nil {
							return false, errText(err)
						}
						if len(ls) != 1 || ls[0].Name != "lo" || ls[0].Up {
							return false, Tf("RTM_GETLINK inside process %d's namespace returned %+v", "プロセス %d の名前空間での RTM_GETLINK の結果: %+v", c.PID, ls)
						}
						return true, Tf("RTM_GETLINK inside: %d: lo, IFF_UP not set (state DOWN)", "中での RTM_GETLINK: %d: lo、IFF_UP なし(DOWN)", ls[0].Index)
					},
				},
			},
		},
		{
			ID: "bridge",
			Commands: []string{"ip link add name br0 type bridge", "ip addr add 192.168.77.1/24 dev br0",
				"ip link set br0 up"},
			Requires: NeedsRoot,
			Why:      netRootWhy,
			Action:   func(e *Env) error { return netOf(e).AddBridge() },
			Checks: []Check{
				{
					Name: T("a bridge link named for this session exists and is up", "このセッションの名前のブリッジがあり、up している"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						l, ok, err := netlab.HostLink(n.Bridge)
						if err != nil {
							return false, errText(err)
						}
						if !ok {
							return false, Tf("RTM_GETLINK %s: no such device", "RTM_GETLINK %s: そのデバイスはありません", n.Bridge)
						}
						if l.Type != "bridge" || !l.Up {
							return false, Tf("%s is of type %s, up=%v", "%s の種類は %s、up=%v", n.Bridge, l.Type, l.Up)
						}
						return true, Tf("RTM_GETLINK: %d: %s type bridge, IFF_UP", "RTM_GETLINK: %d: %s 種類 bridge、IFF_UP", l.Index, n.Bridge)
					},
				},
				{
					Name: T("the bridge has the address 192.168.77.1/24", "ブリッジのアドレスは 192.168.77.1/24"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						l, ok, err := netlab.HostLink(n.Bridge)
						if err != nil || !ok {
							return false, Tf("there is no %s", "%s はありません", n.Bridge)
						}
						if !slices.Equal(l.Addrs, []string{netlab.BridgeAddr}) {
							return false, Tf("RTM_GETADDR %s: %v", "RTM_GETADDR %s: %v", n.Bridge, l.Addrs)
						}
						return true, Tf("RTM_GETADDR: inet %s on %s", "RTM_GETADDR: %[2]s に inet %[1]s", netlab.BridgeAddr, n.Bridge)
					},
				},
			},
		},
		{
			ID:       "netns",
			Commands: []string{"ip netns add ns0", "ls -l /run/netns", "findmnt -t nsfs"},
			Requires: NeedsRoot,
			Why:      netRootWhy,
			Action: func(e *Env) error {
				made, err := netOf(e).AddNetns()
				if made {
					e.Values["netns-dir-made"] = "1"
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
		},
		{
			ID:    "veth",
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
				{
					Name: T("its peer is inside the namespace and gone from the host", "相手側は名前空間の中にあり、ホストにはない"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						v, ok, err := netlab.HostLink(n.Veth)
						if err != nil || !ok {
							return false, Tf("there is no %s", "%s はありません", n.Veth)
						}
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
					},
				},
			},
		},
		{
			ID:    "configure",
			After: []string{"veth"},
			Commands: []string{"ip netns exec ns0 ip link set veth0_peer name eth0",
				"ip netns exec ns0 ip addr add 192.168.77.2/24 dev eth0", "ip netns exec ns0 ip link set lo up",
				"ip netns exec ns0 ip link set eth0 up", "ip netns exec ns0 ip route add default via 192.168.77.1"},
			Requires: NeedsRoot,
			Why:      netRootWhy,
			Action:   func(e *Env) error { return netOf(e).Configure() },
			Checks: []Check{
				{
					Name: T("inside, eth0 has 192.168.77.2/24 and is up", "中では eth0 が 192.168.77.2/24 を持ち up している"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						in, err := netlab.ReadInside(n.NSPath)
						if err != nil {
							return false, errText(err)
						}
						for _, l := range in.Links {
							if l.Name == "eth0" && l.Up && slices.Equal(l.Addrs, []string{netlab.NSAddr}) {
								return true, Tf("inside %s: %d: eth0 IFF_UP inet %s", "%s の中: %d: eth0 IFF_UP inet %s", n.NS, l.Index, netlab.NSAddr)
							}
						}
						return false, Tf("inside %s: %+v", "%s の中: %+v", n.NS, in.Links)
					},
				},
				{
					Name: T("inside, the default route goes via 192.168.77.1", "中ではデフォルトルートが 192.168.77.1 経由"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						in, err := netlab.ReadInside(n.NSPath)
						if err != nil {
							return false, errText(err)
						}
						want := netlab.Route{Dst: "default", Gw: netlab.Gateway, Dev: "eth0"}
						if !slices.Contains(in.Routes, want) {
							return false, Tf("routes inside %s: %+v", "%s の中のルート: %+v", n.NS, in.Routes)
						}
						return true, Tf("RTM_GETROUTE inside %s: default via %s dev eth0", "%s の中の RTM_GETROUTE: default via %s dev eth0", n.NS, netlab.Gateway)
					},
				},
			},
		},
		{
			ID:       "ping",
			After:    []string{"configure"},
			Commands: []string{"ip netns exec ns0 ping -c 3 192.168.77.1"},
			Requires: NeedsRoot,
			Why:      netRootWhy,
			Params:   []Param{pingCountParam},
			Action: func(e *Env) error {
				host, err := netlab.ReadSNMP(os.Getpid())
				if err != nil {
					return err
				}
				e.Values["icmp-in-echos"] = strconv.FormatInt(host["Icmp"]["InEchos"], 10)
				e.Values["icmp-out-echoreps"] = strconv.FormatInt(host["Icmp"]["OutEchoReps"], 10)
				count, _ := strconv.Atoi(e.Param(stepOf("network", "ping"), "count"))
				_, err = netOf(e).PingInside(netlab.Gateway, count)
				return err
			},
			Checks: []Check{
				{
					Name: T("inside ns0 the kernel counted the echo requests sent and the replies received", "ns0 の中でカーネルが送ったエコー要求と受けた応答を数えている"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						count, _ := strconv.Atoi(e.Param(stepOf("network", "ping"), "count"))
						in, err := netlab.ReadInside(n.NSPath)
						if err != nil {
							return false, errText(err)
						}
						out, rep := in.SNMP["Icmp"]["OutEchos"], in.SNMP["Icmp"]["InEchoReps"]
						if out < int64(count) || rep < int64(count) {
							return false, Tf("/proc/net/snmp inside %s: Icmp OutEchos %d, InEchoReps %d", "%s の中の /proc/net/snmp: Icmp OutEchos %d、InEchoReps %d", n.NS, out, rep)
						}
						return true, Tf("/proc/net/snmp inside %s: Icmp OutEchos %d, InEchoReps %d", "%s の中の /proc/net/snmp: Icmp OutEchos %d、InEchoReps %d", n.NS, out, rep)
					},
				},
				{
					Name: T("on the host, the kernel answered them: Icmp InEchos and OutEchoReps rose", "ホストではカーネルが応答した: Icmp InEchos と OutEchoReps が増えた"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						count, _ := strconv.Atoi(e.Param(stepOf("network", "ping"), "count"))
						in0, ok1 := e.Values["icmp-in-echos"]
						rep0, ok2 := e.Values["icmp-out-echoreps"]
						if !ok1 || !ok2 {
							return false, T("nothing has been pinged yet", "まだ ping していません")
						}
						host, err := netlab.ReadSNMP(os.Getpid())
						if err != nil {
							return false, errText(err)
						}
						a, _ := strconv.ParseInt(in0, 10, 64)
						b, _ := strconv.ParseInt(rep0, 10, 64)
						din, drep := host["Icmp"]["InEchos"]-a, host["Icmp"]["OutEchoReps"]-b
						rx, _ := netlab.LinkStat(n.Veth, "rx_packets")
						if din < int64(count) || drep < int64(count) {
							return false, Tf("host /proc/net/snmp: InEchos +%d, OutEchoReps +%d", "ホストの /proc/net/snmp: InEchos +%d、OutEchoReps +%d", din, drep)
						}
						return true, Tf("host /proc/net/snmp: Icmp InEchos +%d, OutEchoReps +%d; %s rx_packets %d",
							"ホストの /proc/net/snmp: Icmp InEchos +%d、OutEchoReps +%d。%s の rx_packets %d", din, drep, n.Veth, rx)
					},
				},
			},
		},
		{
			ID:    "nat",
			After: []string{"configure"},
			Commands: []string{"sysctl -w net.ipv4.ip_forward=1",
				"iptables -t nat -A POSTROUTING -s 192.168.77.0/24 -j MASQUERADE"},
			Requires: NeedsRoot,
			Why:      netRootWhy,
			Action: func(e *Env) error {
				n := netOf(e)
				host, err := netlab.ReadHostForward()
				if err != nil {
					return err
				}
				e.Values["host-ip-forward"] = host
				if err := n.SetForwardInside(); err != nil {
					return err
				}
				e.S.T.Add(engine.Op{
					Call:    "not performed: a MASQUERADE rule in the host's nat table",
					Shell:   "iptables -t nat -A POSTROUTING -s 192.168.77.0/24 -j MASQUERADE",
					Outcome: "skipped", By: "nakami",
					Detail: "in the host's namespace this rule, with ip_forward=1 there, would let 192.168.77.0/24 reach other machines; nakami never sends packets off this host",
				})
				return nil
			},
			Checks: []Check{
				{
					Name: T("inside ns0, ip_forward reads 1", "ns0 の中では ip_forward が 1"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						in, err := netlab.ReadInside(n.NSPath)
						if err != nil {
							return false, errText(err)
						}
						if in.Fwd != "1" {
							return false, Tf("/proc/sys/net/ipv4/ip_forward inside %s reads %s", "%s の中の /proc/sys/net/ipv4/ip_forward は %s", n.NS, in.Fwd)
						}
						return true, Tf("/proc/sys/net/ipv4/ip_forward inside %s reads 1", "%s の中の /proc/sys/net/ipv4/ip_forward は 1", n.NS)
					},
				},
				{
					Name: T("the switch is per namespace: the host's ip_forward did not change", "スイッチは名前空間ごと: ホストの ip_forward は変わっていない"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						before, ok := e.Values["host-ip-forward"]
						if !ok {
							return false, T("forwarding has not been turned on anywhere yet", "まだどこでも転送を有効にしていません")
						}
						in, err := netlab.ReadInside(n.NSPath)
						if err != nil {
							return false, errText(err)
						}
						host, err := netlab.ReadHostForward()
						if err != nil {
							return false, errText(err)
						}
						if host != before || in.Fwd != "1" {
							return false, Tf("host ip_forward %s (was %s), inside %s", "ホストの ip_forward は %s(前は %s)、中は %s", host, before, in.Fwd)
						}
						return true, Tf("ip_forward: %s inside %s, %s on the host, as before", "ip_forward: %[2]s の中は %[1]s、ホストは以前と同じ %[3]s", in.Fwd, n.NS, host)
					},
				},
			},
		},
		{
			ID:       "cleanup",
			After:    []string{"configure"},
			Commands: []string{"ip netns del ns0", "ip link del br0"},
			Requires: NeedsRoot,
			Why:      netRootWhy,
			Action: func(e *Env) error {
				n := netOf(e)
				if err := n.DelNetns(); err != nil {
					return err
				}
				if err := n.DelBridge(); err != nil {
					return err
				}
				if e.Values["netns-dir-made"] == "1" {
					return netlab.RemoveNetnsDir(e.S)
				}
				return nil
			},
			Checks: []Check{
				{
					Name: T("the namespace's file and its nsfs mount are gone", "名前空間のファイルと nsfs マウントは消えた"),
					Probe: func(e *Env) (bool, Text) {
						n := netOf(e)
						fs, err := child.MountFSType(n.NSPath)
						if err != nil {
							return false, errText(err)
						}
						if _, serr := os.Lstat(n.NSPath); fs != "" || serr == nil {
							return false, Tf("%s still exists (mounted: %q)", "%s はまだあります(マウント: %q)", n.NSPath, fs)
						}
						return true, Tf("no %s, and nothing mounted there in /proc/self/mountinfo", "%s はなく、/proc/self/mountinfo にもマウントはない", n.NSPath)
					},
				},
				{
					Name: T("no link with this session's prefix is left, the veth pair included", "このセッションの接頭辞を持つリンクは veth ペアも含め残っていない"),
					Probe: func(e *Env) (bool, Text) {
						p := netlab.LinkPrefix(e.S.ID)
						left, err := netlab.HostLinksWithPrefix(p)
						if err != nil {
							return false, errText(err)
						}
						if len(left) > 0 {
							return false, Tf("RTM_GETLINK still lists %s", "RTM_GETLINK にまだ %s があります", strings.Join(left, ", "))
						}
						return true, Tf("RTM_GETLINK lists no link starting with %s", "RTM_GETLINK に %s で始まるリンクはない", p)
					},
				},
			},
		},
	},
	KeepHelp: func(e *Env) Text {
		n := netOf(e)
		var b strings.Builder
		if _, ok, _ := netlab.HostLink(n.Bridge); ok {
			fmt.Fprintf(&b, "  ip addr show %s;  ip link show master %s\n", n.Bridge, n.Bridge)
		}
		if fs, _ := child.MountFSType(n.NSPath); fs == "nsfs" {
			fmt.Fprintf(&b, "  ip netns exec %s ip addr;  ip netns exec %s ip route\n", n.NS, n.NS)
			fmt.Fprintf(&b, "  ip netns exec %s ping -c 3 %s\n", n.NS, netlab.Gateway)
		}
		if c := e.Child("isolated"); c != nil {
			fmt.Fprintf(&b, "  nsenter -t %d -U -n --preserve-credentials ip link\n", c.PID)
		}
		return T("Left in place for you to look at:\n"+b.String()+"Remove them with: nakami cleanup\n",
			"確認用に残したもの:\n"+b.String()+"削除するには: nakami cleanup\n")
	},
})
