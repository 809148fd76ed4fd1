package cgroup

// Reading and writing cgroupfs interface files: every write goes through
// the transcript as the call made and the echo a person would type, and no
// file is ever created (cgroupfs files exist or the kernel does not offer
// them). The parsers behind the reads are cgroupfs.go's.
//
// Syscalls: open(2) O_WRONLY|O_TRUNC, write(2), read(2), stat(2).
// Man pages: cgroups(7); Documentation/admin-guide/cgroup-v2.rst
// ("Interface Files").

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"nakami/engine"
)

// writeCg writes value to a cgroupfs file (no O_CREAT: cgroupfs files
// exist or the kernel does not offer them) and records it in t, as the
// call and as the echo a person would type.
func writeCg(t *engine.Transcript, file, value string) error {
	fn := func() error {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString(value)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if t == nil {
		return fn()
	}
	return t.Do(fmt.Sprintf("write(%q, %q)", file, value), fmt.Sprintf("echo %s > %s", shellWord(value), file), fn)
}

func shellWord(v string) string {
	if strings.ContainsAny(v, " \t'\"$") {
		return "'" + v + "'"
	}
	return v
}

func ReadFields(file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

func readUint(file string) (uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

func readLimit(file string) (int64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return ParseLimit(string(b))
}

func readKeyed(file string) (map[string]uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseKeyed(string(b))
}

// FileExists reports whether an interface file is there: the kernel
// creates them when a group is made, one set per controller.
func FileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
