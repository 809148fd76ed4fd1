package lessons

// network/veth-pair: two network namespaces of the learner's joined
// directly by one veth pair, no bridge, no host in between: both ends up,
// each with a 192.168.77.x/24 address, and each address answering an echo
// request sent from the other namespace.

import (
	"net"
	"strings"

	"nakami/engine/netlab"
)

var vethPairExercise = &Exercise{
	ID:       "veth-pair",
	Requires: NeedsRoot,
	Why:      netWhy,
	Check: func(l *Look) (bool, Text) {
		s, err := lookAtNets(l)
		if err != nil {
			return false, errText(err)
		}
		var seen []Text
		done := map[[2]uint64]bool{}
		for _, a := range s.nss {
			va := s.views[a.Inode]
			for _, x := range va.Links {
				if x.Type != "veth" || x.Netnsid < 0 {
					continue
				}
				if id, ok := va.IDs[s.host.Inode]; ok && id == x.Netnsid {
					if _, ok := peerIn(s.hostV, x, id, true); ok {
						seen = append(seen, Tf("%s in %s leads to the host, not to another namespace of yours", "%s(%s 内)の相手はホストにあり、あなたの別の名前空間ではありません", x.Name, a))
						continue
					}
				}
				b, y, ok := pairEnd(s, a, x)
				if !ok || done[[2]uint64{b.Inode, a.Inode}] {
					continue
				}
				done[[2]uint64{a.Inode, b.Inode}] = true
				ok, t := pairAnswers(a, x, b, y)
				if ok {
					return true, t
				}
				seen = append(seen, t)
			}
		}
		lead := Tf("no two network namespaces of yours are joined by a veth pair whose ends are up, hold 192.168.77.x/24 addresses and answer each other's ping (%d namespaces besides the host's looked at)",
			"両端が up で 192.168.77.x/24 のアドレスを持ち、互いの ping に応答する veth ペアで結ばれた、あなたのネットワーク名前空間の組はまだありません(ホスト以外に %d 個の名前空間を見ました)", len(s.nss))
		return false, s.nothingYet(lead, seen)
	},
}

// pairEnd finds the other end of veth x of namespace a among the learner's
// other namespaces.
func pairEnd(s *netsSeen, a netlab.Netns, x netlab.LinkInfo) (netlab.Netns, netlab.LinkInfo, bool) {
	va := s.views[a.Inode]
	for _, b := range s.nss {
		if b.Inode == a.Inode {
			continue
		}
		id, known := va.IDs[b.Inode]
		vb, read := s.views[b.Inode]
		if !read {
			continue
		}
		if y, ok := peerIn(vb, x, id, known); ok {
			return b, y, true
		}
	}
	return netlab.Netns{}, netlab.LinkInfo{}, false
}

// pairAnswers checks one veth pair: x in a, y in b.
func pairAnswers(a netlab.Netns, x netlab.LinkInfo, b netlab.Netns, y netlab.LinkInfo) (bool, Text) {
	where := Tf("%s in %s and %s in %s", "%s(%s 内)と %s(%s 内)", x.Name, a, y.Name, b)
	says := func(en, ja string, args ...any) (bool, Text) {
		d := Tf(en, ja, args...)
		return false, Text{EN: where.EN + " are one veth pair, but " + d.EN, JA: where.JA + "は一組の veth ペアですが、" + d.JA}
	}
	if down := downOnes(x, y); len(down) > 0 {
		return says("%s is down", "%s が down です", strings.Join(down, " and "))
	}
	ax, ay := labAddr(x), labAddr(y)
	for _, e := range []struct {
		li netlab.LinkInfo
		ip net.IP
	}{{x, ax}, {y, ay}} {
		if e.ip == nil {
			return says("%s has no 192.168.77.x/24 address (it has: %s)", "%s に 192.168.77.x/24 のアドレスがありません(あるのは: %s)", e.li.Name, addrList(e.li))
		}
	}
	if ax.Equal(ay) {
		return says("both ends hold the same address %s", "両端が同じアドレス %s を持っています", ax)
	}
	for _, p := range []struct {
		from netlab.Netns
		to   net.IP
	}{{a, ay}, {b, ax}} {
		answered, err := netlab.EchoFrom(p.from.Path(), p.to, echoWait)
		if err != nil {
			return says("%v", "%v", err)
		}
		if !answered {
			return says("an echo request from %s to %v got no answer within %v", "%s から %v へのエコー要求に %v 以内の応答がありません", p.from, p.to, echoWait)
		}
	}
	return true, Tf("%s (%s) in %s and %s (%s) in %s are one veth pair, both up, and each address answered an echo request from the other namespace",
		"%s(%s、%s 内)と %s(%s、%s 内)は一組の veth ペアで、両端とも up、どちらのアドレスも相手の名前空間からのエコー要求に応答しました",
		x.Name, ax, a, y.Name, ay, b)
}
