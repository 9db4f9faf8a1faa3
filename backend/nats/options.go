package nats

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
)

// Options say how to reach a NATS server and who to be there.
type Options struct {
	// Servers are client URLs (nats://, tls://, ws://, wss://) without
	// credentials; the client fails over between them.
	Servers []string

	// User and Password, or Token, authenticate with a username/password
	// or a token.
	User     string
	Password string
	Token    string
	// CredsFile is a .creds file (user JWT and seed); NKeySeedFile is a
	// file holding a user nkey seed.
	CredsFile    string
	NKeySeedFile string

	TLS TLSOptions

	// JSDomain or JSAPIPrefix reach JetStream in another domain or account
	// (a leaf node's hub, an imported API).
	JSDomain    string
	JSAPIPrefix string

	// Context names the natscli context these options came from; Open
	// loads it when the options did not come from OptionsFromContext.
	Context string

	ReadOnly bool

	// Dialer is the base dialer, e.g. an SSH tunnel; TLS runs over it.
	// Server names are then resolved at the far end, not here. A natscli
	// context's socks_proxy is another base dialer: both cannot be used.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

	// natsContext is the loaded natscli context: its credentials are used
	// as natscli would use them (file, env://, data:, op:// and nsc://
	// references, user JWTs, SOCKS proxies...), which the plain fields
	// cannot express.
	natsContext *natsContext
}

// TLSOptions are PEM files for TLS: a CA to trust and a client
// certificate with its key.
type TLSOptions struct {
	CAFile   string
	CertFile string
	KeyFile  string
}

// defaultPort is the NATS client port.
const defaultPort = "4222"

var knownSchemes = map[string]bool{"nats": true, "tls": true, "ws": true, "wss": true}

// ParseURL reads a server URL as users type it: nats://host:4222,
// nats://user:pass@host, nats://token@host, tls://host, several
// comma-separated servers (nats://a:4222,nats://b:4222 or
// nats://a:4222,b:4222). Credentials move into the options so that
// Servers never holds a secret.
func ParseURL(raw string) (Options, error) {
	var o Options
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return o, backend.Invalid("url", "empty; use nats://host:4222")
	}
	for _, part := range backend.ServerURLs(raw, "nats") {
		u, err := url.Parse(part)
		if err != nil {
			return Options{}, backend.Invalid("url", "%s does not parse", backend.MaskURL(part))
		}
		if !knownSchemes[u.Scheme] {
			return Options{}, backend.Invalid("url", "scheme %q is not a NATS scheme; use nats://, tls://, ws:// or wss://", u.Scheme)
		}
		if u.Hostname() == "" {
			return Options{}, backend.Invalid("url", "%s has no host", backend.MaskURL(part))
		}
		if u.User != nil {
			if pass, has := u.User.Password(); has {
				o.User, o.Password = u.User.Username(), pass
			} else {
				o.Token = u.User.Username()
			}
		}
		host := u.Host
		if u.Port() == "" && (u.Scheme == "nats" || u.Scheme == "tls") {
			host += ":" + defaultPort
		}
		o.Servers = append(o.Servers, (&url.URL{Scheme: u.Scheme, Host: host, Path: u.Path}).String())
	}
	if len(o.Servers) == 0 {
		return o, backend.Invalid("url", "no server in %q", backend.MaskURL(raw))
	}
	return o, nil
}

// address describes the servers for the status bar: the first server, with
// any user shown and secrets masked, and how many more there are.
func (o Options) address() string {
	if len(o.Servers) == 0 {
		return ""
	}
	first := o.Servers[0]
	if u, err := url.Parse(first); err == nil {
		switch {
		case o.User != "":
			u.User = url.UserPassword(o.User, "secret")
		case o.Token != "":
			u.User = url.User("secret")
		}
		first = backend.MaskURL(u.String())
	} else {
		first = backend.MaskURL(first)
	}
	if n := len(o.Servers) - 1; n > 0 {
		first += fmt.Sprintf(" (+%d more)", n)
	}
	if o.Context != "" {
		first += fmt.Sprintf(" (context %s)", o.Context)
	}
	return first
}
