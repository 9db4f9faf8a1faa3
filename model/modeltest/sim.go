// Package modeltest drives a kvdeck model without a terminal: it feeds key
// presses to Update, runs the returned commands (concurrently, as Bubble Tea
// does) and feeds their messages back until no command is left running.
// Tests and the screenshot generator use it to reach a state and read the
// screen.
//
// Settling is by bookkeeping, not by timing: the Sim counts the commands in
// flight and Settle returns when every one has answered and its message was
// applied. A command that waits for something outside the program (another
// client changing the store, time passing) may never answer; the model marks
// those with OutsideWait, and the Sim does not wait for them.
package modeltest

import (
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/internal/teacmd"
	"github.com/kvdeck/kvdeck/internal/testsecret"
)

// Model is what the simulator drives: a Bubble Tea model that can also
// render its screen as a string.
type Model interface {
	tea.Model
	Render() string
}

// OutsideWait is implemented by a message that stands for a wait on an
// event from outside the program: the next change a watch reports, or the
// next second of a clock. Such a wait may block for ever, so the model does
// not return it as a Cmd: it returns a Cmd that answers at once with this
// message, and Update answers the message with the wait itself.
//
// The Sim runs the Cmd Update answers an OutsideWait with without counting
// it as in flight, so Settle does not wait for it; what it produces later is
// still delivered (by the next Settle, or by WaitFor while it waits). When
// the event is the clock (OutsideWait returns true) the Cmd is not run at
// all: time in a test passes only through the model's clock option and the
// ticks a test sends itself, so screens do not change under it.
type OutsideWait interface {
	OutsideWait() (clock bool)
}

// DefaultTimeout bounds how long Settle waits for the commands in flight.
// Store calls carry their own, shorter, timeouts, so reaching it means a
// command that waits for an outside event is not marked as one, or a store
// call hangs despite its timeout.
const DefaultTimeout = 30 * time.Second

// Sim runs a model.
type Sim struct {
	m    Model
	msgs chan tea.Msg
	// wake is signalled whenever a command in flight finishes.
	wake chan struct{}

	mu       sync.Mutex
	inFlight map[uint64]string // id → where the command comes from
	lastID   uint64

	// Timeout is how long Settle waits before it gives up (DefaultTimeout).
	Timeout time.Duration
}

// StuckError is what Settle panics with when commands are still in flight
// after Timeout. Origins names each one's function and where it is defined.
type StuckError struct {
	Timeout time.Duration
	Origins []string
}

func (e *StuckError) Error() string {
	return fmt.Sprintf("modeltest: %d command(s) still running after %v (a wait on an outside event not marked with OutsideWait, or a hung store call):\n\t%s",
		len(e.Origins), e.Timeout, strings.Join(e.Origins, "\n\t"))
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
	s := &Sim{
		m:        m,
		msgs:     make(chan tea.Msg, 1024),
		wake:     make(chan struct{}, 1),
		inFlight: map[uint64]string{},
		Timeout:  DefaultTimeout,
	}
	s.Send(tea.WindowSizeMsg{Width: width, Height: height})
	s.run(m.Init())
	return s
}

// Model returns the current model.
func (s *Sim) Model() Model { return s.m }

// Screen renders the current screen. Every screen a test renders is
// checked for the test suite's secrets (package testsecret): one on the
// screen fails the test, whatever the test itself asserts.
func (s *Sim) Screen() string {
	screen := s.m.Render()
	if leaked := testsecret.Leaked(ansi.Strip(screen)); leaked != "" {
		panic(fmt.Sprintf("modeltest: the test secret %q is on the screen:\n%s", leaked, ansi.Strip(screen)))
	}
	return screen
}

// Send delivers one message and runs what it returns.
func (s *Sim) Send(msg tea.Msg) {
	next, cmd := s.m.Update(msg)
	s.m = next.(Model)
	if w, ok := msg.(OutsideWait); ok {
		if !w.OutsideWait() {
			s.runOutside(cmd)
		}
		return
	}
	s.run(cmd)
}

// Keys presses keys by name ("down", "enter", "ctrl+c", "q", "/"), settling
// after each.
func (s *Sim) Keys(keys ...string) {
	for _, k := range keys {
		s.Send(Key(k))
		s.Settle()
	}
}

// Type types text one rune at a time, as fast as a paste, and settles.
func (s *Sim) Type(text string) {
	for _, r := range text {
		s.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	s.Settle()
}

// Messages is the channel commands answer on, for callers that run their
// own event loop (the benchmarks measure key latency behind a listing).
func (s *Sim) Messages() <-chan tea.Msg { return s.msgs }

// Settle applies messages until no command is in flight and none of their
// messages is waiting. It panics with a *StuckError if that takes longer
// than Timeout: a test must not go on from a state it did not reach.
func (s *Sim) Settle() {
	if err := s.settle(); err != nil {
		panic(err)
	}
	s.Screen() // the state reached is a screen the user sees: check it
}

func (s *Sim) settle() error {
	deadline := time.NewTimer(s.Timeout)
	defer deadline.Stop()
	for {
		select {
		case msg := <-s.msgs:
			s.Send(msg)
			continue
		default:
		}
		// A command sends its message before it leaves the in-flight set,
		// so once the set is empty every message is in the channel.
		if s.idle() && len(s.msgs) == 0 {
			return nil
		}
		select {
		case msg := <-s.msgs:
			s.Send(msg)
		case <-s.wake:
		case <-deadline.C:
			return &StuckError{Timeout: s.Timeout, Origins: s.origins()}
		}
	}
}

// Plain is the screen without styling, as a user reads it.
func (s *Sim) Plain() string { return ansi.Strip(s.Screen()) }

// WaitFor settles and reports whether the screen, read without styling,
// contains text; if not, it waits up to timeout for events from outside
// (a watch's changes), settling after each.
func (s *Sim) WaitFor(text string, timeout time.Duration) bool {
	return s.WaitUntil(func(plain string) bool { return strings.Contains(plain, text) }, timeout)
}

// WaitUntil is WaitFor with a condition on the screen without styling.
func (s *Sim) WaitUntil(ok func(plain string) bool, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.Settle()
		if ok(s.Plain()) {
			return true
		}
		select {
		case msg := <-s.msgs:
			s.Send(msg)
		case <-deadline.C:
			s.Settle()
			return ok(s.Plain())
		}
	}
}

// run executes cmd in the background, counted as in flight until it has
// answered and its message (or its batch's commands) is queued.
func (s *Sim) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if teacmd.IsCursorBlink(cmd) {
		// The blink of a text input's cursor, which the model cannot mark
		// with OutsideWait: dropped, the cursor stays shown, like the
		// model's clock.
		return
	}
	from := origin(cmd)
	id := s.begin(from)
	go func() {
		defer s.end(id)
		s.deliver(cmd(), s.run)
	}()
}

// runOutside executes a wait on an outside event: not counted, so Settle
// does not wait for it, but its message is delivered when it comes.
func (s *Sim) runOutside(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { s.deliver(cmd(), s.runOutside) }()
}

// deliver queues msg, or runs a batch's commands with run.
func (s *Sim) deliver(msg tea.Msg, run func(tea.Cmd)) {
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			run(c)
		}
	default:
		s.msgs <- msg
	}
}

func (s *Sim) begin(from string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	s.inFlight[s.lastID] = from
	return s.lastID
}

func (s *Sim) end(id uint64) {
	s.mu.Lock()
	delete(s.inFlight, id)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Sim) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inFlight) == 0
}

func (s *Sim) origins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, from := range s.inFlight {
		out = append(out, from)
	}
	slices.Sort(out)
	return out
}

// origin names the function a Cmd runs and where it is written, for the
// list of commands a stuck Settle reports.
func origin(cmd tea.Cmd) string {
	pc := reflect.ValueOf(cmd).Pointer()
	f := runtime.FuncForPC(pc)
	if f == nil {
		return fmt.Sprintf("Cmd at %#x", pc)
	}
	file, line := f.FileLine(pc)
	return fmt.Sprintf("%s (%s:%d)", f.Name(), filepath.Base(file), line)
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
