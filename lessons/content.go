package lessons

// Parsing the embedded lesson text (see package content for the format).

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"nakami/content"
)

// Content is one lesson's text in one language.
type Content struct {
	ID       string
	Lang     string
	File     string
	Title    string
	Summary  string
	Requires string
	Intro    string
	Steps    []StepText
	// Exercises follow the steps: the learner does them by hand.
	Exercises []ExerciseText
}

// ExerciseText is one exercise's section: the task, its hints (general
// first, then specific) and the solution, shown only on request.
type ExerciseText struct {
	ID       string
	Title    string
	Body     string // the task, markdown, hints and solution removed
	Hints    []string
	Solution string // markdown (the commands, as a code block)
}

// Exercise finds an exercise's text.
func (c *Content) Exercise(id string) *ExerciseText {
	for i := range c.Exercises {
		if c.Exercises[i].ID == id {
			return &c.Exercises[i]
		}
	}
	return nil
}

// StepText is one step's section.
type StepText struct {
	ID    string
	Title string
	Body  string // markdown, hints removed
	Hints []string
}

// Step finds a step's text.
func (c *Content) Step(id string) *StepText {
	for i := range c.Steps {
		if c.Steps[i].ID == id {
			return &c.Steps[i]
		}
	}
	return nil
}

var (
	stepMarker     = regexp.MustCompile(`(?m)^<!--\s*(step|exercise):\s*([a-z0-9-]+)\s*-->\s*$`)
	solutionMarker = regexp.MustCompile(`(?m)^<!--\s*solution\s*-->\s*$`)
	hintMarker     = regexp.MustCompile(`(?s)<!--\s*hint:\s*(.*?)\s*-->`)
)

// ParseContent parses one lesson file. Errors name the file and say what is wrong.
func ParseContent(file, lang, text string) (*Content, error) {
	c := &Content{File: file, Lang: lang}
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		return nil, fmt.Errorf("%s does not start with front matter (---)", file)
	}
	front, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return nil, fmt.Errorf("%s has front matter that never ends (no closing ---)", file)
	}
	for _, line := range strings.Split(front, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "id":
			c.ID = v
		case "title":
			c.Title = v
		case "summary":
			c.Summary = v
		case "requires":
			c.Requires = v
		}
	}
	if c.ID == "" || c.Title == "" {
		return nil, fmt.Errorf("%s lacks an id or a title in its front matter", file)
	}
	locs := stepMarker.FindAllStringSubmatchIndex(body, -1)
	if len(locs) == 0 {
		return nil, fmt.Errorf("%s has no step markers", file)
	}
	c.Intro = strings.TrimSpace(body[:locs[0][0]])
	seen := map[string]bool{}
	for i, loc := range locs {
		end := len(body)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		kind, id := body[loc[2]:loc[3]], body[loc[4]:loc[5]]
		if seen[kind+id] {
			return nil, fmt.Errorf("%s marks %s %q twice", file, kind, id)
		}
		seen[kind+id] = true
		sec := body[loc[1]:end]
		var solution string
		if m := solutionMarker.FindStringIndex(sec); m != nil {
			if kind != "exercise" {
				return nil, fmt.Errorf("%s: step %q has a solution; only exercises do", file, id)
			}
			sec, solution = sec[:m[0]], strings.TrimSpace(sec[m[1]:])
		}
		var hints []string
		for _, m := range hintMarker.FindAllStringSubmatch(sec, -1) {
			hints = append(hints, strings.Join(strings.Fields(m[1]), " "))
		}
		sec = strings.TrimSpace(hintMarker.ReplaceAllString(sec, ""))
		h, b, ok := strings.Cut(sec, "\n")
		if !ok || !strings.HasPrefix(h, "## ") {
			return nil, fmt.Errorf("%s: %s %q does not start with a \"## \" heading", file, kind, id)
		}
		title, text := strings.TrimPrefix(h, "## "), strings.TrimSpace(b)
		if kind == "step" {
			if len(c.Exercises) > 0 {
				return nil, fmt.Errorf("%s: step %q comes after an exercise; exercises follow every step", file, id)
			}
			c.Steps = append(c.Steps, StepText{ID: id, Title: title, Body: text, Hints: hints})
			continue
		}
		c.Exercises = append(c.Exercises, ExerciseText{ID: id, Title: title, Body: text, Hints: hints, Solution: solution})
	}
	if len(c.Steps) == 0 {
		return nil, fmt.Errorf("%s has no step markers", file)
	}
	return c, nil
}

var parsed = map[string][]*Content{}

// Contents returns every lesson's text in lang, in file-name order. The
// embedded files are checked by tests, so a parse error here is a bug.
func Contents(lang string) []*Content {
	if cs, ok := parsed[lang]; ok {
		return cs
	}
	cs, err := LoadContents(content.FS, lang)
	if err != nil {
		panic(err)
	}
	parsed[lang] = cs
	return cs
}

// LoadContents parses lang/*.md from fsys.
func LoadContents(fsys fs.FS, lang string) ([]*Content, error) {
	names, err := fs.Glob(fsys, lang+"/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Content
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		c, err := ParseContent(path.Join("content", n), lang, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ContentFor returns lesson id's text in lang (nil when missing).
func ContentFor(lang, id string) *Content {
	for _, c := range Contents(lang) {
		if c.ID == id {
			return c
		}
	}
	return nil
}
