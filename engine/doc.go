// Package engine is the root of nakami's kernel side: the Session (one run
// of nakami, with an id, a temporary directory, a Journal and a
// Transcript), the journal every kernel object is written to before it is
// created, the transcript every effect operation goes through (Do, Add,
// Perform), the undo registry that removes journaled objects in reverse
// order (RegisterUndo, Undo, Release), journaled file operations (Mkdir,
// WriteFile, Remove), `nakami cleanup` for sessions that were killed, and
// errno names for the transcript.
//
// The mechanisms live in packages below it, each opening with a comment
// that names its system calls and man pages: procfs (reading /proc), child
// (the child protocol, roles, joining namespaces), cgroup, caps, netlab,
// rootfs, overlay, container, doctor and nsenter. They import this package;
// it imports only procfs.
//
// The order that matters, for every object a session makes:
//
//	Journal.Record(entry)      the journal line is written first
//	Transcript.Do(call, …)     then the object is made, and the operation recorded
//	…
//	Session.Close / Release    removed in reverse order, each marked {"undone":seq}
//	nakami cleanup             after a kill -9: the journals of dead sessions, unwound
//
// Syscalls: mkdir(2), open(2)/write(2) of journals and files,
// unlink(2), rmdir(2), umount2(2) MNT_DETACH, kill(2), getrandom(2).
// Man pages: proc(5) (/proc/PID/stat start times), umount(2), kill(2).
// The journal and transcript build on any OS; removing objects needs
// Linux.
package engine
