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
//
// After the steps come the lesson's exercises, which the learner does by
// hand. Each starts with a marker, a "## " heading and the task; its hints
// go from general to specific; everything after the solution marker is the
// solution (the commands, as a code block), shown only on request:
//
//	<!-- exercise: persist-uts -->
//	## Keep a namespace nobody is in
//	…the task…
//	<!-- hint: A namespace lives as long as something refers to it. -->
//	<!-- solution -->
//	```sh
//	sudo unshare --uts=/root/ns_uts hostname foobar
//	```
package content

import "embed"

// FS holds en/*.md and ja/*.md.
//
//go:embed en/*.md ja/*.md
var FS embed.FS

// Languages are the languages every lesson exists in.
var Languages = []string{"en", "ja"}
