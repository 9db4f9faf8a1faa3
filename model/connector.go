package model

import (
	"context"

	"github.com/kvdeck/kvdeck/connect"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
)

// EntrySource says where a connection in the picker comes from.
type EntrySource string

const (
	FromSaved   EntrySource = "saved"   // the config file
	FromNATSCLI EntrySource = "natscli" // a natscli context on this machine
	FromRecent  EntrySource = "recent"  // a target opened lately
	FromLocal   EntrySource = "local"   // the default local store
)

// Entry is one connection the picker offers. Address never holds a
// secret: it is what the picker shows.
type Entry struct {
	Source   EntrySource
	Name     string
	Kind     string
	Address  string
	Color    string
	ReadOnly bool
	// Target is a recent target's URL or path (recent targets hold no
	// secret: the recent list drops them).
	Target string
	// Bucket and Match are where its tab opens.
	Bucket, Match string
	// Problem is why a saved connection cannot be opened as written (a
	// URL with a password in it); the picker shows it and Enter refuses.
	Problem string
}

// same reports whether e and o are the same connection.
func (e Entry) same(o Entry) bool { return e.Source == o.Source && e.Name == o.Name }

// Connector is what the picker needs of the connections kvdeck knows: the
// config file, natscli's contexts and the recent list (package connect's
// Catalog is the real one). Every method does I/O, so the picker calls
// them only from Cmds.
type Connector interface {
	// Entries lists the connections, with warnings about the config file
	// (unknown keys) to show beside them.
	Entries() (entries []Entry, warnings []string, err error)
	// Open connects; p asks for what is missing.
	Open(ctx context.Context, e Entry, p connect.Prompter) (*connect.Conn, error)
	// Form is the form that edits e (nil: a new saved connection; an entry
	// that is not saved: saving it as a new one).
	Form(e *Entry) ([]dlg.FormField, error)
	// Save writes the form's values as a saved connection, replacing old
	// when old is a saved one, only if old still has the values the form
	// showed (seen).
	Save(old *Entry, seen, values map[string]string) error
	// Delete removes a saved connection from the config file (only if it
	// is still as e lists it), or a recent target from the recent list.
	Delete(e Entry) error
	// Opened records e as recently opened.
	Opened(e Entry) error
	// Where is the config file's path, for messages.
	Where() string
}
