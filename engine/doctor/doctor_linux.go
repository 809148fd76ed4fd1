package doctor

// Preflight: what this machine and this user can do.
//
// Syscalls: clone(2) with CLONE_NEWUSER (a real attempt, not a guess from
// sysctls), statfs(2) on /sys/fs/cgroup, socket(2) AF_NETLINK.
// Man pages: user_namespaces(7), cgroups(7), netlink(7), overlayfs docs
// (/proc/filesystems).

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"nakami/engine/cgroup"
	"nakami/engine/child"
	"nakami/engine/procfs"

	"golang.org/x/sys/unix"
)

var userNS struct {
	once sync.Once
	err  error
}

// UserNSAvailable tries to create a user namespace (in a throwaway child)
// and reports why it could not.
func UserNSAvailable() error {
	userNS.once.Do(func() {
		cmd := exec.Command("/proc/self/exe", child.RoleProbe, "id")
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Cloneflags:                 unix.CLONE_NEWUSER,
			UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
			GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
			GidMappingsEnableSetgroups: false,
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			why := strings.TrimSpace(string(out))
			if why == "" {
				why = err.Error()
			}
			if b, _ := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); strings.TrimSpace(string(b)) == "0" {
				why += " (kernel.unprivileged_userns_clone is 0)"
			}
			if b, _ := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); strings.TrimSpace(string(b)) == "1" {
				why += " (AppArmor restricts unprivileged user namespaces)"
			}
			userNS.err = fmt.Errorf("this kernel refused to create one: %s", why)
		}
	})
	return userNS.err
}

// Facts is what doctor reports.
type Facts struct {
	Kernel     string            `json:"kernel"`
	Root       bool              `json:"root"`
	UserNS     string            `json:"user_namespaces"` // "ok" or why not
	CgroupMode string            `json:"cgroup_mode"`     // v1, v2, hybrid, none
	CgroupV1   []string          `json:"cgroup_v1_controllers,omitempty"`
	CgroupV2   []string          `json:"cgroup_v2_controllers,omitempty"`
	CgroupUse  map[string]string `json:"cgroup_controller_use,omitempty"` // controller → "v1 DIR", "v2 DIR" or why not
	Overlay    bool              `json:"overlay"`
	TimeNS     bool              `json:"time_namespaces"`
	Netlink    string            `json:"netlink"`
	CapLast    int               `json:"cap_last_cap"`
	Tools      map[string]string `json:"tools"` // name → path, "" when missing
}

// Preflight gathers Facts.
func Preflight() Facts {
	var u unix.Utsname
	unix.Uname(&u)
	f := Facts{Kernel: unix.ByteSliceToString(u.Release[:]), Root: os.Geteuid() == 0, UserNS: "ok", Tools: map[string]string{}}
	if err := UserNSAvailable(); err != nil {
		f.UserNS = err.Error()
	}
	f.CgroupMode, f.CgroupV1, f.CgroupV2, f.CgroupUse = cgroupMode()
	if b, err := os.ReadFile("/proc/filesystems"); err == nil {
		f.Overlay = strings.Contains(string(b), "\toverlay\n")
	}
	_, err := os.Stat("/proc/self/ns/time")
	f.TimeNS = err == nil
	if fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE); err == nil {
		unix.Close(fd)
		f.Netlink = "ok"
	} else {
		f.Netlink = err.Error()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		fmt.Sscan(string(b), &f.CapLast)
	}
	for _, t := range []string{"unshare", "nsenter", "lsns", "findmnt", "ip", "capsh", "setcap", "getcap", "busybox", "cgexec"} {
		f.Tools[t], _ = exec.LookPath(t)
	}
	return f
}

// cgroupMode tells v1, v2 or hybrid from the mounted hierarchies, lists
// the controllers of each, and says where each controller the cgroup lesson
// uses would run: on a hybrid host limits live in v1; v2 needs a controller
// in the unified root's cgroup.subtree_control (the freezer and CPU usage
// are part of every v2 group).
func cgroupMode() (mode string, v1, v2 []string, where map[string]string) {
	c, err := cgroup.Detect()
	if err != nil {
		return "none", nil, nil, nil
	}
	if c.Layout.V2 != "" {
		v2 = cgroup.ReadFields(c.Layout.V2 + "/cgroup.controllers")
	}
	where = map[string]string{}
	for _, ctl := range []string{"cpu", "cpuacct", "memory", "pids", "freezer"} {
		v, err := c.VersionFor(ctl)
		switch {
		case err != nil:
			where[ctl] = "unusable: " + err.Error()
		case v == 1:
			where[ctl] = "v1 " + c.Layout.V1[ctl]
		default:
			where[ctl] = "v2 " + c.Layout.V2
		}
	}
	return c.Layout.Mode, c.Layout.V1Controllers(), v2, where
}

// SysvShmKeys lists the SysV shared memory keys of this process's IPC
// namespace, from /proc/sysvipc/shm.
func SysvShmKeys() ([]string, error) {
	b, err := os.ReadFile("/proc/sysvipc/shm")
	return procfs.ParseSysvKeys(string(b)), err
}
