package lessons

// capabilities/formula: the execve(2) formula as a calculator. The
// parameters describe a process and a file; the calculator (engine.Exec)
// says what the process will hold after executing the file, and the step
// proves it by doing exactly that and reading /proc/PID/status.

import (
	"fmt"
	"os"
	"strings"

	"nakami/engine/caps"
)

var formulaParams = []Param{
	{Name: "uid", Default: "nobody", Help: T("who runs the file: nobody or root", "ファイルを実行するユーザー: nobody か root"), Check: oneOf("nobody", "root")},
	{Name: "inh", Default: "cap_net_raw,cap_chown", Help: T("the process's inheritable set (names, comma separated)", "プロセスの inheritable セット (名前をカンマ区切りで)"), Check: capList},
	{Name: "amb", Default: "cap_chown", Help: T("the process's ambient set; must lie within inh", "プロセスの ambient セット。inh に含まれること"), Check: capList},
	{Name: "drop", Default: "", Help: T("capabilities dropped from the bounding set", "bounding セットから外すケーパビリティ"), Check: capList},
	{Name: "file", Default: "cap_net_raw+ei", Help: T("the file's capabilities as setcap takes them, or none", "setcap の書式でのファイルケーパビリティ、または none"), Check: fileText},
	{Name: "suid", Default: "no", Help: T("whether the file is set-user-ID root: yes or no", "ファイルが set-user-ID root か: yes か no"), Check: oneOf("yes", "no")},
	{Name: "nnp", Default: "no", Help: T("no_new_privs on the process: yes or no", "プロセスの no_new_privs: yes か no"), Check: oneOf("yes", "no")},
	{Name: "noroot", Default: "no", Help: T("SECBIT_NOROOT on the process: yes or no", "プロセスの SECBIT_NOROOT: yes か no"), Check: oneOf("yes", "no")},
}

func oneOf(vals ...string) func(string) error {
	return func(v string) error {
		for _, x := range vals {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(vals, ", "))
	}
}

func capList(v string) error {
	last, err := caps.LastCap()
	if err == nil {
		_, err = caps.Encode(v, last)
	}
	return err
}

func fileText(v string) error {
	if v == "none" {
		return nil
	}
	last, err := caps.LastCap()
	if err == nil {
		_, err = caps.ParseText(v, last)
	}
	return err
}

// formulaInput builds the calculator's input from the step's parameters.
func formulaInput(e *Env) (caps.ExecInput, error) {
	p := func(n string) string { return e.Param(stepOf("capabilities", "formula"), n) }
	last, err := caps.LastCap()
	if err != nil {
		return caps.ExecInput{}, err
	}
	self, err := caps.ReadSets(os.Getpid())
	if err != nil {
		return caps.ExecInput{}, err
	}
	inh, _ := caps.Encode(p("inh"), last)
	amb, _ := caps.Encode(p("amb"), last)
	drop, _ := caps.Encode(p("drop"), last)
	if amb&^inh != 0 {
		return caps.ExecInput{}, fmt.Errorf("amb=%s is not within inh=%s: the kernel keeps an ambient capability only while it is also inheritable", p("amb"), p("inh"))
	}
	in := caps.ExecInput{UID: nobody, Inh: inh, Prm: inh | amb, Amb: amb, Bnd: self.Bounding &^ drop,
		SUIDRoot: p("suid") == "yes", NoNewPrivs: p("nnp") == "yes", NoRoot: p("noroot") == "yes"}
	if p("uid") == "root" {
		in.UID, in.Prm = 0, self.Permitted
	}
	if in.Inh&^self.Bounding != 0 {
		return in, fmt.Errorf("inh=%s lists capabilities nakami's own bounding set lacks", p("inh"))
	}
	if f := p("file"); f != "none" {
		fc, err := caps.ParseText(f, last)
		if err != nil {
			return in, err
		}
		in.File = &fc
	}
	return in, nil
}

var formulaStep = &Step{
	ID:       "formula",
	Commands: []string{"sudo setcap cap_net_raw+ei ./formula", "sudo capsh --caps='cap_net_raw,cap_chown+ip cap_setuid,cap_setgid,cap_setpcap+ep' --keep=1 --user=nobody --addamb=cap_chown -- -c './formula; grep ^Cap /proc/$$/status'"},
	Requires: NeedsRoot, Why: rootWhy,
	Params: formulaParams,
	// The EPERM branch (the bounding set forbids what the effective bit
	// promises), root, set-user-ID root, no_new_privs over set-user-ID
	// (ignored: no gain) and SECBIT_NOROOT for root are proven too.
	Proofs: []map[string]string{
		{"drop": "cap_net_raw", "file": "cap_net_raw+ep"},
		{"uid": "root"},
		{"suid": "yes", "file": "none"},
		{"nnp": "yes", "suid": "yes", "file": "none"},
		{"uid": "root", "noroot": "yes"},
	},
	Live: Live{Procs: []string{"formula"}, File: capFile, Formula: true},
	Action: func(e *Env) error {
		in, err := formulaInput(e)
		if err != nil {
			return err
		}
		path, err := capCopy(e, "formula", 0, 0o755, "cp /bin/ping ./formula")
		if err != nil {
			return err
		}
		if old := e.Procs["formula"]; old != nil {
			old.Stop()
			delete(e.Procs, "formula")
		}
		delete(e.PIDs, "formula")
		c, res, err := caps.StartFormula(e.S, "formula", path, in)
		if err != nil {
			return err
		}
		setCapResult(e, "formula", res)
		view := FormulaView{Input: in, Predicted: caps.AfterExec(in)}
		if c != nil {
			e.Procs["formula"], e.PIDs["formula"] = c, c.PID
		}
		if c != nil && res.ExecErr == "" {
			e.Procs["formula"], e.PIDs["formula"] = c, c.PID
			view.Kernel, _ = caps.ObserveExec(c.PID)
			view.PID = c.PID
		} else {
			view.Kernel = caps.ExecOutput{Err: res.ExecErr}
		}
		formulaKey.Set(e, view)
		return nil
	},
	Checks: []Check{
		{
			Name: T("the file carries exactly the capabilities and mode the calculator assumed", "ファイルは計算の前提どおりのケーパビリティとモードを持つ"),
			Probe: func(e *Env) (bool, Text) {
				in, err := formulaInput(e)
				path := capCopies.Value(e)["formula"]
				if err != nil || path == "" {
					return false, T("no file has been prepared yet", "まだファイルを用意していません")
				}
				fi, err := os.Stat(path)
				if err != nil {
					return false, errText(err)
				}
				f, has, err := caps.ReadFile(path)
				if err != nil {
					return false, errText(err)
				}
				last, _ := caps.LastCap()
				got, want := "none", "none"
				if has {
					got = f.Text(last)
				}
				if in.File != nil {
					want = in.File.Text(last)
				}
				suid := fi.Mode()&os.ModeSetuid != 0
				if got != want || suid != in.SUIDRoot {
					return false, Tf("%s: %s, file capabilities %s (want %s)", "%s: %s、ファイルケーパビリティ %s (期待 %s)", path, lsMode(fi.Mode()), got, want)
				}
				return true, Tf("%s: %s, security.capability: %s", "%s: %s、security.capability: %s", path, lsMode(fi.Mode()), got)
			},
		},
		{
			Name: T("the kernel gave exactly what the formula computes", "カーネルは式の計算どおりの結果を与えた"),
			Probe: func(e *Env) (bool, Text) {
				in, err := formulaInput(e)
				if err != nil {
					return false, errText(err)
				}
				want := caps.AfterExec(in)
				res, ok := capResult(e, "formula")
				if !ok {
					return false, T("the file has not been executed yet", "まだファイルを実行していません")
				}
				c := e.Child("formula")
				if want.Err != "" {
					// The refusal, from the kernel: the helper is still
					// itself (its /proc/PID/exe is not the file) and holds
					// the sets it made; the errno it reported is shown.
					if c == nil {
						return false, T("no process tried to execute the file", "ファイルを実行しようとしたプロセスがない")
					}
					exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", c.PID))
					path := capCopies.Value(e)["formula"]
					if exe == "" || exe == path {
						return false, Tf("predicted execve to fail with %s; /proc/%d/exe -> %s (the file)", "execve は %s で失敗するはずが /proc/%d/exe -> %s (ファイル)", want.Err, c.PID, exe)
					}
					return true, Tf("execve was refused, as predicted (%s): /proc/%d/exe -> %s, still the helper, not %s (the helper reported %s)",
						"予測どおり execve は拒否された (%s): /proc/%d/exe -> %s のままで %s ではない (ヘルパーの報告: %s)", want.Err, c.PID, exe, path, res.ExecErr)
				}
				if c == nil || res.ExecErr != "" {
					return false, Tf("no process ran the file (execve: %s)", "ファイルを実行したプロセスがない (execve: %s)", res.ExecErr)
				}
				got, err := caps.ObserveExec(c.PID)
				if err != nil {
					return false, errText(err)
				}
				var diff []string
				for i, m := range got.Sets.Masks() {
					if w := want.Sets.Masks()[i]; m != w {
						diff = append(diff, fmt.Sprintf("%s %016x ≠ %016x", caps.SetNames[i][1], m, w))
					}
				}
				if got.EUID != want.EUID {
					diff = append(diff, fmt.Sprintf("euid %d ≠ %d", got.EUID, want.EUID))
				}
				if len(diff) > 0 {
					return false, Tf("/proc/%d/status differs: %s", "/proc/%d/status が異なる: %s", c.PID, strings.Join(diff, "; "))
				}
				s := fmt.Sprintf("/proc/%d/status: euid %d, CapPrm %016x, CapEff %016x, CapAmb %016x, CapInh %016x", c.PID, got.EUID,
					got.Sets.Permitted, got.Sets.Effective, got.Sets.Ambient, got.Sets.Inheritable)
				return true, T(s+" = the calculation", s+" = 計算どおり")
			},
		},
	},
}

// ruleText explains one rule of the worked formula.
var ruleText = map[string]Text{
	caps.RuleFileCaps:   T("the file's own sets, limited by the bounding set", "ファイル自身のセット。bounding セットで制限される"),
	caps.RuleNoFileCaps: T("the file has no security.capability", "ファイルに security.capability はない"),
	caps.RuleEPERM:      T("the effective bit is set but a file capability cannot be granted: execve fails", "effective ビットがあるのに与えられないケーパビリティがある: execve は失敗する"),
	caps.RuleRoot:       T("uid 0: the file counts as having every capability", "uid 0: ファイルはすべてのケーパビリティを持つとみなされる"),
	caps.RuleRootEff:    T("effective uid 0: the effective bit counts as set", "実効 uid 0: effective ビットは立っているとみなされる"),
	caps.RuleSUIDFcaps:  T("set-user-ID root with file capabilities: only the file capabilities count", "ファイルケーパビリティ付きの set-user-ID root: ファイルケーパビリティだけが効く"),
	caps.RuleNoRoot:     T("SECBIT_NOROOT: root gets no special treatment", "SECBIT_NOROOT: root は特別扱いされない"),
	caps.RuleNNP:        T("no_new_privs: nothing beyond the old permitted set", "no_new_privs: 元の permitted セットを超えない"),
	caps.RuleAmbClear:   T("a privileged file clears the ambient set", "特権付きのファイルは ambient セットを消す"),
	caps.RuleAmbKeep:    T("a plain file keeps the ambient set", "普通のファイルでは ambient セットが残る"),
	caps.RulePermitted:  T("ambient capabilities join the permitted set", "ambient のケーパビリティが permitted に加わる"),
	caps.RuleEffective:  T("the effective bit decides: all of permitted, or only ambient", "effective ビット次第: permitted すべてか、ambient だけか"),
	caps.RuleUnchanged:  T("inheritable and bounding pass through unchanged", "inheritable と bounding はそのまま引き継がれる"),
}
