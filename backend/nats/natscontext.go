package nats

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/jsm.go/natscontext"
)

// OptionsFromContext loads a natscli context (the files `nats context`
// keeps under $XDG_CONFIG_HOME/nats or ~/.config/nats); name "" is the
// selected context. The options connect with the context's credentials
// exactly as natscli would; their fields describe them.
func OptionsFromContext(name string) (Options, error) {
	if name == "" {
		name = natscontext.SelectedContext()
		if name == "" {
			return Options{}, backend.Invalid("context", "no natscli context is selected; pick one with `nats context select` or pass --context NAME")
		}
	}
	nctx, err := natscontext.New(name, true)
	if err != nil {
		if errors.Is(err, natscontext.ErrNotFound) {
			return Options{}, backend.Invalid("context", "no natscli context named %q (known: %s)", name, knownContexts())
		}
		return Options{}, fmt.Errorf("natscli context %q: %w", name, err)
	}
	o := Options{
		User:         nctx.User(),
		Password:     nctx.Password(),
		Token:        nctx.Token(),
		CredsFile:    nctx.Creds(),
		NKeySeedFile: nctx.NKey(),
		TLS: TLSOptions{
			CAFile:   nctx.CA(),
			CertFile: nctx.Certificate(),
			KeyFile:  nctx.Key(),
		},
		JSDomain:    nctx.JSDomain(),
		JSAPIPrefix: nctx.JSAPIPrefix(),
		Context:     name,
		natsContext: nctx,
	}
	// The context's URL may carry credentials too; ParseURL moves them out.
	fromURL, err := ParseURL(nctx.ServerURL())
	if err != nil {
		return Options{}, fmt.Errorf("natscli context %q: %w", name, err)
	}
	o.Servers = fromURL.Servers
	if o.User == "" && o.Token == "" {
		o.User, o.Password, o.Token = fromURL.User, fromURL.Password, fromURL.Token
	}
	return o, nil
}

func knownContexts() string {
	names := natscontext.KnownContexts()
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
