package lessons

// Live capability data for the workbench's panel, without importing
// engine: a process's five sets by name, a file's capabilities by name,
// the list of this kernel's capabilities, and the execve formula worked
// through for the capabilities/formula step.

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"nakami/engine/caps"
)

// State the capabilities lesson keeps: the copy of the program the current
// step works on (its steps show it live, through capFile), and the formula
// worked through by capabilities/formula.
var (
	capFileKey = newKey[string]("capabilities/file")
	formulaKey = newKey[FormulaView]("capabilities/formula")
)

// capFile is the capabilities steps' Live.File.
func capFile(e *Env) string { return capFileKey.Value(e) }

// CapSet is one capability set of a process.
type CapSet struct {
	Name  string   `json:"name"`  // inheritable, permitted, effective, bounding, ambient
	Line  string   `json:"line"`  // CapInh, CapPrm, …
	Hex   string   `json:"hex"`   // 16 digits, as /proc/PID/status prints it
	Caps  []string `json:"caps"`  // names, lowest bit first
	Count int      `json:"count"` // len(Caps)
	Of    int      `json:"of"`    // how many capabilities the kernel knows
}

// CapSets reads pid's five sets from /proc/PID/status, in the order the
// file lists them.
func CapSets(pid int) ([]CapSet, error) {
	cs, err := caps.ReadSets(pid)
	if err != nil {
		return nil, err
	}
	last, _ := caps.LastCap()
	var out []CapSet
	for i, m := range cs.Masks() {
		names := caps.Names(m)
		out = append(out, CapSet{Name: caps.SetNames[i][0], Line: caps.SetNames[i][1], Hex: fmt.Sprintf("%016x", m),
			Caps: names, Count: len(names), Of: last + 1})
	}
	return out, nil
}

// FileCapsView is what a file carries: owner, set-user-ID bit and its
// security.capability attribute.
type FileCapsView struct {
	Path        string   `json:"path"`
	Mode        string   `json:"mode"` // as ls -l prints it
	UID         int      `json:"uid"`
	SetUID      bool     `json:"setuid"`
	Present     bool     `json:"present"` // the attribute exists
	Text        string   `json:"text"`    // as getcap prints it, e.g. cap_net_raw=ep
	Revision    int      `json:"revision,omitempty"`
	RootID      uint32   `json:"rootid,omitempty"`
	Permitted   []string `json:"permitted"`
	Inheritable []string `json:"inheritable"`
	Effective   bool     `json:"effective"`
}

// FileCapsOf reads path's capabilities.
func FileCapsOf(path string) (FileCapsView, error) {
	v := FileCapsView{Path: path}
	fi, err := os.Stat(path)
	if err != nil {
		return v, err
	}
	v.Mode, v.SetUID = lsMode(fi.Mode()), fi.Mode()&os.ModeSetuid != 0
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		v.UID = int(st.Uid)
	}
	f, ok, err := caps.ReadFile(path)
	if err != nil || !ok {
		return v, err
	}
	last, _ := caps.LastCap()
	v.Present, v.Text, v.Revision, v.RootID, v.Effective = true, f.Text(last), f.Revision, f.RootID, f.Effective
	v.Permitted, v.Inheritable = caps.Names(f.Permitted), caps.Names(f.Inheritable)
	return v, nil
}

// CapInfo is one capability of this kernel.
type CapInfo struct {
	Bit     int    `json:"bit"`
	Name    string `json:"name"`
	Meaning Text   `json:"meaning"`
}

// CapList lists every capability of the running kernel with its meaning.
func CapList() ([]CapInfo, error) {
	last, err := caps.LastCap()
	if err != nil {
		return nil, err
	}
	var out []CapInfo
	for b := 0; b <= last; b++ {
		out = append(out, CapInfo{b, caps.Name(b), capMeaning(b)})
	}
	return out, nil
}

// FormulaView is the formula step's calculation and what the kernel did.
type FormulaView struct {
	Input     caps.ExecInput  `json:"input"`
	Predicted caps.ExecOutput `json:"predicted"`
	Kernel    caps.ExecOutput `json:"kernel"` // read from /proc/PID/status right after execve
	PID       int             `json:"pid,omitempty"`
}

// FormulaLine is one line of the worked formula, ready to show.
type FormulaLine struct {
	Expr  string `json:"expr"`  // e.g. P'(permitted) = (P(inh) & F(inh)) | …
	Value string `json:"value"` // the result as 16 hex digits
	Caps  string `json:"caps"`  // the result by name
	Why   string `json:"why"`   // the rule, in the chosen language
}

// Formula returns the formula worked through for the last run of
// capabilities/formula in e, or false before it ran.
func Formula(e *Env) (*FormulaView, bool) {
	v, ok := formulaKey.Get(e)
	return &v, ok
}

// Lines renders the worked formula in lang.
func (v *FormulaView) Lines(lang string) []FormulaLine {
	var out []FormulaLine
	for _, r := range v.Predicted.Work {
		l := FormulaLine{Expr: r.Expr, Why: ruleText[r.ID].In(lang)}
		if r.ID != caps.RuleRootEff && r.ID != caps.RuleNoFileCaps {
			l.Value, l.Caps = fmt.Sprintf("%016x", r.Value), strings.Join(caps.Names(r.Value), ",")
		}
		out = append(out, l)
	}
	return out
}

// Agrees reports whether the kernel did what the formula predicted.
func (v *FormulaView) Agrees() bool {
	if v.Predicted.Err != "" || v.Kernel.Err != "" {
		return v.Predicted.Err == v.Kernel.Err
	}
	return v.Predicted.Sets == v.Kernel.Sets && v.Predicted.EUID == v.Kernel.EUID
}

// lsMode renders a mode as ls -l does (-rwsr-xr-x for set-user-ID).
func lsMode(m os.FileMode) string {
	b := []byte("-" + m.Perm().String()[1:])
	if m.IsDir() {
		b[0] = 'd'
	}
	if m&os.ModeSetuid != 0 {
		b[3] = map[bool]byte{true: 's', false: 'S'}[b[3] == 'x']
	}
	return string(b)
}
