package lessons

// The validator behind `nakami lint` and its test: the text and the code
// agree, and every check is honest (fails before its action, passes after).

import (
	"fmt"
	"strings"

	"nakami/content"
)

// Lint checks, without touching the kernel, that every step id exists in
// every language and in the code, in the same order, that each step has a check and a hint in
// every language, and that prerequisites name real steps.
func Lint() []error {
	var errs []error
	for _, lang := range content.Languages {
		cs, err := LoadContents(content.FS, lang)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen := map[string]bool{}
		for _, c := range cs {
			seen[c.ID] = true
			l := registry[c.ID]
			if l == nil {
				errs = append(errs, fmt.Errorf("%s: lesson %q has no code in lessons/", c.File, c.ID))
				continue
			}
			for _, st := range c.Steps {
				if l.Step(st.ID) == nil {
					errs = append(errs, fmt.Errorf("%s: step %q has no code in lessons/", c.File, st.ID))
				}
				if len(st.Hints) == 0 {
					errs = append(errs, fmt.Errorf("%s: step %q has no hint", c.File, st.ID))
				}
			}
			for _, s := range l.Steps {
				if c.Step(s.ID) == nil {
					errs = append(errs, fmt.Errorf("%s: step %s/%s has no text", c.File, l.ID, s.ID))
				}
			}
			for _, xt := range c.Exercises {
				if l.Exercise(xt.ID) == nil {
					errs = append(errs, fmt.Errorf("%s: exercise %q has no code in lessons/", c.File, xt.ID))
				}
				if len(xt.Hints) < 2 || xt.Solution == "" || xt.Body == "" {
					errs = append(errs, fmt.Errorf("%s: exercise %q needs a task, two hints or more (general, then specific) and a solution", c.File, xt.ID))
				}
			}
			var xids []string
			for _, x := range l.Exercises {
				xids = append(xids, x.ID)
				if c.Exercise(x.ID) == nil {
					errs = append(errs, fmt.Errorf("%s: exercise %s/%s has no text", c.File, l.ID, x.ID))
				}
			}
			var tids []string
			for _, xt := range c.Exercises {
				tids = append(tids, xt.ID)
			}
			if strings.Join(xids, " ") != strings.Join(tids, " ") {
				errs = append(errs, fmt.Errorf("%s: the exercises are in another order than in lessons/ (text: %s; code: %s)", c.File, strings.Join(tids, " "), strings.Join(xids, " ")))
			}
			if text, code := textOrder(c), codeOrder(l); text != code {
				errs = append(errs, fmt.Errorf("%s: the steps are in another order than in lessons/ (text: %s; code: %s)", c.File, text, code))
			}
		}
		for id := range registry {
			if !seen[id] {
				errs = append(errs, fmt.Errorf("lesson %q has no text in content/%s", id, lang))
			}
		}
	}
	for _, l := range registry {
		if len(l.Exercises) < 2 {
			errs = append(errs, fmt.Errorf("lesson %s has %d exercises; every lesson has at least two", l.ID, len(l.Exercises)))
		}
		for _, x := range l.Exercises {
			if x.Check == nil {
				errs = append(errs, fmt.Errorf("exercise %s/%s has no check", l.ID, x.ID))
			}
		}
		for _, s := range l.Steps {
			if len(s.Checks) == 0 {
				errs = append(errs, fmt.Errorf("step %s/%s has no check", l.ID, s.ID))
			}
			if s.Action == nil {
				errs = append(errs, fmt.Errorf("step %s/%s has no action", l.ID, s.ID))
			}

			for _, a := range s.After {
				if l.Step(a) == nil {
					errs = append(errs, fmt.Errorf("step %s/%s needs %q, which does not exist", l.ID, s.ID, a))
				}
			}
			for _, p := range s.Params {
				if p.Check != nil && p.Check(p.Default) != nil {
					errs = append(errs, fmt.Errorf("step %s/%s: default %s=%q is refused by its own check", l.ID, s.ID, p.Name, p.Default))
				}
			}
		}
	}
	return errs
}

func textOrder(c *Content) string {
	var ids []string
	for _, st := range c.Steps {
		ids = append(ids, st.ID)
	}
	return strings.Join(ids, " ")
}

func codeOrder(l *Lesson) string {
	var ids []string
	for _, s := range l.Steps {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, " ")
}
