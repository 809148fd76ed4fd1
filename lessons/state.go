package lessons

// Typed state that steps share. A step that learns something a later step
// (or the workbench) needs stores it under a Key declared next to the steps
// that use it, with its own Go type: no strings holding JSON, no globals
// keyed by Env. Reset and Close forget every value and close the ones that
// hold something open (a container's console).

import (
	"fmt"
	"io"
)

// Key names one value in an Env's state, of type T.
type Key[T any] struct{ name string }

var keyNames = map[string]bool{}

// newKey declares a key; names are unique across the course (by
// convention "lesson/what").
func newKey[T any](name string) Key[T] {
	if keyNames[name] {
		panic(fmt.Sprintf("two state keys are named %q", name))
	}
	keyNames[name] = true
	return Key[T]{name}
}

// Get returns the value stored under k, and whether there is one.
func (k Key[T]) Get(e *Env) (T, bool) {
	v, ok := e.state[k.name].(T)
	return v, ok
}

// Value returns the value stored under k, or T's zero value.
func (k Key[T]) Value(e *Env) T {
	v, _ := k.Get(e)
	return v
}

// Set stores v under k, closing what it replaces when that holds
// something open.
func (k Key[T]) Set(e *Env, v T) {
	k.Clear(e)
	e.state[k.name] = v
}

// Clear forgets the value under k (closing it when it is an io.Closer).
func (k Key[T]) Clear(e *Env) {
	if c, ok := e.state[k.name].(io.Closer); ok {
		c.Close()
	}
	delete(e.state, k.name)
}

// dropState forgets every value, closing those that hold something open.
func (e *Env) dropState() {
	for name, v := range e.state {
		if c, ok := v.(io.Closer); ok {
			c.Close()
		}
		delete(e.state, name)
	}
}
