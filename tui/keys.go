package tui

import "charm.land/bubbles/v2/key"

// keyMap: every binding carries its own help text; `?` lists them all.
type keyMap struct {
	Up, Down, Run, Next, Prev, Tab, Shell, Hint, Reset, Lang, Help, Quit key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "move up")),
		Down:  key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "move down")),
		Run:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run the step (prerequisites first)")),
		Next:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next step")),
		Prev:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "previous step")),
		Tab:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next panel")),
		Shell: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "shell inside the step's namespaces")),
		Hint:  key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "next hint")),
		Reset: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reset the lesson")),
		Lang:  key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "English / 日本語")),
		Help:  key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:  key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit (cleans up)")),
	}
}

// ShortHelp is the footer.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Run, k.Next, k.Tab, k.Shell, k.Hint, k.Help, k.Quit}
}

// FullHelp is the `?` screen.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Next, k.Prev, k.Tab},
		{k.Run, k.Shell, k.Hint, k.Reset},
		{k.Lang, k.Help, k.Quit},
	}
}
