// Package natshome finds natscli's configuration folder and checks context
// names as natscli does. backend/nats reads a context in full when kvdeck
// connects with it; package config lists the contexts for the picker
// without linking the NATS client. Both find the files here, so they
// always agree.
package natshome

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// ConfigHome is natscli's configuration folder, $XDG_CONFIG_HOME/nats or
// ~/.config/nats. Like natscli it asks the user database for the home
// folder, not $HOME.
func ConfigHome() (string, error) {
	if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
		return filepath.Join(xdg, "nats"), nil
	}
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("cannot find the natscli configuration: %w", err)
	}
	if u.HomeDir == "" {
		return "", errors.New("cannot find the natscli configuration: no home directory")
	}
	return filepath.Join(u.HomeDir, ".config", "nats"), nil
}

// ValidContextName is natscli's rule: not empty, no "..", no "/" or "\".
func ValidContextName(name string) bool {
	return name != "" && !strings.Contains(name, "..") && !strings.ContainsAny(name, `/\`)
}
