package netlab

// When a ping fails, what the kernel shows on each side: in the host's
// namespace the bridge (state, addresses) and the links enslaved to it; in
// the named namespace every link and the routes. Read back, never recalled.
//
// Syscalls: netlink RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE dumps, on the
// host and from a thread inside the namespace (setns(2) CLONE_NEWNET).
// Man pages: rtnetlink(7), ip-link(8), bridge(8).

import (
	"fmt"
	"strings"
)

// Diagnose describes both sides of the lab's link in one sentence.
func (n *Net) Diagnose() string {
	return "host: " + n.hostSide() + "; inside " + n.NS + ": " + n.insideSide()
}

func (n *Net) hostSide() string {
	br, ok, err := HostLink(n.Bridge)
	if err != nil {
		return "cannot read " + n.Bridge + ": " + err.Error()
	}
	if !ok {
		return "there is no link " + n.Bridge
	}
	ls, err := ListLinks()
	if err != nil {
		return describe(br) + ", ports unreadable: " + err.Error()
	}
	var ports []string
	for _, l := range ls {
		if l.Master == br.Index {
			ports = append(ports, describe(l))
		}
	}
	if len(ports) == 0 {
		return describe(br) + " with no ports"
	}
	return describe(br) + " with ports " + strings.Join(ports, ", ")
}

func (n *Net) insideSide() string {
	in, err := ReadInside(n.NSPath)
	if err != nil {
		return "cannot read it: " + err.Error()
	}
	var ls, rs []string
	for _, l := range in.Links {
		ls = append(ls, describe(l))
	}
	for _, r := range in.Routes {
		s := r.Dst
		if r.Gw != "" {
			s += " via " + r.Gw
		}
		rs = append(rs, s+" dev "+r.Dev)
	}
	if len(rs) == 0 {
		rs = []string{"none"}
	}
	return fmt.Sprintf("links %s; routes %s", strings.Join(ls, ", "), strings.Join(rs, ", "))
}

// describe renders a link as ip -br would: name, type, UP or DOWN, addresses.
func describe(l LinkInfo) string {
	state := "DOWN"
	if l.Up {
		state = "UP"
	}
	s := fmt.Sprintf("%s (%s) %s", l.Name, l.Type, state)
	if len(l.Addrs) > 0 {
		s += " " + strings.Join(l.Addrs, " ")
	} else {
		s += " no address"
	}
	return s
}
