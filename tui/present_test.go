package tui

import (
	"strings"
	"testing"
)

// TestRestore: colour arguments are not resets; resets and default colours
// get the presenter's colours back.
func TestRestore(t *testing.T) {
	for params, want := range map[string]string{
		"38;2;0;0;0": "", "48;5;0": "", "1": "", "0": presentFG + ";" + presentBG, "": presentFG + ";" + presentBG,
		"39": presentFG, "49": presentBG, "1;38;2;10;0;0;49": presentBG,
	} {
		got := restore(params)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("restore(%q) = %q, want %q", params, got, want)
		}
	}
	out := paint("\x1b[1mA\x1b[0m B", 6)
	if !strings.HasSuffix(out, "\x1b[0m") || !strings.Contains(out, "\x1b[0m\x1b["+presentFG+";"+presentBG+"m B  ") {
		t.Errorf("paint: %q", out)
	}
}
