package main

import (
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"nakami/engine/procfs"
)

// BenchmarkWorkbenchFirstFrame: from starting the binary in tmux at 100×30
// to the first complete frame on the screen (polled every 2 ms, so it
// includes tmux's own latency). Reports the median.
func BenchmarkWorkbenchFirstFrame(b *testing.B) {
	t := &testing.T{}
	var ds []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s := newTmuxB(b, t)
		for !strings.Contains(s.screen(false), "Eight kinds of iso") {
			time.Sleep(2 * time.Millisecond)
		}
		ds = append(ds, time.Since(start))
		s.keys("q")
		s.waitGone()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "ms-first-frame")
}

// BenchmarkWorkbenchIdle: the workbench with a step run and the live /proc
// panel visible and refreshing, left alone for 10 s: CPU time used (as % of
// one core, from /proc/PID/stat) and resident memory (VmRSS).
func BenchmarkWorkbenchIdle(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := newTmuxB(b, &testing.T{})
		s.waitFor("Eight kinds of iso")
		s.keys("j", "j", "Enter")
		s.waitFor("every check passed")
		s.keys("Tab")
		s.waitFor("Live /proc", "NSpid")
		pid := workbenchPID(b, s)
		t0, c0 := time.Now(), cpuTicks(b, pid)
		time.Sleep(10 * time.Second)
		c1, t1 := cpuTicks(b, pid), time.Now()
		pct := float64(c1-c0) / 100 / t1.Sub(t0).Seconds() * 100 // USER_HZ is 100
		b.ReportMetric(pct, "%cpu-idle")
		b.ReportMetric(float64(rssKB(b, pid))/1024, "MB-rss")
		s.keys("q")
		s.waitFor("y  remove")
		s.keys("y")
		s.waitGone()
	}
}

func newTmuxB(b *testing.B, t *testing.T) *tmuxSession {
	// tmuxSession expects a *testing.T for its helpers; a benchmark's
	// failures go through b instead.
	sock := b.TempDir() + "/tmux.sock"
	s := &tmuxSession{t: t, sock: sock}
	out, err := exec.Command("tmux", "-S", sock, "new-session", "-d", "-s", "nk", "-x", "100", "-y", "30",
		"-e", "NAKAMI_BE_MAIN=1", "-e", "LANG=C.UTF-8", "-e", "NAKAMI_STATE_DIR="+b.TempDir(), benchBin(b), "namespaces").CombinedOutput()
	if err != nil {
		b.Fatalf("tmux: %v %s", err, out)
	}
	b.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	return s
}

func benchBin(b *testing.B) string {
	if binPath == "" {
		binPath = bin(&testing.T{})
	}
	return binPath
}

func workbenchPID(b *testing.B, s *tmuxSession) int {
	out, err := exec.Command("tmux", "-S", s.sock, "list-panes", "-t", "nk", "-F", "#{pane_pid}").Output()
	if err != nil {
		b.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return pid
}

func cpuTicks(b *testing.B, pid int) uint64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw)[strings.LastIndexByte(string(raw), ')')+2:])
	u, _ := strconv.ParseUint(f[11], 10, 64) // utime is field 14
	s, _ := strconv.ParseUint(f[12], 10, 64) // stime is field 15
	return u + s
}

func rssKB(b *testing.B, pid int) int {
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		b.Fatal(err)
	}
	_ = st
	raw, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}
