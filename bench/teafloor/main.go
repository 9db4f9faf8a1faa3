// Command teafloor is the floor of kvdeck's start-up in bench/e2e: the
// plainest Bubble Tea program, run the way kvdeck runs (alternate screen,
// 120 frames a second), whose one frame says "Buckets", the word the
// harness waits for in kvdeck's first frame. It quits on any key. What it
// takes from exec to that frame is what any Bubble Tea v2 program pays on
// the machine before drawing anything of its own: process start, the Go
// runtime, Bubble Tea's terminal set-up and queries, and its first renderer
// tick. It links nothing else, so none of kvdeck's own start-up is in it.
package main

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
)

func main() {
	if _, err := tea.NewProgram(teaFrameModel{}, tea.WithFPS(120)).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "teafloor:", err)
		os.Exit(1)
	}
}

type teaFrameModel struct{}

func (teaFrameModel) Init() tea.Cmd { return nil }

func (m teaFrameModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyPressMsg); ok {
		return m, tea.Quit
	}
	return m, nil
}

func (teaFrameModel) View() tea.View {
	v := tea.NewView("Buckets")
	v.AltScreen = true
	return v
}
