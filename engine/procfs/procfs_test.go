package procfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNSLink(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want NSLink
		bad  bool
	}{
		{in: "uts:[4026531838]", want: NSLink{"uts", 4026531838}},
		{in: "pid_for_children:[4026531836]", want: NSLink{"pid_for_children", 4026531836}},
		{in: "uts:[]", bad: true},
		{in: "uts:[12", bad: true},
		{in: ":[12]", bad: true},
		{in: "uts:[-1]", bad: true},
		{in: "uts:[99999999999999999999999]", bad: true},
		{in: "", bad: true},
		{in: "net:[4026531833]trailing", bad: true},
	} {
		got, err := ParseNSLink(tc.in)
		if tc.bad != (err != nil) || (!tc.bad && got != tc.want) {
			t.Errorf("ParseNSLink(%q) = %v, %v", tc.in, got, err)
		}
	}
	for _, line := range strings.Fields(fixture(t, "nslinks.txt")) {
		if _, err := ParseNSLink(line); err != nil {
			t.Errorf("captured link %q: %v", line, err)
		}
	}
}

func TestParseStatus(t *testing.T) {
	st, err := ParseStatus(fixture(t, "status-userns.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Uid != [4]int{0, 0, 0, 0} || st.CapEff != 0x1ffffffffff || len(st.NSpid) != 1 {
		t.Errorf("userns status parsed as %+v", st)
	}
	st, err = ParseStatus(fixture(t, "status-nested.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.NSpid) != 2 || st.NSpid[1] != 1 || st.NSpid[0] != st.PID {
		t.Errorf("nested NSpid = %v, pid %d", st.NSpid, st.PID)
	}
	if _, err := ParseStatus(fixture(t, "status-pid1.txt")); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{
		"", "Name:\tx\n", "Pid:\tabc\n", "Pid:\t1\nUid:\t0 0 0\n",
		"Pid:\t1\nCapEff:\tzz\n", "Pid:\t1\nNSpid:\t1 x\n",
	} {
		if _, err := ParseStatus(bad); err == nil {
			t.Errorf("ParseStatus(%q) accepted hostile input", bad)
		}
	}
}

func TestParseIDMap(t *testing.T) {
	m, err := ParseIDMap(fixture(t, "uidmap-init.txt"))
	if err != nil || len(m) != 1 || m[0].Count != 4294967295 {
		t.Errorf("init map = %v, %v", m, err)
	}
	m, err = ParseIDMap(fixture(t, "uidmap-userns.txt"))
	if err != nil || len(m) != 1 || m[0] != (IDMap{0, 0, 1}) {
		t.Errorf("userns map = %v, %v", m, err)
	}
	if got := FormatIDMap(m); got != fixture(t, "uidmap-userns.txt") {
		t.Errorf("FormatIDMap = %q", got)
	}
	for _, bad := range []string{"0 0", "0 0 1 2", "a b c", "0 0 4294967296", "-1 0 1"} {
		if _, err := ParseIDMap(bad); err == nil {
			t.Errorf("ParseIDMap(%q) accepted hostile input", bad)
		}
	}
	if m, err := ParseIDMap(""); err != nil || len(m) != 0 {
		t.Errorf("empty map (no mapping written yet) = %v, %v", m, err)
	}
}

func TestParseCgroup(t *testing.T) {
	c, err := ParseCgroup(fixture(t, "cgroup-hybrid.txt"))
	if err != nil || len(c) < 2 {
		t.Fatalf("hybrid = %v, %v", c, err)
	}
	last := c[len(c)-1]
	if last.ID != 0 || len(last.Controllers) != 0 {
		t.Errorf("unified line parsed as %+v", last)
	}
	c, err = ParseCgroup(fixture(t, "cgroup-v2.txt"))
	if err != nil || len(c) != 1 || c[0].Path != "/user.slice/user-1000.slice/session-3.scope" {
		t.Errorf("v2 = %v, %v", c, err)
	}
	c, err = ParseCgroup("4:cpu,cpuacct:/a:b\n")
	if err != nil || c[0].Path != "/a:b" || len(c[0].Controllers) != 2 {
		t.Errorf("path with a colon = %v, %v", c, err)
	}
	for _, bad := range []string{"x:cpu:/", "1:cpu", "-1::/", "1:cpu:relative"} {
		if _, err := ParseCgroup(bad); err == nil {
			t.Errorf("ParseCgroup(%q) accepted hostile input", bad)
		}
	}
}

func TestParseStatStart(t *testing.T) {
	if _, err := ParseStatStart(fixture(t, "stat-self.txt")); err != nil {
		t.Error(err)
	}
	n, err := ParseStatStart(fixture(t, "stat-hostile.txt"))
	if err != nil || n != 777 {
		t.Errorf("name with ') ' = %d, %v", n, err)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2"} {
		if _, err := ParseStatStart(bad); err == nil {
			t.Errorf("ParseStatStart(%q) accepted hostile input", bad)
		}
	}
}

func FuzzParsers(f *testing.F) {
	f.Add("uts:[1]")
	f.Add("Pid:\t1\nNSpid:\t4 1\n")
	f.Add("0 1000 1\n")
	f.Add("0::/\n")
	f.Fuzz(func(t *testing.T, s string) {
		ParseNSLink(s)
		ParseStatus(s)
		ParseIDMap(s)
		ParseCgroup(s)
		ParseStatStart(s)
	})
}

// fixture reads testdata/NAME (kerneltest.Fixture cannot be used here: it
// imports the engine, which imports this package).
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
