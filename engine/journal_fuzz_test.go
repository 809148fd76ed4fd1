package engine

// A fuzz target for the journal reader: `nakami cleanup` removes what a
// journal names, so whatever the file holds, every entry it hands back must
// be valid and carry the session's tag. Seeds: testdata/fuzz/FuzzReadJournal/.

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzReadJournal(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "x.journal")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		h, live, _, err := ReadJournal(path)
		if err != nil {
			return
		}
		if !sessionID.MatchString(h.Session) {
			t.Fatalf("journal %q accepted with session %q", b, h.Session)
		}
		for _, e := range live {
			if !e.valid() || !e.carries("nakami-"+h.Session) || e.Undone != 0 {
				t.Fatalf("journal %q handed back %+v for session %q", b, e, h.Session)
			}
		}
	})
}
