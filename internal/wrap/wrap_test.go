package wrap

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func plain(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ansi.Strip(l)
	}
	return out
}

func TestLines(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		skip  int
		cont  string
		want  []string
	}{
		{"a short line", 20, 0, "", []string{"a short line"}},
		{"the file cpu.cfs_period_us holds the period", 20, 0, "",
			[]string{"the file", "cpu.cfs_period_us", "holds the period"}},
		{"made /tmp/nakami-0a35151d for the root", 22, 0, "",
			[]string{"made", "/tmp/nakami-0a35151d", "for the root"}},
		{"$ unshare --uts --pid --fork sh", 16, 2, "  ",
			[]string{"$ unshare --uts", "  --pid --fork", "  sh"}},
		{"ネットワークは192.168.77.0/24を使います。", 16, 0, "",
			[]string{"ネットワークは", "192.168.77.0/24", "を使います。"}},
		{"これはとても長い日本語の文です、改行", 16, 0, "",
			[]string{"これはとても長い", "日本語の文です、", "改行"}},
		{"とても長い文です。「名前」を見る", 14, 0, "",
			[]string{"とても長い文で", "す。「名前」を", "見る"}},
		{"averyveryverylongwordwithoutspaces", 10, 0, "",
			[]string{"averyveryv", "erylongwor", "dwithoutsp", "aces"}},
	} {
		got := plain(Lines(c.in, c.width, c.skip, c.cont))
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Lines(%q, %d)\n got %q\nwant %q", c.in, c.width, got, c.want)
		}
		for _, l := range got {
			if ansi.StringWidth(l) > c.width {
				t.Errorf("%q is wider than %d", l, c.width)
			}
		}
	}
}

// TestNoLineStartsWithAClosingMark: kinsoku over every width.
func TestNoLineStartsWithAClosingMark(t *testing.T) {
	s := "名前空間は、プロセスから見える資源の範囲を区切ります。「unshare」で新しく作り、「nsenter」で入ります。"
	for w := 12; w < 60; w++ { // 「unshare」 alone is 11 wide
		for i, l := range Lines(s, w, 0, "") {
			if i > 0 && strings.ContainsRune(noStart, []rune(l)[0]) {
				t.Errorf("width %d: line %q starts with a closing mark", w, l)
			}
			if r := []rune(l); strings.ContainsRune(noEnd, r[len(r)-1]) {
				t.Errorf("width %d: line %q ends with an opening bracket", w, l)
			}
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: %q is wider", w, l)
			}
		}
	}
}

// TestStyleCarriesOver: a colour that spans a break is closed at the end
// of the line and opened again on the next.
func TestStyleCarriesOver(t *testing.T) {
	got := Lines("\x1b[31mred words that wrap\x1b[m", 10, 0, "  ")
	if len(got) != 3 {
		t.Fatalf("got %q", got)
	}
	for i, l := range got {
		if i < 2 && !strings.HasSuffix(l, "\x1b[m") || i > 0 && !strings.HasPrefix(l, "  \x1b[31m") {
			t.Errorf("line %d = %q: the colour is not closed and reopened", i, l)
		}
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("a\n  b\tc", 80); got != "a b c" {
		t.Errorf("folded: %q", got)
	}
	ja := strings.Repeat("ヒュージページ", 30)
	got := OneLine(ja, 41)
	if !utf8.ValidString(got) || ansi.StringWidth(got) > 41 || !strings.HasSuffix(got, "…") {
		t.Errorf("cut: %q (%d columns)", got, ansi.StringWidth(got))
	}
}
