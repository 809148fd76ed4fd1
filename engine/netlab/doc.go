// Package netlab builds the network lesson's private network and the small
// network programs nakami carries: the address guard (only
// 192.168.77.0/24, only links named nk<session>…), a bridge, a named
// network namespace and a veth pair over netlink, ICMP echo from inside
// the namespace, nakami's own ping (a raw socket, for the capabilities
// lesson), and a tiny HTTP server and client for the overlay lesson's
// container.
//
//	host (root network namespace)              nakami-<id>-ns0 (/run/netns/…)
//	┌───────────────────────────────┐         ┌───────────────────────────┐
//	│ nk<id>br0   192.168.77.1/24   │         │ eth0 (was nk<id>peer0)    │
//	│   └─ nk<id>veth0 ═════════════╪═ veth ══╪═ 192.168.77.2/24          │
//	└───────────────────────────────┘         │ default via 192.168.77.1  │
//	                                          │ lo                        │
//	                                          └───────────────────────────┘
//
// Traffic stays between nakami's own namespaces: no route or NAT rule ever
// sends packets off the host, and every address passes GuardIP/GuardCIDR
// before it is used. Every link and namespace is journaled before it
// exists.
//
// The message formats and /proc/net parsers (net.go, ping.go) are pure and
// build and test on any OS.
//
// Syscalls: netlink RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_NEWROUTE,
// RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE; unshare(2) CLONE_NEWNET, setns(2),
// mount(2) MS_BIND, umount2(2); socket(2) (AF_INET SOCK_RAW IPPROTO_ICMP,
// SOCK_STREAM), sendto(2), recvfrom(2), setsockopt(2), ioctl(2)
// SIOCSIFFLAGS, bind(2), listen(2), connect(2).
// Man pages: rtnetlink(7), ip-link(8), ip-address(8), ip-route(8),
// ip-netns(8), veth(4), network_namespaces(7), raw(7), icmp(7), tcp(7).
package netlab
