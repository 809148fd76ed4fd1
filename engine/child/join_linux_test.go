package child

import (
	"os"
	"testing"

	"nakami/engine/procfs"
	"nakami/internal/kerneltest"
)

func TestMain(m *testing.M) {
	Main()
	os.Exit(m.Run())
}

var allTypes = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

// TestJoinEveryType starts a child in eight new namespaces, then joins each
// one and proves from /proc that the joiner is in the child's namespace.
func TestJoinEveryType(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	c, err := Spawn(s, Spec{Role: "target", NewNS: allTypes, Hostname: "joined", MountProc: true, Boottime: 86400})
	if err != nil {
		t.Fatal(err)
	}
	want, err := procfs.ReadNamespaces(c.PID)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := procfs.ReadNamespaces(os.Getpid())
	for _, typ := range allTypes {
		if want[typ] == self[typ] {
			t.Fatalf("%s: the child did not get a new namespace", typ)
		}
	}
	for _, typ := range allTypes {
		t.Run(typ, func(t *testing.T) {
			types := []string{typ}
			if typ == "pid" || typ == "mnt" {
				// Inside the child's mount namespace /proc is its own
				// procfs, where /proc/self resolves only for members of
				// its PID namespace: join both, as nsenter -m -p would.
				types = []string{"pid", "mnt"}
			}
			var got map[string]procfs.NSLink
			if err := Probe(s.T, c.PID, types, "ns", &got); err != nil {
				t.Fatal(err)
			}
			if got[typ] != want[typ] {
				t.Errorf("after joining, %s is %v, want %v", typ, got[typ], want[typ])
			}
		})
	}
	// The thread path: uts, ipc, net, cgroup, mnt from a locked thread.
	for _, typ := range []string{"uts", "ipc", "net", "cgroup", "mnt"} {
		err := JoinThread(s.T, c.PID, []string{typ}, func() error {
			if typ == "mnt" {
				// Our PID is not in the child's procfs, so prove the join by
				// what /proc lists here: the child's PID namespace, PID 1 alone.
				pids, err := procfs.ReadProcPIDs("/proc")
				if err != nil || len(pids) != 1 || pids[0] != 1 {
					t.Errorf("thread joined mnt sees /proc PIDs %v, %v; want [1]", pids, err)
				}
				return nil
			}
			l, err := os.Readlink("/proc/thread-self/ns/" + typ)
			if err != nil {
				return err
			}
			if got, _ := procfs.ParseNSLink(l); got != want[typ] {
				t.Errorf("thread joined %s = %v, want %v", typ, got, want[typ])
			}
			return nil
		})
		if err != nil {
			t.Errorf("thread join %s: %v", typ, err)
		}
	}
	if h, err := Hostname(c.PID); err != nil || h != "joined" {
		t.Errorf("Hostname = %q, %v", h, err)
	}
	if err := c.Stop(); err != nil {
		t.Error(err)
	}
}

// TestJoinThreadGoesHome: after JoinThread no thread of this process is
// left in the joined namespace (a parked main thread would keep it alive).
func TestJoinThreadGoesHome(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	c, err := Spawn(s, Spec{Role: "target", NewNS: []string{"net", "uts"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	theirs, _ := procfs.ReadNamespaces(c.PID)
	for i := 0; i < 50; i++ {
		if err := JoinThread(nil, c.PID, []string{"net", "uts"}, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		for _, typ := range []string{"net", "uts"} {
			l, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/" + typ)
			if err != nil {
				continue
			}
			if got, _ := procfs.ParseNSLink(l); got == theirs[typ] {
				t.Errorf("thread %s is still in the child's %s namespace", task.Name(), typ)
			}
		}
	}
}
