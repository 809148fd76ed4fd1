package lessons

// Progress: completed steps, solved exercises and where the learner was,
// kept in the XDG state directory so the workbench resumes there and
// `nakami check` remembers what was solved.

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Progress is the learner's progress file.
type Progress struct {
	path    string
	Current string          `json:"current"` // "lesson/step"
	Lang    string          `json:"lang,omitempty"`
	Done    map[string]bool `json:"done"`             // steps that passed, "lesson/step"
	Solved  map[string]bool `json:"solved,omitempty"` // exercises seen done, "lesson/exercise"
}

func progressPath() string {
	if d := os.Getenv("NAKAMI_STATE_DIR"); d != "" {
		return filepath.Join(d, "progress.json")
	}
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "nakami", "progress.json")
}

// LoadProgress reads the progress file ($NAKAMI_STATE_DIR, or
// $XDG_STATE_HOME/nakami, or ~/.local/state/nakami); a missing or
// unreadable file is a fresh start.
func LoadProgress() *Progress {
	p := &Progress{path: progressPath(), Done: map[string]bool{}, Solved: map[string]bool{}}
	if b, err := os.ReadFile(p.path); err == nil {
		json.Unmarshal(b, p)
		if p.Done == nil {
			p.Done = map[string]bool{}
		}
		if p.Solved == nil {
			p.Solved = map[string]bool{}
		}
	}
	return p
}

// Path is the progress file's name ("" when there is no home to keep it in).
func (p *Progress) Path() string { return p.path }

// Save writes atomically; a failure only costs the resume point.
func (p *Progress) Save() {
	if p.path == "" {
		return
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil || os.MkdirAll(filepath.Dir(p.path), 0o755) != nil {
		return
	}
	tmp := p.path + ".tmp"
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, p.path)
	}
}
