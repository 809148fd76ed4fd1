// Package rootfs builds root filesystems a process can be chrooted or
// pivoted into, from this machine's own files (programs and the shared
// libraries their ELF headers ask for, resolved the way the dynamic loader
// would), installs programs into them, runs a command chrooted in one, and
// demonstrates the chroot escape against a canary file nakami wrote.
//
//	chroot(2) moves the root directory; pivot_root(2) (child.PivotInto)
//	swaps the root mount of a mount namespace. The escape works only
//	against chroot, only while CAP_SYS_CHROOT remains:
//
//	  mkdir(".nakami-escape"); chroot(".nakami-escape")   cwd now lies outside the root
//	  chdir("..") ×256; chroot(".")                       the real root
//	  open(CANARY)                                        proof, and nothing else of the host
//
// The ELF resolver (elf.go) is pure file reading and builds and tests on
// any OS.
//
// Syscalls: mkdir(2), open(2)/read(2)/write(2), fchmod(2), symlink(2),
// chroot(2), chdir(2), execve(2).
// Man pages: chroot(2), pivot_root(2), path_resolution(7), ld.so(8),
// elf(5), ldconfig(8), capabilities(7).
package rootfs
