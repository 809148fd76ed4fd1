package netlab

// serve: the first process of the overlay lesson's container. It brings up
// the loopback interface of its (new, empty) network namespace, serves one
// fixed body over HTTP on 127.0.0.1 only, runs the container's entrypoint
// (the fetch program an image layer installed), reports what happened over
// the child protocol (child.Conn on fds 3 and 4; the protocol is drawn in
// package child), and keeps serving until the parent closes fd 3. Nothing
// it does can reach beyond its own network namespace: the listener is
// bound to 127.0.0.1, and the namespace has no interface but lo.
//
//	parent                                   container (PID 1 in its PID namespace)
//	  │ ◄── Message{stage:"net", op} ───────── │ ioctl(SIOCSIFFLAGS, "lo", IFF_UP)
//	  │ ◄── Message{stage:"listen", op} ────── │ socket; bind(127.0.0.1:PORT); listen
//	  │ ◄── Message{stage:"entrypoint", op} ── │ fork+execve(ENTRYPOINT…); wait4
//	  │ ◄── Message{stage:"ready", pid} ────── │ serves on until EOF on fd 3
//
// Syscalls: socket(2), ioctl(2) SIOCGIFFLAGS/SIOCSIFFLAGS, bind(2),
// listen(2), accept4(2), clone(2)+execve(2), wait4(2); /proc/PID/net/tcp is
// read by ListeningTCP. Man pages: netdevice(7), tcp(7), ip(7), proc(5).

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

// RoleServe is the hidden role: __nakami_serve__ PORT BODY ENTRYPOINT ARGS…
const RoleServe = "__nakami_serve__"

func init() { child.RegisterRole(RoleServe, serveMain) }

func serveMain(args []string) int {
	c := child.Attach()
	if len(args) < 3 {
		c.Fail("serve needs PORT BODY ENTRYPOINT…")
		return 2
	}
	port, err := strconv.Atoi(args[0])
	if err != nil || port < 1 || port > 65535 {
		c.Fail(fmt.Sprintf("bad port %q", args[0]))
		return 2
	}
	body, entry := args[1], args[2:]
	if c.Stage(child.StageNet, `ioctl(socket(AF_INET, SOCK_DGRAM), SIOCSIFFLAGS, {"lo", IFF_UP})`, "ip link set lo up", loUp) != nil {
		return 3
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var ln net.Listener
	if c.Stage(child.StageListen, fmt.Sprintf("socket(AF_INET, SOCK_STREAM); bind(%s); listen()", addr),
		fmt.Sprintf("httpd -f -p %s -h /srv &", addr), func() error {
			var err error
			ln, err = net.Listen("tcp4", addr)
			return err
		}) != nil {
		return 3
	}
	var served atomic.Int64
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, body)
	})}
	go srv.Serve(ln)

	c.Perform(child.StageEntrypoint, fmt.Sprintf("clone(); execve(%q, %q); wait4()", entry[0], entry), strings.Join(entry, " "),
		func() (string, error) {
			var out bytes.Buffer
			cmd := exec.Command(entry[0], entry[1:]...)
			cmd.Path = entry[0]
			cmd.Dir = "/"
			cmd.Env = []string{"PATH=/usr/local/bin:/bin", "HOME=/root", "LANG=C"}
			cmd.Stdout, cmd.Stderr = &out, &out
			cmd.Stdin = strings.NewReader("") // a pipe: the image has no /dev/null
			if err := cmd.Run(); err != nil {
				return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(out.String()))
			}
			return strings.TrimSpace(out.String()) + fmt.Sprintf(engine.NoteServed, served.Load()), nil
		})
	c.Ready()
	return c.Hold()
}

// loUp sets IFF_UP on lo in the caller's network namespace.
func loUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// EntrypointReport returns what the serve role reported about the
// entrypoint it ran: the operation, and whether it was found.
func EntrypointReport(c *child.Process) (engine.Op, bool) {
	for _, op := range c.Ops {
		if strings.HasPrefix(op.Call, "clone(); execve(") {
			return op, true
		}
	}
	return engine.Op{}, false
}

// ListeningTCP lists the IPv4 TCP sockets in state LISTEN of pid's network
// namespace, from /proc/PID/net/tcp, as "ADDR:PORT".
func ListeningTCP(pid int) ([]string, error) {
	b, err := os.ReadFile(procfs.Path(pid, "net/tcp"))
	if err != nil {
		return nil, procfs.Explain(pid, err)
	}
	return ParseListeningTCP(string(b)), nil
}

// ParseListeningTCP reads the LISTEN (state 0A) lines of a /proc/net/tcp
// table; addresses there are hex, in host byte order (little-endian here).
func ParseListeningTCP(text string) []string {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 4 || f[3] != "0A" {
			continue
		}
		a, p, ok := strings.Cut(f[1], ":")
		ab, err := hex.DecodeString(a)
		port, perr := strconv.ParseUint(p, 16, 16)
		if !ok || err != nil || perr != nil || len(ab) != 4 {
			continue
		}
		out = append(out, fmt.Sprintf("%d.%d.%d.%d:%d", ab[3], ab[2], ab[1], ab[0], port))
	}
	return out
}
