package container

// The options of `nakami container run` and their validation, done before
// anything is created, and the capability set the command gets: Docker's
// default set (moby's oci/caps/defaults.go names the same fourteen), with
// --cap-add and --cap-drop applied in that order, as docker run does.
//
// Syscalls: read(2) of /proc/sys/kernel/cap_last_cap, stat(2).
// Man pages: capabilities(7).

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nakami/engine/caps"
)

// DefaultCaps is the capability set Docker gives a container.
var DefaultCaps = []string{"cap_chown", "cap_dac_override", "cap_fsetid", "cap_fowner", "cap_mknod", "cap_net_raw",
	"cap_setgid", "cap_setuid", "cap_setfcap", "cap_setpcap", "cap_net_bind_service", "cap_sys_chroot", "cap_kill", "cap_audit_write"}

// Options are what a container is run with. Zero limits mean none.
type Options struct {
	CPUPercent  float64  // quota in percent of one CPU (of a 100 ms period)
	MemoryBytes int64    // memory limit
	Pids        int64    // pids.max
	Hostname    string   // default: the session's tag
	Rootfs      string   // a directory to pivot into
	Image       string   // a docker export or docker save tarball, unpacked into the session
	CapAdd      []string // names, or "all"
	CapDrop     []string // names, or "all"
	UserNS      bool     // a new user namespace mapping root to the caller
	Net         string   // "none" (a network namespace with lo only) or "bridge" (netlab's bridge and veth pair, 192.168.77.0/24)
	Keep        bool     // leave the container (held after CMD) for nsenter; nakami cleanup removes it
	TTY         bool     // -it: a terminal of its own
	Argv        []string // CMD ARGS, resolved inside the root filesystem
}

// Validate refuses bad options in one sentence, touching nothing.
func (o *Options) Validate() error {
	if len(o.Argv) == 0 {
		return fmt.Errorf("say what to run: nakami container run [flags] -- CMD [ARGS]")
	}
	if o.Rootfs != "" && o.Image != "" {
		return fmt.Errorf("--rootfs and --image both name a root filesystem: give one")
	}
	if o.Rootfs != "" {
		abs, err := filepath.Abs(o.Rootfs)
		if err != nil {
			return err
		}
		for _, d := range []string{"", "proc", "dev"} {
			if st, err := os.Stat(filepath.Join(abs, d)); err != nil || !st.IsDir() {
				return fmt.Errorf("--rootfs %s has no %s directory (a root filesystem needs /, /proc and /dev to mount on)", o.Rootfs, "/"+d)
			}
		}
		if abs == "/" {
			return fmt.Errorf("--rootfs / is the host's own root: give a root filesystem directory")
		}
		o.Rootfs = abs
	}
	if o.Image != "" {
		if st, err := os.Stat(o.Image); err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("--image %s is not a readable tarball (docker export or docker save)", o.Image)
		}
	}
	if o.Hostname != "" && (len(o.Hostname) > 64 || strings.ContainsAny(o.Hostname, " /\x00\t\n")) {
		return fmt.Errorf("--hostname %q is not a host name (at most 64 characters, no spaces or slashes)", o.Hostname)
	}
	if o.Pids < 0 {
		return fmt.Errorf("--pids %d: the number of processes must be positive", o.Pids)
	}
	if o.MemoryBytes != 0 && o.MemoryBytes < 4<<20 {
		return fmt.Errorf("--memory %d bytes is below 4 MiB, too little for the container's first process to start", o.MemoryBytes)
	}
	switch o.Net {
	case "", "none":
		o.Net = "none"
	case "bridge":
		if os.Geteuid() != 0 {
			return fmt.Errorf("--net bridge needs root: it makes a bridge and a veth pair on the host")
		}
	default:
		return fmt.Errorf("--net %s: choose none or bridge", o.Net)
	}
	if o.TTY && !isTerminal(0) {
		return fmt.Errorf("-it needs a terminal on standard input")
	}
	_, err := o.Capabilities()
	return err
}

// Capabilities is the set the command gets: the default, plus CapAdd,
// minus CapDrop ("all" stands for every capability of this kernel).
func (o *Options) Capabilities() ([]string, error) {
	last, err := caps.LastCap()
	if err != nil {
		return nil, err
	}
	norm := func(flag string, names []string) ([]string, bool, error) {
		var out []string
		for _, n := range names {
			if strings.EqualFold(n, "all") {
				return nil, true, nil
			}
			if !strings.HasPrefix(strings.ToLower(n), "cap_") {
				n = "cap_" + n
			}
			b, err := caps.ByName(n, last)
			if err != nil {
				return nil, false, fmt.Errorf("%s: %v", flag, err)
			}
			out = append(out, caps.Name(b))
		}
		return out, false, nil
	}
	add, addAll, err := norm("--cap-add", o.CapAdd)
	if err != nil {
		return nil, err
	}
	drop, dropAll, err := norm("--cap-drop", o.CapDrop)
	if err != nil {
		return nil, err
	}
	set := slices.Clone(DefaultCaps)
	if addAll {
		set = nil
		for b := 0; b <= last; b++ {
			set = append(set, caps.Name(b))
		}
	}
	for _, a := range add {
		if !slices.Contains(set, a) {
			set = append(set, a)
		}
	}
	if dropAll {
		return nil, nil
	}
	return slices.DeleteFunc(set, func(n string) bool { return slices.Contains(drop, n) }), nil
}
