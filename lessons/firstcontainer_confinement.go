package lessons

// first-container/confinement: from inside the container, an
// amicontained-style report (namespaces, uid map, capability sets, seccomp,
// no_new_privs, root), then escape attempts the kernel must refuse, each
// with its errno (engine/container/confine_linux.go, typed into the
// container's shell as /bin/nakami). The report is not trusted: every check
// reads the host's side too — the shell's /proc/PID/{ns,status,mountinfo,
// net/raw} from the host, the host's own mountinfo, hostname, boot_id,
// /proc/modules and clock, the root filesystem's directory on the host,
// and the canary's contents.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/container"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
	"nakami/engine/rootfs"
)

// fcConfine is what the step saw: the report, and the host before it.
type fcConfine struct {
	R                         container.Report
	Canary, CanaryText, Out   string
	Mounts                    int
	Hostname, BootID, Modules string
	Swaps                     string
	HostMnt                   uint64  // nakami's mnt namespace inode, the fd handed in
	BootTime                  float64 // realtime - uptime, seconds
}

var fcConfineKey = newKey[fcConfine]("first-container/confinement")

var noConfine = T("the confinement report has not been made yet", "閉じ込めの報告はまだ作っていません")

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// bootTime is the realtime clock minus the uptime: it moves only when the
// realtime clock is set.
func bootTime() float64 {
	up, _ := strconv.ParseFloat(strings.Fields(readTrim("/proc/uptime") + " 0")[0], 64)
	return float64(time.Now().UnixNano())/1e9 - up
}

func hostMounts() int {
	ms, _ := procfs.ReadMounts(os.Getpid())
	return len(ms)
}

var fcConfineStep = &Step{
	ID:       "confinement",
	After:    []string{"run"},
	Commands: []string{"amicontained", "chroot /tmp/jail; mount -t sysfs sysfs /tmp; mknod /tmp/blk b 8 0; …"},
	Requires: NeedsRoot,
	Why:      fcWhy,
	Live:     Live{Procs: []string{fcRole}},
	Action: func(e *Env) error {
		_, con, err := containerShell(e)
		if err != nil {
			return err
		}
		canary, text, err := rootfs.WriteCanary(e.S)
		if err != nil {
			return err
		}
		v := fcConfine{Canary: canary, CanaryText: text, Mounts: hostMounts(), Hostname: readTrim("/proc/sys/kernel/hostname"),
			BootID: readTrim("/proc/sys/kernel/random/boot_id"), Modules: readTrim("/proc/modules"),
			Swaps: readTrim("/proc/swaps"), BootTime: bootTime()}
		if mine, err := procfs.ReadNamespaces(os.Getpid()); err == nil {
			v.HostMnt = mine["mnt"].Inode
		}
		stop, err := container.LeakHostMountNS(e.S, filepath.Join(fcRootDir(e), "tmp", "nk-leak.sock"))
		if err != nil {
			return err
		}
		defer stop()
		line := fmt.Sprintf("%s %s %d %s /tmp/nk-leak.sock", rootfs.SelfPath, container.ConfineRole, os.Getpid(), canary)
		out, _, err := con.Type(e.S.T, line, 10*time.Second)
		if err != nil {
			return err
		}
		v.Out = out
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &v.R); err != nil {
			return fmt.Errorf("the report from inside is unreadable: %.120q", out)
		}
		for _, a := range v.R.Attempts {
			op := engine.Op{Call: a.Call, Outcome: a.Errno, By: "nakami (inside)"}
			if a.Errno == "" {
				op.Outcome, op.Detail = "ok", Text{"the attempt succeeded", "試みが成功した"}.In(e.Lang)
			}
			e.S.T.Add(op)
		}
		fcConfineKey.Set(e, v)
		return nil
	},
	Checks: append([]Check{fcReportCheck}, fcAttemptChecks()...),
}

// confineCheck reads the shell from the host and the step's record.
func confineCheck(name Text, fn func(e *Env, c *child.Process, v fcConfine) (bool, Text)) Check {
	return procCheck(name, fcRole, func(e *Env, c *child.Process) (bool, Text) {
		v, ok := fcConfineKey.Get(e)
		if !ok {
			return false, noConfine
		}
		return fn(e, c, v)
	})
}

var fcReportCheck = confineCheck(T("the report's namespaces are the shell's in /proc/PID/ns on the host, none of them the host's, and its uid_map is the shell's",
	"報告の名前空間はホストから見たシェルの /proc/PID/ns と同じで、どれもホストのものではなく、uid_map もシェルのもの"),
	func(e *Env, c *child.Process, v fcConfine) (bool, Text) {
		theirs, err := procfs.ReadNamespaces(c.PID)
		if err != nil {
			return false, errText(err)
		}
		mine, _ := procfs.ReadNamespaces(os.Getpid())
		var bad []string
		for _, n := range container.Namespaces {
			got := v.R.NS[n]
			if got == "" || !strings.Contains(got, strconv.FormatUint(theirs[n].Inode, 10)) || theirs[n].Inode == mine[n].Inode {
				bad = append(bad, n)
			}
		}
		uidMap := strings.Join(strings.Fields(readTrim(procfs.Path(c.PID, "uid_map"))), " ")
		if len(bad) > 0 || uidMap != v.R.UIDMap {
			return false, Tf("namespaces that differ from the shell's or equal the host's: %v; uid_map %q against %q", "シェルと違うかホストと同じ名前空間: %v。uid_map %q と %q", bad, v.R.UIDMap, uidMap)
		}
		return true, Tf("mnt uts ipc net pid user all new; uid_map %s; seccomp %s; no_new_privs %v; / is %s; effective: %d capabilities, bounding without %s",
			"mnt uts ipc net pid user はすべて新しい。uid_map %s。seccomp %s。no_new_privs %v。/ は %s。実効セット %d 個、バウンディングセットに %s なし",
			v.R.UIDMap, v.R.Seccomp, v.R.NoNewPrivs, v.R.Root, len(v.R.Eff), missingCaps(v.R.Bnd))
	})

func missingCaps(have []string) string {
	var out []string
	for _, n := range []string{"cap_sys_chroot", "cap_sys_admin", "cap_net_raw", "cap_sys_module"} {
		if !strings.Contains(strings.Join(have, ","), n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return "none of the dangerous four missing"
	}
	return strings.Join(out, ",")
}

// fcAttempts: each escape attempt's check, and what it reads outside.
var fcAttempts = []struct {
	id   string
	name Text
	out  func(e *Env, c *child.Process, v fcConfine) (bool, string)
}{
	{"chroot", T("chroot(2) was refused, and CAP_SYS_CHROOT is not in the shell's CapBnd (/proc/PID/status)", "chroot(2) は拒否され、シェルの CapBnd (/proc/PID/status) に CAP_SYS_CHROOT はない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			st, err := procfs.ReadStatus(c.PID)
			return err == nil && st.CapBnd&(1<<capSysChroot) == 0, fmt.Sprintf("CapBnd %016x", st.CapBnd)
		}},
	{"sysfs", T("mounting sysfs was refused: no sysfs in the shell's /proc/PID/mountinfo, no new line in the host's", "sysfs のマウントは拒否: シェルの /proc/PID/mountinfo に sysfs はなく、ホストの行も増えていない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) { return noFSType(c.PID, "sysfs", v) }},
	{"cgroupfs", T("mounting the cgroup filesystem was refused: no cgroup mount in the shell's /proc/PID/mountinfo, no new line in the host's", "cgroup ファイルシステムのマウントは拒否: シェルの /proc/PID/mountinfo に cgroup はなく、ホストの行も増えていない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) { return noFSType(c.PID, "cgroup", v) }},
	{"mknod", T("mknod(2) of a block device was refused, and the root filesystem's tmp on the host has no such file", "ブロックデバイスの mknod(2) は拒否され、ホスト上のルートファイルシステムの tmp にそのファイルはない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			p := filepath.Join(fcRootDir(e), "tmp", "nakami-blk")
			return !exists(p), "lstat " + p
		}},
	{"ptrace", T("ptrace(2) of nakami's host PID was refused, and TracerPid in the host's /proc/self/status is 0", "nakami のホスト PID への ptrace(2) は拒否され、ホストの /proc/self/status の TracerPid は 0"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			for _, l := range strings.Split(readTrim("/proc/self/status"), "\n") {
				if t, ok := strings.CutPrefix(l, "TracerPid:"); ok {
					return strings.TrimSpace(t) == "0", "TracerPid " + strings.TrimSpace(t)
				}
			}
			return false, "no TracerPid line"
		}},
	{"setns-uts", T("joining the host's UTS namespace by nakami's PID was refused, and the host's /proc/sys/kernel/hostname is unchanged", "nakami の PID からホストの UTS 名前空間に入ることは拒否され、ホストの /proc/sys/kernel/hostname も変わらない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			h := readTrim("/proc/sys/kernel/hostname")
			return h == v.Hostname, "hostname " + h
		}},
	{"reboot", T("reboot(2) was refused, the host's boot_id is unchanged and the shell still runs", "reboot(2) は拒否され、ホストの boot_id は変わらず、シェルも動いている"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			id := readTrim("/proc/sys/kernel/random/boot_id")
			return id == v.BootID && exists(procfs.Path(c.PID, "stat")), "boot_id " + id
		}},
	{"module", T("loading a kernel module was refused, and the host's /proc/modules is unchanged", "カーネルモジュールの読み込みは拒否され、ホストの /proc/modules は変わらない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			m := readTrim("/proc/modules")
			return m == v.Modules, fmt.Sprintf("%d lines in /proc/modules", strings.Count(m, "\n")+1)
		}},
	{"clock", T("setting the clock was refused, and the host's realtime minus uptime has not moved", "時計の設定は拒否され、ホストの realtime − uptime は動いていない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			d := bootTime() - v.BootTime
			return d < 1 && d > -1, fmt.Sprintf("moved %.3f s", d)
		}},
	{"proc-root", T("the host's canary was not readable through /proc/1/root, and the report does not carry its text", "ホストのカナリアは /proc/1/root から読めず、報告にもその内容はない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			return !strings.Contains(v.Out, v.CanaryText) && readTrim(v.Canary) == v.CanaryText, "canary " + v.Canary
		}},
	{"setns-fd", T("an fd of the host's mount namespace handed in (its inode read on the host) could not be joined, and the report does not carry the canary's text",
		"ホストのマウント名前空間の fd を渡されても (inode はホストで読んだもの) 入れず、報告にカナリアの内容もない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			want := fmt.Sprintf("mnt:[%d]", v.HostMnt)
			ok := v.R.Leaked == want && !strings.Contains(v.Out, v.CanaryText) && readTrim(v.Canary) == v.CanaryText
			return ok, fmt.Sprintf("the fd inside was %q, the host's mount namespace is %s", v.R.Leaked, want)
		}},
	{"swapon", T("swapon(2) was refused, and the host's /proc/swaps is unchanged", "swapon(2) は拒否され、ホストの /proc/swaps は変わらない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			sw := readTrim("/proc/swaps")
			return sw == v.Swaps, fmt.Sprintf("%d lines in /proc/swaps", strings.Count(sw, "\n")+1)
		}},
	{"bpf", T("bpf(2) was refused, and the shell's user namespace is not the host's (/proc/PID/ns/user)", "bpf(2) は拒否され、シェルのユーザー名前空間はホストのものではない (/proc/PID/ns/user)"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			ok, d := otherUserNS(c.PID)
			return ok, d + "; unprivileged_bpf_disabled " + readTrim("/proc/sys/kernel/unprivileged_bpf_disabled")
		}},
	{"raw", T("a raw socket without CAP_NET_RAW was refused, and the shell's /proc/PID/net/raw lists none", "CAP_NET_RAW なしの raw ソケットは拒否され、シェルの /proc/PID/net/raw にもない"),
		func(e *Env, c *child.Process, v fcConfine) (bool, string) {
			rs, err := netlab.RawSocketsOf(c.PID)
			return err == nil && len(rs) == 0, fmt.Sprintf("%d raw sockets", len(rs))
		}},
}

func noFSType(pid int, fstype string, v fcConfine) (bool, string) {
	ms, err := procfs.ReadMounts(pid)
	if err != nil {
		return false, err.Error()
	}
	for _, m := range ms {
		if m.FSType == fstype {
			return false, fstype + " on " + m.Mountpoint
		}
	}
	n := hostMounts()
	return n <= v.Mounts, fmt.Sprintf("host mounts %d (before %d)", n, v.Mounts)
}

func otherUserNS(pid int) (bool, string) {
	theirs, err := procfs.ReadNamespaces(pid)
	mine, _ := procfs.ReadNamespaces(os.Getpid())
	if err != nil {
		return false, err.Error()
	}
	return theirs["user"].Inode != mine["user"].Inode, fmt.Sprintf("user:[%d] against the host's user:[%d]", theirs["user"].Inode, mine["user"].Inode)
}

func fcAttemptChecks() []Check {
	var cs []Check
	for _, a := range fcAttempts {
		cs = append(cs, confineCheck(a.name, func(e *Env, c *child.Process, v fcConfine) (bool, Text) {
			var got *container.Attempt
			for i := range v.R.Attempts {
				if v.R.Attempts[i].ID == a.id {
					got = &v.R.Attempts[i]
				}
			}
			if got == nil {
				return false, Tf("the report has no %s attempt", "報告に %s の試みがない", a.id)
			}
			ok, d := a.out(e, c, v)
			if got.Errno == "" {
				return false, Tf("%s SUCCEEDED; %s", "%s は成功してしまった。%s", got.Call, d)
			}
			return ok, Tf("%s → %s; %s", "%s → %s。%s", got.Call, got.Errno, d)
		}))
	}
	return cs
}
