package child

// Joining the namespaces of a running process (or of a bind-mounted
// namespace file).
//
// Two ways, because a Go process is multithreaded:
//   - uts, ipc, net, cgroup: setns(2) from a locked OS thread. Namespaces
//     belong to threads, so only that thread changes; afterwards it joins
//     its original namespaces again and is handed back only if that worked
//     (otherwise it stays locked and the runtime discards it), so no other
//     goroutine ever runs in the wrong place.
//   - mnt: the same, after unshare(CLONE_FS) on that thread, because setns
//     into a mount namespace refuses a thread that shares its root and
//     working directory with others (and all Go threads do).
//   - user, time, pid: these need a single-threaded process, so Probe starts
//     a new copy of this binary whose C constructor (engine/nsenter) joins
//     before the Go runtime exists — the way nsenter(1) and runc do.
//
// Syscalls: setns(2), unshare(2) with CLONE_FS, uname(2).
// Man pages: setns(2), nsenter(1), namespaces(7).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"nakami/engine"
	"nakami/engine/nsenter"
	"nakami/engine/procfs"
)

// threadJoinable are the types JoinThread can enter.
var threadJoinable = map[string]bool{"uts": true, "ipc": true, "net": true, "cgroup": true, "mnt": true}

// JoinThread runs fn on a fresh OS thread that has joined the given
// namespaces of pid. Each setns is recorded in t (when t is not nil).
func JoinThread(t *engine.Transcript, pid int, types []string, fn func() error) error {
	paths := map[string]string{}
	for _, typ := range types {
		paths[typ] = procfs.Path(pid, "ns/"+typ)
	}
	return joinPaths(t, paths, fn, fmt.Sprintf("nsenter -t %d", pid))
}

// JoinFile is JoinThread for one namespace named by a file, such as a
// bind mount of /proc/PID/ns/uts.
func JoinFile(t *engine.Transcript, path, typ string, fn func() error) error {
	return joinPaths(t, map[string]string{typ: path}, fn, "nsenter --"+typ+"="+path)
}

func joinPaths(t *engine.Transcript, paths map[string]string, fn func() error, shell string) error {
	for typ := range paths {
		if !threadJoinable[typ] {
			return fmt.Errorf("a %s namespace cannot be joined from a thread; use Probe", typ)
		}
	}
	errc := make(chan error, 1)
	engine.LockedOffMain(func() { // never the main thread, whose /proc/self is nakami's own view
		// Remember where this thread was, to go back afterwards; a thread
		// that cannot go back stays locked and ends with the goroutine.
		home := map[string]*os.File{}
		for typ := range paths {
			if f, err := os.Open("/proc/thread-self/ns/" + typ); err == nil {
				home[typ] = f
			}
		}
		err := joinAndRun(t, paths, fn, shell)
		back := len(home) == len(paths)
		for _, nt := range procfs.NSTypes {
			if f := home[nt.Name]; f != nil {
				back = back && unix.Setns(int(f.Fd()), int(nt.Flag)) == nil
				f.Close()
			}
		}
		// A thread that unshared its file system information stays apart
		// from the others even when back home, so it is never reused.
		if _, mnt := paths["mnt"]; back && !mnt {
			runtime.UnlockOSThread()
		}
		errc <- err
	})
	return <-errc
}

func joinAndRun(t *engine.Transcript, paths map[string]string, fn func() error, shell string) error {
	do := func(call, sh string, f func() error) error {
		if t == nil {
			return f()
		}
		return t.Do(call, sh, f)
	}
	if _, ok := paths["mnt"]; ok {
		if err := do("unshare(CLONE_FS)", "", func() error { return unix.Unshare(unix.CLONE_FS) }); err != nil {
			return err
		}
	}
	for _, nt := range procfs.NSTypes { // a fixed order, like nsenter(1)
		path, ok := paths[nt.Name]
		if !ok {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cannot open %s: %w", path, err)
		}
		err = do(fmt.Sprintf("setns(open(%q), %s)", path, nt.FlagStr), shell+" "+nt.Unshare, func() error {
			return unix.Setns(int(f.Fd()), int(nt.Flag))
		})
		f.Close()
		if err != nil {
			return fmt.Errorf("cannot join the %s namespace at %s: %w", nt.Name, path, err)
		}
	}
	return fn()
}

// Hostname returns the hostname as seen inside pid's UTS namespace. Root
// joins from a thread; anyone else must enter the owning user namespace
// first, which only a fresh process can do (Probe).
func Hostname(pid int) (string, error) {
	var name string
	if os.Geteuid() != 0 {
		err := Probe(nil, pid, []string{"user", "uts"}, "hostname", &name)
		return name, err
	}
	err := JoinThread(nil, pid, []string{"uts"}, func() (err error) { name, err = nodename(); return err })
	return name, err
}

// nodename is uname(2)'s node name: the hostname of the caller's (thread's)
// UTS namespace.
func nodename() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", err
	}
	return unix.ByteSliceToString(u.Nodename[:]), nil
}

// UnameNodename returns this thread's hostname.
func UnameNodename() (string, error) {
	var u unix.Utsname
	err := unix.Uname(&u)
	return unix.ByteSliceToString(u.Nodename[:]), err
}

// Probe runs a copy of this binary inside the given namespaces of pid (any
// of the eight types) and decodes what it reports into v. The probe reads
// kernel state from in there: "hostname", "id" (PID 1's), "ns", "ps", "uptime", "shm",
// "cgroup" (its own), "pid1-cgroup". The operation is recorded in t with the nsenter(1) equivalent.
func Probe(t *engine.Transcript, pid int, types []string, probe string, v any) error {
	cmd := exec.Command("/proc/self/exe", RoleProbe, probe)
	cmd.Env = append(os.Environ(),
		nsenter.EnvPID+"="+strconv.Itoa(pid),
		nsenter.EnvTypes+"="+strings.Join(types, ","))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var flags []string
	for _, typ := range types {
		if nt, ok := procfs.NSTypeByName(typ); ok {
			flags = append(flags, nt.Unshare)
		}
	}
	start := time.Now()
	err := cmd.Run()
	op := engine.Op{
		Call:     fmt.Sprintf("setns(/proc/%d/ns/{%s}) in a new process, then %s", pid, strings.Join(types, ","), probeCalls[probe]),
		Shell:    fmt.Sprintf("nsenter -t %d %s %s", pid, strings.Join(flags, " "), probeShell[probe]),
		Duration: time.Since(start), By: "nakami", Outcome: "ok",
		Detail: strings.TrimSpace(stdout.String()),
	}
	if err != nil {
		op.Outcome, op.Failed = "error", true
		op.Detail = strings.TrimSpace(stderr.String())
		if op.Detail == "" {
			op.Detail = err.Error()
		}
		if i := strings.LastIndex(op.Detail, ": "); i > 0 {
			op.Outcome = engine.ErrnoNameOf(op.Detail[i+2:])
		}
	}
	if t != nil {
		t.Add(op)
	}
	if err != nil {
		return fmt.Errorf("joining process %d's %s namespaces: %s", pid, strings.Join(types, ","), op.Detail)
	}
	return json.Unmarshal(stdout.Bytes(), v)
}

var probeCalls = map[string]string{
	"hostname": "uname()", "id": "read(/proc/1/status) Uid, Gid", "ns": "readlink(/proc/self/ns/*)",
	"ps": "getdents(/proc)", "uptime": "read(/proc/uptime)",
	"shm": "read(/proc/sysvipc/shm)", "cgroup": "read(/proc/self/cgroup)", "pid1-cgroup": "read(/proc/1/cgroup)",
}

var probeShell = map[string]string{
	"hostname": "hostname", "id": "grep -E '^(Uid|Gid)' /proc/1/status", "ns": "ls -l /proc/self/ns", "ps": "ls /proc",
	"uptime": "cat /proc/uptime", "shm": "ipcs -m", "cgroup": "cat /proc/self/cgroup", "pid1-cgroup": "cat /proc/1/cgroup",
}

// HostnameAt returns the hostname of the UTS namespace that the namespace
// file path names (a bind mount of /proc/PID/ns/uts, or such a link),
// joining it from a thread that goes home afterwards. Needs CAP_SYS_ADMIN.
func HostnameAt(path string) (string, error) {
	var name string
	err := JoinFile(nil, path, "uts", func() (err error) { name, err = nodename(); return err })
	return name, err
}
