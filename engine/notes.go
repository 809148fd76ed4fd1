package engine

// The notes the engine writes on its operations (Op.Detail), in English:
// the engine has no language. lessons/opnotes.go gives each of them in the
// session's language, matching these very constants (a %-verb stands for
// a value), so a note changed here cannot silently lose its translation.
// Errors are not notes: the kernel's strerror(3) text stays as it is.
const (
	NoteFaked     = "faked (negative control): not performed"
	NoteFakedNoNS = "; faked (negative control): no new namespace" // after "pid N"

	// engine/child
	NotePlaced     = "before the Go runtime started (C constructor), while the process had one thread"
	NoteTimeNS     = "done before the Go runtime started (C constructor)"
	NoteTHP        = "before the Go runtime starts, so the group is charged 4 KiB pages, not 2 MiB huge pages"
	NoteTHPOff     = NoteTHP + "; %s THP_enabled: 0"
	NoteTHPUnknown = "%s has no THP_enabled line (a kernel before 5.0)"
	NoteTHPRefused = "%s THP_enabled: %s (the kernel refused the flag; huge pages stay on)"

	// engine/cgroup
	NoteForkAll     = "%d children started under pids.max %d; no clone was refused"
	NoteForkRefused = "%d children started under pids.max %d, then clone() failed: %s"

	// engine/caps
	NoteNoCap       = "no capability %d: the last one is %d"
	NoteNotBounding = " (known, but not in nakami's bounding set)"
	NotePing        = "pid %d, uid %d euid %d, socket: %s, %d sent, %d received"

	// engine/rootfs
	NoteBuilt   = "%s: %d files, %.1f MB in %v"
	NoteOutside = "the working directory is now outside the root"

	// engine/netlab
	NoteServed  = " [exit 0; the server answered %d request(s)]" // after the client's output
	NoteNoReply = "no reply to icmp_seq=%d: %v"

	// engine/container
	NoteShellPID1 = "the shell keeps this process's PID: it is PID 1 of the new PID namespace"
	NoteInitStays = "PID 1 stays: it reaps orphans and forwards signals to the command"
)
