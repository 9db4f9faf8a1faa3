// Package redis is kvdeck's Redis driver on go-redis v9: standalone, TLS,
// ACL users, logical databases, Cluster and Sentinel; every data type.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

// Store is an open Redis connection speaking kvdeck's store contract.
// Buckets are logical databases ("0", "1"...), or one "cluster" bucket.
type Store struct {
	backend.Guard
	opts    Options
	address string
	cluster bool

	mu      sync.Mutex
	clients map[int]goredis.UniversalClient

	connected atomic.Bool

	// scriptsLoaded holds the SHA-1 of the bulk scripts loaded once
	// (SCRIPT LOAD) before their first pipeline.
	scriptsLoaded sync.Map

	// pexpiretime says whether bulk TTLs may use bulkExpireScript7: 0
	// not asked yet, 1 the server answers PEXPIRETIME (Redis 7, an ACL
	// allowing it), -1 it does not.
	pexpiretime atomic.Int32
	// beforeScriptChunk, set by tests only, runs in a bulk action or its
	// undo before the round trip of the chunk starting at keys[from].
	beforeScriptChunk func(from int)
	// afterTypeRound, set by tests only, runs in ReadRecords after the
	// round trip that reads the keys' types.
	afterTypeRound func()
	// beforeLargeFinish, set by tests only, runs in WriteRecords after a
	// large record's temporary copy is written, before it is moved.
	beforeLargeFinish func(key string)

	// scanWorkers fixes the cursor ranges a listing scans at once (tests);
	// 0 decides from the link (scanWorkers).
	scanWorkers int
}

// The capabilities the Redis driver offers.
var (
	_ backend.Store          = (*Store)(nil)
	_ backend.Describer      = (*Store)(nil)
	_ backend.Renamer        = (*Store)(nil)
	_ backend.Collections    = (*Store)(nil)
	_ backend.Watcher        = (*Store)(nil)
	_ backend.Connectivity   = (*Store)(nil)
	_ backend.BulkLoader     = (*Store)(nil)
	_ backend.Restorer       = (*Store)(nil)
	_ backend.MemoryReporter = (*Store)(nil)
)

// clusterBucket is the one bucket of a Cluster.
const clusterBucket = "cluster"

// defaultTimeout bounds dials, reads and writes on the wire, so a server
// that goes away mid-listing ends the call with an error, not a hang.
const defaultTimeout = 5 * time.Second

// noRetries turns go-redis's automatic retry off. A retry after a lost
// reply would apply RPUSH, XADD or LREM twice; and it is not needed to
// survive a restart, because the pool drops connections the server closed
// (a peek on the socket) before it hands one out.
const noRetries = -1

// Open connects, pings and detects Cluster mode.
func Open(ctx context.Context, o Options) (*Store, error) {
	if len(o.Addrs) == 0 && o.MasterName == "" {
		return nil, backend.Invalid("url", "no Redis address")
	}
	if o.ScanCount <= 0 {
		o.ScanCount = 1000
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.MasterName != "" && len(o.SentinelAddrs) == 0 {
		return nil, backend.Invalid("sentinel", "master %q needs sentinel addresses", o.MasterName)
	}
	silenceClientLogs()
	s := &Store{Guard: backend.Guard{ReadOnly: o.ReadOnly}, opts: o, address: o.address(), clients: map[int]goredis.UniversalClient{}}
	s.cluster = o.Cluster || len(o.Addrs) > 1 && o.MasterName == ""
	c, err := s.client(o.DB)
	if err != nil {
		return nil, err
	}
	if err := c.Ping(ctx).Err(); err != nil {
		s.Close()
		if isNoSuchDatabase(err) {
			return nil, noSuchDatabase(s.address, o.DB)
		}
		return nil, s.openError(err)
	}
	if !s.cluster && o.MasterName == "" && o.Network != "unix" {
		// A cluster node answers a plain client too, but only for its own
		// slots: switch to a ClusterClient so listing covers every master.
		if info, err := c.Info(ctx, "cluster").Result(); err == nil && strings.Contains(info, "cluster_enabled:1") {
			s.Close()
			s.clients = map[int]goredis.UniversalClient{}
			s.cluster = true
			if c, err = s.client(0); err != nil {
				return nil, err
			}
			if err := c.Ping(ctx).Err(); err != nil {
				s.Close()
				return nil, describe(err, s.address)
			}
		}
	}
	if s.cluster && o.DB != 0 {
		s.Close()
		return nil, backend.Invalid("db", "a Redis Cluster has only database 0, not %d", o.DB)
	}
	s.connected.Store(true)
	return s, nil
}

// openError says why the first PING failed, naming what was dialled: the
// deadline alone ("context deadline exceeded") said nothing of which
// server or Sentinel did not answer.
func (s *Store) openError(err error) error {
	if s.opts.MasterName != "" {
		cause := firstLine(err)
		if errors.Is(err, context.DeadlineExceeded) {
			cause = "no answer in time"
		}
		return fmt.Errorf("master %q through the Sentinels %s: %s", s.opts.MasterName, strings.Join(s.opts.SentinelAddrs, ", "), cause)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer in time: is the address right and the server up?", s.address)
	}
	return describe(err, s.address)
}

// CheckBucket says whether a bucket exists, cheaply: a database is there
// when the server lets a connection select it (a PING on its client).
func (s *Store) CheckBucket(ctx context.Context, bucket string) error {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return err
	}
	if err := c.Ping(ctx).Err(); err != nil {
		if isNoSuchDatabase(err) {
			db, _ := strconv.Atoi(bucket)
			return noSuchDatabase(s.address, db)
		}
		return describe(err, s.address)
	}
	return nil
}

// isNoSuchDatabase matches the server's refusal of SELECT n.
func isNoSuchDatabase(err error) bool {
	return strings.Contains(err.Error(), "DB index is out of range")
}

func noSuchDatabase(addr string, db int) error {
	return backendErr(backend.ErrNotFound, "%s has no database %d (ERR DB index is out of range; the server's \"databases\" setting says how many it has, 16 by default)", addr, db)
}

// client returns the client for a database, creating it on first use: one
// client per database keeps SELECT out of shared connections.
func (s *Store) client(db int) (goredis.UniversalClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cluster {
		db = 0
	}
	if c, ok := s.clients[db]; ok {
		return c, nil
	}
	tlsConf, err := s.opts.TLS.config()
	if err != nil {
		return nil, err
	}
	o := s.opts
	// With TLS, kvdeck dials the handshake itself, to say what failed; it
	// runs over the base dialer (a tunnel) when there is one.
	dialer := o.Dialer
	if tlsConf != nil {
		dialer = tlsDialer(tlsConf, o.Timeout, o.Dialer)
	}
	var c goredis.UniversalClient
	switch {
	case o.MasterName != "":
		c = goredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName: o.MasterName, SentinelAddrs: o.SentinelAddrs, SentinelPassword: o.SentinelPassword,
			Username: o.Username, Password: o.Password, DB: db, TLSConfig: tlsConf, Dialer: dialer,
			DialTimeout: o.Timeout, ReadTimeout: o.Timeout, WriteTimeout: o.Timeout, MaxRetries: noRetries,
			ContextTimeoutEnabled: true,
		})
	case s.cluster:
		c = goredis.NewClusterClient(&goredis.ClusterOptions{
			Addrs: o.Addrs, Username: o.Username, Password: o.Password, TLSConfig: tlsConf, Dialer: dialer,
			DialTimeout: o.Timeout, ReadTimeout: o.Timeout, WriteTimeout: o.Timeout, MaxRetries: noRetries,
			ContextTimeoutEnabled: true,
		})
	default:
		c = goredis.NewClient(&goredis.Options{
			Network: o.Network, Addr: o.Addrs[0], Username: o.Username, Password: o.Password, DB: db, TLSConfig: tlsConf, Dialer: dialer,
			DialTimeout: o.Timeout, ReadTimeout: o.Timeout, WriteTimeout: o.Timeout, MaxRetries: noRetries,
			// The caller's deadline reaches the socket, so a UI timeout
			// shorter than Timeout ends a stuck read.
			ContextTimeoutEnabled: true,
		})
	}
	c.AddHook(connHook{s})
	s.clients[db] = c
	return c, nil
}

// bucketClient maps a bucket name to its client.
func (s *Store) bucketClient(bucket string) (goredis.UniversalClient, error) {
	if s.cluster {
		if bucket != clusterBucket {
			return nil, backendErr(backend.ErrNotFound, "bucket %q: a Cluster has one bucket, %q", bucket, clusterBucket)
		}
		return s.client(0)
	}
	db, err := strconv.Atoi(bucket)
	if err != nil || db < 0 {
		return nil, backendErr(backend.ErrNotFound, "bucket %q: Redis databases are numbered 0, 1, 2…", bucket)
	}
	return s.client(db)
}

// Info describes the connection.
func (s *Store) Info() backend.Info {
	addr := s.address
	if s.cluster {
		addr += " (cluster)"
	}
	bucket := "" // database 0, the default, needs no opening
	if s.opts.DB != 0 {
		bucket = strconv.Itoa(s.opts.DB)
	}
	return backend.Info{Kind: "redis", Address: addr, ReadOnly: s.ReadOnly, Delimiter: ":",
		PatternHelp: "glob: * any run, ? one char, [abc] a class (SCAN MATCH)", Bucket: bucket,
		Pattern: backend.PatternGlob, TypedKeys: true}
}

// Connected reports whether the last command reached the server.
func (s *Store) Connected() bool { return s.connected.Load() }

// Reconnect sends a PING on the opened database's client: go-redis dials
// again when a command needs a connection, and the hook records the
// outcome in Connected.
func (s *Store) Reconnect(ctx context.Context) error {
	c, err := s.client(s.opts.DB)
	if err != nil {
		return err
	}
	if err := c.Ping(ctx).Err(); err != nil {
		return s.openError(err)
	}
	s.connected.Store(true)
	return nil
}

// Close closes every client.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, c := range s.clients {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// connHook keeps Connected up to date from the outcome of each command.
type connHook struct{ s *Store }

func (h connHook) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil && isNetErr(err) {
			h.s.connected.Store(false)
		}
		return c, err
	}
}

func (h connHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.record(ctx, err)
		return err
	}
}

func (h connHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		h.record(ctx, err)
		return err
	}
}

// record notes a command's outcome: any reply, even an error reply, means
// the server is there; a network error means it is not. A call the caller
// cancelled says nothing either way.
func (h connHook) record(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	h.s.connected.Store(err == nil || !isNetErr(err))
}
