package container

// `nakami container run`, the parent's side: a cgroup with the limits, the
// root filesystem (a directory, an unpacked image, or the builder's), the
// same child.Spawn and setup as the lesson's container, then the command's
// exit status (or the OOM kill the cgroup recorded) as the result.
//
//	cgroup: mkdir nakami-<id>/run; memory, cpu quota, pids.max
//	rootfs: --rootfs DIR | --image TAR (image_linux.go) | rootfs.Build
//	clone(NEWNS|NEWUTS|NEWIPC|NEWNET|NEWPID[|NEWUSER]) into the group
//	  → __nakami_init__ (init_linux.go) → ready → {stage:"exited", status}
//	--net bridge: netlab's bridge + veth into /proc/PID/ns/net, then {"cmd":"go"}
//	memory.oom_control / memory.events: oom_kill > 0 → killed by the OOM killer
//
// Syscalls: mkdir(2)/write(2) on cgroupfs, clone(2)/clone3(2), kill(2),
// wait4(2), open(2) of /dev/ptmx and ioctl(2) TIOCSPTLCK, TIOCGPTN,
// TIOCGWINSZ, TIOCSWINSZ (tty_linux.go). Man pages: cgroups(7),
// namespaces(7), pty(7).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"nakami/engine"
	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/rootfs"
)

// Result is how a container run ended.
type Result struct {
	Status   int           // the command's exit status (137 after an OOM kill)
	OOMKills uint64        // kills the cgroup's memory controller recorded
	PID      int           // the first process, as the host sees it
	Group    *cgroup.Group // the container's cgroup
	Rootfs   string
}

// periodUS is the CPU period of --cpu: 100 ms, Docker's.
const periodUS = 100000

// Run runs o (validated) in s and returns when the command has ended. With
// o.Keep the container is detached and left held; the caller keeps the
// session's journal so that nakami cleanup can remove it.
func Run(s *engine.Session, o Options) (*Result, error) {
	capset, err := o.Capabilities()
	if err != nil {
		return nil, err
	}
	sys, err := cgroup.Detect()
	if err != nil {
		return nil, err
	}
	g, err := sys.NewGroup(s, "run", "cpu", "cpuacct", "memory", "pids")
	if err != nil {
		return nil, err
	}
	if o.MemoryBytes > 0 {
		if err := g.SetMemory(s.T, o.MemoryBytes); err != nil {
			return nil, err
		}
	}
	if o.CPUPercent > 0 {
		if err := g.SetCPU(s.T, int64(o.CPUPercent*periodUS/100), periodUS); err != nil {
			return nil, err
		}
	}
	if o.Pids > 0 {
		if err := g.SetPids(s.T, o.Pids); err != nil {
			return nil, err
		}
	}
	root, err := runRoot(s, o)
	if err != nil {
		return nil, err
	}
	cfg, _ := json.Marshal(initConfig{Rootfs: root, Caps: capset, TTY: o.TTY, Argv: o.Argv, Keep: o.Keep, WaitGo: o.Net == "bridge"})
	ns := []string{"mnt", "uts", "ipc", "net", "pid"}
	if o.UserNS || os.Geteuid() != 0 {
		ns = append(ns, "user")
	}
	host := o.Hostname
	if host == "" {
		host = s.Tag
	}
	spec := g.Place(child.Spec{Role: "container", NewNS: ns, Hostname: host, Exec: []string{InitRole, string(cfg)}, InProcess: true, Follow: true,
		Stdio: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Shell: "unshare -muinpf --mount-proc … pivot_root $ROOTFS … " + engine.Argv(o.Argv)})
	var term *terminal
	if o.TTY {
		if term, err = openTerminal(); err != nil {
			return nil, err
		}
		defer term.Close()
		spec.Stdio = []*os.File{term.slave, term.slave, term.slave}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	p, err := child.Spawn(s, spec)
	if err != nil {
		return nil, err
	}
	res := &Result{PID: p.PID, Group: g, Rootfs: root, Status: -1}
	if o.Net == "bridge" {
		if err := bridge(s, p.PID); err != nil {
			p.Stop()
			return nil, err
		}
		if err := p.Send(child.CmdGo); err != nil {
			p.Stop()
			return nil, err
		}
	}
	if term != nil {
		term.slave.Close()
		if err := term.Attach(); err != nil {
			p.Stop()
			return nil, err
		}
	}
	msgs := p.Messages()
	for res.Status < 0 {
		select {
		case m, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
			if m.Stage == child.StageExited {
				res.Status = m.Status
			}
		case sig := <-sigs:
			syscall.Kill(p.PID, sig.(syscall.Signal))
		case <-p.Done():
			if res.Status < 0 {
				res.Status = 137
				if ws, ok := p.Status(); ok && ws.Exited() {
					res.Status = ws.ExitStatus()
				} else if ok && ws.Signaled() {
					res.Status = 128 + int(ws.Signal())
				}
			}
		}
	}
	if term != nil {
		term.Restore()
	}
	if _, killed, err := g.MemEvents(); err == nil {
		res.OOMKills = killed
	}
	if res.OOMKills > 0 && res.Status == 128+int(syscall.SIGKILL) {
		res.Status = 137
	}
	if !o.Keep {
		p.Stop()
	}
	return res, nil
}

// bridge is --net bridge: the network lesson's bridge (192.168.77.1/24)
// and veth pair, the peer moved into the container's network namespace as
// eth0 with 192.168.77.2/24 and a default route via the bridge. Every link
// is journaled; the peer dies with the namespace, the rest on unwind.
func bridge(s *engine.Session, pid int) error {
	n := netlab.New(s)
	n.NSPath, n.NS = fmt.Sprintf("/proc/%d/ns/net", pid), fmt.Sprintf("/proc/%d/ns/net", pid)
	if err := n.AddBridge(); err != nil {
		return err
	}
	if err := n.AddVeth(); err != nil {
		return err
	}
	return n.Configure()
}

// runRoot is the directory the container pivots into.
func runRoot(s *engine.Session, o Options) (string, error) {
	switch {
	case o.Rootfs != "":
		return o.Rootfs, nil
	case o.Image != "":
		return Unpack(s, o.Image)
	}
	progs := append(slices.Clone(rootfs.DefaultPrograms), "uname", "sleep", "true", "false", "env", "grep", "head", "tr")
	r, err := rootfs.Build(s, "container", rootfs.Options{Programs: progs, NoSelf: true})
	if err != nil {
		return "", err
	}
	return r.Path, nil
}
