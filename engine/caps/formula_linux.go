package caps

// The execve formula proven on the kernel: prepare a file (set-user-ID bit,
// security.capability), have the helper take a process state, let it
// execute the file, and read the new sets from /proc/PID/status.
//
// Syscalls: chmod(2), setxattr(2)/removexattr(2), execve(2) (in the
// helper), reads of /proc/PID/status. Man pages: capabilities(7), execve(2).

import (
	"fmt"
	"os"

	"nakami/engine"
	"nakami/engine/child"
	"nakami/engine/netlab"
	"nakami/engine/procfs"
)

// PrepareFile gives path the file side of in: owner root, mode 0755 or
// 04755, and in.File as its security.capability (removed when nil).
func PrepareFile(t *engine.Transcript, path string, in ExecInput) error {
	mode := os.FileMode(0o755)
	shell := "chmod 0755 " + path
	if in.SUIDRoot {
		mode |= os.ModeSetuid
		shell = "chmod 4755 " + path
	}
	if err := t.Do(fmt.Sprintf("chmod(%q, %#o)", path, uint32(mode.Perm())|map[bool]uint32{true: 0o4000}[in.SUIDRoot]), shell,
		func() error { return os.Chmod(path, mode) }); err != nil {
		return err
	}
	if in.File == nil {
		return RemoveFile(t, path)
	}
	return WriteFile(t, path, *in.File)
}

// SetupFor is the helper state that realises the process side of in.
func SetupFor(in ExecInput) Setup {
	gid := 0
	if in.UID != 0 {
		gid = in.UID
	}
	return Setup{UID: in.UID, GID: gid, Inh: in.Inh, Prm: in.Prm, Amb: in.Amb, Bnd: in.Bnd,
		NoRoot: in.NoRoot, NoNewPrivs: in.NoNewPrivs}
}

// RunFormula prepares path for in, executes it from a process in in's
// state, and returns what the kernel did: the new sets and effective uid
// read from /proc/PID/status, or the error execve returned. The process is
// stopped before RunFormula returns.
func RunFormula(s *engine.Session, path string, in ExecInput) (ExecOutput, error) {
	c, res, err := StartFormula(s, "formula", path, in)
	if c != nil && res.ExecErr != "" {
		c.Stop() // the helper held after the refused execve
		c = nil
	}
	if err != nil || c == nil {
		return ExecOutput{Err: res.ExecErr, UID: in.UID, EUID: in.UID}, err
	}
	defer c.Stop()
	return ObserveExec(c.PID)
}

// StartFormula prepares path and starts the held process. When execve
// is refused, the helper holds as itself (Outcome.ExecErr says why), so
// that a check can read from the kernel that the file never ran.
func StartFormula(s *engine.Session, role, path string, in ExecInput) (*child.Process, Outcome, error) {
	if err := PrepareFile(s.T, path, in); err != nil {
		return nil, Outcome{}, err
	}
	setup := SetupFor(in)
	return StartProgram(s, Program{Role: role, Path: path, Args: netlab.PingArgs(0), Setup: &setup, HoldOnFail: true,
		Shell: fmt.Sprintf("capsh --caps=… --user=… --addamb=… -- -c %s", path)})
}

// ObserveExec reads the state execve left in pid.
func ObserveExec(pid int) (ExecOutput, error) {
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		return ExecOutput{}, err
	}
	return ExecOutput{UID: st.Uid[0], EUID: st.Uid[1], Sets: SetsOf(st)}, nil
}
