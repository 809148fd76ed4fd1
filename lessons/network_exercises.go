package lessons

// The network lesson's exercises: the learner wires network namespaces by
// hand with ip(8). nakami finds every network namespace held by a mount or
// a process, reads each one's links from a thread that joined it, matches
// veth ends across namespaces by ifindex and link-netnsid, and, only when
// everything else is in place, sends one echo request to a 192.168.77.x
// address from inside the learner's namespace (guarded by netlab.GuardIP).

import (
	"net"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/netlab"
)

// netExercises follow the lesson's steps, in this order.
var netExercises = []*Exercise{nsPingExercise, vethPairExercise}

// How far the network checks look, and how long one echo may take.
const (
	netScanProcs = 4096
	netScanMax   = 32
	echoWait     = 300 * time.Millisecond
)

var netWhy = T("reading the links inside another network namespace means joining it, which needs CAP_SYS_ADMIN.",
	"ほかのネットワーク名前空間のリンクを読むにはそこへ参加する必要があり、CAP_SYS_ADMIN が要ります。")

// netsSeen is every network namespace that counts, with what a thread
// inside each sees.
type netsSeen struct {
	host    netlab.Netns
	hostV   netlab.NetnsView
	nss     []netlab.Netns // the learner's: not the host's, not nakami's
	views   map[uint64]netlab.NetnsView
	notes   []Text // nakami's namespaces, and ones that could not be read
	trimmed bool
}

// lookAtNets finds the learner's network namespaces and reads them.
func lookAtNets(l *Look) (*netsSeen, error) {
	host, err := netlab.SelfNetns()
	if err != nil {
		return nil, err
	}
	all, trimmed, err := netlab.NetNamespaces(netScanProcs)
	if err != nil {
		return nil, err
	}
	s := &netsSeen{host: host, views: map[uint64]netlab.NetnsView{}, trimmed: trimmed}
	for _, n := range all {
		if n.Inode == host.Inode {
			continue
		}
		if nakamisNetns(l, n) {
			s.notes = append(s.notes, Tf("%s was made by nakami, which does not count", "%s は nakami が作ったもので、数えません", n))
			continue
		}
		if len(s.nss) == netScanMax {
			s.trimmed = true
			break
		}
		s.nss = append(s.nss, n)
	}
	others := append([]netlab.Netns{s.host}, s.nss...)
	if s.hostV, err = netlab.ViewNetns("", others); err != nil {
		return nil, err
	}
	for _, n := range s.nss {
		v, err := netlab.ViewNetns(n.Path(), others)
		if err != nil {
			s.notes = append(s.notes, errText(err))
			continue
		}
		s.views[n.Inode] = v
	}
	return s, nil
}

// nakamisNetns: a namespace nakami journaled, or one a process of nakami's
// is in.
func nakamisNetns(l *Look, n netlab.Netns) bool {
	for _, m := range n.Mounts {
		if l.Ours(engine.KindNetns, m) || l.Ours(engine.KindMount, m) {
			return true
		}
	}
	for _, pid := range n.PIDs {
		if l.OursPID(pid) {
			return true
		}
	}
	return false
}

// peerIn finds the veth in v whose peer is veth x of a namespace that v
// calls by id (x.Netnsid).
func peerIn(v netlab.NetnsView, x netlab.LinkInfo, id int, known bool) (netlab.LinkInfo, bool) {
	if !known || x.Type != "veth" || x.Netnsid != id {
		return netlab.LinkInfo{}, false
	}
	for _, y := range v.Links {
		if y.Type == "veth" && y.Index == x.Peer && y.Peer == x.Index && y.Netnsid >= 0 {
			return y, true
		}
	}
	return netlab.LinkInfo{}, false
}

// labAddr is a link's first 192.168.77.x/24 address.
func labAddr(li netlab.LinkInfo) net.IP {
	for _, a := range li.Addrs {
		if n, err := netlab.GuardCIDR(a); err == nil {
			return n.IP
		}
	}
	return nil
}

func addrList(li netlab.LinkInfo) string {
	if len(li.Addrs) == 0 {
		return "none"
	}
	return strings.Join(li.Addrs, ", ")
}

func linkAt(ls []netlab.LinkInfo, index int) (netlab.LinkInfo, bool) {
	for _, l := range ls {
		if l.Index == index {
			return l, true
		}
	}
	return netlab.LinkInfo{}, false
}

// downOnes names the links that are not up (IFF_UP).
func downOnes(ls ...netlab.LinkInfo) []string {
	var out []string
	for _, l := range ls {
		if !l.Up {
			out = append(out, l.Name)
		}
	}
	return out
}

// nothingYet is a failure that lists what was seen, after a lead sentence.
func (s *netsSeen) nothingYet(lead Text, seen []Text) Text {
	seen = append(seen, s.notes...)
	if s.trimmed {
		seen = append(seen, Tf("only the first %d processes and %d namespaces were looked at", "見たのは最初の %d プロセスと %d 個の名前空間だけです", netScanProcs, netScanMax))
	}
	if len(seen) == 0 {
		return lead
	}
	list := joinTexts(seen, "; ")
	return Text{EN: lead.EN + ": " + list.EN, JA: lead.JA + ": " + list.JA}
}

var nsPingExercise = &Exercise{
	ID:       "ns-ping",
	Requires: NeedsRoot,
	Why:      netWhy,
	Check: func(l *Look) (bool, Text) {
		s, err := lookAtNets(l)
		if err != nil {
			return false, errText(err)
		}
		var seen []Text
		for _, n := range s.nss {
			v := s.views[n.Inode]
			hostID, known := v.IDs[s.host.Inode] // what n calls the host
			nID, knownN := s.hostV.IDs[n.Inode]  // what the host calls n
			for _, in := range v.Links {
				h, ok := peerIn(s.hostV, in, hostID, known)
				if !ok || !knownN || h.Netnsid != nID {
					continue
				}
				done, t := bridgedPing(l, n, in, h, s.hostV.Links)
				if done {
					return true, t
				}
				seen = append(seen, t)
			}
		}
		lead := Tf("no network namespace of yours has a veth whose peer on the host is on a bridge with a 192.168.77.x/24 address and answers a ping (%d namespaces besides the host's looked at)",
			"192.168.77.x/24 のアドレスを持つブリッジに相手側がつながった veth を持ち、ping に応答が返るネットワーク名前空間はまだありません(ホスト以外に %d 個の名前空間を見ました)", len(s.nss))
		return false, s.nothingYet(lead, seen)
	},
}

// bridgedPing checks one namespace's veth in whose peer h is on the host.
func bridgedPing(l *Look, n netlab.Netns, in, h netlab.LinkInfo, host []netlab.LinkInfo) (bool, Text) {
	where := Tf("%s in %s, whose peer on the host is %s", "%s(%s 内。ホスト側の相手は %s)", in.Name, n, h.Name)
	says := func(en, ja string, args ...any) (bool, Text) {
		d := Tf(en, ja, args...)
		return false, Text{EN: where.EN + ": " + d.EN, JA: where.JA + ": " + d.JA}
	}
	if l.OursLink(h.Name) {
		return says("made by nakami, which does not count", "nakami が作ったもので、数えません")
	}
	if h.Master == 0 {
		return says("%s is not enslaved to a bridge (no master)", "%s はブリッジにつながっていません(master がない)", h.Name)
	}
	br, ok := linkAt(host, h.Master)
	if !ok || br.Type != "bridge" {
		return says("%s's master (ifindex %d) is a %q link, not a bridge", "%s の master(ifindex %d)は %q で、ブリッジではありません", h.Name, h.Master, br.Type)
	}
	if l.OursLink(br.Name) {
		return says("its bridge %s was made by nakami, which does not count", "ブリッジ %s は nakami が作ったもので、数えません", br.Name)
	}
	bip := labAddr(br)
	if bip == nil {
		return says("bridge %s has no 192.168.77.x/24 address (it has: %s)", "ブリッジ %s に 192.168.77.x/24 のアドレスがありません(あるのは: %s)", br.Name, addrList(br))
	}
	if down := downOnes(br, h, in); len(down) > 0 {
		return says("bridge %s holds %s, but %s is down", "ブリッジ %s は %s を持っていますが、%s が down です", br.Name, bip, strings.Join(down, ", "))
	}
	inIP := labAddr(in)
	if inIP == nil {
		return says("bridge %s holds %s, but %s has no 192.168.77.x/24 address (it has: %s)", "ブリッジ %s は %s を持っていますが、%s に 192.168.77.x/24 のアドレスがありません(あるのは: %s)",
			br.Name, bip, in.Name, addrList(in))
	}
	answered, err := netlab.EchoFrom(n.Path(), bip, echoWait)
	if err != nil {
		return says("%v", "%v", err)
	}
	if !answered {
		return says("bridge %s holds %s and everything is up, but an echo request from inside to %s got no answer within %v",
			"ブリッジ %s は %s を持ち、すべて up ですが、内側から %s へのエコー要求に %v 以内の応答がありません", br.Name, bip, bip, echoWait)
	}
	return true, Tf("%s (%s) in %s is a veth whose peer %s is on bridge %s (%s), all up, and an echo request from inside to %s was answered",
		"%s(%s、%s 内)は veth で、相手側 %s はブリッジ %s(%s)につながり、すべて up で、内側から %s へのエコー要求に応答がありました",
		in.Name, inIP, n, h.Name, br.Name, bip, bip)
}
