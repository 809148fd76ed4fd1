package child

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"nakami/internal/kerneltest"
)

// TestChildFailureIsErrno proves an errno crosses the pipe: a child in a new
// user namespace only (its UTS namespace still the host's, owned by the
// initial user namespace) is refused sethostname(2) with EPERM; Spawn's
// error says so in a sentence and errors.Is finds EPERM in it.
func TestChildFailureIsErrno(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	before, _ := os.Hostname()
	c, err := Spawn(s, Spec{Role: "refused", NewNS: []string{"user"}, Hostname: "nakami-refused"})
	if err == nil {
		c.Stop()
		t.Fatal("sethostname succeeded in the host's UTS namespace")
	}
	if !errors.Is(err, unix.EPERM) {
		t.Fatalf("Spawn = %v, want an error that is EPERM", err)
	}
	var f *Failure
	if !errors.As(err, &f) || f.Op == nil || f.Op.Outcome != "EPERM" {
		t.Fatalf("Spawn = %#v, want a *Failure naming the refused operation", err)
	}
	if after, _ := os.Hostname(); after != before {
		t.Fatalf("the host's hostname changed from %q to %q", before, after)
	}
}
