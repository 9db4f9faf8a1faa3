package dialog

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvdeck/kvdeck/keymap"
	"github.com/kvdeck/kvdeck/model/modeltest"
	"github.com/kvdeck/kvdeck/theme"
)

func env() Env {
	return Env{Styles: theme.New(true, true), Keys: keymap.Default(), Width: 80, Height: 24}
}

func press(d Model, keys ...string) Action {
	var act Action
	for _, k := range keys {
		act, _ = d.Update(env(), modeltest.Key(k))
		if act != nil {
			return act
		}
	}
	return act
}

// Only the keymap's confirm key confirms a destructive action.
func TestConfirmAnswersOnlyToItsKeys(t *testing.T) {
	d := NewConfirm("Delete key?", []string{"Delete k?"})
	if act := press(d, "enter", "space", "x", "d"); act != nil {
		t.Fatalf("enter, space, x, d answered %#v", act)
	}
	if _, ok := press(d, "y").(Confirmed); !ok {
		t.Fatal("y did not confirm")
	}
	if _, ok := press(NewConfirm("t", nil), "n").(Declined); !ok {
		t.Fatal("n did not decline")
	}
	if _, ok := press(NewConfirm("t", nil), "esc").(Declined); !ok {
		t.Fatal("esc did not decline")
	}
	// A rebound confirm key is the one that works.
	e := env()
	e.Keys.Confirm.SetKeys("ctrl+y")
	d = NewConfirm("t", nil)
	if act, _ := d.Update(e, modeltest.Key("y")); act != nil {
		t.Fatal("y confirmed after the confirm key was rebound")
	}
	if act, _ := d.Update(e, modeltest.Key("ctrl+y")); act == nil {
		t.Fatal("the rebound confirm key did not confirm")
	}
}

func TestTypedConfirmNeedsTheName(t *testing.T) {
	d := NewTypedConfirm("Delete bucket?", nil, "orders")
	for _, r := range "order" {
		d.Update(env(), tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if act := press(d, "enter"); act != nil {
		t.Fatalf("a wrong name answered %#v", act)
	}
	d.Update(env(), tea.KeyPressMsg{Code: 's', Text: "s"})
	if _, ok := press(d, "enter").(Confirmed); !ok {
		t.Fatal("the typed name did not confirm")
	}
}

func TestInputSubmitsCompletesAndCancels(t *testing.T) {
	d := NewInput("Command", ":", "buc", nil)
	d.Complete = func(v string) []string { return []string{"bucket"} }
	press(d, "tab")
	act := press(d, "enter")
	if s, ok := act.(Submitted); !ok || s.Value != "bucket" {
		t.Fatalf("enter after tab answered %#v", act)
	}
	d.SetError("invalid ttl: no")
	if v := d.View(env()); !strings.Contains(v, "invalid ttl: no") {
		t.Fatalf("the refusal is not shown:\n%s", v)
	}
	if _, ok := press(d, "esc").(Cancelled); !ok {
		t.Fatal("esc did not cancel")
	}
}

// Issue 11, item 8: a body taller than the screen pushed the answer keys
// off it. The box fits the screen, keeps its title and last two lines,
// and says how many lines it left out.
func TestBoxTallerThanTheScreenKeepsItsAnswerLine(t *testing.T) {
	e := env()
	var body []string
	for i := range 100 {
		body = append(body, fmt.Sprintf("line %d", i))
	}
	body = append(body, "", "y yes   n/esc no")
	out := ansi.Strip(e.Box("Delete 100 keys?", body...))
	if h := strings.Count(out, "\n") + 1; h > e.Height {
		t.Fatalf("the box is %d lines high on a %d-line screen:\n%s", h, e.Height, out)
	}
	for _, want := range []string{"Delete 100 keys?", "line 0", "lines not shown", "y yes   n/esc no"} {
		if !strings.Contains(out, want) {
			t.Errorf("the box lost %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "line 99") {
		t.Errorf("the box kept a line it says it cut:\n%s", out)
	}
}
