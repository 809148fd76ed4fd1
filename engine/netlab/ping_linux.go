package netlab

// nakami's own ping: the hidden role __nakami_ping__ opens a raw ICMP
// socket, sends echo requests to 127.0.0.1 (and nowhere else) and counts
// the replies, so the capabilities lesson depends on no installed ping.
// Copies of the nakami binary play the article's copy of /bin/ping. A raw
// socket needs CAP_NET_RAW; without it socket(2) fails with EPERM, which
// is the whole point of the lesson.
//
// With --hold the process keeps its socket open and waits until its
// standard input closes, so its /proc/PID/status and /proc/PID/fd can be
// read while it lives; a line {"cmd":"detach"} makes it ignore that EOF
// and wait for a signal instead (nakami run --keep).
//
// Syscalls: socket(2) AF_INET/SOCK_RAW/IPPROTO_ICMP, sendto(2),
// recvfrom(2), setsockopt(2) SO_RCVTIMEO; readlink(2) on /proc/PID/fd.
// Man pages: raw(7), icmp(7), socket(2), capabilities(7).

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// RolePing is the hidden role of nakami's ping.
const RolePing = "__nakami_ping__"

func init() { child.RegisterRole(RolePing, pingMain) }

// PingArgs are the arguments after the role for one echo request, held.
func PingArgs(count int) []string {
	return []string{RolePing, "-c", strconv.Itoa(count), "--json", "--hold", PingTarget}
}

func pingMain(args []string) int {
	count, asJSON, hold, target := 1, false, false, ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c" && i+1 < len(args):
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 0 || n > 10 {
				fmt.Fprintln(os.Stderr, "nakami ping: -c takes 0 to 10")
				return 2
			}
			count, i = n, i+1
		case a == "--json":
			asJSON = true
		case a == "--hold":
			hold = true
		case target == "":
			target = a
		default:
			fmt.Fprintf(os.Stderr, "nakami ping: unexpected argument %q\n", a)
			return 2
		}
	}
	if target != PingTarget {
		fmt.Fprintf(os.Stderr, "nakami ping: talks only to %s\n", PingTarget)
		return 2
	}
	r, fd := Ping(count)
	if asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
	} else {
		printPing(r)
	}
	if hold {
		HoldUntilEOF()
	}
	if fd >= 0 {
		unix.Close(fd)
	}
	if r.Socket != "ok" && r.Socket != "skipped" || r.Received < r.Sent {
		return 1
	}
	return 0
}

// Ping sends count echo requests and returns the report and the socket,
// left open so that a held process still shows it.
func Ping(count int) (PingReport, int) {
	r := PingReport{PID: os.Getpid(), UID: os.Getuid(), EUID: os.Geteuid(), Socket: "skipped"}
	if count == 0 {
		return r, -1
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err != nil {
		r.Socket, r.Detail = engine.ErrnoName(err), "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): "+err.Error()
		return r, -1
	}
	r.Socket = "ok"
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 1})
	to := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	id := uint16(os.Getpid())
	buf := make([]byte, 1500)
	for seq := uint16(1); int(seq) <= count; seq++ {
		start := time.Now()
		if err := unix.Sendto(fd, EchoRequest(id, seq), 0, to); err != nil {
			r.Detail = "sendto: " + err.Error()
			break
		}
		r.Sent++
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				r.Detail = fmt.Sprintf(engine.NoteNoReply, seq, err)
				break
			}
			if got, ok := ParseEchoReply(buf[:n], id); ok && got == seq {
				if r.Received == 0 {
					r.RTTns = time.Since(start).Nanoseconds()
				}
				r.Received++
				break
			}
		}
	}
	return r, fd
}

func printPing(r PingReport) {
	if r.Socket != "ok" {
		fmt.Printf("ping: %s\n", r.Detail)
		return
	}
	fmt.Printf("PING %s: %d packets transmitted, %d received (uid %d, euid %d)\n", PingTarget, r.Sent, r.Received, r.UID, r.EUID)
}

// HoldUntilEOF waits until standard input closes, or, after a detach
// line, until a signal: the child protocol's hold (child.Conn), on stdin.
func HoldUntilEOF() { child.AttachFiles(os.Stdin, nil).Hold() }

// RawSocketsOf lists the raw sockets pid holds open: the socket:[inode]
// links in /proc/PID/fd matched against /proc/PID/net/raw.
func RawSocketsOf(pid int) ([]RawSocket, error) {
	b, err := os.ReadFile(procfs.Path(pid, "net/raw"))
	if err != nil {
		return nil, procfs.Explain(pid, err)
	}
	all, err := ParseNetRaw(string(b))
	if err != nil {
		return nil, err
	}
	fds, err := os.ReadDir(procfs.Path(pid, "fd"))
	if err != nil {
		return nil, procfs.Explain(pid, err)
	}
	held := map[uint64]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(procfs.Path(pid, "fd/"+fd.Name()))
		if ino, ok := strings.CutPrefix(l, "socket:["); err == nil && ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 64)
			held[n] = true
		}
	}
	var out []RawSocket
	for _, s := range all {
		if held[s.Inode] {
			out = append(out, s)
		}
	}
	return out, nil
}
