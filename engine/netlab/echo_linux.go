package netlab

// Ping from inside a network namespace: `ip netns exec ns0 ping -c 3
// 192.168.77.1`, done by a thread that joined the namespace and opened a
// raw ICMP socket there (a socket belongs to the namespace it was created
// in). The target must pass GuardIP, so this only ever talks to
// 192.168.77.0/24. The message format is ping.go's (EchoRequest,
// ParseEchoReply).
//
// Syscalls: setns(2) CLONE_NEWNET, socket(2) AF_INET/SOCK_RAW/IPPROTO_ICMP,
// sendto(2), recvfrom(2), setsockopt(2) SO_RCVTIMEO.
// Man pages: raw(7), icmp(7), ping(8), ip-netns(8).

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"nakami/engine"

	"golang.org/x/sys/unix"
)

// PingInside sends count echo requests (at most 10) to target from inside
// the session's namespace and counts the replies.
func (n *Net) PingInside(target string, count int) (EchoReport, error) {
	r := EchoReport{Target: target}
	ip := net.ParseIP(target)
	if err := GuardIP(ip); err != nil {
		return r, err
	}
	if count < 1 || count > 10 {
		return r, fmt.Errorf("ping count %d is not 1 to 10", count)
	}
	var dst [4]byte
	copy(dst[:], ip.To4())
	call := fmt.Sprintf("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) in %s; sendto(%s)/recvfrom ×%d", n.NS, target, count)
	shell := fmt.Sprintf("ip netns exec %s ping -c %d %s", n.NS, count, target)
	if err := n.waitForwarding(); err != nil {
		return r, fmt.Errorf("%w; the kernel shows %s", err, n.Diagnose())
	}
	op, err := engine.Perform(call, shell, func() (string, error) {
		err := n.Inside(func() error { return echo(&r, dst, count) })
		if err == nil && r.Received < r.Sent {
			err = errors.New(r.Summary() + "; the kernel shows " + n.Diagnose()) // diagnose_linux.go
		}
		return r.Summary(), err
	})
	op.By = "nakami"
	n.s.T.Add(op)
	return r, err
}

func echo(r *EchoReport, dst [4]byte, count int) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err != nil {
		return fmt.Errorf("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): %w", err)
	}
	defer unix.Close(fd)
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 1})
	to := &unix.SockaddrInet4{Addr: dst}
	id := uint16(os.Getpid() ^ 0x4e4b)
	buf := make([]byte, 1500)
	for seq := uint16(1); int(seq) <= count; seq++ {
		start := time.Now()
		if err := unix.Sendto(fd, EchoRequest(id, seq), 0, to); err != nil {
			return fmt.Errorf("sendto %v: %w", net.IP(dst[:]), err)
		}
		r.Sent++
		for {
			k, from, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				break // no reply within a second: counted as lost
			}
			src, _ := from.(*unix.SockaddrInet4)
			if got, ok := ParseEchoReply(buf[:k], id); ok && got == seq && src != nil && src.Addr == dst {
				r.Received++
				r.RTTms = append(r.RTTms, float64(time.Since(start).Microseconds())/1000)
				break
			}
		}
	}
	return nil
}

// waitForwarding waits (at most 3 s) until the bridge forwards through the
// host's veth end. A port is enabled when the kernel's link watcher sees
// its carrier, which it may do up to a second after the peer came up; a
// ping sent before that is dropped by the bridge.
func (n *Net) waitForwarding() error {
	state := "/sys/class/net/" + n.Veth + "/brport/state"
	return n.s.T.Do(fmt.Sprintf("read(%q) until 3 (BR_STATE_FORWARDING)", state), "cat "+state, func() error {
		var b []byte
		var err error
		for i := 0; i < 600; i++ {
			b, err = os.ReadFile(state)
			if err == nil && strings.TrimSpace(string(b)) == "3" {
				if oper, _ := os.ReadFile("/sys/class/net/" + n.Veth + "/operstate"); strings.TrimSpace(string(oper)) == "up" {
					return nil
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("the bridge port %s is in state %s, not forwarding, after 3 s", n.Veth, strings.TrimSpace(string(b)))
	})
}
