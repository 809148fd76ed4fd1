package engine

import (
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLockedOffMain: when the goroutine lands on the main thread, fn runs
// on another thread while the main one is held (the main thread is
// pretended: a test cannot choose where a goroutine lands).
func TestLockedOffMain(t *testing.T) {
	real := onMainThread
	defer func() { onMainThread = real }()
	var first atomic.Bool
	var held atomic.Int64
	onMainThread = func() bool {
		if first.CompareAndSwap(false, true) {
			held.Store(int64(unix.Gettid()))
			return true
		}
		return real()
	}
	var ran int
	LockedOffMain(func() { ran = unix.Gettid() })
	if ran == 0 || int64(ran) == held.Load() || ran == unix.Getpid() {
		t.Errorf("fn ran on thread %d; the held one is %d, the main one %d", ran, held.Load(), unix.Getpid())
	}
	// Without the pretence, fn never runs on the main thread either.
	onMainThread = real
	for i := 0; i < 200; i++ {
		LockedOffMain(func() { ran = unix.Gettid() })
		if ran == unix.Getpid() {
			t.Fatal("fn ran on the main thread")
		}
	}
}
