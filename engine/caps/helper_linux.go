package caps

// The capability helper, the hidden role __nakami_capexec__ SPEC: it gives
// itself the capability state SPEC asks for, step by step, then execve(2)s
// the file (or holds as itself), reporting every step as a line
// {"helper":{"op":…}} on standard output (the exchange is drawn in
// run_linux.go). Every change goes through libcap's cap package, which
// makes it on all threads at once: capabilities and no_new_privs belong to
// each thread, and a bare prctl(2) would change only one.
//
// Syscalls: capset(2); prctl(2) PR_CAPBSET_DROP, PR_SET_SECUREBITS,
// PR_SET_KEEPCAPS, PR_CAP_AMBIENT_RAISE, PR_SET_NO_NEW_PRIVS (each on
// every thread); setgroups(2), setgid(2), setuid(2); execve(2).
// Man pages: capabilities(7), prctl(2), credentials(7), execve(2), capsh(1).

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"

	"nakami/engine"
	"nakami/engine/netlab"

	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/cap"
)

type helperSpec struct {
	Setup Setup    `json:"setup"`
	Path  string   `json:"path"`
	Argv  []string `json:"argv"`
	Hold  bool     `json:"hold,omitempty"` // after a failed execve, hold as itself
}

func capexecMain(args []string) int {
	out := json.NewEncoder(os.Stdout)
	fail := func(errno, detail string) int {
		out.Encode(capLine{Helper: &helperMsg{ExecErr: errno, Detail: detail}})
		return 3
	}
	var h helperSpec
	if len(args) != 1 || json.Unmarshal([]byte(args[0]), &h) != nil {
		return fail("EINVAL", "the helper needs one JSON argument")
	}
	st := h.Setup
	step := func(call, shell string, fn func() error) bool {
		op, err := engine.Perform(call, shell, func() (string, error) { return "", fn() })
		out.Encode(capLine{Helper: &helperMsg{Op: &op}})
		return err == nil
	}
	names := func(m uint64) string { return strings.Join(Names(m), ",") }
	ok := step(fmt.Sprintf("capset(inheritable=%#x)", st.Inh), "capsh --inh="+names(st.Inh), func() error {
		c := cap.GetProc()
		c.ClearFlag(cap.Inheritable)
		c.SetFlag(cap.Inheritable, true, capValues(st.Inh)...)
		return c.SetProc()
	})
	self, err := ReadSets(os.Getpid())
	if err != nil {
		return fail("ENOENT", err.Error())
	}
	if drop := self.Bounding &^ st.Bnd; ok && drop != 0 {
		ok = step(fmt.Sprintf("prctl(PR_CAPBSET_DROP, …) ×%d, on every thread", len(Bits(drop))), "capsh --drop="+names(drop),
			func() error { return cap.DropBound(capValues(drop)...) })
	}
	if ok && st.NoRoot {
		ok = step("prctl(PR_SET_SECUREBITS, SECBIT_NOROOT)", "capsh --secbits=1", cap.Secbits(cap.SecbitNoRoot).Set)
	}
	if ok && st.UID != 0 {
		ok = step(fmt.Sprintf("setgroups(0, []); setgid(%d); prctl(PR_SET_KEEPCAPS, 1); setuid(%d)", st.GID, st.UID),
			fmt.Sprintf("capsh --keep=1 --gid=%d --uid=%d", st.GID, st.UID), func() error {
				if err := cap.SetGroups(st.GID); err != nil {
					return err
				}
				return cap.SetUID(st.UID)
			})
	}
	if ok {
		eff := st.Eff
		if st.UID == 0 {
			eff = st.Prm
		}
		ok = step(fmt.Sprintf("capset(permitted=%#x, effective=%#x, inheritable=%#x)", st.Prm, eff, st.Inh),
			fmt.Sprintf("capsh --caps='%s'", capsText(st.Prm, eff, st.Inh)), func() error {
				c := cap.NewSet()
				c.SetFlag(cap.Permitted, true, capValues(st.Prm)...)
				c.SetFlag(cap.Effective, true, capValues(eff)...)
				c.SetFlag(cap.Inheritable, true, capValues(st.Inh)...)
				return c.SetProc()
			})
	}
	if ok && st.Amb != 0 {
		ok = step(fmt.Sprintf("prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, …) %s, on every thread", names(st.Amb)),
			"capsh --addamb="+names(st.Amb), func() error { return cap.SetAmbient(true, capValues(st.Amb)...) })
	}
	if ok && st.NoNewPrivs {
		ok = step("prctl(PR_SET_NO_NEW_PRIVS, 1), on every thread", "capsh --no-new-privs", func() error {
			_, err := cap.Prctlw(unix.PR_SET_NO_NEW_PRIVS, 1)
			return err
		})
	}
	if !ok {
		return fail("ESETUP", "the helper could not set up its capabilities")
	}
	if h.Path == "" { // hold as this process, sets as just made
		r, _ := netlab.Ping(0)
		out.Encode(r)
		netlab.HoldUntilEOF()
		return 0
	}
	err = syscall.Exec(h.Path, h.Argv, os.Environ())
	code := fail(engine.ErrnoName(err), fmt.Sprintf("execve(%q): %v", h.Path, err))
	if h.Hold {
		netlab.HoldUntilEOF()
	}
	return code
}

func capValues(m uint64) []cap.Value {
	var out []cap.Value
	for _, b := range Bits(m) {
		out = append(out, cap.Value(b))
	}
	return out
}

// capsText renders a process state the way capsh --caps takes it.
func capsText(p, e, i uint64) string {
	c := cap.NewSet()
	c.SetFlag(cap.Permitted, true, capValues(p)...)
	c.SetFlag(cap.Effective, true, capValues(e)...)
	c.SetFlag(cap.Inheritable, true, capValues(i)...)
	return c.String()
}
