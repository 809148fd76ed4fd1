package lessons

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeNamesEveryLesson: the README's lesson table names the lessons
// of the registry, in course order (steps are not listed there: adding a
// step touches only its two text files and its Go file).
func TestReadmeNamesEveryLesson(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| (\d+) \| ([a-z-]+) \|`)
	var got []string
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[2])
	}
	var want []string
	for _, l := range All() {
		want = append(want, l.ID)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("README lessons: %v; the registry: %v", got, want)
	}
}
