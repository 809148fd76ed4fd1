package netlab

// What stands in the network lesson's way before it creates anything: an
// address or a route in 192.168.77.0/24 on any interface of the host's
// namespace (the learner's own br0, or a link of another nakami session),
// and the bridge of another nakami session, running or dead. Each conflict
// is one sentence naming its holder and how to free it.
//
// Syscalls: netlink RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE dumps; the
// journals (engine.Sessions). Man pages: rtnetlink(7), ip-address(8).

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"

	"nakami/engine"

	"github.com/vishvananda/netlink"
)

// Conflict is one name or address the lesson needs that something holds.
type Conflict struct {
	Holder   string `json:"holder"`            // the link
	Address  string `json:"address,omitempty"` // what it holds in the subnet
	Session  string `json:"session,omitempty"` // the nakami session it belongs to
	Alive    bool   `json:"alive,omitempty"`   // that session still runs
	Sentence string `json:"sentence"`
}

var sessionLink = regexp.MustCompile(`^nk([0-9a-f]{8})`)

// Conflicts lists what holds the lesson's subnet or is another session's
// bridge; own is this session's id ("" before one exists), whose links
// never conflict.
func Conflicts(own string) ([]Conflict, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("cannot list the host's links: %w", err)
	}
	sessions := map[string]engine.SessionState{}
	for _, s := range engine.Sessions(engine.JournalDir()) {
		sessions[s.Session] = s
	}
	var out []Conflict
	reported := map[int]bool{}
	for _, l := range links {
		a := l.Attrs()
		sess := ""
		if m := sessionLink.FindStringSubmatch(a.Name); m != nil {
			sess = m[1]
		}
		if sess != "" && sess == own {
			continue
		}
		addrs, _ := netlink.AddrList(l, netlink.FAMILY_V4)
		held := ""
		for _, ad := range addrs {
			if ad.IPNet != nil && overlaps(ad.IPNet) {
				held = ad.IPNet.String()
				break
			}
		}
		if held == "" && !(sess != "" && l.Type() == "bridge") {
			continue
		}
		reported[a.Index] = true
		out = append(out, conflict(a.Name, held, sess, sessions))
	}
	routes, _ := netlink.RouteList(nil, netlink.FAMILY_V4)
	for _, r := range routes {
		if r.Dst == nil || !overlaps(r.Dst) || reported[r.LinkIndex] {
			continue
		}
		name := fmt.Sprintf("ifindex %d", r.LinkIndex)
		if l, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
			name = l.Attrs().Name
		}
		reported[r.LinkIndex] = true
		out = append(out, Conflict{Holder: name, Address: r.Dst.String(), Sentence: fmt.Sprintf(
			"a route to %s already goes through %s, which nakami did not create: the network lesson needs %s to itself; remove it with ip route del %s",
			r.Dst, name, Subnet, r.Dst)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Holder < out[j].Holder })
	return out, nil
}

// overlaps: an address in the subnet, or a route to it or to part of it.
// A wider route (the default, a /16) does not: the lesson's /24 is more
// specific and wins.
func overlaps(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return labNet.Contains(n.IP) && ones >= 24
}

func conflict(link, addr, sess string, sessions map[string]engine.SessionState) Conflict {
	c := Conflict{Holder: link, Address: addr, Session: sess}
	holds := "is another nakami session's bridge"
	if addr != "" {
		holds = "already holds " + addr
	}
	s, journaled := sessions[sess]
	switch {
	case sess == "":
		c.Sentence = fmt.Sprintf("%s %s, and nakami did not create it: the network lesson needs %s to itself; free it with ip addr del %s dev %s",
			link, holds, Subnet, addr, link)
	case journaled && s.Alive:
		c.Alive = true
		c.Sentence = fmt.Sprintf("%s %s: it belongs to nakami session %s (PID %d), which is still running; let that session finish first",
			link, holds, sess, s.PID)
	case journaled:
		c.Sentence = fmt.Sprintf("%s %s: it was left by nakami session %s (PID %d), which is no longer running; nakami cleanup removes it",
			link, holds, sess, s.PID)
	default:
		c.Sentence = fmt.Sprintf("%s %s: it is named like nakami session %s's, but no journal names it, so nakami cleanup will not touch it; remove it with ip link del %s",
			link, holds, sess, link)
	}
	return c
}

// ConflictError refuses to start: every conflict, one sentence each.
type ConflictError []Conflict

func (c ConflictError) Error() string {
	var ss []string
	for _, x := range c {
		ss = append(ss, x.Sentence)
	}
	return strings.Join(ss, "; ")
}

// CheckFree returns a ConflictError when anything holds what the lesson
// needs; own is this session's id, or "" before one exists.
func CheckFree(own string) error {
	cs, err := Conflicts(own)
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		return ConflictError(cs)
	}
	return nil
}
