package netlab

// The network lesson's pure parts: the one subnet nakami may use, the names
// of its links and namespaces, and parsers for /proc/net/snmp. The kernel
// calls are in net_linux.go, netns_linux.go, links_linux.go and
// echo_linux.go.
//
// Man pages: ip-address(8), ip-link(8), ip-netns(8), proc(5) (/proc/net/snmp).

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Subnet is the only IPv4 network nakami assigns, routes to or pings:
// the article's 192.168.77.0/24.
const Subnet = "192.168.77.0/24"

// The article's addresses: the bridge and the namespace's eth0.
const (
	BridgeAddr = "192.168.77.1/24"
	NSAddr     = "192.168.77.2/24"
	Gateway    = "192.168.77.1"
)

var labNet = func() *net.IPNet { _, n, _ := net.ParseCIDR(Subnet); return n }()

// GuardIP refuses any address outside 192.168.77.0/24, as well as the
// subnet's network and broadcast addresses. Every address nakami assigns,
// every gateway it routes through and every ping target passes here.
func GuardIP(ip net.IP) error {
	v4 := ip.To4()
	if v4 == nil || !labNet.Contains(v4) {
		return fmt.Errorf("refusing %v: nakami only uses addresses in %s", ip, Subnet)
	}
	if v4[3] == 0 || v4[3] == 255 {
		return fmt.Errorf("refusing %v: it is the network or broadcast address of %s", ip, Subnet)
	}
	return nil
}

// GuardCIDR parses "a.b.c.d/24" and refuses anything but a host address of
// 192.168.77.0/24 with the /24 mask.
func GuardCIDR(s string) (*net.IPNet, error) {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("refusing %q: it is not an address with a prefix length", s)
	}
	if err := GuardIP(ip); err != nil {
		return nil, err
	}
	if ones, bits := n.Mask.Size(); ones != 24 || bits != 32 {
		return nil, fmt.Errorf("refusing %s: nakami only assigns /24 addresses of %s", s, Subnet)
	}
	return &net.IPNet{IP: ip.To4(), Mask: n.Mask}, nil
}

// Names are the names of one session's network objects. Link names are
// limited to 15 characters (IFNAMSIZ-1), so they carry the session as
// "nk<8 hex digits>" followed by the article's name: nk1a2b3c4dbr0.
type Names struct {
	Bridge string // the article's br0
	Veth   string // the article's veth0, the end that stays on the bridge
	Peer   string // the article's veth0_peer, moved into the namespace
	NS     string // the article's ns0: nakami-<session>-ns0
	NSPath string // /run/netns/nakami-<session>-ns0
	Inner  string // the peer's name inside the namespace: eth0
}

// NetnsDir is where ip-netns(8) keeps named network namespaces.
const NetnsDir = "/run/netns"

// NamesFor returns the names of session id's network objects.
func NamesFor(id string) Names {
	p := LinkPrefix(id)
	ns := "nakami-" + id + "-ns0"
	return Names{Bridge: p + "br0", Veth: p + "veth0", Peer: p + "peer0",
		NS: ns, NSPath: NetnsDir + "/" + ns, Inner: "eth0"}
}

// LinkPrefix is how every link name of session id starts.
func LinkPrefix(id string) string { return "nk" + id }

// GuardLinkName refuses a link name that does not belong to session id or
// does not fit in IFNAMSIZ.
func GuardLinkName(id, name string) error {
	if len(id) == 0 || !strings.HasPrefix(name, LinkPrefix(id)) {
		return fmt.Errorf("refusing link %q: it does not start with %s", name, LinkPrefix(id))
	}
	if len(name) > 15 {
		return fmt.Errorf("refusing link %q: names are at most 15 characters", name)
	}
	return nil
}

// SNMP is /proc/net/snmp: for each protocol ("Ip", "Icmp", …), its counters.
type SNMP map[string]map[string]int64

// ParseSNMP reads /proc/net/snmp, where each protocol has a line of names
// followed by a line of values, both starting with "Proto:".
func ParseSNMP(text string) (SNMP, error) {
	out := SNMP{}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		p1, names, ok1 := strings.Cut(lines[i], ":")
		p2, values, ok2 := strings.Cut(lines[i+1], ":")
		n, v := strings.Fields(names), strings.Fields(values)
		if !ok1 || !ok2 || p1 != p2 || len(n) != len(v) {
			return nil, fmt.Errorf("/proc/net/snmp line %d does not pair names with values", i+1)
		}
		m := map[string]int64{}
		for j := range n {
			x, err := strconv.ParseInt(v[j], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("/proc/net/snmp: %s %s is %q, not a number", p1, n[j], v[j])
			}
			m[n[j]] = x
		}
		out[p1] = m
	}
	if len(out) == 0 || out["Icmp"] == nil {
		return nil, fmt.Errorf("/proc/net/snmp has no Icmp counters")
	}
	return out, nil
}

// EchoReport is what one ping from inside a namespace saw.
type EchoReport struct {
	Target   string    `json:"target"`
	Sent     int       `json:"sent"`
	Received int       `json:"received"`
	RTTms    []float64 `json:"rtt_ms"`
}

// Summary reads like the last lines of ping(8).
func (r EchoReport) Summary() string {
	s := fmt.Sprintf("%d packets transmitted, %d received", r.Sent, r.Received)
	if len(r.RTTms) > 0 {
		lo, hi, sum := r.RTTms[0], r.RTTms[0], 0.0
		for _, x := range r.RTTms {
			lo, hi, sum = min(lo, x), max(hi, x), sum+x
		}
		s += fmt.Sprintf(", rtt min/avg/max = %.3f/%.3f/%.3f ms", lo, sum/float64(len(r.RTTms)), hi)
	}
	return s
}
