package lessons

import (
	"os"

	"nakami/engine/caps"
	"nakami/engine/child"
	"nakami/engine/netlab"
)

// Running the capabilities lesson's programs: capRun starts one (through
// the engine) and keeps what the kernel counted while it ran; the checks
// that read those counters and the process's sockets.

// capRun starts r (stopping an earlier process of the same role), and
// keeps it and its result in e.
func capRun(e *Env, r caps.Program) (*child.Process, error) {
	if old := e.Procs[r.Role]; old != nil {
		old.Stop()
		delete(e.Procs, r.Role)
	}
	delete(e.PIDs, r.Role)
	before, err := readICMP(e)
	if err != nil {
		return nil, err
	}
	c, res, err := caps.StartProgram(e.S, r)
	if err != nil {
		return nil, err
	}
	after, err := readICMP(e)
	if err != nil {
		return nil, err
	}
	m := capICMPKey.Value(e)
	if m == nil {
		m = map[string][2]int64{}
		capICMPKey.Set(e, m)
	}
	m[r.Role] = [2]int64{after[0] - before[0], after[1] - before[1]}
	setCapResult(e, r.Role, res)
	if c != nil {
		e.Procs[r.Role], e.PIDs[r.Role] = c, c.PID
	}
	return c, nil
}

// capICMPKey holds, by role, how much the host's Icmp OutEchos and
// InEchoReps (/proc/net/snmp) rose while that role's program ran.
var capICMPKey = newKey[map[string][2]int64]("capabilities/icmp")

// readICMP reads the host's Icmp OutEchos and InEchoReps.
func readICMP(e *Env) ([2]int64, error) {
	var n [2]int64
	err := e.S.T.Do(`read("/proc/net/snmp")`, "grep Icmp: /proc/net/snmp", func() error {
		st, err := netlab.ReadSNMP(os.Getpid())
		n = [2]int64{st["Icmp"]["OutEchos"], st["Icmp"]["InEchoReps"]}
		return err
	})
	return n, err
}

// heldRun returns the live process of role and what its run reported.
func heldRun(e *Env, role string) (*child.Process, caps.Outcome, Text) {
	var res caps.Outcome
	c := e.Child(role)
	if c == nil {
		return nil, res, Tf("no %s process is running yet", "まだ %s のプロセスがありません", role)
	}
	res, _ = capResult(e, role)
	return c, res, Text{}
}

// capResults keeps what each role's run reported (its execve outcome).
var capResults = newKey[map[string]caps.Outcome]("capabilities/results")

func setCapResult(e *Env, role string, r caps.Outcome) {
	m, ok := capResults.Get(e)
	if !ok {
		m = map[string]caps.Outcome{}
		capResults.Set(e, m)
	}
	m[role] = r
}

func capResult(e *Env, role string) (caps.Outcome, bool) {
	r, ok := capResults.Value(e)[role]
	return r, ok
}

// pingCheck: the process holds a raw ICMP socket (owned by uid), and the
// host's kernel counted an echo request sent and a reply received while it
// ran.
func pingCheck(role string, uid int) Check {
	return Check{
		Name: T("it holds a raw ICMP socket, and the kernel counted its echo request and the reply (/proc/net/snmp)",
			"RAW ICMP ソケットを持ち、カーネルはエコー要求とその応答を数えた (/proc/net/snmp)"),
		Probe: func(e *Env) (bool, Text) {
			c, res, why := heldRun(e, role)
			if c == nil {
				return false, why
			}
			socks, err := netlab.RawSocketsOf(c.PID)
			if err != nil {
				return false, errText(err)
			}
			d := capICMPKey.Value(e)[role]
			if len(socks) != 1 || socks[0].Protocol != 1 || socks[0].UID != uid || d[0] < 1 || d[1] < 1 {
				return false, Tf("raw sockets %+v; Icmp OutEchos +%d, InEchoReps +%d", "RAW ソケット %+v。Icmp OutEchos +%d、InEchoReps +%d", socks, d[0], d[1])
			}
			return true, Tf("/proc/%d/fd → socket:[%d], in /proc/net/raw as protocol 1 (ICMP), uid %d; while it ran, Icmp OutEchos +%d, InEchoReps +%d (its own count: %d/%d in %.3f ms)",
				"/proc/%d/fd → socket:[%d]、/proc/net/raw ではプロトコル 1 (ICMP)、uid %d。実行中に Icmp OutEchos +%d、InEchoReps +%d (自身の数え: %d/%d、%.3f ms)",
				c.PID, socks[0].Inode, socks[0].UID, d[0], d[1], res.Ping.Received, res.Ping.Sent, float64(res.Ping.RTTns)/1e6)
		},
	}
}
