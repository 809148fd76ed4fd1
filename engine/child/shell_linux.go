package child

// An interactive shell inside another process's namespaces, for the
// workbench's `s` key: a fresh copy of this binary joins them in its C
// constructor (engine/nsenter), then execve(2)s /bin/sh.
//
// Syscalls: setns(2) (before the runtime starts), execve(2).
// Man pages: nsenter(1), setns(2).

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"nakami/engine/nsenter"
	"nakami/engine/procfs"
)

// RoleShell is the hidden role that execs a shell after the constructor
// joined the namespaces named in its environment.
const RoleShell = "__nakami_shell__"

func init() {
	RegisterRole(RoleShell, func(args []string) int {
		if e := nsenter.Err(); e != "" {
			fmt.Fprintln(os.Stderr, "nakami: "+e)
			return 3
		}
		sh := "/bin/sh"
		env := append(os.Environ(), "PS1="+strings.Join(args, " ")+" # ")
		err := syscall.Exec(sh, []string{"sh", "-i"}, env)
		fmt.Fprintln(os.Stderr, "nakami: cannot start "+sh+": "+err.Error())
		return 3
	})
}

// ShellCommand returns a command that runs an interactive shell in every
// namespace of pid that differs from this process's. label becomes the
// prompt. The caller runs it on the real terminal.
func ShellCommand(pid int, label string) (*exec.Cmd, []string, error) {
	theirs, err := procfs.ReadNamespaces(pid)
	if err != nil {
		return nil, nil, err
	}
	mine, err := procfs.ReadNamespaces(os.Getpid())
	if err != nil {
		return nil, nil, err
	}
	var types []string
	for _, t := range procfs.NSTypes {
		if theirs[t.Name] != mine[t.Name] {
			types = append(types, t.Name)
		}
	}
	cmd := exec.Command("/proc/self/exe", RoleShell, label)
	cmd.Env = append(os.Environ(),
		nsenter.EnvPID+"="+strconv.Itoa(pid),
		nsenter.EnvTypes+"="+strings.Join(types, ","))
	return cmd, types, nil
}
