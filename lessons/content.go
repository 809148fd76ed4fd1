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
	stepMarker = regexp.MustCompile(`(?m)^<!--\s*step:\s*([a-z0-9-]+)\s*-->\s*$`)
	hintMarker = regexp.MustCompile(`(?s)<!--\s*hint:\s*(.*?)\s*-->`)
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
		st := StepText{ID: body[loc[2]:loc[3]]}
		if seen[st.ID] {
			return nil, fmt.Errorf("%s marks step %q twice", file, st.ID)
		}
		seen[st.ID] = true
		sec := body[loc[1]:end]
		for _, m := range hintMarker.FindAllStringSubmatch(sec, -1) {
			st.Hints = append(st.Hints, strings.Join(strings.Fields(m[1]), " "))
		}
		sec = strings.TrimSpace(hintMarker.ReplaceAllString(sec, ""))
		if h, b, ok := strings.Cut(sec, "\n"); ok && strings.HasPrefix(h, "## ") {
			st.Title, sec = strings.TrimPrefix(h, "## "), strings.TrimSpace(b)
		} else {
			return nil, fmt.Errorf("%s: step %q does not start with a \"## \" heading", file, st.ID)
		}
		st.Body = sec
		c.Steps = append(c.Steps, st)
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
