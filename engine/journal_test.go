package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJournalNamesOnlyTaggedObjects(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, "0badcafe", "nakami-0badcafe", Header{Session: "0badcafe", PID: 1, Start: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Keep()
	for _, e := range []Entry{
		{Kind: KindDir, Path: "/tmp/nakami-0badcafe"},
		{Kind: KindMount, Path: "/tmp/nakami-0badcafe/ns_uts"},
		{Kind: KindLink, Name: "nk0badcafebr0"},
		{Kind: KindEmptyDir, Path: "/run/netns"},
		{Kind: KindProcess, PID: 42, Start: 7},
	} {
		if _, err := j.Record(e); err != nil {
			t.Errorf("%s refused: %v", e, err)
		}
	}
	for _, e := range []Entry{
		{Kind: KindDir, Path: "/tmp"},
		{Kind: KindDir, Path: "/home/someone"},
		{Kind: KindLink, Name: "eth0"},
		{Kind: KindLink, Name: "nk12345678br0"},
		{Kind: KindEmptyDir, Path: "/run/other"},
		{Kind: KindEmptyDir, Path: "/tmp/nakami-0badcafe/x"},
	} {
		if _, err := j.Record(e); err == nil {
			t.Errorf("%s was accepted", e)
		}
	}
	_, live, bad, err := ReadJournal(j.Path())
	if err != nil || len(bad) != 0 || len(live) != 5 {
		t.Errorf("read back %d entries, %v, %v", len(live), bad, err)
	}
}

func TestReadJournalRejectsHostileLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	os.WriteFile(path, []byte(strings.Join([]string{
		`{"session":"0badcafe","pid":5,"start":9}`,
		`{"seq":1,"kind":"dir","path":"/tmp/nakami-0badcafe"}`,
		`not json`,
		`{"seq":2,"kind":"dir","path":"/"}`,
		`{"seq":3,"kind":"dir","path":"relative/nakami-0badcafe"}`,
		`{"seq":4,"kind":"dir","path":"/tmp/../etc/nakami-0badcafe"}`,
		`{"seq":5,"kind":"file","path":"/etc/passwd"}`,
		`{"seq":6,"kind":"process","pid":0}`,
		`{"seq":7,"kind":"bogus","path":"/tmp/nakami-0badcafe"}`,
		`{"undone":1}`,
	}, "\n")+"\n"), 0o600)
	h, live, bad, err := ReadJournal(path)
	if err != nil || h.Session != "0badcafe" {
		t.Fatal(h, err)
	}
	if len(live) != 0 {
		t.Errorf("live entries from hostile lines: %v", live)
	}
	if len(bad) != 7 {
		t.Errorf("%d bad lines reported, want 7: %v", len(bad), bad)
	}
	os.WriteFile(path, []byte("garbage\n"), 0o600)
	if _, _, _, err := ReadJournal(path); err == nil {
		t.Error("a journal with an unreadable header was accepted")
	}
}

func TestEmptyDirIsRemovedOnlyWhenEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "someone-elses"), nil, 0o644)
	if err := Undo(Entry{Kind: KindEmptyDir, Path: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "someone-elses")); err != nil {
		t.Fatal("a non-empty shared directory was emptied")
	}
	os.Remove(filepath.Join(dir, "someone-elses"))
	if err := Undo(Entry{Kind: KindEmptyDir, Path: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("an empty shared directory nakami made was left")
	}
}

// TestProblemsSkipLiveSessions: a running session's journal may end in a
// line it is still writing; that is not a problem of the cleanup, which
// leaves the session alone. A dead session's unreadable line and failures are.
func TestProblemsSkipLiveSessions(t *testing.T) {
	got := Problems([]CleanupReport{
		{Alive: true, Bad: []string{"journal a line 3 is unreadable"}},
		{Bad: []string{"journal b line 2 is unreadable"}, Failed: []string{"link nk1: busy "}},
	})
	if len(got) != 2 || got[0] != "journal b line 2 is unreadable" || got[1] != "link nk1: busy" {
		t.Errorf("Problems = %q", got)
	}
}
