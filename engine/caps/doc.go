// Package caps is capabilities(7) made visible: the names and bits of the
// kernel's capabilities and 64-bit masks (names.go), file capabilities as
// the security.capability attribute stores them (file.go), the execve(2)
// formula that computes a process's sets after it executes a file
// (formula.go), and, on Linux, reading a process's and its threads' sets,
// writing file capabilities, and running a program with chosen sets
// through a helper role, so that the formula can be proven on the kernel.
//
// The formula, in the order the kernel applies it (formula.go has the
// whole text):
//
//	P'(permitted)   = (P(inheritable) & F(inheritable)) | (F(permitted) & P(bounding)) | P'(ambient)
//	P'(effective)   = F(effective) ? P'(permitted) : P'(ambient)
//	P'(inheritable) = P(inheritable)      P'(bounding) = P(bounding)
//	root (uid 0, no SECBIT_NOROOT): F(inheritable) = F(permitted) = all
//
// names.go, file.go and formula.go are pure and build and test on any OS.
//
// Syscalls: capget(2), capset(2), prctl(2) (PR_CAPBSET_READ,
// PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_SET_SECUREBITS, PR_SET_KEEPCAPS,
// PR_SET_NO_NEW_PRIVS), getxattr(2)/setxattr(2)/removexattr(2) on
// security.capability, setuid(2), setgid(2), setgroups(2), execve(2),
// statfs(2), fchown(2), fchmod(2), mount(2).
// Man pages: capabilities(7), execve(2), prctl(2), credentials(7),
// xattr(7), setcap(8), getcap(8), capsh(1).
package caps
