package tui

// The `s` key's shell runs on the real terminal. When it exits, what it
// printed would vanish as the workbench's screen comes back; it stays until
// the learner presses Enter.

import (
	"bufio"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"
)

// pausing runs a command, then waits for Enter before the workbench redraws.
type pausing struct {
	tea.ExecCommand
	in     io.Reader
	out    io.Writer
	prompt string
}

func (p *pausing) SetStdin(r io.Reader)  { p.in = r; p.ExecCommand.SetStdin(r) }
func (p *pausing) SetStdout(w io.Writer) { p.out = w; p.ExecCommand.SetStdout(w) }

func (p *pausing) Run() error {
	err := p.ExecCommand.Run()
	if p.in != nil && p.out != nil {
		fmt.Fprint(p.out, "\n"+p.prompt)
		bufio.NewReader(p.in).ReadString('\n') // Enter, or the end of input
	}
	return err
}

func (m *model) pauseAfter(c tea.ExecCommand) tea.ExecCommand {
	return &pausing{ExecCommand: c, prompt: m.tr(
		"nakami: the shell has ended; press Enter to return to the workbench ",
		"nakami: シェルが終了しました。Enter でワークベンチに戻ります ")}
}
