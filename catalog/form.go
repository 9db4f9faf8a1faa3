package catalog

import (
	"fmt"
	"strings"

	"github.com/kvdeck/kvdeck/config"
	"github.com/kvdeck/kvdeck/model"
	dlg "github.com/kvdeck/kvdeck/model/dialog"
)

// The picker's form for a saved connection: the settings people change
// by hand. The rest (TLS client files, Sentinel, nkey, SSH known_hosts...)
// stays as the file has it: the form edits a connection, it never drops
// what it does not show.

// secretRefHint says how a secret reference is written in the form.
const secretRefHint = "where the secret is, never the secret: env:VARIABLE, file:PATH or command:pass show redis/prod"

// Form is the form for e: its saved values, a new connection's blanks,
// or a recent target or natscli context to save as a new connection.
func (c *Catalog) Form(e *model.Entry) ([]dlg.FormField, error) {
	var conn config.Connection
	switch {
	case e == nil:
	case e.Source == model.FromSaved:
		f, err := c.Saved()
		if err != nil {
			return nil, err
		}
		var ok bool
		if conn, ok = f.Get(e.Name); !ok {
			return nil, fmt.Errorf("%s is no longer in %s", e.Name, c.Where())
		}
	case e.Source == model.FromNATSCLI:
		conn = config.Connection{Name: e.Name, Context: e.Name}
	case e.Source == model.FromRecent:
		conn = config.Connection{URL: e.Target}
		if e.Kind == config.KindLocal {
			conn = config.Connection{Path: e.Target}
		}
	case e.Source == model.FromLocal:
		conn = config.Connection{Name: "local", Path: e.Target}
	}
	return formFields(conn), nil
}

// formFields are conn's settings as the form shows them.
func formFields(conn config.Connection) []dlg.FormField {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	user := conn.Username
	if conn.Kind() == config.KindNATS {
		user = conn.User
	}
	return []dlg.FormField{
		{Key: "name", Label: "name", Value: conn.Name, Hint: "how the picker and the tabs call it; `kvdeck NAME` opens it"},
		{Key: "url", Label: "url", Value: conn.URL, Hint: "redis://host:6379/0, rediss://…, nats://host:4222 — no password in it"},
		{Key: "context", Label: "natscli context", Value: conn.Context, Hint: "a natscli context, instead of a url"},
		{Key: "path", Label: "local file", Value: conn.Path, Hint: "a bbolt file, instead of a url"},
		{Key: "user", Label: "user", Value: user, Hint: "Redis ACL user or NATS user"},
		{Key: "password", Label: "password from", Value: secretRef(conn.PasswordEnv, conn.PasswordFile, conn.PasswordCommand), Hint: secretRefHint},
		{Key: "token", Label: "token from", Value: secretRef(conn.TokenEnv, conn.TokenFile, conn.TokenCommand), Hint: "NATS token: " + secretRefHint},
		{Key: "creds", Label: "creds file", Value: conn.Creds, Hint: "NATS credentials file"},
		{Key: "tls_ca", Label: "TLS CA file", Value: conn.TLSCA, Hint: "CA certificate (PEM) to trust"},
		{Key: "ssh", Label: "ssh", Value: conn.SSH, Hint: "user@bastion[:port]: reach the server through SSH"},
		{Key: "bucket", Label: "bucket", Value: conn.Bucket, Hint: "open this bucket (Redis: database number)"},
		{Key: "match", Label: "pattern", Value: conn.Match, Hint: "start the listing with this pattern"},
		{Key: "read_only", Label: "read-only", Value: yes(conn.ReadOnly), Hint: "yes: kvdeck refuses every write on this connection"},
		{Key: "color", Label: "label colour", Value: conn.Color, Hint: "#rrggbb or red, green, yellow, blue, magenta, cyan, orange, gray, white"},
	}
}

// secretRef is a secret reference as the form writes it.
func secretRef(env, file, command string) string {
	switch {
	case env != "":
		return "env:" + env
	case file != "":
		return "file:" + file
	case command != "":
		return "command:" + command
	}
	return ""
}

// parseSecretRef reads a reference the form wrote into its three fields.
func parseSecretRef(field, ref string) (env, file, command string, err error) {
	ref = strings.TrimSpace(ref)
	kind, rest, ok := strings.Cut(ref, ":")
	rest = strings.TrimSpace(rest)
	switch {
	case ref == "":
		return "", "", "", nil
	case ok && kind == "env" && rest != "":
		return rest, "", "", nil
	case ok && kind == "file" && rest != "":
		return "", rest, "", nil
	case ok && kind == "command" && rest != "":
		return "", "", rest, nil
	}
	return "", "", "", fmt.Errorf("%s: write env:VARIABLE, file:PATH or command:COMMAND (the secret itself is never saved)", field)
}

// Save writes the form's values as a saved connection: old's settings the
// form does not show are kept, a changed name renames it. An edit is
// conditional on what the form showed (seen): a connection changed in the
// file since (another editor, another kvdeck) is refused, naming the
// settings that changed, and nothing is written.
func (c *Catalog) Save(old *model.Entry, seen, values map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, err := c.Saved()
	if err != nil {
		return err
	}
	var conn config.Connection
	if old != nil {
		var ok bool
		if conn, ok = f.Get(old.Name); !ok {
			return fmt.Errorf("%s is no longer in %s", old.Name, c.Where())
		}
		var changed []string
		for _, fl := range formFields(conn) {
			if seen[fl.Key] != fl.Value {
				changed = append(changed, fl.Label)
			}
		}
		if len(changed) > 0 {
			return fmt.Errorf("%s changed in the file since the form opened (%s): nothing was saved; esc, then e to edit it as it is now",
				old.Name, strings.Join(changed, ", "))
		}
	}
	name := strings.TrimSpace(values["name"])
	if name == "" {
		return fmt.Errorf("name: give the connection a name")
	}
	if _, taken := f.Get(name); taken && (old == nil || old.Name != name) {
		return fmt.Errorf("name: %s is taken; pick another or edit that one", name)
	}
	conn.URL = strings.TrimSpace(values["url"])
	conn.Context = strings.TrimSpace(values["context"])
	conn.Path = strings.TrimSpace(values["path"])
	user := strings.TrimSpace(values["user"])
	conn.Username, conn.User = "", ""
	if conn.Kind() == config.KindNATS {
		conn.User = user
	} else if conn.Kind() == config.KindRedis {
		conn.Username = user
	}
	if conn.PasswordEnv, conn.PasswordFile, conn.PasswordCommand, err = parseSecretRef("password from", values["password"]); err != nil {
		return err
	}
	if conn.TokenEnv, conn.TokenFile, conn.TokenCommand, err = parseSecretRef("token from", values["token"]); err != nil {
		return err
	}
	conn.Creds = strings.TrimSpace(values["creds"])
	conn.TLSCA = strings.TrimSpace(values["tls_ca"])
	conn.SSH = strings.TrimSpace(values["ssh"])
	conn.Bucket = strings.TrimSpace(values["bucket"])
	conn.Match = values["match"]
	switch strings.ToLower(strings.TrimSpace(values["read_only"])) {
	case "yes", "y", "true":
		conn.ReadOnly = true
	case "no", "n", "false", "":
		conn.ReadOnly = false
	default:
		return fmt.Errorf("read-only: yes or no")
	}
	conn.Color = strings.TrimSpace(values["color"])
	if old != nil && old.Name != name {
		if err := f.Rename(old.Name, name); err != nil {
			return err
		}
	}
	conn.Name = name
	if err := conn.Validate(); err != nil {
		return err
	}
	if err := f.Put(conn); err != nil {
		return err
	}
	return f.Save()
}
