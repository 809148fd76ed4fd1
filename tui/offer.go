package tui

// The offer at start-up. When sessions that ended without cleaning up (a
// kill -9, a crash, a `run --keep`) left kernel objects behind, the
// workbench opens on a notice that names them and the session that left
// them: y removes them now, n leaves them. Removing is the caller's
// function (cmd/nakami hands in nakami cleanup's own code, since tui
// imports no engine) and runs in a tea.Cmd, off the event loop; its
// outcome is one sentence on the status line, and the notice closes.
//
// The notice is modal, as the quit question is: it comes before anything
// else the learner does (a dead session's bridge stops the network lesson
// from starting), and y and n stay free of the workbench's own keys
// (n is "next step" there).

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Leftovers is what sessions no longer running left, as the caller found
// it before the workbench opened.
type Leftovers struct {
	Sessions []DeadSession
	// RootOnly: this user cannot read root's journals (/run/nakami exists
	// and is closed to it), so whatever root's sessions left only root
	// can remove.
	RootOnly bool
	// Remove removes what every dead session left, as nakami cleanup does.
	// It runs off the event loop.
	Remove func() Removal
}

// DeadSession is one session whose process is gone and whose journal
// still names objects.
type DeadSession struct {
	Tag     string // nakami-<session>
	PID     int    // the process that ran it
	Objects []Object
}

// Object is one thing a journal names.
type Object struct {
	Kind string // one of the Obj… kinds
	Name string // the link's name, the path, the PID
}

// Kinds of objects, as the notice names them.
const (
	ObjBridge  = "bridge"
	ObjLink    = "link" // a network interface that is not a bridge
	ObjNetns   = "netns"
	ObjMount   = "mount"
	ObjCgroup  = "cgroup"
	ObjDir     = "dir"
	ObjFile    = "file"
	ObjProcess = "process"
)

// Removal is what Remove did.
type Removal struct {
	Removed   []DeadSession // what was removed, by session
	Problem   string        // the first thing that could not be removed, "" when none
	Problems  int           // how many could not
	NeedsRoot bool          // this user was refused: nakami cleanup needs root
}

// offer is the open notice.
type offer struct {
	Leftovers
	removing bool
}

type offerDoneMsg struct{ r Removal }

// newOffer opens the notice when there is something to say.
func newOffer(lo *Leftovers) *offer {
	if lo == nil || (len(lo.Sessions) == 0 && !lo.RootOnly) {
		return nil
	}
	return &offer{Leftovers: *lo}
}

// removable: there are objects this user can remove.
func (o *offer) removable() bool { return len(o.Sessions) > 0 && o.Remove != nil }

func (m *model) offerKey(msg tea.KeyPressMsg) tea.Cmd {
	o, k := m.offer, m.keys
	switch {
	case key.Matches(msg, k.Quit) && o.removing && m.quitting:
		return tea.Quit // asked twice: the removal may hang (an unmount)
	case key.Matches(msg, k.Quit) && o.removing:
		m.quitting = true // when the removal is done
		m.status = m.tr("Quitting when the removal is done… (q again: now)", "削除が終わりしだい終了します…(もう一度 q ですぐ終了)")
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Lang):
		m.toggleLang()
	case o.removing:
	case o.removable() && key.Matches(msg, k.Remove):
		o.removing = true
		remove := o.Remove
		return tea.Batch(func() tea.Msg { return offerDoneMsg{remove()} }, m.spin.Tick)
	case o.removable() && key.Matches(msg, k.Leave):
		m.status = m.tr("Left in place; nakami cleanup removes them whenever you like.",
			"そのまま残しました。nakami cleanup でいつでも削除できます。")
		return m.closeOffer()
	case !o.removable() && key.Matches(msg, k.Continue):
		return m.closeOffer()
	}
	return nil
}

func (m *model) offerDone(msg offerDoneMsg) tea.Cmd {
	m.status = removalSentence(m.lang, msg.r)
	if m.quitting {
		return tea.Quit
	}
	return m.closeOffer()
}

// closeOffer gives the workbench back: the live panel starts, and a
// presenter's start at a step runs its prerequisites now, not under the
// notice.
func (m *model) closeOffer() tea.Cmd {
	m.offer = nil
	cmds := []tea.Cmd{m.scheduleLive()}
	if m.opts.Present && m.opts.Start != "" {
		cmds = append(cmds, m.runPrerequisites())
	}
	return tea.Batch(cmds...)
}

// offerFooter is the footer's key line while the notice is open.
func (m *model) offerFooter() string {
	k := m.keys
	// Quitting here leaves the leftovers as they are; the workbench's own
	// session has made nothing yet, so "cleans up" would promise too much.
	quit := key.NewBinding(key.WithKeys(k.Quit.Keys()...), key.WithHelp(k.Quit.Help().Key, m.tr("quit", "終了")))
	bs := []key.Binding{k.Continue, quit}
	if m.offer.removable() {
		bs = []key.Binding{k.Remove, k.Leave, quit}
	}
	if m.offer.removing {
		bs = []key.Binding{quit}
	}
	return m.help.ShortHelpView(bs)
}
