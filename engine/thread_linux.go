package engine

// A thread to join namespaces on that is never the process's main thread.
// /proc/self is the main thread's view (proc(5): it names the thread-group
// leader), and nakami reads its own namespaces, mounts and cgroups there
// as the host's; a goroutine that joined a namespace on the main thread
// would make those reads show the joined one for as long as it runs. And
// a goroutine that exits while locked to the main thread parks it for good
// instead of ending it, keeping whatever it joined alive.
//
// Syscalls: gettid(2), getpid(2). Man pages: proc(5) (/proc/self,
// /proc/thread-self), setns(2).

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// onMainThread tells whether the calling thread is the main thread (a
// variable so that a test can pretend it is).
var onMainThread = func() bool { return unix.Gettid() == unix.Getpid() }

// LockedOffMain runs fn in a new goroutine locked to an OS thread other
// than the main thread, and waits for it. fn may leave the thread locked
// (after unshare(CLONE_FS), or when it could not return to the namespaces
// it came from): the thread then ends with the goroutine.
func LockedOffMain(fn func()) {
	done := make(chan struct{})
	var run func()
	run = func() {
		runtime.LockOSThread()
		if onMainThread() {
			// Hold the main thread, so that the next goroutine runs on
			// another, and give it back when fn is done there.
			go run()
			<-done
			runtime.UnlockOSThread()
			return
		}
		defer close(done)
		fn()
	}
	go run()
	<-done
}
