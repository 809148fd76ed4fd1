// Package content holds the lesson text: one markdown file per lesson per
// language, embedded in the binary.
//
// A file starts with front matter (id, title, summary, requires) between
// "---" lines. Each step's section starts with a marker line
//
//	<!-- step: unshare -->
//
// followed by a "## " heading (the step's title), the prose, and one or more
// hints, each in a comment the reader does not see until asking for it:
//
//	<!-- hint: Compare the inode numbers, not the names. -->
package content

import "embed"

// FS holds en/*.md and ja/*.md.
//
//go:embed en/*.md ja/*.md
var FS embed.FS

// Languages are the languages every lesson exists in.
var Languages = []string{"en", "ja"}
