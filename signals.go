package main

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/internal/shutdown"
)

// endingSignals are the signals that end kvdeck. Bubble Tea's own handler
// knows only INT and TERM, and ends with code 0 on TERM; HUP (the terminal
// closed) and QUIT killed the process with the alternate screen still on,
// the cursor hidden and mouse reporting on.
var endingSignals = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM}

// stuckGrace is how long the program may take to end after a signal: an
// editor that ignores the signal passed on to it is then killed, and the
// program with it (Program.Kill still restores the terminal).
const stuckGrace = 3 * time.Second

// handleSignals ends p on any of endingSignals: nothing new starts, the
// editor (if open) gets the same signal and its edit is not saved, and
// the program quits, restoring the terminal. The returned function says
// which signal ended kvdeck, 0 if none did.
func handleSignals(p *tea.Program) func() syscall.Signal {
	var caught atomic.Int32
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, endingSignals...)
	go func() {
		sig := (<-ch).(syscall.Signal)
		caught.Store(int32(sig))
		shutdown.Begin(sig)
		time.AfterFunc(stuckGrace, func() {
			shutdown.KillChild()
			p.Kill()
		})
		p.Quit()
	}()
	return func() syscall.Signal { return syscall.Signal(caught.Load()) }
}
