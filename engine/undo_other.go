//go:build !linux

package engine

// Off Linux nothing is ever created, so nothing can be removed: the journal
// builds (and its tests run) on any OS, and Undo says why it cannot act.

import (
	"errors"
	"fmt"
)

var errNotLinux = errors.New("removing kernel objects needs Linux")

// Undo removes one journaled object; off Linux it refuses.
func Undo(e Entry) error { return fmt.Errorf("cannot remove %s: %w", e, errNotLinux) }
