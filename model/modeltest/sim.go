// Package modeltest drives a kvdeck model without a terminal: it feeds key
// presses to Update, runs the returned commands (concurrently, as Bubble Tea
// does) and feeds their messages back until the model is quiet. Tests and
// the screenshot generator use it to reach a state and read the screen.
package modeltest

import (
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Model is what the simulator drives: a Bubble Tea model that can also
// render its screen as a string.
type Model interface {
	tea.Model
	Render() string
}

// Sim runs a model.
type Sim struct {
	m    Model
	msgs chan tea.Msg
	wg   sync.WaitGroup
	// Quiet is how long no message may arrive before the model counts as
	// settled.
	Quiet time.Duration
}

// New starts m at the given size, runs Init's commands and settles.
func New(m Model, width, height int) *Sim {
	s := Start(m, width, height)
	s.Settle()
	return s
}

// Start is New without settling: the caller drives the messages (through
// Messages) from the very first one.
func Start(m Model, width, height int) *Sim {
	s := &Sim{m: m, msgs: make(chan tea.Msg, 1024), Quiet: 150 * time.Millisecond}
	s.Send(tea.WindowSizeMsg{Width: width, Height: height})
	s.run(m.Init())
	return s
}

// Model returns the current model.
func (s *Sim) Model() Model { return s.m }

// Screen renders the current screen.
func (s *Sim) Screen() string { return s.m.Render() }

// Send delivers one message and runs what it returns.
func (s *Sim) Send(msg tea.Msg) {
	next, cmd := s.m.Update(msg)
	s.m = next.(Model)
	s.run(cmd)
}

// Keys presses keys by name ("down", "enter", "ctrl+c", "q", "/"), waiting
// for the model to settle after each.
func (s *Sim) Keys(keys ...string) {
	for _, k := range keys {
		s.Send(Key(k))
		s.Settle()
	}
}

// Type types text one rune at a time.
func (s *Sim) Type(text string) {
	for _, r := range text {
		s.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	s.Settle()
}

// Messages is the channel commands answer on, for callers that run their
// own event loop (the benchmarks measure key latency behind a listing).
func (s *Sim) Messages() <-chan tea.Msg { return s.msgs }

// Settle processes messages until none arrives for Quiet.
func (s *Sim) Settle() {
	for {
		select {
		case msg := <-s.msgs:
			s.Send(msg)
		case <-time.After(s.Quiet):
			return
		}
	}
}

// Plain is the screen without styling, as a user reads it.
func (s *Sim) Plain() string { return ansi.Strip(s.Screen()) }

// WaitFor settles until the screen, read without styling, contains text or
// the timeout passes; it returns whether the text appeared.
func (s *Sim) WaitFor(text string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(s.Plain(), text) {
			return true
		}
		select {
		case msg := <-s.msgs:
			s.Send(msg)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return strings.Contains(s.Plain(), text)
}

// run executes cmd in the background; batches fan out. Ticks are dropped
// so a clock does not keep the model busy forever; tests that need time to
// pass send their own tick messages.
func (s *Sim) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		switch m := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range m {
				s.run(c)
			}
		default:
			if isTick(msg) {
				return
			}
			s.msgs <- msg
		}
	}()
}

// isTick recognises the model's once-a-second clock by its type name so the
// simulator needs no access to unexported types.
func isTick(msg tea.Msg) bool {
	return reflect.TypeOf(msg).Name() == "tickMsg"
}

// Key builds a key press from a name as the keymap writes it.
func Key(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "space": tea.KeySpace, "backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
	}
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(name, "ctrl+"):
			mod |= tea.ModCtrl
			name = name[5:]
			continue
		case strings.HasPrefix(name, "shift+"):
			mod |= tea.ModShift
			name = name[6:]
			continue
		case strings.HasPrefix(name, "alt+"):
			mod |= tea.ModAlt
			name = name[4:]
			continue
		}
		break
	}
	if r, ok := special[name]; ok {
		k := tea.KeyPressMsg{Code: r, Mod: mod}
		if r == tea.KeySpace {
			k.Text = " "
		}
		return k
	}
	r, _ := utf8.DecodeRuneInString(name)
	k := tea.KeyPressMsg{Code: r, Mod: mod}
	if mod == 0 {
		k.Text = name
	}
	return k
}
