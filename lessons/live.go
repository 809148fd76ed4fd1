package lessons

// What the workbench's live panel shows for a step, declared on the step
// (Step.Live) and resolved here against an Env, so that the workbench reads
// only this and never knows a lesson or step by its id.

// Live is what a step's live panel watches while the step is selected.
type Live struct {
	// Procs are the roles whose /proc state is shown (namespaces against
	// the reference process, id maps, capability sets, root, mounts).
	Procs []string
	// Cgroups are the roles whose cgroup accounting is shown (a CPU
	// sparkline against the quota, memory against the limit, OOM kills,
	// members). The group a role names is the one in Env.Groups.
	Cgroups []string
	// Netns, when set, names a network namespace file (ip netns) that the
	// shell key enters when the step has no live process of its own.
	Netns func(*Env) string
	// File, when set, names the file whose security.capability is shown.
	File func(*Env) string
	// Formula shows the execve capability formula worked through, beside
	// what the kernel did (after the step has run).
	Formula bool
}

// Empty reports whether the step shows nothing live.
func (l Live) Empty() bool {
	return len(l.Procs) == 0 && len(l.Cgroups) == 0 && l.File == nil && !l.Formula
}

// RoleGroup is one observed cgroup: the role and the group's name relative
// to each hierarchy's root (e.g. nakami-1a2b3c4d/cpu-quota).
type RoleGroup struct {
	Role string
	Path string
}

// LiveTargets is a step's Live resolved in an Env: what to read now.
type LiveTargets struct {
	Procs   []RolePID
	Groups  []RoleGroup
	File    string
	Formula *FormulaView
}

// LiveTargets resolves s.Live: the live processes, the groups that exist,
// the file, and the formula once it has been worked through.
func (e *Env) LiveTargets(s *Step) LiveTargets {
	t := LiveTargets{Procs: e.Observed(s)}
	for _, role := range s.Live.Cgroups {
		if path := e.Groups[role]; path != "" {
			t.Groups = append(t.Groups, RoleGroup{role, path})
		}
	}
	if s.Live.File != nil {
		t.File = s.Live.File(e)
	}
	if s.Live.Formula {
		if f, ok := Formula(e); ok {
			t.Formula = f
		}
	}
	return t
}
