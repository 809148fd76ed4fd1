package lessons

import (
	"context"
	"os"
	"strings"
	"testing"

	"nakami/engine/child"
	"nakami/internal/kerneltest"
)

func TestMain(m *testing.M) {
	child.Main()
	os.Exit(m.Run())
}

// needKernel: see kerneltest.Need.
func needKernel(t *testing.T) { kerneltest.Need(t) }

// TestLint is `nakami lint`: text and code agree in every language.
func TestLint(t *testing.T) {
	for _, err := range Lint() {
		t.Error(err)
	}
}

// TestChecksAreHonest is `nakami lint --kernel`: every check of every step
// fails before its action and passes after it, on this kernel, and fails
// when its step's operations are faked (the negative control: N = M).
func TestChecksAreHonest(t *testing.T) {
	needKernel(t)
	t.Setenv("NAKAMI_RUN_DIR", t.TempDir())
	var all Proof
	for _, l := range All() {
		t.Run(l.ID, func(t *testing.T) {
			p := Prove(context.Background(), l)
			for _, s := range p.Skipped {
				t.Errorf("not proven as root: %s", s)
			}
			for _, err := range p.Errs {
				t.Error(err)
			}
			t.Log(p.ControlLine())
			all.Add(p)
		})
	}
	t.Log(all.ControlLine())
	if all.Checks == 0 || all.Caught != all.Checks {
		t.Errorf("%s; every one must", all.ControlLine())
	}
}

func TestParseContentErrors(t *testing.T) {
	for name, text := range map[string]string{
		"no front matter": "# hi\n",
		"unclosed":        "---\nid: x\n",
		"no id":           "---\ntitle: t\n---\n<!-- step: a -->\n## A\n",
		"no steps":        "---\nid: x\ntitle: t\n---\nprose\n",
		"duplicate step":  "---\nid: x\ntitle: t\n---\n<!-- step: a -->\n## A\n<!-- step: a -->\n## B\n",
		"no heading":      "---\nid: x\ntitle: t\n---\n<!-- step: a -->\nprose\n",
	} {
		if _, err := ParseContent("f.md", "en", text); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one sentence: %q", name, err)
		}
	}
	c, err := ParseContent("f.md", "en", "---\nid: x\ntitle: T\n---\nintro\n<!-- step: a -->\n## Step A\nbody\n<!-- hint: one\n two -->\n")
	if err != nil {
		t.Fatal(err)
	}
	if st := c.Step("a"); st == nil || st.Title != "Step A" || st.Body != "body" || len(st.Hints) != 1 || st.Hints[0] != "one two" {
		t.Errorf("parsed %+v", c.Steps)
	}
}

func TestFind(t *testing.T) {
	if _, s, err := Find("namespaces/nsenter"); err != nil || s == nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"nosuch", "namespaces/nosuch", "/"} {
		if _, _, err := Find(bad); err == nil {
			t.Errorf("Find(%q) accepted", bad)
		}
	}
}

func TestPlanPutsPrerequisitesFirst(t *testing.T) {
	l, s, _ := Find("namespaces/compare")
	var ids []string
	for _, p := range Plan(l, s) {
		ids = append(ids, p.ID)
	}
	if strings.Join(ids, ",") != "list,compare" {
		t.Errorf("plan = %v", ids)
	}
}
