package child

// Changing the child's root before it becomes a role, as stages of the
// child protocol: the capability drop, pivot_root(2) in a new mount
// namespace and chroot(2), in that order (the sequence is drawn in doc.go;
// the rootfs package builds the trees and shows the chroot escape).
//
// Syscalls: mount(2), umount2(2), pivot_root(2), chroot(2), chdir(2),
// mkdir(2), rmdir(2), prctl(2) PR_CAPBSET_DROP, capset(2).
// Man pages: pivot_root(2), chroot(2), mount_namespaces(7), capabilities(7).

import (
	"fmt"
	"strings"

	"kernel.org/pub/linux/libs/security/libcap/cap"

	"golang.org/x/sys/unix"
)

// childRoot applies DropCaps, PivotRoot and Chroot.
//
// The capability drop comes first although capsh --chroot=DIR
// --drop=cap_sys_chroot chroots first: libcap changes every thread by
// listing them in /proc/self/task, which a new root usually lacks, and the
// order changes nothing, because chroot(2) asks the *effective* set, which
// a bounding-set drop leaves alone. Permitted and effective lose the
// capability at the execve(2) into the role: for root the kernel computes
// P' = E' = the bounding set. A child that changes root and does not
// execve cannot shed them on every thread, so that is refused.
func childRoot(c *Conn, spec Spec) error {
	if len(spec.DropCaps) > 0 {
		if err := DropCaps(c, spec); err != nil {
			return err
		}
	}
	if spec.PivotRoot != "" {
		if err := PivotInto(c, spec.PivotRoot); err != nil {
			return err
		}
	}
	if dir := spec.Chroot; dir != "" {
		return c.Stage(StageChroot, fmt.Sprintf("chroot(%q); chdir(\"/\")", dir), "chroot "+dir, func() error {
			if err := unix.Chroot(dir); err != nil {
				return err
			}
			return unix.Chdir("/")
		})
	}
	return nil
}

// DropCaps is the "caps" stage: it removes spec.DropCaps from the bounding
// set of every thread, and at once from the other sets unless spec changes
// root (then the execve into spec.Exec sheds them).
func DropCaps(c *Conn, spec Spec) error {
	rooted := spec.Chroot != "" || spec.PivotRoot != ""
	if rooted && len(spec.Exec) == 0 {
		err := fmt.Errorf("dropping capabilities in a new root needs an Exec role")
		c.Fail(err.Error())
		return err
	}
	var vals []cap.Value
	for _, n := range spec.DropCaps {
		v, err := cap.FromName(strings.ToLower(n))
		if err != nil {
			c.Fail(fmt.Sprintf("unknown capability %q", n))
			return err
		}
		vals = append(vals, v)
	}
	names := strings.Join(spec.DropCaps, ",")
	call := fmt.Sprintf("prctl(PR_CAPBSET_DROP, %s) on every thread", strings.ToUpper(names))
	if rooted {
		call += " (permitted and effective follow at execve: P' = E' = bounding)"
	} else {
		call += "; capset(effective, permitted, inheritable without it)"
	}
	return c.Stage(StageCaps, call, "capsh --drop="+names, func() error {
		if err := cap.DropBound(vals...); err != nil {
			return err
		}
		if rooted {
			return nil
		}
		set := cap.GetProc()
		for _, f := range []cap.Flag{cap.Effective, cap.Permitted, cap.Inheritable} {
			if err := set.SetFlag(f, false, vals...); err != nil {
				return err
			}
		}
		return set.SetProc()
	})
}

// PivotInto is the "pivot_root" stages: newRoot becomes the root mount of
// the caller's (new, private) mount namespace, with a fresh /proc, and the
// old root is detached.
func PivotInto(c *Conn, newRoot string) error {
	steps := []struct{ call, shell string }{
		{`mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)`, "mount --make-rprivate /"},
		{fmt.Sprintf("mount(%q, %q, NULL, MS_BIND|MS_REC, NULL)", newRoot, newRoot), "mount --bind $NEW_ROOT $NEW_ROOT"},
		{fmt.Sprintf(`chdir(%q); mkdir(".put_old", 0700)`, newRoot), "cd $NEW_ROOT; mkdir .put_old"},
		{`mount("proc", "proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)`, "mount -t proc proc $NEW_ROOT/proc"},
		{`pivot_root(".", ".put_old")`, "pivot_root . .put_old"},
		{`umount2("/.put_old", MNT_DETACH)`, "umount -l /.put_old"},
		{`rmdir("/.put_old"); chdir("/")`, "rmdir /.put_old; cd /"},
	}
	fns := []func() error{
		func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "") },
		func() error { return unix.Mount(newRoot, newRoot, "", unix.MS_BIND|unix.MS_REC, "") },
		func() error {
			if err := unix.Chdir(newRoot); err != nil {
				return err
			}
			if err := unix.Mkdir(".put_old", 0o700); err != nil && err != unix.EEXIST {
				return err
			}
			return nil
		},
		func() error {
			return unix.Mount("proc", "proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
		},
		func() error { return unix.PivotRoot(".", ".put_old") },
		func() error { return unix.Unmount("/.put_old", unix.MNT_DETACH) },
		func() error {
			if err := unix.Rmdir("/.put_old"); err != nil {
				return err
			}
			return unix.Chdir("/")
		},
	}
	for i, s := range steps {
		if err := c.Stage(StagePivotRoot, s.call, s.shell, fns[i]); err != nil {
			return err
		}
	}
	return nil
}
