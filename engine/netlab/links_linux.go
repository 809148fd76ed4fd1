package netlab

// Reading the lab's network back from the kernel: links (type, state,
// master, veth peer and the namespace it lives in, addresses) on the host,
// in a process's namespace or inside the named namespace, its IPv4 routes,
// and the counters in /proc/PID/net/snmp and /sys/class/net/NAME/statistics.
//
// Syscalls: netlink RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE; setns(2)
// CLONE_NEWNET (ReadInside, LinksOf); stat(2) of /proc/thread-self/ns/net;
// reads of /proc/PID/net/snmp, /proc/sys/net/ipv4/ip_forward and sysfs.
// Man pages: rtnetlink(7), ip-link(8), ip-route(8), proc(5), sysfs(5).

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"

	"nakami/engine/procfs"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// LinkInfo is what the kernel says about one link.
type LinkInfo struct {
	Name    string   `json:"name"`
	Index   int      `json:"index"`
	Type    string   `json:"type"`
	Up      bool     `json:"up"` // IFF_UP
	Master  int      `json:"master,omitempty"`
	Peer    int      `json:"peer,omitempty"` // a veth's peer ifindex (IFLA_LINK)
	Addrs   []string `json:"addrs,omitempty"`
	Netnsid int      `json:"netnsid"` // where the peer lives (-1: same namespace)
}

func linkInfo(l netlink.Link) LinkInfo {
	a := l.Attrs()
	li := LinkInfo{Name: a.Name, Index: a.Index, Type: l.Type(), Up: a.Flags&net.FlagUp != 0,
		Master: a.MasterIndex, Peer: a.ParentIndex, Netnsid: a.NetNsID}
	if addrs, err := netlink.AddrList(l, netlink.FAMILY_V4); err == nil {
		for _, ad := range addrs {
			li.Addrs = append(li.Addrs, ad.IPNet.String())
		}
	}
	return li
}

// ListLinks lists the links of the calling thread's network namespace
// (RTM_GETLINK dump).
func ListLinks() ([]LinkInfo, error) {
	ls, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	out := make([]LinkInfo, 0, len(ls))
	for _, l := range ls {
		out = append(out, linkInfo(l))
	}
	return out, nil
}

// LinksOf lists the links of pid's network namespace, from a thread that
// joined it (root only).
func LinksOf(pid int) (ls []LinkInfo, err error) {
	err = joinNet(procfs.Path(pid, "ns/net"), func() error { ls, err = ListLinks(); return err })
	return ls, err
}

// HostLink reads one link of the host's namespace; ok is false when none
// has that name.
func HostLink(name string) (LinkInfo, bool, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return LinkInfo{}, false, nil
		}
		return LinkInfo{}, false, err
	}
	return linkInfo(l), true, nil
}

// HostLinksWithPrefix lists the host's links whose names start with p.
func HostLinksWithPrefix(p string) ([]string, error) {
	ls, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range ls {
		if strings.HasPrefix(l.Attrs().Name, p) {
			out = append(out, l.Attrs().Name)
		}
	}
	return out, nil
}

// Route is one IPv4 route of a namespace's main table.
type Route struct {
	Dst string `json:"dst"` // "default" or a prefix
	Gw  string `json:"gw,omitempty"`
	Dev string `json:"dev"`
}

// InsideState is the namespace's network as read from inside it.
type InsideState struct {
	Links  []LinkInfo `json:"links"`
	Routes []Route    `json:"routes"`
	SNMP   SNMP       `json:"-"`
	Inode  uint64     `json:"inode"`
	Fwd    string     `json:"ip_forward"`
}

// ReadInside reads links, routes, /proc/thread-self/net/snmp and
// ip_forward from a thread inside the namespace at path.
func ReadInside(path string) (InsideState, error) {
	var st InsideState
	err := joinNet(path, func() error {
		var err error
		if st.Links, err = ListLinks(); err != nil {
			return err
		}
		names := map[int]string{}
		for _, l := range st.Links {
			names[l.Index] = l.Name
		}
		rs, err := netlink.RouteList(nil, netlink.FAMILY_V4)
		if err != nil {
			return err
		}
		for _, r := range rs {
			x := Route{Dst: "default", Dev: names[r.LinkIndex]}
			if r.Dst != nil && r.Dst.String() != "0.0.0.0/0" {
				x.Dst = r.Dst.String()
			}
			if r.Gw != nil {
				x.Gw = r.Gw.String()
			}
			st.Routes = append(st.Routes, x)
		}
		b, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		if st.SNMP, err = ParseSNMP(string(b)); err != nil {
			return err
		}
		var s unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &s); err != nil {
			return err
		}
		st.Inode = s.Ino
		fwd, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
		st.Fwd = strings.TrimSpace(string(fwd))
		return err
	})
	return st, err
}

// ReadSNMP reads /proc/PID/net/snmp: the counters of pid's namespace.
func ReadSNMP(pid int) (SNMP, error) {
	b, err := os.ReadFile(procfs.Path(pid, "net/snmp"))
	if err != nil {
		return nil, procfs.Explain(pid, err)
	}
	return ParseSNMP(string(b))
}

// LinkStat reads /sys/class/net/NAME/statistics/WHAT of a host link.
func LinkStat(name, what string) (int64, error) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/statistics/" + what)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
