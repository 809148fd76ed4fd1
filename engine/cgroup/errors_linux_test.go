package cgroup

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"nakami/internal/kerneltest"
)

// TestRefusedWriteIsErrno proves a kernel refusal survives the layers: the
// write of a negative pids.max that cgroupfs refuses with EINVAL comes back
// from Group.SetPids as an error errors.Is finds EINVAL in, and the
// transcript names it.
func TestRefusedWriteIsErrno(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	g := limitedGroup(t, s, "refused", "pids")
	mark := s.T.Len()
	err := g.SetPids(s.T, -5)
	if !errors.Is(err, unix.EINVAL) {
		t.Fatalf("SetPids(-5) = %v, want an error that is EINVAL", err)
	}
	ops := s.T.Since(mark)
	if len(ops) != 1 || ops[0].Outcome != "EINVAL" || !ops[0].Failed {
		t.Fatalf("transcript %+v, want one failed EINVAL write", ops)
	}
}
