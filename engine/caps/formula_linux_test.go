package caps

import (
	"fmt"
	"os"
	"testing"

	"nakami/internal/kerneltest"
)

// formulaCase is one row of the execve table: a process state, a file,
// and what the calculator says; the test runs it on the kernel.
type formulaCase struct {
	name  string
	in    ExecInput
	file  string // setcap text; "none" for no attribute
	check func(ExecOutput) string
}

const nobody = 65534

var (
	netRaw  = uint64(1) << NetRaw
	chown   = uint64(1) << Chown
	sysAdm  = uint64(1) << SysAdmin
	docker  = uint64(0xa80425fb)
	netAdm  = uint64(1) << 12
	setpcap = uint64(1) << Setpcap
)

// formulaCases builds the table for a kernel whose capabilities are all.
func formulaCases(all uint64) []formulaCase {
	user := func(inh, amb, bnd uint64) ExecInput {
		return ExecInput{UID: nobody, Inh: inh, Prm: inh | amb, Amb: amb, Bnd: bnd}
	}
	root := func(inh, bnd uint64) ExecInput { return ExecInput{UID: 0, Inh: inh, Prm: all, Bnd: bnd} } // P: all of root's
	with := func(in ExecInput, f func(*ExecInput)) ExecInput { f(&in); return in }
	want := func(p, e, a uint64) func(ExecOutput) string {
		return func(o ExecOutput) string {
			if o.Err != "" || o.Sets.Permitted != p || o.Sets.Effective != e || o.Sets.Ambient != a {
				return fmt.Sprintf("calculator says P=%#x E=%#x A=%#x err=%q, the table expects P=%#x E=%#x A=%#x", o.Sets.Permitted, o.Sets.Effective, o.Sets.Ambient, o.Err, p, e, a)
			}
			return ""
		}
	}
	eperm := func(o ExecOutput) string {
		if o.Err != "EPERM" {
			return "the calculator does not predict EPERM"
		}
		return ""
	}
	suid := func(in ExecInput) ExecInput { in.SUIDRoot = true; return in }
	nnp := func(in ExecInput) ExecInput { in.NoNewPrivs = true; return in }
	return []formulaCase{
		{"nobody runs a plain file: nothing", user(0, 0, all), "none", want(0, 0, 0)},
		{"root runs a plain file: every capability of its bounding set", root(0, all), "none", want(all, all, 0)},
		{"root with Docker's bounding set gets exactly Docker's defaults", root(0, docker), "none", want(docker, docker, 0)},
		{"SECBIT_NOROOT: root runs a plain file and gets nothing", with(root(0, all), func(i *ExecInput) { i.NoRoot = true }), "none", want(0, 0, 0)},
		{"nobody runs a set-user-ID-root file: euid 0 and everything", suid(user(0, 0, all)), "none", want(all, all, 0)},
		{"no_new_privs: the set-user-ID bit is ignored", nnp(suid(user(0, 0, all))), "none", want(0, 0, 0)},
		{"cap_net_raw+ep: nobody gets exactly CAP_NET_RAW", user(0, 0, all), "cap_net_raw+ep", want(netRaw, netRaw, 0)},
		{"effective bit off: permitted but not effective", user(0, 0, all), "cap_net_raw+p", want(netRaw, 0, 0)},
		{"no_new_privs: file capabilities grant nothing", nnp(user(0, 0, all)), "cap_net_raw+ep", want(0, 0, 0)},
		{"effective bit on, bounding lacks the capability: execve fails", user(0, 0, all&^netRaw), "cap_net_raw+ep", eperm},
		{"effective bit off, bounding lacks it: runs without it", user(0, 0, all&^netRaw), "cap_net_raw+p", want(0, 0, 0)},
		{"file inheritable meets process inheritable (no effective)", user(netRaw, 0, all), "cap_net_raw+i", want(netRaw, 0, 0)},
		{"file inheritable meets process inheritable, effective on", user(netRaw, 0, all), "cap_net_raw+ei", want(netRaw, netRaw, 0)},
		{"file inheritable without process inheritable: nothing", user(0, 0, all), "cap_net_raw+ei", want(0, 0, 0)},
		{"the bounding set does not limit the inheritable path", user(netRaw, 0, all&^netRaw), "cap_net_raw+ei", want(netRaw, netRaw, 0)},
		{"ambient CAP_NET_RAW survives a plain file", user(netRaw, netRaw, all), "none", want(netRaw, netRaw, netRaw)},
		{"a file with capabilities clears the ambient set", user(netRaw, netRaw, all), "cap_chown+ep", want(chown, chown, 0)},
		{"a set-user-ID-root file clears the ambient set", suid(user(netRaw, netRaw, all)), "none", want(all, all, 0)},
		{"even an empty file capability clears the ambient set", user(netRaw, netRaw, all), "=", want(0, 0, 0)},
		{"ambient survives no_new_privs (nothing new is gained)", nnp(user(netRaw, netRaw, all)), "none", want(netRaw, netRaw, netRaw)},
		{"root keeps its inheritable set in P' even outside bounding", root(netAdm, docker), "none", want(docker|netAdm, docker|netAdm, 0)},
		{"root running a file with capabilities still gets everything", root(0, all), "cap_chown+ep", want(all, all, 0)},
		{"set-user-ID root plus file capabilities, run by nobody: only the file's", suid(user(0, 0, all)), "cap_net_raw+ep", want(netRaw, netRaw, 0)},
		{"root with no_new_privs keeps everything (nothing is new)", nnp(root(0, all)), "none", want(all, all, 0)},
		{"root, effective bit on, bounding lacks the file's capability: EPERM", root(0, all&^sysAdm), "cap_sys_admin+ep", eperm},
		{"SECBIT_NOROOT with a set-user-ID-root file: euid 0, no capabilities", with(suid(user(0, 0, all)), func(i *ExecInput) { i.NoRoot = true }), "none", want(0, 0, 0)},
		{"SECBIT_NOROOT does not stop file capabilities", with(root(0, all), func(i *ExecInput) { i.NoRoot = true }), "cap_setpcap+ep", want(setpcap, setpcap, 0)},
	}
}

// TestFormulaAgainstKernel runs every row on the kernel: a helper process
// takes the row's sets, executes a copy of this binary carrying the row's
// file capabilities, and the new sets are read from /proc/PID/status.
func TestFormulaAgainstKernel(t *testing.T) {
	kerneltest.Need(t)
	s := kerneltest.Session(t)
	last, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	// "Everything" is this process's bounding set: no process can gain a
	// capability its bounding set lacks (some machines drop a few).
	self, err := ReadSets(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	all := self.Bounding
	path, err := CopySelf(s, "formula", 0, 0, 0o755, "cp /bin/ping ./formula")
	if err != nil {
		t.Fatal(err)
	}
	verified := 0
	for _, fc := range formulaCases(all) {
		in := fc.in
		if fc.file != "none" {
			f, err := ParseText(fc.file, last)
			if err != nil {
				t.Fatalf("%s: %v", fc.name, err)
			}
			in.File = &f
		}
		want := AfterExec(in)
		if msg := fc.check(want); msg != "" {
			t.Errorf("%s: %s", fc.name, msg)
			continue
		}
		mark := s.T.Len()
		got, err := RunFormula(s, path, in)
		if err != nil || got.Err == "ESETUP" {
			for _, op := range s.T.Since(mark) {
				t.Logf("  %s → %s %s", op.Call, op.Outcome, op.Detail)
			}
		}
		if err != nil {
			t.Errorf("%s: %v", fc.name, err)
			continue
		}
		if got.Err != want.Err || got.Sets != want.Sets || got.EUID != want.EUID {
			t.Errorf("%s:\n  kernel     err=%q euid=%d %+v\n  calculator err=%q euid=%d %+v", fc.name, got.Err, got.EUID, got.Sets, want.Err, want.EUID, want.Sets)
			continue
		}
		verified++
	}
	t.Logf("%d of %d execve cases: the calculator and the kernel agree", verified, len(formulaCases(all)))
	if verified < 20 {
		t.Errorf("only %d cases verified, want at least 20", verified)
	}
}
