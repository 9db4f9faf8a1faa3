package nats

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Connection tuning. kvdeck is interactive: it retries for ever so that the
// UI stays up while a server restarts, notices a dead server within
// seconds, and gives up on a first connection quickly.
const (
	connectTimeout = 3 * time.Second
	reconnectWait  = 250 * time.Millisecond
	reconnectJit   = 250 * time.Millisecond
	pingInterval   = 5 * time.Second
	maxPingsOut    = 2
)

// Open connects to NATS, checks that JetStream answers, and returns the
// store. The connection then reconnects for ever; Connected tells whether
// it is up right now.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.natsContext == nil && o.Context != "" {
		loaded, err := OptionsFromContext(o.Context)
		if err != nil {
			return nil, err
		}
		loaded.ReadOnly = o.ReadOnly
		if len(o.Servers) > 0 {
			loaded.Servers = o.Servers
		}
		o = loaded
	}
	if len(o.Servers) == 0 {
		return nil, backend.Invalid("url", "no NATS server given; use nats://host:4222")
	}
	s := &Store{
		Guard:   backend.Guard{ReadOnly: o.ReadOnly},
		opts:    o,
		address: o.address(),
		buckets: map[string]*bucketHandle{},
	}

	nopts, err := s.natsOptions()
	if err != nil {
		return nil, err
	}
	nc, err := connect(ctx, strings.Join(o.Servers, ","), nopts)
	if err != nil {
		return nil, s.connectError(err)
	}
	s.nc = nc
	s.connected.Store(nc.IsConnected())

	if err := s.initJetStream(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return s, nil
}

// connect runs nats.Connect, which takes no context, so that a cancelled
// ctx returns at once; a connection made after that is closed.
func connect(ctx context.Context, servers string, opts []natsgo.Option) (*natsgo.Conn, error) {
	type result struct {
		nc  *natsgo.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := natsgo.Connect(servers, opts...)
		done <- result{nc, err}
	}()
	select {
	case r := <-done:
		return r.nc, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// natsOptions builds the client options: reconnect policy, the handlers
// that keep the connected state, credentials and TLS.
func (s *Store) natsOptions() ([]natsgo.Option, error) {
	o := s.opts
	opts := []natsgo.Option{
		natsgo.Name("kvdeck"),
		natsgo.Timeout(connectTimeout),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(reconnectWait),
		natsgo.ReconnectJitter(reconnectJit, reconnectJit),
		natsgo.PingInterval(pingInterval),
		natsgo.MaxPingsOutstanding(maxPingsOut),
		// No buffering while reconnecting: a request made while the server
		// is away fails at once with "not connected" instead of waiting for
		// the caller's timeout.
		natsgo.ReconnectBufSize(-1),
		natsgo.DisconnectErrHandler(func(*natsgo.Conn, error) { s.connected.Store(false) }),
		natsgo.ReconnectHandler(func(*natsgo.Conn) { s.connected.Store(true) }),
		natsgo.ClosedHandler(func(*natsgo.Conn) { s.connected.Store(false) }),
		// Errors from subscriptions (a slow watcher) are not worth a log line
		// in a terminal UI; the operations that fail report them.
		natsgo.ErrorHandler(func(*natsgo.Conn, *natsgo.Subscription, error) {}),
	}

	if o.Dialer != nil {
		if o.natsContext != nil && o.natsContext.SocksProxy != "" {
			return nil, backend.Invalid("context", "natscli context %q dials through the SOCKS proxy %s, and kvdeck was also told to dial through a tunnel: use one of them (remove socks_proxy from the context, or connect without the tunnel)",
				o.Context, backend.MaskURL(o.natsContext.SocksProxy))
		}
		// A name only the far end knows must reach it unresolved.
		opts = append(opts, natsgo.SetCustomDialer(contextDialer(o.Dialer)), natsgo.SkipHostLookup())
	}
	if o.natsContext != nil {
		ctxOpts, err := o.natsContext.natsOptions()
		if err != nil {
			return nil, fmt.Errorf("natscli context %q: %w", o.Context, err)
		}
		opts = append(opts, ctxOpts...)
		if o.natsContext.hasAuth() {
			return opts, nil
		}
		// The context kept its credentials in its URL, which OptionsFromContext
		// moved into the fields.
		o.CredsFile, o.NKeySeedFile = "", ""
		o.TLS = TLSOptions{}
	}

	switch {
	case o.User != "":
		opts = append(opts, natsgo.UserInfo(o.User, o.Password))
	case o.Token != "":
		opts = append(opts, natsgo.Token(o.Token))
	}
	if o.CredsFile != "" {
		opts = append(opts, natsgo.UserCredentials(o.CredsFile))
	}
	if o.NKeySeedFile != "" {
		opt, err := natsgo.NkeyOptionFromSeed(o.NKeySeedFile)
		if err != nil {
			return nil, backend.Invalid("nkey", "cannot read seed file %s: %v", o.NKeySeedFile, err)
		}
		opts = append(opts, opt)
	}
	if o.TLS.CAFile != "" {
		opts = append(opts, natsgo.RootCAs(o.TLS.CAFile))
	}
	if o.TLS.CertFile != "" || o.TLS.KeyFile != "" {
		if o.TLS.CertFile == "" || o.TLS.KeyFile == "" {
			return nil, backend.Invalid("tls", "a client certificate needs both the cert and the key file")
		}
		opts = append(opts, natsgo.ClientCert(o.TLS.CertFile, o.TLS.KeyFile))
	}
	return opts, nil
}

// initJetStream binds the JetStream APIs (in the configured domain or
// prefix) and checks that JetStream answers for this account.
func (s *Store) initJetStream(ctx context.Context) error {
	var (
		js       jetstream.JetStream
		err      error
		jsLegacy []natsgo.JSOpt
	)
	switch {
	case s.opts.JSDomain != "":
		js, err = jetstream.NewWithDomain(s.nc, s.opts.JSDomain)
		jsLegacy = append(jsLegacy, natsgo.Domain(s.opts.JSDomain))
	case s.opts.JSAPIPrefix != "":
		js, err = jetstream.NewWithAPIPrefix(s.nc, s.opts.JSAPIPrefix)
		jsLegacy = append(jsLegacy, natsgo.APIPrefix(s.opts.JSAPIPrefix))
	default:
		js, err = jetstream.New(s.nc)
	}
	if err != nil {
		return describe(err)
	}
	// Listing uses the push-based ordered consumer of the older API, the
	// same machinery as jetstream's KeyValue.ListKeys.
	legacy, err := s.nc.JetStream(jsLegacy...)
	if err != nil {
		return describe(err)
	}
	s.js, s.legacy = js, legacy
	if _, err := js.AccountInfo(ctx); err != nil {
		return describe(err)
	}
	return nil
}

// contextDialer makes a context dialer a nats.go CustomDialer, whose Dial
// takes no context: each dial is bounded by the connect timeout, as
// nats.go's own dialer is.
type contextDialer func(ctx context.Context, network, addr string) (net.Conn, error)

func (d contextDialer) Dial(network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	return d(ctx, network, addr)
}
