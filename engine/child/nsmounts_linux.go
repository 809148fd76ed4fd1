package child

// The mount table of a mount namespace as seen from that namespace's own
// root, not from a process's root directory. /proc/PID/mountinfo lists only
// the mounts reachable from PID's root, with paths relative to it, so a
// chroot inside a new mount namespace looks like a root of its own there.
// A thread that joins the namespace gets the namespace's root instead (the
// topmost mount on it), and the mountinfo it opens for itself shows what is
// really mounted at "/", including an old root left behind by pivot_root.
//
// Syscalls: unshare(2) with CLONE_FS and setns(2) with CLONE_NEWNS on a
// locked thread (JoinThread), openat(2)/read(2) of /proc/self/task/TID/
// mountinfo through a directory opened before joining (the joined root may
// have no /proc), gettid(2).
// Man pages: setns(2), proc(5) (mountinfo), mount_namespaces(7),
// pivot_root(2).

import (
	"os"
	"strconv"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// NamespaceMounts returns the mount table of pid's mount namespace as its
// root sees it (read-only: it joins the namespace from a throw-away thread
// and reads). Needs CAP_SYS_ADMIN and CAP_SYS_CHROOT.
func NamespaceMounts(pid int) ([]*mountinfo.Info, error) {
	task, err := os.Open("/proc/self/task")
	if err != nil {
		return nil, err
	}
	defer task.Close()
	var ms []*mountinfo.Info
	err = JoinThread(nil, pid, []string{"mnt"}, func() error {
		fd, err := unix.Openat(int(task.Fd()), strconv.Itoa(unix.Gettid())+"/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: "/proc/thread-self/mountinfo", Err: err}
		}
		f := os.NewFile(uintptr(fd), "mountinfo")
		defer f.Close()
		ms, err = mountinfo.GetMountsFromReader(f, nil)
		return err
	})
	return ms, err
}
