package child

// An interactive shell inside another process's namespaces, for the
// workbench's `s` key: a fresh copy of this binary joins them in its C
// constructor (engine/nsenter), then execve(2)s /bin/sh.
//
// Syscalls: setns(2) (before the runtime starts), execve(2), ioctl(2)
// TIOCSPGRP (tcsetpgrp) to take the terminal back.
// Man pages: nsenter(1), setns(2), tcsetpgrp(3), credentials(7) (process
// groups and the controlling terminal).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

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
		if path := os.Getenv(envShellNetns); path != "" {
			// A named network namespace holds no process to join by PID:
			// join it from this thread, which execve(2) then keeps as the
			// process's only one.
			runtime.LockOSThread()
			if err := setnsFile(path, unix.CLONE_NEWNET); err != nil {
				fmt.Fprintf(os.Stderr, "nakami: cannot join the network namespace %s: %v\n", path, err)
				return 3
			}
		}
		if b := os.Getenv(envShellBanner); b != "" {
			fmt.Fprintln(os.Stderr, b)
		}
		sh := "/bin/sh"
		env := append(os.Environ(), "PS1="+strings.Join(args, " ")+" # ")
		err := syscall.Exec(sh, []string{"sh", "-i"}, env)
		fmt.Fprintln(os.Stderr, "nakami: cannot start "+sh+": "+err.Error())
		return 3
	})
}

// Shell is a shell to run on the real terminal (Run, with the terminal as
// its standard streams). An interactive shell makes its own process group
// the terminal's foreground group and, when it exits, gives it back to the
// group it found there; inside another PID namespace it cannot see that
// group (tcgetpgrp(3) returns 0 there), so the terminal would stay with a
// group that no longer exists and this process could no longer read it
// (EIO). Run hands the terminal back to this process's group itself.
type Shell struct{ Cmd *exec.Cmd }

// SetStdin, SetStdout and SetStderr set the shell's streams.
func (s Shell) SetStdin(r io.Reader)  { s.Cmd.Stdin = r }
func (s Shell) SetStdout(w io.Writer) { s.Cmd.Stdout = w }
func (s Shell) SetStderr(w io.Writer) { s.Cmd.Stderr = w }

// Run runs the shell to its end, then makes this process's group the
// terminal's foreground group again. A shell that exits with a status of
// its own (the last command failed) is not an error.
func (s Shell) Run() error {
	err := s.Cmd.Run()
	tty, ok := s.Cmd.Stdin.(*os.File)
	if !ok {
		tty = os.Stdin
	}
	// tcsetpgrp(3) from a background group raises SIGTTOU; ignore it
	// for the call, as job-control shells do.
	signal.Ignore(syscall.SIGTTOU)
	if terr := unix.IoctlSetPointerInt(int(tty.Fd()), unix.TIOCSPGRP, unix.Getpgrp()); terr != nil && terr != unix.ENOTTY {
		err = errors.Join(err, fmt.Errorf("cannot take the terminal back: %w", terr))
	}
	signal.Reset(syscall.SIGTTOU)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return nil
	}
	return err
}

// envShellNetns names a network namespace file the shell joins;
// envShellBanner is printed before the shell starts.
const (
	envShellNetns  = "_NAKAMI_SHELL_NETNS"
	envShellBanner = "_NAKAMI_SHELL_BANNER"
)

// WithBanner has the shell print banner (where it is, how to leave) before
// its first prompt.
func WithBanner(cmd *exec.Cmd, banner string) *exec.Cmd {
	cmd.Env = append(cmd.Env, envShellBanner+"="+banner)
	return cmd
}

func setnsFile(path string, nstype int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Setns(int(f.Fd()), nstype)
}

// NetnsShellCommand returns a command that runs an interactive shell in the
// network namespace the file path holds (a named netns under /run/netns),
// everything else shared with this process. label becomes the prompt.
func NetnsShellCommand(path, label string) (*exec.Cmd, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("there is no network namespace at %s: %w", path, err)
	}
	cmd := exec.Command("/proc/self/exe", RoleShell, label)
	cmd.Env = append(os.Environ(), envShellNetns+"="+path)
	return cmd, nil
}

// ShellCommand returns a command that runs an interactive shell in every
// namespace of pid that differs from this process's. label becomes the
// prompt. The caller runs it on the real terminal, through Shell.
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
