package lessons

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"path/filepath"
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
		// Only the verbs noteRegexp knows, never two side by side: %q or
		// %%, or "%d%s", would not match what the engine writes.
		if rest := verb.ReplaceAllString(n.en, "\x00"); strings.Contains(rest, "%") || strings.Contains(rest, "\x00\x00") {
			t.Errorf("%q has a verb noteRegexp cannot match", n.en)
		}
		if regexp.MustCompile(`\$[0-9]`).MatchString(n.ja) {
			t.Errorf("%q: write ${1}, not $1 (a letter after $1 would be read as part of its name)", n.ja)
		}
		var vals []string
		note := verb.ReplaceAllStringFunc(n.en, func(v string) string {
			vals = append(vals, values[v])
			return values[v]
		})
		if n.part {
			note = "pid 24" + note + " (end)"
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

// TestEngineNotesAreConstants: no note of the engine is written in place.
// Every string literal that goes into an Op's Detail under engine/ and has
// two English words in a row must be one of engine/notes.go's constants
// instead, or a Japanese session would show it in English.
func TestEngineNotesAreConstants(t *testing.T) {
	words := regexp.MustCompile(`[A-Za-z]{2,} [A-Za-z]{2,}`)
	fset := token.NewFileSet()
	var files []string
	filepath.WalkDir("../engine", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") && !strings.HasSuffix(path, "notes.go") {
			files = append(files, path)
		}
		return nil
	})
	literals := func(e ast.Expr) []*ast.BasicLit {
		var out []*ast.BasicLit
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					out = append(out, n)
				}
			case *ast.CallExpr: // a format's literal counts, an error's text does not
				if sel, ok := n.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Sprintf" {
					return false
				}
			}
			return true
		})
		return out
	}
	var details []ast.Expr
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Detail" {
					details = append(details, n.Value)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Detail" && len(n.Rhs) == len(n.Lhs) {
						details = append(details, n.Rhs[i])
					}
				}
			}
			return true
		})
	}
	if len(details) < 10 {
		t.Fatalf("only %d Detail expressions found under engine/", len(details))
	}
	for _, e := range details {
		for _, lit := range literals(e) {
			if words.MatchString(lit.Value) {
				t.Errorf("%s: the note %s is written in place; make it a constant in engine/notes.go and translate it in lessons/opnotes.go", fset.Position(lit.Pos()), lit.Value)
			}
		}
	}
}
