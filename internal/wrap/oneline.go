package wrap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// OneLine folds s onto one line (every run of white space one space) and
// cuts it to at most cols columns with "…", between characters, never
// inside one: a note may be Japanese, and a cut UTF-8 sequence is not.
func OneLine(s string, cols int) string {
	return ansi.Truncate(strings.Join(strings.Fields(s), " "), cols, "…")
}
