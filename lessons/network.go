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
//
// This file holds the Lesson, the state and check helpers its steps share
// and the keep help. The steps live by part:
//
//	network_isolated.go  isolated                          row 37
//	network_build.go     bridge, netns, veth, configure    rows 38–41
//	network_traffic.go   ping, nat, cleanup                rows 42–44

import (
	"fmt"
	"strings"

	"nakami/engine/child"
	"nakami/engine/netlab"
)

var _ = register(&Lesson{
	ID:        "network",
	Exercises: netExercises,
	Steps: []*Step{netIsolatedStep, netBridgeStep, netNetnsStep, netVethStep, netConfigureStep,
		netPingStep, netNatStep, netCleanupStep},
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

var netRootWhy = T("creating links, addresses and named network namespaces on the host needs CAP_NET_ADMIN and CAP_SYS_ADMIN in the initial user namespace.",
	"ホストにリンク、アドレス、名前付きネットワーク名前空間を作るには、初期ユーザー名前空間での CAP_NET_ADMIN と CAP_SYS_ADMIN が必要です。")

// netOf is the session's network: the names of its bridge, veth pair and
// named namespace, and the operations that make and remove them.
func netOf(e *Env) *netlab.Net { return netlab.New(e.S) }

// ns0Path is the session's ns0, which the shell key enters from the steps
// that made or use it.
func ns0Path(e *Env) string { return netOf(e).NSPath }

// netnsDirMadeKey is set when the netns step had to make /run/netns
// itself, so that the cleanup step removes it again.
var netnsDirMadeKey = newKey[bool]("network/netns-dir-made")

// hostLinkCheck checks one of the session's links (link picks its name) as
// RTM_GETLINK reports it in the host's namespace.
func hostLinkCheck(name Text, link func(*netlab.Net) string, probe func(e *Env, n *netlab.Net, l netlab.LinkInfo) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		n := netOf(e)
		l, ok, err := netlab.HostLink(link(n))
		if err != nil {
			return false, errText(err)
		}
		if !ok {
			return false, Tf("RTM_GETLINK %s: no such device", "RTM_GETLINK %s: そのデバイスはありません", link(n))
		}
		return probe(e, n, l)
	}}
}

// insideCheck checks the session's named namespace as a thread inside it
// reads it: links, routes, /proc/net/snmp and ip_forward.
func insideCheck(name Text, probe func(e *Env, n *netlab.Net, in netlab.InsideState) (bool, Text)) Check {
	return Check{Name: name, Probe: func(e *Env) (bool, Text) {
		n := netOf(e)
		in, err := netlab.ReadInside(n.NSPath)
		if err != nil {
			return false, errText(err)
		}
		return probe(e, n, in)
	}}
}
