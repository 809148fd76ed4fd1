package lessons

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"strings"
	"testing"

	"nakami/engine"
)

// TestOpNotesJapanese: every engine note, filled in as the engine fills
// it, reads in Japanese in a Japanese session, carries its values over,
// and keeps no English sentence; in English it is left as it is.
func TestOpNotesJapanese(t *testing.T) {
	values := map[string]string{"%d": "12", "%s": "/proc/9/status", "%v": "3ms", "%.1f": "2.6"}
	english := regexp.MustCompile(`\b[a-z']+ [a-z']+ [a-z']+\b`)
	japanese := regexp.MustCompile(`\p{Han}|\p{Hiragana}|\p{Katakana}`)
	for _, n := range opNotes {
		var vals []string
		note := verb.ReplaceAllStringFunc(n.en, func(v string) string {
			vals = append(vals, values[v])
			return values[v]
		})
		if n.part {
			note = "24 cap_sys_resource" + note + ": リソース制限とクォータを超える"
		}
		if got := noteIn("en", note); got != note {
			t.Errorf("in English %q became %q", note, got)
		}
		ja := noteIn("ja", note)
		if ja == note || !japanese.MatchString(ja) {
			t.Errorf("%q is not in Japanese: %q", note, ja)
		}
		if m := english.FindString(strings.ReplaceAll(ja, "THP_enabled", "")); m != "" {
			t.Errorf("%q keeps English (%q) in Japanese: %q", note, m, ja)
		}
		for _, v := range vals {
			if !strings.Contains(ja, v) {
				t.Errorf("%q lost the value %q: %q", note, v, ja)
			}
		}
	}
	// Not a note: an error's text stays.
	if got := noteIn("ja", "open /x: no such file or directory"); got != "open /x: no such file or directory" {
		t.Errorf("an error was changed: %q", got)
	}
	// opsIn copies: the transcript keeps the engine's English.
	ops := []engine.Op{{Detail: engine.NoteOutside}}
	if out := opsIn("ja", ops); out[0].Detail == ops[0].Detail || ops[0].Detail != engine.NoteOutside {
		t.Errorf("opsIn: %q, transcript %q", out[0].Detail, ops[0].Detail)
	}
}

// TestEveryOpNoteIsTranslated: each constant of engine/notes.go has its
// entry in opNotes (read from the file, so a new note cannot be missed).
func TestEveryOpNoteIsTranslated(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../engine/notes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{}).Check("engine", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range opNotes {
		have[n.en] = true
	}
	for _, name := range pkg.Scope().Names() {
		c, ok := pkg.Scope().Lookup(name).(*types.Const)
		if !ok || c.Val().Kind() != constant.String {
			continue
		}
		if !have[constant.StringVal(c.Val())] {
			t.Errorf("engine.%s has no Japanese in lessons/opnotes.go", name)
		}
	}
	if len(have) < 10 {
		t.Errorf("only %d notes read", len(have))
	}
}
