package procfs

// Pure parsers for files under /proc. They never touch the kernel, so they
// build and are tested on any OS against captured fixtures (testdata/).
//
// Man pages: proc(5) — /proc/PID/ns, status, stat, uid_map, gid_map, cgroup;
// user_namespaces(7) for the map format; cgroups(7) for the cgroup format.

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// NSLink is one entry of /proc/PID/ns: the type and the inode number that
// identifies the namespace. Two processes share a namespace exactly when
// their links name the same type and inode.
type NSLink struct {
	Type  string `json:"type"`
	Inode uint64 `json:"inode"`
}

// ParseNSLink parses a link target such as "uts:[4026531838]".
func ParseNSLink(target string) (NSLink, error) {
	typ, rest, ok := strings.Cut(target, ":[")
	if !ok || typ == "" || !strings.HasSuffix(rest, "]") {
		return NSLink{}, fmt.Errorf("namespace link %q is not of the form type:[inode]", target)
	}
	ino, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64)
	if err != nil {
		return NSLink{}, fmt.Errorf("namespace link %q has no valid inode number", target)
	}
	return NSLink{Type: typ, Inode: ino}, nil
}

// Status holds the fields of /proc/PID/status that lessons observe.
type Status struct {
	Name       string `json:"name"`
	PID        int    `json:"pid"`
	PPID       int    `json:"ppid"`
	Uid        [4]int `json:"uid"` // real, effective, saved, filesystem
	Gid        [4]int `json:"gid"`
	NSpid      []int  `json:"nspid"` // outermost first
	CapInh     uint64 `json:"cap_inh"`
	CapPrm     uint64 `json:"cap_prm"`
	CapEff     uint64 `json:"cap_eff"`
	CapBnd     uint64 `json:"cap_bnd"`
	CapAmb     uint64 `json:"cap_amb"`
	NoNewPrivs bool   `json:"no_new_privs"`
	State      string `json:"state"`
}

// ParseStatus parses the text of /proc/PID/status. Unknown lines are ignored;
// a known line with a malformed value is an error.
func ParseStatus(text string) (Status, error) {
	var st Status
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		var err error
		switch key {
		case "Name":
			st.Name = val
		case "State":
			st.State = val
		case "Pid":
			st.PID, err = strconv.Atoi(val)
		case "PPid":
			st.PPID, err = strconv.Atoi(val)
		case "Uid":
			err = parseIDQuad(val, &st.Uid)
		case "Gid":
			err = parseIDQuad(val, &st.Gid)
		case "NSpid":
			st.NSpid, err = parseInts(val)
		case "CapInh":
			st.CapInh, err = strconv.ParseUint(val, 16, 64)
		case "CapPrm":
			st.CapPrm, err = strconv.ParseUint(val, 16, 64)
		case "CapEff":
			st.CapEff, err = strconv.ParseUint(val, 16, 64)
		case "CapBnd":
			st.CapBnd, err = strconv.ParseUint(val, 16, 64)
		case "CapAmb":
			st.CapAmb, err = strconv.ParseUint(val, 16, 64)
		case "NoNewPrivs":
			st.NoNewPrivs = val == "1"
		}
		if err != nil {
			return Status{}, fmt.Errorf("status line %q is malformed", sc.Text())
		}
	}
	if st.PID == 0 {
		return Status{}, fmt.Errorf("status text has no Pid line")
	}
	return st, nil
}

func parseIDQuad(val string, out *[4]int) error {
	ids, err := parseInts(val)
	if err != nil || len(ids) != 4 {
		return fmt.Errorf("want four ids")
	}
	copy(out[:], ids)
	return nil
}

func parseInts(val string) ([]int, error) {
	var out []int
	for _, f := range strings.Fields(val) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// IDMap is one line of uid_map or gid_map: Count ids starting at Inside in
// the process's user namespace correspond to ids starting at Outside in the
// namespace of whoever reads the file.
type IDMap struct {
	Inside  uint32 `json:"inside"`
	Outside uint32 `json:"outside"`
	Count   uint32 `json:"count"`
}

// ParseIDMap parses uid_map or gid_map text.
func ParseIDMap(text string) ([]IDMap, error) {
	var out []IDMap
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("id map line %q does not have three fields", line)
		}
		var n [3]uint64
		for i := range f {
			v, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("id map line %q has a field that is not a 32-bit number", line)
			}
			n[i] = v
		}
		out = append(out, IDMap{uint32(n[0]), uint32(n[1]), uint32(n[2])})
	}
	return out, nil
}

// FormatIDMap renders maps the way the kernel prints them.
func FormatIDMap(m []IDMap) string {
	var b strings.Builder
	for _, e := range m {
		fmt.Fprintf(&b, "%10d %10d %10d\n", e.Inside, e.Outside, e.Count)
	}
	return b.String()
}

// CgroupEntry is one line of /proc/PID/cgroup: hierarchy ID, controllers
// (empty for the unified v2 hierarchy), and the path relative to the
// reader's cgroup namespace root.
type CgroupEntry struct {
	ID          int      `json:"id"`
	Controllers []string `json:"controllers"`
	Path        string   `json:"path"`
}

// ParseCgroup parses /proc/PID/cgroup.
func ParseCgroup(text string) ([]CgroupEntry, error) {
	var out []CgroupEntry
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("cgroup line %q does not have three fields", line)
		}
		id, err := strconv.Atoi(parts[0])
		if err != nil || id < 0 {
			return nil, fmt.Errorf("cgroup line %q has no hierarchy number", line)
		}
		if !strings.HasPrefix(parts[2], "/") {
			return nil, fmt.Errorf("cgroup line %q has a path that is not absolute", line)
		}
		var ctrls []string
		if parts[1] != "" {
			ctrls = strings.Split(parts[1], ",")
		}
		out = append(out, CgroupEntry{ID: id, Controllers: ctrls, Path: parts[2]})
	}
	return out, nil
}

// ParseStatStart returns the start time (field 22, in clock ticks since boot)
// from /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func ParseStatStart(text string) (uint64, error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat text has no command name")
	}
	f := strings.Fields(text[i+1:])
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 {
		return 0, fmt.Errorf("stat text has %d fields after the name, want at least 20", len(f))
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// ParseSysvKeys returns the keys column of a /proc/sysvipc table.
func ParseSysvKeys(text string) []string {
	keys := []string{}
	for i, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); i > 0 && len(f) > 0 {
			keys = append(keys, f[0])
		}
	}
	return keys
}

// Explain turns a failed read of /proc/PID into one plain sentence when the
// process vanished or belongs to someone else; the error it wraps stays
// reachable (errors.Is(err, fs.ErrNotExist)).
func Explain(pid int, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return &explained{fmt.Sprintf("process %d does not exist (or has exited)", pid), err}
	case errors.Is(err, fs.ErrPermission):
		if os.Geteuid() == 0 {
			return &explained{fmt.Sprintf("not allowed to read /proc/%d, even as root (the machine protects it)", pid), err}
		}
		return &explained{fmt.Sprintf("not allowed to read /proc/%d (it belongs to another user; try as root)", pid), err}
	}
	return err
}

// explained is a sentence for a person with the error it stands for.
type explained struct {
	sentence string
	err      error
}

func (e *explained) Error() string { return e.sentence }
func (e *explained) Unwrap() error { return e.err }
