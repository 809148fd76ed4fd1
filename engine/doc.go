// Package engine performs kernel operations and reads kernel state.
//
// It knows nothing about lessons or screens. Each file covers one mechanism
// and opens with a comment naming the system calls and man pages it uses.
// Pure parsers (procfs, capability text) build on any OS and are tested with
// captured fixtures; the kernel calls live in _linux.go files.
package engine
