package container

// A leaked file descriptor, on purpose: the confinement report's setns
// attempt through an fd of the host's mount namespace. Runtimes have
// leaked host fds into containers by mistake (runc's CVE-2024-21626 left
// one of the host's /sys/fs/cgroup open); here nakami hands the container
// an fd of its own /proc/self/ns/mnt over a Unix socket inside the root
// filesystem, and the process inside tries to join it. setns(2) into a
// mount namespace needs CAP_SYS_ADMIN in the user namespace that owns it —
// the host's — so holding the fd is not enough.
//
// Syscalls: socket(2) AF_UNIX, bind(2), listen(2), accept(2), sendmsg(2)
// and recvmsg(2) with SCM_RIGHTS, open(2) of /proc/self/ns/mnt, unshare(2)
// CLONE_FS, setns(2) CLONE_NEWNS. Man pages: unix(7), setns(2),
// mount_namespaces(7), user_namespaces(7).

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"nakami/engine"
)

// LeakHostMountNS listens on a Unix socket at path (a host path inside the
// container's root filesystem) and hands the first process that connects an
// fd of nakami's own mount namespace. stop closes the listener and removes
// the socket; it is journaled, so a crash leaves nothing either.
func LeakHostMountNS(s *engine.Session, path string) (stop func(), err error) {
	e, err := s.Journal.Record(engine.Entry{Kind: engine.KindFile, Path: path})
	if err != nil {
		return nil, err
	}
	var ln *net.UnixListener
	err = s.T.Do(fmt.Sprintf("socket(AF_UNIX, SOCK_STREAM); bind(%q); listen(); open(\"/proc/self/ns/mnt\") to send on accept", path),
		"# a runtime bug, on purpose: an fd of the host's mount namespace within the container's reach", func() error {
			var err error
			ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
			return err
		})
	if err != nil || ln == nil { // ln is nil when the negative control faked the bind
		s.Journal.Release(e)
		return func() {}, err
	}
	ln.SetUnlinkOnClose(false) // the journal's release removes it
	go func() {
		c, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		ns, err := os.Open("/proc/self/ns/mnt")
		if err != nil {
			return
		}
		defer ns.Close()
		c.WriteMsgUnix([]byte{0}, unix.UnixRights(int(ns.Fd())), nil)
	}()
	return func() { ln.Close(); s.Journal.Release(e) }, nil
}

// joinLeaked connects to sock, receives the fd sent there and tries to join
// the mount namespace it names, then to read canary (a host path outside
// the root filesystem) from there. leaked is what the fd is
// ("mnt:[4026531841]"); got is the canary's text if the escape worked.
func joinLeaked(sock, canary string) (leaked, got string, err error) {
	fd, err := receiveFD(sock)
	if err != nil {
		return "", "", err
	}
	defer unix.Close(fd)
	leaked, _ = os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Never unlocked: the thread leaves with the goroutine, whatever
		// namespace it ended in. CLONE_FS first, since setns(2) refuses a
		// mount namespace to a thread that shares its root with others.
		runtime.LockOSThread()
		if err = unix.Unshare(unix.CLONE_FS); err != nil {
			return
		}
		if err = unix.Setns(fd, unix.CLONE_NEWNS); err != nil {
			return
		}
		var b []byte
		b, err = os.ReadFile(canary)
		got = string(b)
	}()
	<-done
	return leaked, got, err
}

// receiveFD connects to a Unix socket and receives one fd (SCM_RIGHTS).
func receiveFD(path string) (int, error) {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(s)
	if err := unix.Connect(s, &unix.SockaddrUnix{Name: path}); err != nil {
		return -1, err
	}
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(s, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return -1, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) == 0 {
		return -1, fmt.Errorf("no fd received: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return -1, fmt.Errorf("no fd received: %v", err)
	}
	return fds[0], nil
}
