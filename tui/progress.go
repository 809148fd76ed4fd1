package tui

// Progress: completed steps and where the learner was, kept in the XDG
// state directory so the workbench resumes there.

import (
	"encoding/json"
	"os"
	"path/filepath"
)

type progress struct {
	path    string
	Current string          `json:"current"` // "lesson/step"
	Lang    string          `json:"lang,omitempty"`
	Done    map[string]bool `json:"done"`
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

func loadProgress() *progress {
	p := &progress{path: progressPath(), Done: map[string]bool{}}
	if b, err := os.ReadFile(p.path); err == nil {
		json.Unmarshal(b, p)
		if p.Done == nil {
			p.Done = map[string]bool{}
		}
	}
	return p
}

// save writes atomically; a failure only costs the resume point.
func (p *progress) save() {
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
