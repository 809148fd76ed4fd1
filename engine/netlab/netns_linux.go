package netlab

// The lab's named network namespace, the way `ip netns add` and `ip netns
// del` make and remove one: a new net namespace created on a locked OS
// thread by unshare(CLONE_NEWNET) and kept alive by a bind mount of
// /proc/thread-self/ns/net on /run/netns/NAME, and the threads that join
// it to work inside (netlink sockets opened there belong to it).
//
// The thread is handed back to the runtime only after it has joined the
// host's namespace again; otherwise it stays locked and the runtime
// discards it, so no other goroutine ever runs in the wrong namespace.
// Unlike `ip netns add`, nakami does not turn /run/netns into a shared
// bind mount of itself: that would be one more mount on the host, and the
// namespace's file is only used from this mount namespace.
//
// Syscalls: mkdir(2), open(2) O_CREAT|O_EXCL, unshare(2) CLONE_NEWNET,
// mount(2) MS_BIND, setns(2) CLONE_NEWNET, umount2(2) MNT_DETACH,
// unlink(2), rmdir(2); write(2) of /proc/sys/net/ipv4/ip_forward.
// Man pages: ip-netns(8), network_namespaces(7), setns(2), unshare(2).

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"nakami/engine"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// AddNetns makes the named namespace, like `ip netns add`. It reports
// whether it had to create /run/netns (RemoveNetnsDir takes it away again).
func (n *Net) AddNetns() (madeDir bool, err error) {
	t := n.s.T
	if _, err := os.Stat(NetnsDir); errors.Is(err, os.ErrNotExist) {
		e, err := n.s.Journal.Record(engine.Entry{Kind: engine.KindEmptyDir, Path: NetnsDir})
		if err != nil {
			return false, err
		}
		err = t.Do(fmt.Sprintf("mkdir(%q, 0755)", NetnsDir), "mkdir -p "+NetnsDir, func() error {
			return os.Mkdir(NetnsDir, 0o755)
		})
		switch {
		case errors.Is(err, os.ErrExist):
			n.s.Journal.Forget(e) // another tool made it meanwhile: not ours
		case err != nil:
			return false, err
		default:
			madeDir = true
		}
	}
	if err := n.s.Journal.ReleasePath(n.NSPath); err != nil { // an earlier run's
		return madeDir, err
	}
	if err := n.record(engine.KindNetns, n.NSPath); err != nil {
		return madeDir, err
	}
	err = t.Do(fmt.Sprintf("open(%q, O_CREAT|O_EXCL); unshare(CLONE_NEWNET); mount(\"/proc/thread-self/ns/net\", %q, MS_BIND)", n.NSPath, n.NSPath),
		"ip netns add "+n.NS, func() error { return createNetns(n.NSPath) })
	return madeDir, err
}

// createNetns makes a new network namespace on a locked thread and
// bind-mounts it on path; the thread then returns to its own namespace.
func createNetns(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return err
	}
	f.Close()
	return onNetThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
		}
		if err := unix.Mount("/proc/thread-self/ns/net", path, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mounting the new namespace on %s: %w", path, err)
		}
		return nil
	})
}

// onNetThread runs fn, which may move its thread into another network
// namespace, on a locked OS thread that is not the main thread
// (engine.LockedOffMain: the main thread's /proc/self is nakami's own
// view), and moves the thread back to the namespace it started in
// afterwards. Only when that succeeds is the thread unlocked; otherwise it
// stays locked and ends with the goroutine, and the namespace (and the
// veth inside) with it.
func onNetThread(fn func() error) error {
	errc := make(chan error, 1)
	engine.LockedOffMain(func() {
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer home.Close()
		err = fn()
		if rerr := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); rerr == nil {
			runtime.UnlockOSThread()
		} else if err == nil {
			err = fmt.Errorf("cannot return to the host's network namespace: %w", rerr)
		}
		errc <- err
	})
	return <-errc
}

// joinNet runs fn on a thread inside the network namespace at path (see
// onNetThread). Netlink calls and sockets fn makes belong to it.
func joinNet(path string, fn func() error) error {
	return onNetThread(func() error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cannot open %s: %w", path, err)
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			return fmt.Errorf("cannot join the network namespace at %s: %w", path, err)
		}
		return fn()
	})
}

// RemoveNetnsDir removes /run/netns when it is empty and this session made
// it (its journal names it); a directory holding anything is left alone.
func RemoveNetnsDir(s *engine.Session) error {
	return s.T.Do(fmt.Sprintf("rmdir(%q)", NetnsDir), "rmdir "+NetnsDir, func() error {
		for _, e := range s.Journal.Live() {
			if e.Kind == engine.KindEmptyDir && e.Path == NetnsDir {
				return s.Journal.Release(e)
			}
		}
		return nil
	})
}

// Inside runs fn on a thread that has joined the session's namespace.
// Netlink calls made by fn talk to that namespace.
func (n *Net) Inside(fn func() error) error {
	return joinNet(n.NSPath, fn)
}

// DelNetns is `ip netns del`: unmount and remove the namespace's file. The
// namespace dies with its last reference, and the veth end inside it with
// it, which takes the host's end away too; DelNetns waits for that.
func (n *Net) DelNetns() error {
	if err := n.DropNetns(); err != nil {
		return err
	}
	return n.AwaitVethGone()
}

// DropNetns is DelNetns without the wait, as `ip netns del` returns: the
// kernel tears the namespace down on a workqueue meanwhile.
func (n *Net) DropNetns() error {
	e, ok := n.live(engine.KindNetns, n.NSPath)
	if !ok {
		return fmt.Errorf("%s is not one of this session's live objects", n.NSPath)
	}
	return n.s.T.Do(fmt.Sprintf("umount2(%q, MNT_DETACH); unlink(%q)", n.NSPath, n.NSPath), "ip netns del "+n.NS, func() error {
		return n.s.Journal.Release(e)
	})
}

// AwaitVethGone waits until the host's end of the veth pair has gone with
// the namespace DropNetns let go of.
func (n *Net) AwaitVethGone() error {
	return n.s.T.Do("RTM_GETLINK "+n.Veth+" until ENODEV (the namespace is torn down asynchronously)", "ip link show "+n.Veth, func() error {
		for i := 0; i < 400; i++ {
			if _, err := netlink.LinkByName(n.Veth); err != nil {
				var nf netlink.LinkNotFoundError
				if errors.As(err, &nf) {
					n.releaseIfGone(n.Veth)
					n.releaseIfGone(n.Peer)
					return nil
				}
				return err
			}
			time.Sleep(5 * time.Millisecond)
		}
		return fmt.Errorf("%s still exists 2 s after its namespace was deleted", n.Veth)
	})
}

// SetForwardInside writes 1 to ip_forward in the namespace only: the
// sysctls under /proc/sys/net belong to the writer's network namespace.
func (n *Net) SetForwardInside() error {
	return n.s.T.Do(fmt.Sprintf("write(\"/proc/sys/net/ipv4/ip_forward\", \"1\") (in %s)", n.NS),
		"ip netns exec "+n.NS+" sysctl -w net.ipv4.ip_forward=1", func() error {
			return n.Inside(func() error {
				return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0)
			})
		})
}

// ReadHostForward reads ip_forward of the host's namespace (nakami's own
// threads are all in it; only locked, discarded threads ever leave).
func ReadHostForward() (string, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	return strings.TrimSpace(string(b)), err
}

func init() {
	engine.RegisterUndo(engine.KindNetns, func(e engine.Entry) error {
		if err := engine.UndoMount(e.Path); err != nil {
			return err
		}
		return engine.IgnoreMissing(os.Remove(e.Path))
	})
}
