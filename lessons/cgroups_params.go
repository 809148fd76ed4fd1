package lessons

// The cgroup lesson's parameters: limits a learner may change with --set,
// each refused in one sentence before any group exists.

import (
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// The article's numbers: 50 % in the cgroupfs example (quota 50000 of the
// default 100000 µs period), 30 % for the container (quota 300000 of a
// 1000000 µs period), 10 MB of memory (10000000 bytes).
const (
	cpuPeriodUS    = 100000
	nestedPeriodUS = 1000000
	memFloor       = 8 << 20 // below this the lesson's own process cannot start
	pidsFloor      = 24      // the fork bomb's Go runtime holds about a dozen threads itself
	pidsCeiling    = 4096
)

var (
	percentRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)%?$`)
	bytesRe   = regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`)
	units     = map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1000,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000, "g": 1 << 30, "gib": 1 << 30, "gb": 1000 * 1000 * 1000}
)

// ParsePercent reads "50%" (or "50", "12.5%") as a share of one CPU, from
// 1 % to all of this machine's CPUs.
func ParsePercent(name, v string) (float64, error) {
	ncpu := runtime.NumCPU()
	m := percentRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, fmt.Errorf("%s=%s is not a percentage such as 50%% (from 1%% to %d%% on this machine's %d CPUs)", name, shown(v), 100*ncpu, ncpu)
	}
	p, _ := strconv.ParseFloat(m[1], 64)
	switch {
	case p < 1:
		return 0, fmt.Errorf("%s=%s is below 1%%, the smallest CPU quota the kernel takes (1000 µs of a 100000 µs period)", name, shown(v))
	case p > float64(100*ncpu):
		return 0, fmt.Errorf("%s=%s is more CPU than this machine has (%d CPUs, %d%%)", name, shown(v), ncpu, 100*ncpu)
	}
	return p, nil
}

// ParseBytes reads "10MB" (10000000, the article's figure), "10MiB",
// "10M" (binary, as the kernel reads it) or a plain byte count.
func ParseBytes(name, v string) (int64, error) {
	m := bytesRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, fmt.Errorf("%s=%s is not a size such as 10MB (a whole number with B, KB, MB, GB, KiB, MiB or GiB)", name, shown(v))
	}
	unit, ok := units[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("%s=%s has an unknown unit %q (use B, KB, MB, GB, KiB, MiB or GiB)", name, shown(v), m[2])
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("%s=%s is too large", name, shown(v))
	}
	return n * unit, nil
}

var cpuParam = Param{
	Name: "cpu", Default: "50%",
	Help: T("the CPU quota of the busy loop's group, in percent of one CPU", "ビジーループのグループに与える CPU クォータ(CPU 1 個に対する割合)"),
	Check: func(v string) error {
		_, err := ParsePercent("cpu", v)
		return err
	},
}

var memoryParam = Param{
	Name: "memory", Default: "10MB",
	Help: T("the memory limit of the allocating process's group", "メモリを確保し続けるプロセスのグループに与えるメモリ上限"),
	Check: func(v string) error {
		n, err := ParseBytes("memory", v)
		switch {
		case err != nil:
			return err
		case n < memFloor:
			return fmt.Errorf("memory=%s is below 8MiB, the least in which this lesson's process can start before it allocates", shown(v))
		case n > 1<<30:
			return fmt.Errorf("memory=%s is above 1GiB, more than this lesson will let a process allocate on your machine", shown(v))
		}
		return nil
	},
}

var pidsParam = Param{
	Name: "pids", Default: "32",
	Help: T("pids.max of the fork bomb's group (processes and threads)", "フォーク爆弾のグループの pids.max(プロセスとスレッドの数)"),
	Check: func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < pidsFloor || n > pidsCeiling {
			return fmt.Errorf("pids=%s is not a whole number from %d to %d (the fork bomb's own runtime needs about a dozen)", shown(v), pidsFloor, pidsCeiling)
		}
		return nil
	},
}

func percentParam(name, def string, help Text) Param {
	return Param{Name: name, Default: def, Help: help, Check: func(v string) error {
		_, err := ParsePercent(name, v)
		return err
	}}
}

var (
	taskCPUParam = percentParam("task-cpu", "30%", T("the CPU quota of the outer (task) group", "外側(タスク)のグループの CPU クォータ"))
	ctrCPUParam  = percentParam("container-cpu", "80%", T("the CPU quota of the inner (container) group", "内側(コンテナ)のグループの CPU クォータ"))
)

// paramPercent and paramBytes read a step's validated parameter.
func paramPercent(e *Env, lesson, step, name string) float64 {
	p, _ := ParsePercent(name, e.Param(stepOf(lesson, step), name))
	return p
}

func paramBytes(e *Env, lesson, step, name string) int64 {
	n, _ := ParseBytes(name, e.Param(stepOf(lesson, step), name))
	return n
}

// shown is a refused value as a sentence can hold it: as typed, or quoted
// when it holds a line break or another control character (found by
// FuzzParamCheck: cpu="\n" split the refusal over two lines).
func shown(v string) string {
	if strings.IndexFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return strconv.Quote(v)
	}
	return v
}
