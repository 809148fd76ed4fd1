package procfs

// Readers of live /proc state for one process.
//
// Syscalls: readlink(2), open(2)/read(2) on procfs. Man pages: proc(5),
// namespaces(7), user_namespaces(7), cgroups(7). Mount tables are parsed by
// github.com/moby/sys/mountinfo.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
)

func Path(pid int, name string) string {
	return filepath.Join("/proc", strconv.Itoa(pid), name)
}

// ReadNamespaces returns the namespace links of pid, keyed by link name
// (including pid_for_children and time_for_children).
func ReadNamespaces(pid int) (map[string]NSLink, error) {
	dir := Path(pid, "ns")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, Explain(pid, err)
	}
	out := map[string]NSLink{}
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, Explain(pid, err)
		}
		l, err := ParseNSLink(target)
		if err != nil {
			return nil, err
		}
		out[e.Name()] = l
	}
	return out, nil
}

// ReadStatus parses /proc/PID/status.
func ReadStatus(pid int) (Status, error) {
	b, err := os.ReadFile(Path(pid, "status"))
	if err != nil {
		return Status{}, Explain(pid, err)
	}
	return ParseStatus(string(b))
}

// ReadIDMaps returns uid_map and gid_map of pid, as the reader sees them.
func ReadIDMaps(pid int) (uid, gid []IDMap, err error) {
	for _, f := range []struct {
		name string
		dst  *[]IDMap
	}{{"uid_map", &uid}, {"gid_map", &gid}} {
		b, err := os.ReadFile(Path(pid, f.name))
		if err != nil {
			return nil, nil, Explain(pid, err)
		}
		if *f.dst, err = ParseIDMap(string(b)); err != nil {
			return nil, nil, err
		}
	}
	return uid, gid, nil
}

// ReadCgroups parses /proc/PID/cgroup (paths relative to the reader's
// cgroup namespace).
func ReadCgroups(pid int) ([]CgroupEntry, error) {
	b, err := os.ReadFile(Path(pid, "cgroup"))
	if err != nil {
		return nil, Explain(pid, err)
	}
	return ParseCgroup(string(b))
}

// ReadRoot returns where /proc/PID/root points.
func ReadRoot(pid int) (string, error) {
	r, err := os.Readlink(Path(pid, "root"))
	return r, Explain(pid, err)
}

// ReadMounts returns the mount table of pid's mount namespace.
func ReadMounts(pid int) ([]*mountinfo.Info, error) {
	f, err := os.Open(Path(pid, "mountinfo"))
	if err != nil {
		return nil, Explain(pid, err)
	}
	defer f.Close()
	return mountinfo.GetMountsFromReader(f, nil)
}

// CountMounts counts the lines of /proc/PID/mountinfo without parsing them
// (for a panel that refreshes several times a second).
func CountMounts(pid int) (int, error) {
	b, err := os.ReadFile(Path(pid, "mountinfo"))
	if err != nil {
		return 0, Explain(pid, err)
	}
	return strings.Count(string(b), "\n"), nil
}

// IsMountPoint reports whether path is a mount point in this process's
// mount namespace, from /proc/self/mountinfo.
func IsMountPoint(path string) (bool, error) {
	ms, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(path))
	return len(ms) > 0, err
}

// ReadProcPIDs lists the numeric entries of a procfs directory, e.g.
// /proc/PID/root/proc: the PIDs that procfs instance shows.
func ReadProcPIDs(procDir string) ([]int, error) {
	ents, err := os.ReadDir(procDir)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, n)
		}
	}
	sort.Ints(pids)
	return pids, nil
}

// ReadNetDevs lists the network interfaces of pid's network namespace.
func ReadNetDevs(pid int) ([]string, error) {
	b, err := os.ReadFile(Path(pid, "net/dev"))
	if err != nil {
		return nil, Explain(pid, err)
	}
	var devs []string
	for _, line := range strings.Split(string(b), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, "|") {
			devs = append(devs, strings.TrimSpace(name))
		}
	}
	sort.Strings(devs)
	return devs, nil
}

// ReadTimeOffsets returns /proc/PID/timens_offsets as "clock → seconds".
func ReadTimeOffsets(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(Path(pid, "timens_offsets"))
	if err != nil {
		return nil, Explain(pid, err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("timens_offsets line %q is malformed", line)
			}
			out[f[0]] = n
		}
	}
	return out, nil
}

// ProcessExists reports whether /proc/PID exists.
func ProcessExists(pid int) bool {
	_, err := os.Stat(Path(pid, "stat"))
	return err == nil
}

// SelfPID is this process's PID as the host sees it.
func SelfPID() int { return os.Getpid() }

// ReadPPidIn reads the parent PID of pid from another procfs instance, such
// as a container's /proc seen through /proc/HOSTPID/root/proc.
func ReadPPidIn(procDir string, pid int) (int, error) {
	st, err := ReadStatusIn(procDir, pid)
	return st.PPID, err
}

// ReadStatusIn parses the status file of pid in the proc mount at procDir
// (e.g. a container's /proc/PID/root/proc, or a probe's own /proc).
func ReadStatusIn(procDir string, pid int) (Status, error) {
	b, err := os.ReadFile(filepath.Join(procDir, strconv.Itoa(pid), "status"))
	if err != nil {
		return Status{}, err
	}
	return ParseStatus(string(b))
}
