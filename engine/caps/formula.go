package caps

// The execve(2) capability formula, pure: given a process's sets and the
// file it executes, the sets it has afterwards. It follows capabilities(7)
// ("Transformation of capabilities during execve()") and the order in
// which the kernel applies the rules (security/commoncap.c,
// cap_bprm_creds_from_file):
//
//  1. file capabilities: P'(permitted) = (P(inheritable) & F(inheritable))
//     | (F(permitted) & P(bounding)); if F(effective) is set and a file
//     permitted capability did not make it into P', execve fails (EPERM).
//  2. root: when the real or the new effective uid is 0 (and SECBIT_NOROOT
//     is off), F(inheritable) and F(permitted) count as all ones, so P' =
//     P(bounding) | P(inheritable); a new effective uid of 0 also turns the
//     effective bit on. A set-user-ID-root file that also has file
//     capabilities, run by a non-root user, gets only its file capabilities.
//  3. no_new_privs: the set-user-ID bit is ignored, and a P' that would
//     exceed P(permitted) is cut down to it.
//  4. ambient: cleared when the file has capabilities or changes the uid
//     ("is privileged"); then P'(permitted) |= P'(ambient).
//  5. P'(effective) = F(effective) ? P'(permitted) : P'(ambient);
//     P'(inheritable) and P'(bounding) do not change.
//
// Man pages: capabilities(7), execve(2), prctl(2) (PR_SET_NO_NEW_PRIVS,
// PR_SET_SECUREBITS).

import "fmt"

// ExecInput is the state before execve.
type ExecInput struct {
	UID        int    `json:"uid"` // real = effective uid of the process
	Inh        uint64 `json:"inheritable"`
	Prm        uint64 `json:"permitted"`
	Amb        uint64 `json:"ambient"`
	Bnd        uint64 `json:"bounding"`
	NoRoot     bool   `json:"secbit_noroot,omitempty"`
	NoNewPrivs bool   `json:"no_new_privs,omitempty"`
	File       *File  `json:"file,omitempty"` // nil: the file has no security.capability
	SUIDRoot   bool   `json:"suid_root,omitempty"`
}

// ExecOutput is the state after execve, or the error execve returns.
type ExecOutput struct {
	Err  string `json:"error,omitempty"` // "EPERM" when the kernel refuses
	UID  int    `json:"uid"`
	EUID int    `json:"euid"`
	Sets Sets   `json:"sets"`
	Work []Rule `json:"work"` // the formula worked through, in order
}

// Rule is one line of the worked formula: which rule applied (an id the
// lessons translate), the expression, and the value it gave.
type Rule struct {
	ID    string `json:"id"`
	Expr  string `json:"expr"`
	Value uint64 `json:"value"`
}

// Rule ids.
const (
	RuleFileCaps   = "file-caps"     // P' from the file's sets
	RuleNoFileCaps = "no-file-caps"  // no attribute: file sets are empty
	RuleEPERM      = "eperm"         // effective bit set, a file cap is missing
	RuleRoot       = "root"          // uid 0: file sets count as all ones
	RuleRootEff    = "root-eff"      // euid 0: effective bit on
	RuleSUIDFcaps  = "suid-fcaps"    // SUID root + file caps by non-root: caps only
	RuleNoRoot     = "noroot"        // SECBIT_NOROOT: no root rules
	RuleNNP        = "no-new-privs"  // cut to the old permitted set
	RuleAmbClear   = "ambient-clear" // privileged file: ambient cleared
	RuleAmbKeep    = "ambient-keep"  // ambient carried over
	RulePermitted  = "permitted"     // P' |= P'(ambient)
	RuleEffective  = "effective"     // E' from the effective bit
	RuleUnchanged  = "unchanged"     // inheritable and bounding
)

// AfterExec computes the sets after execve.
func AfterExec(in ExecInput) ExecOutput {
	out := ExecOutput{UID: in.UID, EUID: in.UID}
	add := func(id, expr string, v uint64) { out.Work = append(out.Work, Rule{id, expr, v}) }
	newEUID := in.UID
	if in.SUIDRoot && !in.NoNewPrivs {
		newEUID = 0
	}
	var fP, fI uint64
	effective, hasFcap := false, in.File != nil
	var p uint64
	if hasFcap {
		fP, fI, effective = in.File.Permitted, in.File.Inheritable, in.File.Effective
		p = (in.Inh & fI) | (fP & in.Bnd)
		add(RuleFileCaps, fmt.Sprintf("P'(permitted) = (P(inh) & F(inh)) | (F(perm) & P(bnd)) = (%#x & %#x) | (%#x & %#x)", in.Inh, fI, fP, in.Bnd), p)
		if effective && fP&^p != 0 {
			add(RuleEPERM, fmt.Sprintf("F(effective) is set but F(perm) & ~P'(permitted) = %#x", fP&^p), fP&^p)
			out.Err = "EPERM"
			return out
		}
	} else {
		add(RuleNoFileCaps, "F(perm) = F(inh) = 0, F(effective) = 0", 0)
	}
	switch {
	case in.NoRoot && (newEUID == 0 || in.UID == 0):
		add(RuleNoRoot, "SECBIT_NOROOT: uid 0 earns nothing", p)
	case hasFcap && newEUID == 0 && in.UID != 0:
		add(RuleSUIDFcaps, "set-user-ID root with file capabilities, run by a non-root user: only the file capabilities", p)
	case newEUID == 0 || in.UID == 0:
		p = in.Bnd | in.Inh
		add(RuleRoot, fmt.Sprintf("uid 0: F(inh) = F(perm) = ~0, P'(permitted) = P(bnd) | P(inh) = %#x | %#x", in.Bnd, in.Inh), p)
		if newEUID == 0 {
			effective = true
			add(RuleRootEff, "euid 0: F(effective) = 1", 1)
		}
	}
	isSetid := newEUID != in.UID
	if in.NoNewPrivs && p&^in.Prm != 0 {
		p &= in.Prm
		add(RuleNNP, fmt.Sprintf("no_new_privs: P'(permitted) &= P(permitted) = %#x", in.Prm), p)
	}
	amb := in.Amb
	if hasFcap || isSetid {
		amb = 0
		add(RuleAmbClear, "the file is privileged (file capabilities or set-user-ID): P'(ambient) = 0", 0)
	} else {
		add(RuleAmbKeep, "P'(ambient) = P(ambient)", amb)
	}
	p |= amb
	add(RulePermitted, fmt.Sprintf("P'(permitted) |= P'(ambient) = %#x", amb), p)
	e := amb
	if effective {
		e = p
		add(RuleEffective, "F(effective) = 1: P'(effective) = P'(permitted)", e)
	} else {
		add(RuleEffective, "F(effective) = 0: P'(effective) = P'(ambient)", e)
	}
	add(RuleUnchanged, "P'(inheritable) = P(inheritable), P'(bounding) = P(bounding)", in.Inh)
	out.EUID = newEUID
	out.Sets = Sets{Inheritable: in.Inh, Permitted: p, Effective: e, Bounding: in.Bnd, Ambient: amb}
	return out
}
