package container

// What a container's first process does in its new namespaces before it
// becomes (or starts) the command, shared by the lesson's shell
// (container_linux.go) and by `nakami container run` (init_linux.go), so
// there is one implementation of a container:
//
//	mount --make-rprivate /                  nothing propagates back to the host
//	/dev: the host's /dev/null bound in      (the lesson, as the article does)
//	  or: tmpfs on $ROOTFS/dev, null zero full random urandom tty bound in,
//	      fd stdin stdout stderr ptmx links, a new devpts instance on
//	      /dev/pts, the terminal (when there is one) bound on /dev/console
//	pivot_root into $ROOTFS (child.PivotInto: bind, proc, pivot, detach)
//	capabilities: the bounding set cut down on every thread (libcap)
//
// Syscalls: mount(2) (MS_REC|MS_PRIVATE, tmpfs, devpts, MS_BIND),
// open(2), symlink(2), readlink(2), pivot_root(2), prctl(2)
// PR_CAPBSET_DROP, capset(2). Man pages: mount_namespaces(7), pts(4),
// null(4), random(4), tty(4), pivot_root(2), capabilities(7).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kernel.org/pub/linux/libs/security/libcap/cap"

	"golang.org/x/sys/unix"

	"nakami/engine/child"
)

// Devices are the host devices a minimal /dev carries (bind mounts: a user
// namespace may not mknod(2)); runc's default list without the consoles.
var Devices = []string{"null", "zero", "full", "random", "urandom", "tty"}

// makePrivate is the first mount operation of every container.
func makePrivate(c *child.Conn) error {
	return c.Stage(child.StageMount, `mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)`, "mount --make-rprivate /",
		func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "") })
}

// bindNull binds the host's /dev/null on rootfs/dev/null (the lesson).
func bindNull(c *child.Conn, rootfs string) error {
	null := filepath.Join(rootfs, "dev", "null")
	return c.Stage(child.StageMount, fmt.Sprintf(`open(%q, O_CREAT); mount("/dev/null", %q, NULL, MS_BIND, NULL)`, null, null),
		"touch $ROOTFS/dev/null; mount --bind /dev/null $ROOTFS/dev/null", func() error { return bindFile("/dev/null", null) })
}

func bindFile(src, dst string) error {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	f.Close()
	return unix.Mount(src, dst, "", unix.MS_BIND, "")
}

// minimalDev mounts a fresh /dev on rootfs/dev: nothing of the host's but
// the devices above, and a pts of its own. console is the terminal on fd 0
// ("" when there is none), bound on /dev/console as runc does.
func minimalDev(c *child.Conn, rootfs, console string) error {
	dev := filepath.Join(rootfs, "dev")
	if err := c.Stage(child.StageMount, fmt.Sprintf(`mount("nakami-dev", %q, "tmpfs", MS_NOSUID|MS_NOEXEC, "mode=755,size=64k")`, dev),
		"mount -t tmpfs -o mode=755,size=64k,nosuid,noexec nakami-dev $ROOTFS/dev", func() error {
			return unix.Mount("nakami-dev", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=755,size=64k")
		}); err != nil {
		return err
	}
	if err := c.Stage(child.StageMount, fmt.Sprintf("open($ROOTFS/dev/{%s}, O_CREAT); mount(\"/dev/…\", …, MS_BIND) ×%d",
		strings.Join(Devices, ","), len(Devices)), "for d in "+strings.Join(Devices, " ")+"; do touch $ROOTFS/dev/$d; mount --bind /dev/$d $ROOTFS/dev/$d; done",
		func() error {
			for _, d := range Devices {
				if err := bindFile("/dev/"+d, filepath.Join(dev, d)); err != nil {
					return fmt.Errorf("/dev/%s: %w", d, err)
				}
			}
			links := [][2]string{{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
				{"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}}
			for _, l := range links {
				if err := os.Symlink(l[0], filepath.Join(dev, l[1])); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return err
	}
	pts := filepath.Join(dev, "pts")
	if err := c.Stage(child.StageMount, fmt.Sprintf(`mkdir(%q); mount("devpts", %q, "devpts", MS_NOSUID|MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")`, pts, pts),
		"mkdir $ROOTFS/dev/pts; mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $ROOTFS/dev/pts", func() error {
			if err := os.Mkdir(pts, 0o755); err != nil {
				return err
			}
			return unix.Mount("devpts", pts, "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
		}); err != nil {
		return err
	}
	if console == "" {
		return nil
	}
	return c.Stage(child.StageMount, fmt.Sprintf(`open("$ROOTFS/dev/console", O_CREAT); mount(%q, "$ROOTFS/dev/console", NULL, MS_BIND, NULL)`, console),
		"touch $ROOTFS/dev/console; mount --bind $(tty) $ROOTFS/dev/console", func() error {
			return bindFile(console, filepath.Join(dev, "console"))
		})
}

// keepOnly cuts the bounding set of every thread down to keep, and the
// permitted, effective and inheritable sets with it, so that the command
// the first process starts gets exactly keep (for root: P' = E' = bounding
// at its execve). Call it after the pivot: libcap finds the threads through
// /proc/self/task, which must be this PID namespace's.
func keepOnly(c *child.Conn, keep []string) error {
	want := map[cap.Value]bool{}
	for _, n := range keep {
		v, err := cap.FromName(strings.ToLower(n))
		if err != nil {
			c.Fail(fmt.Sprintf("unknown capability %q", n))
			return err
		}
		want[v] = true
	}
	var drop, kept []cap.Value
	for v := cap.Value(0); v < cap.MaxBits(); v++ {
		if want[v] {
			kept = append(kept, v)
		} else {
			drop = append(drop, v)
		}
	}
	call := fmt.Sprintf("prctl(PR_CAPBSET_DROP) ×%d on every thread; capset(effective = permitted = %d kept, inheritable = none)", len(drop), len(kept))
	return c.Stage(child.StageCaps, call, "capsh --drop=… (all but "+strings.Join(keep, ",")+")", func() error {
		if err := cap.DropBound(drop...); err != nil {
			return err
		}
		set := cap.NewSet()
		for _, f := range []cap.Flag{cap.Effective, cap.Permitted} {
			if err := set.SetFlag(f, true, kept...); err != nil {
				return err
			}
		}
		return set.SetProc()
	})
}
