package lessons

// network/ping, network/nat and network/cleanup (rows 42–44 of the article
// map): ns0 pings the bridge's address and both kernels count it; ip_forward
// is turned on inside ns0 only (the MASQUERADE rule is shown, never
// applied); deleting the namespace takes the veth pair with it, and the
// bridge goes.

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/netlab"
)

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

// pingCount is the ping step's count parameter (already validated).
func pingCount(e *Env) int {
	n, _ := strconv.Atoi(e.Param(stepOf("network", "ping"), "count"))
	return n
}

// icmpCounts are two of the host's Icmp counters in /proc/net/snmp.
type icmpCounts struct{ InEchos, OutEchoReps int64 }

// pingBeforeKey holds the host's counters as they were before the ping.
var pingBeforeKey = newKey[icmpCounts]("network/icmp-before")

// hostForwardKey holds the host's ip_forward (the file's text, "0" or "1")
// as it was before the nat step turned forwarding on inside ns0.
var hostForwardKey = newKey[string]("network/host-ip-forward")

var netPingStep = &Step{
	ID:       "ping",
	Live:     Live{Netns: ns0Path},
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
		pingBeforeKey.Set(e, icmpCounts{InEchos: host["Icmp"]["InEchos"], OutEchoReps: host["Icmp"]["OutEchoReps"]})
		_, err = netOf(e).PingInside(netlab.Gateway, pingCount(e))
		return err
	},
	Checks: []Check{
		insideCheck(T("inside ns0 the kernel counted the echo requests sent and the replies received", "ns0 の中でカーネルが送ったエコー要求と受けた応答を数えている"),
			func(e *Env, n *netlab.Net, in netlab.InsideState) (bool, Text) {
				count := pingCount(e)
				out, rep := in.SNMP["Icmp"]["OutEchos"], in.SNMP["Icmp"]["InEchoReps"]
				if out < int64(count) || rep < int64(count) {
					return false, Tf("/proc/net/snmp inside %s: Icmp OutEchos %d, InEchoReps %d", "%s の中の /proc/net/snmp: Icmp OutEchos %d、InEchoReps %d", n.NS, out, rep)
				}
				return true, Tf("/proc/net/snmp inside %s: Icmp OutEchos %d, InEchoReps %d", "%s の中の /proc/net/snmp: Icmp OutEchos %d、InEchoReps %d", n.NS, out, rep)
			}),
		{
			Name: T("on the host, the kernel answered them: Icmp InEchos and OutEchoReps rose", "ホストではカーネルが応答した: Icmp InEchos と OutEchoReps が増えた"),
			Probe: func(e *Env) (bool, Text) {
				n := netOf(e)
				count := pingCount(e)
				before, ok := pingBeforeKey.Get(e)
				if !ok {
					return false, T("nothing has been pinged yet", "まだ ping していません")
				}
				host, err := netlab.ReadSNMP(os.Getpid())
				if err != nil {
					return false, errText(err)
				}
				din, drep := host["Icmp"]["InEchos"]-before.InEchos, host["Icmp"]["OutEchoReps"]-before.OutEchoReps
				rx, _ := netlab.LinkStat(n.Veth, "rx_packets")
				if din < int64(count) || drep < int64(count) {
					return false, Tf("host /proc/net/snmp: InEchos +%d, OutEchoReps +%d", "ホストの /proc/net/snmp: InEchos +%d、OutEchoReps +%d", din, drep)
				}
				return true, Tf("host /proc/net/snmp: Icmp InEchos +%d, OutEchoReps +%d; %s rx_packets %d",
					"ホストの /proc/net/snmp: Icmp InEchos +%d、OutEchoReps +%d。%s の rx_packets %d", din, drep, n.Veth, rx)
			},
		},
	},
}

var netNatStep = &Step{
	ID:    "nat",
	Live:  Live{Netns: ns0Path},
	After: []string{"configure"},
	Commands: []string{"sysctl -w net.ipv4.ip_forward=1",
		"iptables -t nat -A POSTROUTING -s 192.168.77.0/24 -j MASQUERADE   # the usual NAT rule (the article only says to set up NAT)"},
	Requires: NeedsRoot,
	Why:      netRootWhy,
	Action: func(e *Env) error {
		n := netOf(e)
		host, err := netlab.ReadHostForward()
		if err != nil {
			return err
		}
		hostForwardKey.Set(e, host)
		if err := n.SetForwardInside(); err != nil {
			return err
		}
		e.S.T.Add(engine.Op{
			Call:    "not performed: a MASQUERADE rule in the host's nat table",
			Shell:   "iptables -t nat -A POSTROUTING -s 192.168.77.0/24 -j MASQUERADE",
			Outcome: "skipped", By: "nakami",
			Detail: Text{"in the host's namespace this rule, with ip_forward=1 there, would let 192.168.77.0/24 reach other machines; nakami never sends packets off this host",
				"このルールがホストの名前空間にあって ip_forward=1 なら、192.168.77.0/24 の通信がほかのマシンまで届いてしまう。nakami はこのホストの外へパケットを送らない"}.In(e.Lang),
		})
		return nil
	},
	Checks: []Check{
		insideCheck(T("inside ns0, ip_forward reads 1", "ns0 の中では ip_forward が 1"),
			func(e *Env, n *netlab.Net, in netlab.InsideState) (bool, Text) {
				if in.Fwd != "1" {
					return false, Tf("/proc/sys/net/ipv4/ip_forward inside %s reads %s", "%s の中の /proc/sys/net/ipv4/ip_forward は %s", n.NS, in.Fwd)
				}
				return true, Tf("/proc/sys/net/ipv4/ip_forward inside %s reads 1", "%s の中の /proc/sys/net/ipv4/ip_forward は 1", n.NS)
			}),
		{
			Name: T("the switch is per namespace: ip_forward reads 1 inside ns0, and the host's reads what it read before the write",
				"スイッチは名前空間ごと: ns0 の中では ip_forward が 1 と読め、ホストでは書き込み前と同じ値が読める"),
			Probe: func(e *Env) (bool, Text) {
				n := netOf(e)
				before, ok := hostForwardKey.Get(e)
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
}

var netCleanupStep = &Step{
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
		if netnsDirMadeKey.Value(e) {
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
}
