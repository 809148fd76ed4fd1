package container

// The confinement report, from inside a container: what the process is
// (amicontained's questions: namespaces, uid map, capability sets by name,
// seccomp mode, no_new_privs, its root), then escape attempts that a
// container must refuse, each with the errno the kernel gave. The hidden
// role __nakami_confine__ HOSTPID CANARY runs inside (typed into the
// container's shell as /bin/nakami) and prints one JSON line; the lesson
// compares it with what the host's kernel shows from outside. With a third
// argument, a Unix socket, it also tries to join the host's mount namespace
// through an fd handed in there (leak_linux.go).
//
// Syscalls: readlink(2) of /proc/self/ns/*, chroot(2), mount(2) sysfs and
// cgroup, capset(2) then socket(2) SOCK_RAW, ptrace(2) PTRACE_ATTACH,
// mknod(2) S_IFBLK, reboot(2) LINUX_REBOOT_CMD_CAD_OFF, finit_module(2),
// clock_settime(2), open(2) through /proc/1/root, swapon(2), bpf(2)
// BPF_MAP_CREATE, setns(2) through a received fd (leak_linux.go). Man pages: capabilities(7), user_namespaces(7),
// pid_namespaces(7), mount(2), reboot(2), ptrace(2), seccomp(2).

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"kernel.org/pub/linux/libs/security/libcap/cap"

	"golang.org/x/sys/unix"

	"nakami/engine"
	"nakami/engine/caps"
	"nakami/engine/child"
	"nakami/engine/procfs"
)

// ConfineRole is the hidden role of the report: HOSTPID CANARY [SOCKET].
const ConfineRole = "__nakami_confine__"

func init() { child.RegisterRole(ConfineRole, confineMain) }

// Report is what the role saw and tried.
type Report struct {
	PID        int               `json:"pid"`
	NS         map[string]string `json:"ns"` // type → "net:[4026…]"
	UIDMap     string            `json:"uid_map"`
	Eff        []string          `json:"eff"`
	Bnd        []string          `json:"bnd"`
	Seccomp    string            `json:"seccomp"`
	NoNewPrivs bool              `json:"no_new_privs"`
	Root       string            `json:"root"`   // the mount on / as mountinfo names it
	Leaked     string            `json:"leaked"` // the fd handed in, as /proc/self/fd names it
	Attempts   []Attempt         `json:"attempts"`
}

// Attempt is one escape attempt: the call, and the errno ("" if it worked).
type Attempt struct {
	ID    string `json:"id"`
	Call  string `json:"call"`
	Errno string `json:"errno"`
	Got   string `json:"got,omitempty"` // what a successful read returned
}

func confineMain(args []string) int {
	if len(args) != 2 && len(args) != 3 {
		os.Stderr.WriteString("confine needs HOSTPID CANARY [SOCKET]\n")
		return 2
	}
	hostPID, _ := strconv.Atoi(args[0])
	canary := args[1]
	r := Report{PID: os.Getpid(), NS: map[string]string{}}
	for _, t := range procfs.NSTypes {
		if l, err := os.Readlink("/proc/self/ns/" + t.Name); err == nil {
			r.NS[t.Name] = l
		}
	}
	b, _ := os.ReadFile("/proc/self/uid_map")
	r.UIDMap = strings.Join(strings.Fields(string(b)), " ")
	if st, err := procfs.ReadStatus(os.Getpid()); err == nil {
		r.Eff, r.Bnd, r.NoNewPrivs = caps.Names(st.CapEff), caps.Names(st.CapBnd), st.NoNewPrivs
	}
	b, _ = os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Seccomp:"); ok {
			r.Seccomp = strings.TrimSpace(v)
		}
	}
	if ms, err := procfs.ReadMounts(os.Getpid()); err == nil {
		for _, m := range ms {
			if m.Mountpoint == "/" {
				r.Root = m.Root + " (" + m.FSType + ")"
			}
		}
	}
	var got string // set by an attempt that read something
	try := func(id, call string, fn func() error) {
		got = ""
		r.Attempts = append(r.Attempts, Attempt{ID: id, Call: call, Errno: errnoOf(fn())})
		r.Attempts[len(r.Attempts)-1].Got = got
	}
	try("chroot", `mkdir("/tmp/nk-jail"); chroot("/tmp/nk-jail")`, func() error {
		os.Mkdir("/tmp/nk-jail", 0o700)
		defer os.Remove("/tmp/nk-jail")
		return unix.Chroot("/tmp/nk-jail")
	})
	try("sysfs", `mount("sysfs", "/tmp", "sysfs", 0, NULL)`, func() error {
		return undoMount(unix.Mount("sysfs", "/tmp", "sysfs", 0, ""))
	})
	try("cgroupfs", `mount("cgroup", "/tmp", "cgroup", 0, "memory")`, func() error {
		return undoMount(unix.Mount("cgroup", "/tmp", "cgroup", 0, "memory"))
	})
	try("mknod", `mknod("/tmp/nakami-blk", S_IFBLK|0600, makedev(8, 0))`, func() error {
		err := unix.Mknod("/tmp/nakami-blk", unix.S_IFBLK|0o600, int(unix.Mkdev(8, 0)))
		if err == nil {
			os.Remove("/tmp/nakami-blk")
		}
		return err
	})
	try("ptrace", "ptrace(PTRACE_ATTACH, "+args[0]+") (nakami's PID on the host)", func() error {
		err := unix.PtraceAttach(hostPID)
		if err == nil {
			unix.PtraceDetach(hostPID)
		}
		return err
	})
	try("setns-uts", "open(\"/proc/"+args[0]+"/ns/uts\"); setns(fd, CLONE_NEWUTS); sethostname(\"escaped\")", func() error {
		fd, err := unix.Open("/proc/"+args[0]+"/ns/uts", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Setns(fd, unix.CLONE_NEWUTS) // on this thread only; the role exits right after
	})
	try("reboot", "reboot(LINUX_REBOOT_CMD_CAD_OFF)", func() error { return unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF) })
	try("module", `finit_module(open("/bin/sh"), "", 0)`, func() error {
		f, err := os.Open("/bin/sh")
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.FinitModule(int(f.Fd()), "", 0)
	})
	try("clock", "clock_settime(CLOCK_REALTIME, now)", func() error {
		ts := unix.NsecToTimespec(time.Now().UnixNano())
		_, _, e := unix.Syscall(unix.SYS_CLOCK_SETTIME, unix.CLOCK_REALTIME, uintptr(unsafe.Pointer(&ts)), 0)
		return errnoErr(e)
	})
	try("proc-root", `open("/proc/1/root`+canary+`"); read()`, func() error {
		b, err := os.ReadFile("/proc/1/root" + canary)
		got = string(b)
		return err
	})
	if len(args) == 3 {
		try("setns-fd", `connect("`+args[2]+`"); recvmsg(SCM_RIGHTS) → fd; unshare(CLONE_FS); setns(fd, CLONE_NEWNS); open("`+canary+`")`, func() error {
			var err error
			r.Leaked, got, err = joinLeaked(args[2], canary)
			return err
		})
	}
	try("swapon", `swapon("/bin/sh", 0)`, func() error {
		p, _ := unix.BytePtrFromString("/bin/sh")
		_, _, e := unix.Syscall(unix.SYS_SWAPON, uintptr(unsafe.Pointer(p)), 0, 0)
		return errnoErr(e)
	})
	try("bpf", "bpf(BPF_MAP_CREATE, {BPF_MAP_TYPE_ARRAY, 4, 4, 1})", func() error {
		attr := [18]uint32{2, 4, 4, 1} // map_type, key_size, value_size, max_entries
		fd, _, e := unix.Syscall(unix.SYS_BPF, 0, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
		if e == 0 {
			unix.Close(int(fd))
		}
		return errnoErr(e)
	})
	// Last, since it gives up a capability: a raw socket without CAP_NET_RAW.
	try("raw", "capset(effective without CAP_NET_RAW); socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", func() error {
		set := cap.GetProc()
		if err := set.SetFlag(cap.Effective, false, cap.NET_RAW); err != nil {
			return err
		}
		if err := set.SetProc(); err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		if err == nil {
			unix.Close(fd)
		}
		return err
	})
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

func undoMount(err error) error {
	if err == nil {
		unix.Unmount("/tmp", unix.MNT_DETACH)
	}
	return err
}

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func errnoOf(err error) string {
	if err == nil {
		return ""
	}
	return engine.ErrnoName(err)
}
