package container

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
)

// TestLeakedFDJoinsWhenPrivileged: the confinement step's setns attempt is
// not refused by construction. Run by root in the host's user namespace
// (which holds CAP_SYS_ADMIN over the host's mount namespace), the same
// code receives the fd, joins, and reads the canary; only a container's
// missing privilege makes it fail. The socket is gone after stop.
func TestLeakedFDJoinsWhenPrivileged(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	dir, err := s.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	canary := filepath.Join(dir, "canary")
	if err := os.WriteFile(canary, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "leak.sock")
	stop, err := LeakHostMountNS(s, sock)
	if err != nil {
		t.Fatal(err)
	}
	leaked, got, err := joinLeaked(sock, canary)
	stop()
	mine, _ := procfs.ReadNamespaces(os.Getpid())
	if want := "mnt:[" + strconv.FormatUint(mine["mnt"].Inode, 10) + "]"; err != nil || leaked != want || got != "outside" {
		t.Errorf("joinLeaked = %q, %q, %v; want %q, \"outside\", nil", leaked, got, err, want)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the socket is still there after stop: %v", err)
	}
	os.Remove(canary)
}
