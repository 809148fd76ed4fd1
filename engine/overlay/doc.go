// Package overlay mounts OverlayFS and reads back what it did: lower
// layers stacked read-only under one writable upper layer, shown merged at
// a mount point, with copy-up, whiteouts and opaque directories made
// visible.
//
//	mount("overlay", MERGED, "overlay", 0, "lowerdir=L2:L1,upperdir=UPPER,workdir=WORK")
//
//	MERGED   a.txt   b.txt          docs/                 what processes see
//	UPPER    a.txt*  b.txt (c 0/0)  docs/ opaque="y"      copy-up, whiteout, opaque dir
//	L2       …                                            read-only, above L1
//	L1       a.txt   b.txt          docs/old.txt          never written to
//
// Syscalls: mkdir(2), mount(2) fstype "overlay", umount2(2), lstat(2),
// getxattr(2), unlink(2), rmdir(2), chroot(2)+execve(2).
// Man pages: mount(2), xattr(7), inode(7); the kernel's
// Documentation/filesystems/overlayfs.rst.
package overlay
