package tui

import "charm.land/bubbles/v2/key"

// keyMap: every binding carries its own help text; `?` lists them all.
type keyMap struct {
	Up, Down, Run, Next, Prev, Tab, Shell, Hint, Reset, Params, Jump, Transcript, Blank, Lang, Help, Quit key.Binding
	// The notice of leftovers at start-up (offer.go), and only there.
	Remove, Leave, Continue key.Binding
}

func newKeyMap(lang string) keyMap {
	h := func(en, ja string) string {
		if lang == "ja" {
			return ja
		}
		return en
	}
	return keyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", h("move up", "上へ"))),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", h("move down", "下へ"))),
		Run:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", h("run the step (prerequisites first)", "ステップを実行(前提から順に)"))),
		Next:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", h("next step", "次のステップ"))),
		Prev:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", h("previous step", "前のステップ"))),
		Tab:        key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", h("next panel", "次のパネル"))),
		Shell:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", h("shell inside the step's namespaces", "ステップの名前空間の中でシェル"))),
		Hint:       key.NewBinding(key.WithKeys("h"), key.WithHelp("h", h("next hint", "次のヒント"))),
		Reset:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", h("reset the lesson", "レッスンをリセット"))),
		Params:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", h("edit the step's parameters", "ステップのパラメータを変更"))),
		Jump:       key.NewBinding(key.WithKeys("g"), key.WithHelp("g", h("jump to any step (its prerequisites run)", "任意のステップへ(前提を実行)"))),
		Transcript: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", h("show / hide the transcript", "実行記録の表示/非表示"))),
		Blank:      key.NewBinding(key.WithKeys("b"), key.WithHelp("b", h("blank screen (any key returns)", "画面を消す(任意のキーで戻る)"))),
		Lang:       key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "English / 日本語")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", h("all keys", "すべてのキー"))),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", h("quit (cleans up)", "終了(後片付けします)"))),
		Remove:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", h("remove them now", "今すぐ削除"))),
		Leave:      key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", h("leave them for later (nakami cleanup)", "残しておく(後で nakami cleanup)"))),
		Continue:   key.NewBinding(key.WithKeys("enter", "n", "esc"), key.WithHelp("enter", h("continue", "続ける"))),
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
		{k.Run, k.Shell, k.Hint, k.Params, k.Reset},
		{k.Jump, k.Transcript, k.Blank},
		{k.Lang, k.Help, k.Quit},
	}
}
