package netlab

// One ICMP echo request from inside a network namespace given by a file
// (a /run/netns mount, any nsfs bind mount, or /proc/PID/ns/net), for
// exercise checks that must see a ping answered: `nsenter --net=FILE ping
// -c 1 -W 1 ADDR`. The target must pass GuardIP, so the only traffic is to
// 192.168.77.0/24, from a namespace the learner made. The thread that
// joined the namespace opens the raw socket there and goes home after.
//
// Syscalls: open(2), setns(2) CLONE_NEWNET, socket(2)
// AF_INET/SOCK_RAW/IPPROTO_ICMP, setsockopt(2) SO_RCVTIMEO, sendto(2),
// recvfrom(2).
// Man pages: raw(7), icmp(7), ping(8), setns(2).

import (
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// EchoFrom sends one echo request to target from inside the namespace at
// path and reports whether the answer came back within wait (at most one
// second).
func EchoFrom(path string, target net.IP, wait time.Duration) (answered bool, err error) {
	if err := GuardIP(target); err != nil {
		return false, err
	}
	wait = min(max(wait, 10*time.Millisecond), time.Second)
	var dst [4]byte
	copy(dst[:], target.To4())
	err = joinNet(path, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		if err != nil {
			return fmt.Errorf("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) inside %s: %w", path, err)
		}
		defer unix.Close(fd)
		id, seq := uint16(rand.Uint32()), uint16(rand.Uint32())
		if err := unix.Sendto(fd, EchoRequest(id, seq), 0, &unix.SockaddrInet4{Addr: dst}); err != nil {
			return fmt.Errorf("sendto %v inside %s: %w", target, path, err)
		}
		deadline := time.Now().Add(wait)
		buf := make([]byte, 1500)
		for {
			left := time.Until(deadline)
			if left <= 0 {
				return nil
			}
			tv := unix.NsecToTimeval(left.Nanoseconds())
			unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
			k, from, err := unix.Recvfrom(fd, buf, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return nil // no answer in time
			}
			src, _ := from.(*unix.SockaddrInet4)
			if got, ok := ParseEchoReply(buf[:k], id); ok && got == seq && src != nil && src.Addr == dst {
				answered = true
				return nil
			}
		}
	})
	return answered, err
}
