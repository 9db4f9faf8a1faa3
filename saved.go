package main

import (
	"os"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/catalog"
	"github.com/kvdeck/kvdeck/config"
	"github.com/kvdeck/kvdeck/connect"
)

// Saved connections on the command line: `kvdeck NAME` opens one, and
// flags given beside it override what the file says.

func newCatalog(f flags) (*catalog.Catalog, error) {
	path := f.configPath
	if path == "" {
		p, err := config.Path()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return catalog.New(path, f.timeout), nil
}

// savedTarget reads the config file when it is needed: to list the saved
// connections (no target), or when the target may be a saved connection's
// name. It returns the saved connections and the one the target names, if
// any. A target that is a URL or a path that exists never reads the file,
// so a broken config file does not stop `kvdeck redis://…`.
func savedTarget(cat *catalog.Catalog, target string, f flags) ([]config.Connection, *config.Connection, error) {
	if f.demo || f.create || strings.Contains(target, "://") || strings.ContainsAny(target, `/\`) {
		return nil, nil, nil
	}
	if target != "" {
		if _, err := os.Stat(target); err == nil {
			return nil, nil, nil // a file of that name: ./NAME is the way to say so
		}
	}
	file, err := cat.Saved()
	if err != nil {
		return nil, nil, err
	}
	if target == "" {
		return file.Connections, nil, nil
	}
	if c, ok := file.Get(target); ok {
		return file.Connections, &c, nil
	}
	if !strings.ContainsAny(target, ".:") && len(file.Connections) > 0 {
		names := make([]string, len(file.Connections))
		for i, c := range file.Connections {
			names[i] = c.Name
		}
		return nil, nil, backend.Invalid("target", "%q is neither a saved connection (%s has %s) nor a file; a new local store needs --create", target, file.Path, strings.Join(names, ", "))
	}
	return file.Connections, nil, nil
}

// overrideSaved applies the flags given beside a saved connection's name:
// they win over the file, as they would over a natscli context.
func (f flags) overrideSaved(s *connect.Spec) {
	if f.readOnly {
		s.ReadOnly = true
	}
	if f.bucket != "" {
		s.Bucket = f.bucket
	}
	if f.match != "" {
		s.Match = f.match
	}
	if f.askPass {
		s.AskPass = true
	}
	if f.user != "" {
		s.Username = f.user
	}
	if f.ssh != "" {
		s.SSH = f.ssh
	}
	if f.sshIdentity != "" {
		s.SSHIdentity = f.sshIdentity
	}
	if f.sshKnownHosts != "" {
		s.SSHKnownHosts = f.sshKnownHosts
	}
}
