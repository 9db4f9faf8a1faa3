package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/local"
	"github.com/kvdeck/kvdeck/backend/nats"
	"github.com/kvdeck/kvdeck/backend/redis"
)

// Open opens the store s names. p asks for what is missing (a password the
// server wants when none was given, SSH questions); NeedsTerminal asks
// nothing. ctx cancels; each network step has s.Timeout of its own, so the
// time a user takes to answer a prompt is not counted against it.
func Open(ctx context.Context, s Spec, p Prompter) (*Conn, error) {
	if p == nil {
		p = NeedsTerminal{}
	}
	switch s.Kind {
	case KindRedis:
		return openRedis(ctx, s, p)
	case KindNATS:
		return openNATS(ctx, s, p)
	case KindLocal:
		st, err := openLocal(s)
		if err != nil {
			return nil, err
		}
		return &Conn{Store: st}, nil
	}
	return nil, fmt.Errorf("unknown store kind %q", s.Kind)
}

// bucketField names the bucket setting in messages: the flag for a target
// typed on the command line, the config key for a saved connection.
func (s Spec) bucketField() string {
	if s.Name == "" {
		return "--bucket"
	}
	return "bucket"
}

func openLocal(s Spec) (backend.Store, error) {
	path := strings.TrimPrefix(s.Target, "file://")
	if path == "" {
		p, err := local.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return local.Open(path, local.Options{ReadOnly: s.ReadOnly, MustExist: s.MustExist, Create: s.Create})
}

// step bounds one network step by s.Timeout.
func (s Spec) step(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.Timeout)
}

func openRedis(ctx context.Context, s Spec, p Prompter) (*Conn, error) {
	o, err := redis.ParseURL(s.Target)
	if err != nil {
		return nil, err
	}
	if s.Username != "" {
		o.Username = s.Username
	}
	given := o.Password != ""
	if !given {
		if o.Password, err = resolve(ctx, s.Password); err != nil {
			return nil, err
		}
		given = o.Password != ""
	}
	if !given && s.AskPass {
		if o.Password, err = p.Secret(passwordPrompt(s)); err != nil {
			return nil, err
		}
		given = true
	}
	o.ReadOnly = s.ReadOnly
	o.Cluster = o.Cluster || s.Cluster
	if s.TLSCA != "" || s.TLSCert != "" || s.TLSKey != "" || s.TLSSkipVerify {
		o.TLS.Enabled = true
		o.TLS.CAFile, o.TLS.CertFile, o.TLS.KeyFile = expandHome(s.TLSCA), expandHome(s.TLSCert), expandHome(s.TLSKey)
		o.TLS.InsecureSkipVerify = s.TLSSkipVerify
	}
	if s.SentinelMaster != "" {
		o.MasterName = s.SentinelMaster
		if len(s.SentinelAddrs) > 0 {
			o.SentinelAddrs = s.SentinelAddrs
		}
	}
	tunnel, err := openTunnel(ctx, s, p)
	if err != nil {
		return nil, err
	}
	if tunnel != nil {
		o.Dialer = tunnel.DialContext
	}
	st, err := openRedisStep(ctx, s, o)
	if errors.Is(err, backend.ErrAuth) && !given {
		// The server wants a password and none was given: ask for it,
		// as redis-cli's AUTH prompt would, and try once more.
		var pw string
		if pw, err = p.Secret(passwordPrompt(s)); err != nil {
			closeTunnel(tunnel)
			return nil, err
		}
		o.Password = pw
		st, err = openRedisStep(ctx, s, o)
	}
	if err != nil {
		closeTunnel(tunnel)
		return nil, err
	}
	if s.Bucket == "" {
		return withTunnel(st, tunnel), nil
	}
	// A bucket named up front must be there: one that is not is refused
	// now, not shown as an empty listing.
	cctx, cancel := s.step(ctx)
	defer cancel()
	if err := st.CheckBucket(cctx, s.Bucket); err != nil {
		st.Close()
		closeTunnel(tunnel)
		return nil, fmt.Errorf("%s: %w", s.bucketField(), err)
	}
	return withTunnel(st, tunnel), nil
}

func openNATS(ctx context.Context, s Spec, p Prompter) (*Conn, error) {
	var o nats.Options
	var err error
	if s.NATSContext != "" && s.Target == "" {
		o, err = nats.OptionsFromContext(s.NATSContext)
	} else {
		o, err = nats.ParseURL(s.Target)
	}
	if err != nil {
		return nil, err
	}
	o.ReadOnly = s.ReadOnly
	if s.NATSCreds != "" {
		o.CredsFile = expandHome(s.NATSCreds)
	}
	if s.NATSNKey != "" {
		o.NKeySeedFile = expandHome(s.NATSNKey)
	}
	if s.Username != "" {
		o.User = s.Username
	}
	if o.User != "" && o.Password == "" {
		if o.Password, err = resolve(ctx, s.Password); err != nil {
			return nil, err
		}
	}
	if o.User == "" && o.Token == "" {
		if o.Token, err = resolve(ctx, s.Token); err != nil {
			return nil, err
		}
	}
	hasSecret := func() bool { return o.Password != "" || o.Token != "" || o.CredsFile != "" || o.NKeySeedFile != "" }
	if s.AskPass && !hasSecret() {
		if err := askNATSSecret(&o, s, p); err != nil {
			return nil, err
		}
	}
	if s.TLSCA != "" || s.TLSCert != "" || s.TLSKey != "" {
		o.TLS.CAFile, o.TLS.CertFile, o.TLS.KeyFile = expandHome(s.TLSCA), expandHome(s.TLSCert), expandHome(s.TLSKey)
	}
	tunnel, err := openTunnel(ctx, s, p)
	if err != nil {
		return nil, err
	}
	if tunnel != nil {
		o.Dialer = tunnel.DialContext
	}
	given := hasSecret() || s.NATSContext != ""
	st, err := openNATSStep(ctx, s, o)
	if errors.Is(err, backend.ErrAuth) && !given {
		if err = askNATSSecret(&o, s, p); err != nil {
			closeTunnel(tunnel)
			return nil, err
		}
		st, err = openNATSStep(ctx, s, o)
	}
	if err != nil {
		closeTunnel(tunnel)
		return nil, err
	}
	return withTunnel(st, tunnel), nil
}

// askNATSSecret asks for the user's password, or for a token when there
// is no user name.
func askNATSSecret(o *nats.Options, s Spec, p Prompter) error {
	var err error
	if o.User != "" {
		o.Password, err = p.Secret(passwordPrompt(s))
	} else {
		o.Token, err = p.Secret(fmt.Sprintf("Token for %s: ", backend.MaskURL(s.address())))
	}
	return err
}

func passwordPrompt(s Spec) string {
	if s.Username != "" {
		return fmt.Sprintf("Password for %s at %s: ", s.Username, backend.MaskURL(s.address()))
	}
	return fmt.Sprintf("Password for %s: ", backend.MaskURL(s.address()))
}

// address names the connection in prompts.
func (s Spec) address() string {
	switch {
	case s.Target != "":
		return s.Target
	case s.NATSContext != "":
		return "natscli context " + s.NATSContext
	}
	return s.Name
}

func resolve(ctx context.Context, sec Secret) (string, error) {
	if sec == nil {
		return "", nil
	}
	return sec(ctx)
}

func openRedisStep(ctx context.Context, s Spec, o redis.Options) (*redis.Store, error) {
	ctx, cancel := s.step(ctx)
	defer cancel()
	return redis.Open(ctx, o)
}

func openNATSStep(ctx context.Context, s Spec, o nats.Options) (*nats.Store, error) {
	ctx, cancel := s.step(ctx)
	defer cancel()
	return nats.Open(ctx, o)
}
