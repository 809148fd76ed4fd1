package lessons

// Exercises: tasks the learner does by hand, with the article's tools, in a
// terminal of their own. nakami only looks: an exercise's check reads the
// kernel (/proc, mountinfo, cgroupfs, netlink, xattrs) and never changes
// or removes anything. Objects in any nakami journal do not count, so a
// kept `nakami run … --keep` is not a solution.
//
// The task, the hints (general first, then specific) and the solution live
// in the lesson's text (content/<lang>/NN-lesson.md, after the steps):
//
//	<!-- exercise: persist-uts -->
//	## Keep a namespace with no process in it
//	The task…
//	<!-- hint: … -->
//	<!-- solution -->
//	```sh
//	…the commands…
//	```

import (
	"fmt"
	"strings"

	"nakami/engine"
)

// Exercise is one task and the check that sees it done.
type Exercise struct {
	ID string
	// Args names the arguments the learner passes to `nakami check`
	// (e.g. PATH for the file to look at); empty for most.
	Args     []string
	Requires Requirement
	Why      Text // why it needs what it needs
	// Check reads the kernel and says what it shows against what is
	// needed. It must not change anything.
	Check func(l *Look) (bool, Text)
}

// Look is what an exercise's check gets: the learner's arguments and the
// objects nakami itself made (which do not count).
type Look struct {
	Lang string
	Args []string
	ours []engine.Entry
}

// Arg returns argument i, or "".
func (l *Look) Arg(i int) string {
	if i < len(l.Args) {
		return l.Args[i]
	}
	return ""
}

// Ours reports whether nakami journaled an object of kind at path (a
// mount point, a cgroup directory, a file, a netns).
func (l *Look) Ours(kind, path string) bool {
	for _, e := range l.ours {
		if e.Kind == kind && e.Path == path {
			return true
		}
	}
	return false
}

// OursPID reports whether pid is a process nakami started.
func (l *Look) OursPID(pid int) bool {
	for _, e := range l.ours {
		if e.Kind == engine.KindProcess && e.PID == pid {
			return true
		}
	}
	return false
}

// OursLink reports whether nakami made the network interface name.
func (l *Look) OursLink(name string) bool {
	for _, e := range l.ours {
		if e.Kind == engine.KindLink && e.Name == name {
			return true
		}
	}
	return false
}

// ExerciseResult is what `nakami check` reports for one exercise.
type ExerciseResult struct {
	Lesson      string `json:"lesson"`
	Exercise    string `json:"exercise"`
	Title       string `json:"title"`
	Done        bool   `json:"done"`
	Detail      string `json:"detail"`
	Unavailable string `json:"unavailable,omitempty"`
}

// ID is "lesson/exercise".
func (r ExerciseResult) ID() string { return r.Lesson + "/" + r.Exercise }

// Exercise finds an exercise by id.
func (l *Lesson) Exercise(id string) *Exercise {
	for _, x := range l.Exercises {
		if x.ID == id {
			return x
		}
	}
	return nil
}

// FindExercise resolves "lesson/exercise". Errors are one sentence.
func FindExercise(ref string) (*Lesson, *Exercise, error) {
	lid, xid, _ := strings.Cut(ref, "/")
	l := registry[lid]
	if l == nil || xid == "" {
		var ids []string
		for _, l := range All() {
			for _, x := range l.Exercises {
				ids = append(ids, l.ID+"/"+x.ID)
			}
		}
		return nil, nil, fmt.Errorf("there is no exercise %q (exercises: %s)", ref, strings.Join(ids, ", "))
	}
	x := l.Exercise(xid)
	if x == nil {
		var ids []string
		for _, x := range l.Exercises {
			ids = append(ids, x.ID)
		}
		return nil, nil, fmt.Errorf("lesson %s has no exercise %q (its exercises: %s)", lid, xid, strings.Join(ids, ", "))
	}
	return l, x, nil
}

// CheckArgs refuses the wrong number of arguments in one sentence.
func CheckArgs(l *Lesson, x *Exercise, args []string) error {
	if len(args) == len(x.Args) {
		return nil
	}
	if len(x.Args) == 0 {
		return fmt.Errorf("%s/%s takes no arguments", l.ID, x.ID)
	}
	return fmt.Errorf("%s/%s needs %s (nakami check %s/%s %s)", l.ID, x.ID, strings.Join(x.Args, " "), l.ID, x.ID, strings.Join(x.Args, " "))
}

// Looker reads the journals once for several checks.
type Looker struct{ ours []engine.Entry }

// NewLooker reads every readable nakami journal now.
func NewLooker() *Looker { return &Looker{ours: engine.Journaled()} }

// Check runs one exercise's check (its arguments already validated).
func (k *Looker) Check(lang string, l *Lesson, x *Exercise, args []string) ExerciseResult {
	r := ExerciseResult{Lesson: l.ID, Exercise: x.ID}
	if c := ContentFor(lang, l.ID); c != nil {
		if t := c.Exercise(x.ID); t != nil {
			r.Title = t.Title
		}
	}
	if why := unavailable(x.Requires, x.Why, lang); why != "" {
		r.Unavailable, r.Detail = why, why
		return r
	}
	look := &Look{Lang: lang, Args: args, ours: k.ours}
	var detail Text
	err := safely(func() error { r.Done, detail = x.Check(look); return nil })
	r.Detail = detail.In(lang)
	if err != nil {
		r.Done, r.Detail = false, err.Error()
	}
	return r
}
