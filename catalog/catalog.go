// Package catalog is the connections kvdeck knows, as the picker lists
// them: the saved connections of the config file, the natscli contexts on
// this machine, the recent targets and the local default store. It opens
// any of them through package connect and writes the picker's edits back
// to the config file (package config). It is model.Connector's real
// implementation; main also uses it for `kvdeck NAME`.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/config"
	"github.com/kvdeck/kvdeck/connect"
	"github.com/kvdeck/kvdeck/model"
)

// Catalog reads the config file afresh for every listing and edit, so an
// edit made in another editor meanwhile is seen (and one made between a
// read and a save is refused by config.File.Save, not overwritten).
type Catalog struct {
	// ConfigPath is the config file; Timeout bounds each network step of
	// a connection; Now is the clock of the recent list.
	ConfigPath string
	Timeout    time.Duration
	Now        func() time.Time

	// mu keeps the picker's writes (a save, the recent list) one at a time.
	mu sync.Mutex
}

// New is the catalog of the config file at path.
func New(path string, timeout time.Duration) *Catalog {
	return &Catalog{ConfigPath: path, Timeout: timeout, Now: time.Now}
}

// Where names the config file, ~ for the home folder as people write it.
func (c *Catalog) Where() string { return tildeHome(c.ConfigPath) }

func tildeHome(path string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "/" {
		if rest, ok := strings.CutPrefix(path, home+string(os.PathSeparator)); ok {
			return "~/" + rest
		}
	}
	return path
}

// Saved is the config file's connections (an empty list when there is no
// file).
func (c *Catalog) Saved() (*config.File, error) {
	return config.Load(c.ConfigPath)
}

// Entries lists every connection: saved ones in the file's order, then
// the natscli contexts, the recent targets (newest first) and the local
// default store. A part that cannot be read is left out with a warning;
// only an unreadable config file is an error, since it is the user's.
func (c *Catalog) Entries() ([]model.Entry, []string, error) {
	f, err := c.Saved()
	if err != nil {
		return nil, nil, err
	}
	var out []model.Entry
	var warnings []string
	for _, w := range f.Warnings {
		// The header shows the file's path: the line number is enough.
		warnings = append(warnings, "line "+strings.TrimPrefix(w, f.Path+":"))
	}
	for _, conn := range f.Connections {
		out = append(out, savedEntry(conn))
	}
	contexts, err := config.NATSContexts()
	if err != nil {
		warnings = append(warnings, "natscli contexts: "+err.Error())
	}
	for _, nc := range contexts {
		addr := nc.URL
		if nc.Selected {
			addr += " (selected)"
		}
		if nc.Description != "" {
			addr += " · " + nc.Description
		}
		out = append(out, model.Entry{Source: model.FromNATSCLI, Name: nc.Name, Kind: config.KindNATS, Address: addr, Problem: nc.Problem})
	}
	recent, err := config.LoadRecent()
	if err != nil {
		warnings = append(warnings, "recent list: "+err.Error())
	} else {
		for _, r := range recent.Entries {
			if r.Name != "" {
				continue // a saved connection: listed above
			}
			out = append(out, model.Entry{Source: model.FromRecent, Name: backend.MaskURL(r.Target), Target: r.Target, Kind: r.Kind,
				Address: r.At.Local().Format("opened 2006-01-02 15:04")})
		}
	}
	if path, err := local.DefaultPath(); err == nil {
		out = append(out, model.Entry{Source: model.FromLocal, Name: "local", Kind: config.KindLocal, Address: tildeHome(path), Target: path})
	}
	return out, warnings, nil
}

// savedEntry is a saved connection as the picker lists it.
func savedEntry(conn config.Connection) model.Entry {
	return model.Entry{
		Source: model.FromSaved, Name: conn.Name, Kind: conn.Kind(), Address: Address(conn),
		Color: conn.Color, ReadOnly: conn.ReadOnly, Bucket: conn.Bucket, Match: conn.Match,
	}
}

// Address is where a saved connection goes, without its kind (the
// picker shows that in a column of its own) and without secrets.
func Address(conn config.Connection) string {
	return strings.TrimPrefix(config.MaskedAddress(conn), conn.Kind()+" ")
}

// Open connects to e.
func (c *Catalog) Open(ctx context.Context, e model.Entry, p connect.Prompter) (*connect.Conn, error) {
	spec, err := c.Spec(e)
	if err != nil {
		return nil, err
	}
	return connect.Open(ctx, spec, p)
}

// Spec is how e is opened.
func (c *Catalog) Spec(e model.Entry) (connect.Spec, error) {
	switch e.Source {
	case model.FromSaved:
		f, err := c.Saved()
		if err != nil {
			return connect.Spec{}, err
		}
		conn, ok := f.Get(e.Name)
		if !ok {
			return connect.Spec{}, fmt.Errorf("%s is no longer in %s", e.Name, c.ConfigPath)
		}
		return SpecOf(conn, c.Timeout), nil
	case model.FromNATSCLI:
		return connect.Spec{Kind: connect.KindNATS, NATSContext: e.Name, Timeout: c.Timeout}, nil
	case model.FromRecent:
		return TargetSpec(e.Target, e.Kind, c.Timeout), nil
	case model.FromLocal:
		return connect.Spec{Kind: connect.KindLocal, Timeout: c.Timeout}, nil
	}
	return connect.Spec{}, fmt.Errorf("unknown connection %s", e.Name)
}

// SpecOf is how a saved connection is opened: its secrets from where the
// file says, its paths with ~ expanded.
func SpecOf(conn config.Connection, timeout time.Duration) connect.Spec {
	x := conn.Expanded()
	s := connect.Spec{
		Name: x.Name, Color: x.Color, Kind: x.Kind(), ReadOnly: x.ReadOnly,
		TLSCA: x.TLSCA, TLSCert: x.TLSCert, TLSKey: x.TLSKey, TLSSkipVerify: x.TLSSkipVerify,
		Cluster: x.Cluster, SentinelMaster: x.SentinelMaster, SentinelAddrs: x.SentinelAddrs,
		NATSContext: x.Context, NATSCreds: x.Creds, NATSNKey: x.NKey,
		Bucket: x.Bucket, Match: x.Match,
		SSH: x.SSH, SSHIdentity: x.SSHIdentity, SSHKnownHosts: x.SSHKnownHosts,
		Timeout: timeout,
	}
	switch s.Kind {
	case config.KindLocal:
		s.Target, s.MustExist = x.Path, true
	default:
		s.Target = x.URL
	}
	s.Username = x.Username
	if s.Kind == config.KindNATS {
		s.Username = x.User
	}
	if x.PasswordEnv != "" || x.PasswordFile != "" || x.PasswordCommand != "" {
		s.Password = conn.Password
	}
	if x.TokenEnv != "" || x.TokenFile != "" || x.TokenCommand != "" {
		s.Token = conn.Token
	}
	return s
}

// TargetSpec is how a target from the recent list is opened: as from the
// command line, its secret from the environment (REDISCLI_AUTH,
// NATS_PASSWORD, NATS_TOKEN) or a prompt when the server asks.
func TargetSpec(target, kind string, timeout time.Duration) connect.Spec {
	s := connect.Spec{Kind: kind, Target: target, Timeout: timeout, MustExist: kind == config.KindLocal}
	env := func(name string) connect.Secret {
		return func(context.Context) (string, error) { return os.Getenv(name), nil }
	}
	switch kind {
	case config.KindRedis:
		s.Password = env("REDISCLI_AUTH")
	case config.KindNATS:
		s.Password, s.Token = env("NATS_PASSWORD"), env("NATS_TOKEN")
	}
	return s
}

// Opened records e in the recent list.
func (c *Catalog) Opened(e model.Entry) error {
	switch e.Source {
	case model.FromSaved:
		return c.remember(func(r *config.Recent, now time.Time) { r.AddConnection(e.Name, e.Kind, now) })
	case model.FromRecent, model.FromLocal:
		target := e.Target
		return c.remember(func(r *config.Recent, now time.Time) { r.Add(target, e.Kind, now) })
	}
	return nil // a natscli context: natscli's own list has it
}

// OpenedTarget records a target typed on the command line.
func (c *Catalog) OpenedTarget(target, kind string) error {
	return c.remember(func(r *config.Recent, now time.Time) { r.Add(target, kind, now) })
}

func (c *Catalog) remember(add func(r *config.Recent, now time.Time)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := config.LoadRecent()
	if err != nil {
		return err
	}
	add(r, c.Now())
	return r.Save()
}

// Delete removes a saved connection from the config file, or a target
// from the recent list. A saved connection is deleted only as it was
// listed: one changed in the file since is refused.
func (c *Catalog) Delete(e model.Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e.Source {
	case model.FromSaved:
		f, err := c.Saved()
		if err != nil {
			return err
		}
		conn, ok := f.Get(e.Name)
		if !ok {
			return fmt.Errorf("%s is no longer in %s", e.Name, c.Where())
		}
		if now := savedEntry(conn); now != e {
			return fmt.Errorf("%s changed in the file since it was listed: nothing was deleted; r lists it again", e.Name)
		}
		if err := f.Delete(e.Name); err != nil {
			return err
		}
		return f.Save()
	case model.FromRecent:
		r, err := config.LoadRecent()
		if err != nil {
			return err
		}
		for _, re := range r.Entries {
			if re.Name == "" && re.Target == e.Target {
				r.Remove("", re.Target)
			}
		}
		return r.Save()
	}
	return errors.New("only saved connections and recent targets can be deleted here")
}
