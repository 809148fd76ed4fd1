package lessons

// Fuzz targets for what a person or a file hands the lessons: lesson
// markdown, --set values (every step's Param.Check), and the exercise
// reference and arguments of `nakami check`. Seeds:
// testdata/fuzz/<target>/. Run them with scripts/fuzz.sh.

import (
	"strings"
	"testing"
)

func FuzzParseContent(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseContent("fuzz.md", "en", text)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("the error for %q is not one sentence: %v", text, err)
			}
			return
		}
		if c.ID == "" || c.Title == "" || len(c.Steps) == 0 {
			t.Fatalf("%q accepted without an id, a title or a step: %+v", text, c)
		}
		for _, s := range c.Steps {
			if s.ID == "" {
				t.Fatalf("%q gave a step without an id", text)
			}
		}
	})
}

// FuzzParamCheck gives one value to every parameter of every step: a check
// may refuse it, in one sentence, but never panic.
func FuzzParamCheck(f *testing.F) {
	f.Fuzz(func(t *testing.T, v string) {
		for _, l := range All() {
			for _, s := range l.Steps {
				for _, p := range s.Params {
					if p.Check == nil {
						continue
					}
					if err := p.Check(v); err != nil && strings.Contains(err.Error(), "\n") {
						t.Fatalf("%s/%s --set %s=%q: the refusal is not one sentence: %v", l.ID, s.ID, p.Name, v, err)
					}
				}
			}
		}
	})
}

// FuzzExerciseArgs resolves "lesson/exercise" and counts its arguments as
// `nakami check` does before it reads anything.
func FuzzExerciseArgs(f *testing.F) {
	f.Fuzz(func(t *testing.T, ref, args string) {
		l, x, err := FindExercise(ref)
		if err != nil {
			return
		}
		if l == nil || x == nil {
			t.Fatalf("%q resolved to nothing without an error", ref)
		}
		CheckArgs(l, x, strings.Fields(args))
	})
}
