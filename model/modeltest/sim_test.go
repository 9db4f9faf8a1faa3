package modeltest

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// probe is a model whose commands the tests choose: it shows every message
// it was given, so a test sees which arrived.
type probe struct {
	init   tea.Cmd
	update func(msg tea.Msg) tea.Cmd
	seen   []string
}

func (p *probe) Init() tea.Cmd { return p.init }

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(string); ok {
		p.seen = append(p.seen, s)
	}
	if p.update != nil {
		return p, p.update(msg)
	}
	return p, nil
}

func (p *probe) View() tea.View { return tea.NewView(p.Render()) }

func (p *probe) Render() string { return strings.Join(p.seen, "\n") }

// answerAfter is a store call that takes d to answer.
func answerAfter(d time.Duration, answer string) tea.Cmd {
	return func() tea.Msg {
		time.Sleep(d)
		return answer
	}
}

// outside is how a model marks a wait on an outside event (kvdeck's
// outsideWait): a Cmd answers at once with it, and Update answers it with
// the wait.
type outside struct {
	wait  tea.Cmd
	clock bool
}

func (o outside) OutsideWait() bool { return o.clock }

func markOutside(wait tea.Cmd, clock bool) tea.Cmd {
	return func() tea.Msg { return outside{wait: wait, clock: clock} }
}

// runOutsideWaits is the model's side of the marker.
func runOutsideWaits(msg tea.Msg) tea.Cmd {
	if o, ok := msg.(outside); ok {
		return o.wait
	}
	return nil
}

// The old Sim took 150 ms of quiet for settled: a store call slower than
// that was missed. Settle now waits for it, and returns as soon as it has
// answered.
func TestSettleWaitsForASlowStoreCall(t *testing.T) {
	const slow = 400 * time.Millisecond
	start := time.Now()
	s := New(&probe{init: answerAfter(slow, "answered")}, 80, 24)
	took := time.Since(start)
	if !strings.Contains(s.Plain(), "answered") {
		t.Fatalf("Settle returned after %v without the answer", took)
	}
	// A generous margin for a loaded machine, still far from a second
	// quiet period or a polling loop.
	if took < slow || took > slow+300*time.Millisecond {
		t.Fatalf("Settle took %v for a call of %v", took, slow)
	}
}

// A listing's re-armed wait counts too: a listing whose store pauses
// between batches longer than the old quiet period is followed to its end,
// and a batch of commands is followed through every one.
func TestSettleFollowsAListingThroughItsPauses(t *testing.T) {
	batch := 0
	var p *probe
	p = &probe{
		init: tea.Batch(answerAfter(200*time.Millisecond, "batch 1"), answerAfter(10*time.Millisecond, "other")),
		update: func(msg tea.Msg) tea.Cmd {
			if s, ok := msg.(string); ok && strings.HasPrefix(s, "batch") && batch < 2 {
				batch++
				return answerAfter(200*time.Millisecond, fmt.Sprintf("batch %d", batch+1))
			}
			return nil
		},
	}
	s := New(p, 80, 24)
	if got := s.Plain(); !strings.Contains(got, "batch 3") || !strings.Contains(got, "other") {
		t.Fatalf("settled on a half-built screen:\n%s", got)
	}
}

// A watch's wait blocks until another client changes something: Settle
// does not wait for it, and WaitFor still sees the change when it comes,
// as often as the model re-arms the wait.
func TestOutsideWaitDoesNotHoldSettleButIsDelivered(t *testing.T) {
	changes := make(chan string)
	wait := func() tea.Msg { return <-changes }
	p := &probe{
		init: markOutside(wait, false),
		update: func(msg tea.Msg) tea.Cmd {
			if s, ok := msg.(string); ok && strings.HasPrefix(s, "change") {
				return markOutside(wait, false) // the next change
			}
			return runOutsideWaits(msg)
		},
	}
	start := time.Now()
	s := New(p, 80, 24)
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Fatalf("Settle waited %v for a wait on an outside event", took)
	}
	for i := 1; i <= 2; i++ {
		go func() {
			time.Sleep(50 * time.Millisecond)
			changes <- fmt.Sprintf("change %d", i)
		}()
		if !s.WaitFor(fmt.Sprintf("change %d", i), 5*time.Second) {
			t.Fatalf("change %d never delivered:\n%s", i, s.Plain())
		}
		s.Settle() // returns at once: the re-armed wait is not counted
	}
}

// The clock is an outside wait the Sim does not even run: time in a test
// passes only when the test says so.
func TestClockWaitIsNotRun(t *testing.T) {
	var ran atomic.Bool
	p := &probe{
		init:   markOutside(func() tea.Msg { ran.Store(true); return "tick" }, true),
		update: runOutsideWaits,
	}
	s := New(p, 80, 24)
	if s.WaitFor("tick", 100*time.Millisecond) || ran.Load() {
		t.Fatal("the clock ran in the Sim")
	}
}

// A blocking Cmd that is not marked makes Settle fail, naming it, instead
// of returning from a state the test did not reach.
func TestSettleFailsNamingAStuckCommand(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := Start(&probe{init: func() tea.Msg { <-release; return "late" }}, 80, 24)
	s.Timeout = 100 * time.Millisecond
	defer func() {
		var stuck *StuckError
		err, _ := recover().(error)
		if !errors.As(err, &stuck) {
			t.Fatalf("Settle did not fail on a stuck command: %v", err)
		}
		if len(stuck.Origins) != 1 || !strings.Contains(stuck.Origins[0], "TestSettleFailsNamingAStuckCommand") ||
			!strings.Contains(stuck.Origins[0], "sim_test.go:") {
			t.Fatalf("the failure does not name the command: %v", stuck)
		}
	}()
	s.Settle()
}
