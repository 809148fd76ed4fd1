package procfs

// Namespace types, as named in /proc/PID/ns and by unshare(1).
//
// Man pages: namespaces(7), and one per type: mount_namespaces(7),
// pid_namespaces(7), network_namespaces(7), ipc_namespaces(7),
// uts_namespaces(7), user_namespaces(7), cgroup_namespaces(7),
// time_namespaces(7).

// NSType describes one namespace type.
type NSType struct {
	Name    string // link name under /proc/PID/ns
	Flag    uintptr
	FlagStr string // the clone(2) flag's name
	Unshare string // the unshare(1) option
	Isolate string // what it isolates, in a few words
}

// Clone flags, spelled out so this file builds on any OS.
const (
	CloneNewNS     = 0x00020000
	CloneNewCgroup = 0x02000000
	CloneNewUTS    = 0x04000000
	CloneNewIPC    = 0x08000000
	CloneNewUser   = 0x10000000
	CloneNewPID    = 0x20000000
	CloneNewNet    = 0x40000000
	CloneNewTime   = 0x00000080
)

// NSTypes lists the eight namespace types in the order ls shows them.
var NSTypes = []NSType{
	{"cgroup", CloneNewCgroup, "CLONE_NEWCGROUP", "-C", "cgroup root directory"},
	{"ipc", CloneNewIPC, "CLONE_NEWIPC", "-i", "System V IPC objects, POSIX message queues"},
	{"mnt", CloneNewNS, "CLONE_NEWNS", "-m", "mount table"},
	{"net", CloneNewNet, "CLONE_NEWNET", "-n", "network devices, addresses, routes, ports"},
	{"pid", CloneNewPID, "CLONE_NEWPID", "-p", "process ID numbers"},
	{"time", CloneNewTime, "CLONE_NEWTIME", "-T", "boot-time and monotonic clock offsets"},
	{"user", CloneNewUser, "CLONE_NEWUSER", "-U", "user and group IDs, capabilities"},
	{"uts", CloneNewUTS, "CLONE_NEWUTS", "-u", "hostname and NIS domain name"},
}

// NSTypeByName finds a type by its /proc/PID/ns name.
func NSTypeByName(name string) (NSType, bool) {
	for _, t := range NSTypes {
		if t.Name == name {
			return t, true
		}
	}
	return NSType{}, false
}

// CloneFlagString renders flags the way strace does: CLONE_NEWUSER|CLONE_NEWUTS.
func CloneFlagString(names []string) string {
	s := ""
	for _, n := range names {
		t, ok := NSTypeByName(n)
		if !ok {
			continue
		}
		if s != "" {
			s += "|"
		}
		s += t.FlagStr
	}
	return s
}
