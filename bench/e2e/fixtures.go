package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend/redis/redistest"
)

// A fixture is a loaded server, started the first time a row needs it and
// kept for every run of the rows that share it; b.run stops it after the
// last of them.

type redisFixture struct {
	srv      *redistest.Server
	data     dataset
	prefixes []string
}

func (f *redisFixture) url() string { return "redis://" + f.srv.Addr + "/0" }

// redis1M is a redis-server with the data set of load.go: b.keys
// (1,000,000 unless -keys says otherwise) written with pipelined SETs.
func (b *bench) redis1M() (_ *redisFixture, err error) {
	if b.redis1m != nil {
		return b.redis1m, nil
	}
	if err := b.broken["redis1m"]; err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = b.fixtureFailed("redis1m", err)
		}
	}()
	srv, err := redistest.StartProcess()
	if err != nil {
		return nil, err
	}
	b.started("redis1m", func() { srv.Remove(); b.redis1m = nil })
	ctx := context.Background()
	c := srv.Client()
	defer c.Close()
	start := time.Now()
	d, err := redisLoad(ctx, c, b.keys)
	if err != nil {
		return nil, fmt.Errorf("load redis-server: %w", err)
	}
	if err := checkDBSize(ctx, srv, d.keys); err != nil {
		return nil, err
	}
	log.Printf("redis-server on %s: %d keys loaded with pipelined SETs in %s", srv.Addr, d.keys, fmtDur(time.Since(start)))
	b.redis1m = &redisFixture{srv: srv, data: d, prefixes: keyPrefixes}
	return b.redis1m, nil
}

// tenMillionPrefix names the 10M keys: kvdeck:bench:key:0 … 9999999, 18 to
// 24 bytes.
const tenMillionPrefix = "kvdeck:bench:key:"

// redis10M is a redis-server with 10,000,000 keys from DEBUG POPULATE
// (10-byte values): loading that many through a client would take minutes.
func (b *bench) redis10M() (_ *redisFixture, err error) {
	if b.redis10m != nil {
		return b.redis10m, nil
	}
	if err := b.broken["redis10m"]; err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = b.fixtureFailed("redis10m", err)
		}
	}()
	srv, err := redistest.StartProcess("--enable-debug-command", "yes")
	if err != nil {
		return nil, err
	}
	b.started("redis10m", func() { srv.Remove(); b.redis10m = nil })
	ctx := context.Background()
	// DEBUG POPULATE answers once all keys are in: tens of seconds.
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ReadTimeout: 10 * time.Minute})
	defer c.Close()
	start := time.Now()
	const n = 10_000_000
	if err := redisPopulate(ctx, c, n, tenMillionPrefix); err != nil {
		return nil, fmt.Errorf("DEBUG POPULATE: %w", err)
	}
	if err := checkDBSize(ctx, srv, n); err != nil {
		return nil, err
	}
	log.Printf("redis-server on %s: %d keys from DEBUG POPULATE in %s", srv.Addr, n, fmtDur(time.Since(start)))
	b.redis10m = &redisFixture{srv: srv, data: dataset{keys: n}, prefixes: []string{"kvdeck"}}
	return b.redis10m, nil
}

func checkDBSize(ctx context.Context, srv *redistest.Server, want int) error {
	c := srv.Client()
	defer c.Close()
	n, err := c.DBSize(ctx).Result()
	if err != nil {
		return err
	}
	if int(n) != want {
		return fmt.Errorf("redis-server on %s holds %d keys after loading %d", srv.Addr, n, want)
	}
	return nil
}

type clusterFixture struct {
	c    *redistest.Cluster
	data dataset
}

// cluster1M is a Redis Cluster of three masters (no replicas) with the
// data set's b.keys keys spread over them by slot.
func (b *bench) cluster1M() (_ *clusterFixture, err error) {
	if b.cluster1m != nil {
		return b.cluster1m, nil
	}
	if err := b.broken["cluster1m"]; err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = b.fixtureFailed("cluster1m", err)
		}
	}()
	c, err := redistest.StartClusterProcess(3)
	if err != nil {
		return nil, err
	}
	b.started("cluster1m", func() { c.Remove(); b.cluster1m = nil })
	ctx := context.Background()
	cc := c.ClusterClient()
	defer cc.Close()
	start := time.Now()
	d, err := redisLoad(ctx, cc, b.keys)
	if err != nil {
		return nil, fmt.Errorf("load the cluster: %w", err)
	}
	total := 0
	for _, s := range c.Servers {
		cl := s.Client()
		n, err := cl.DBSize(ctx).Result()
		cl.Close()
		if err != nil {
			return nil, err
		}
		total += int(n)
	}
	if total != d.keys {
		return nil, fmt.Errorf("the cluster's masters hold %d keys after loading %d", total, d.keys)
	}
	log.Printf("Redis Cluster of %d masters: %d keys loaded with pipelined SETs in %s", len(c.Servers), d.keys, fmtDur(time.Since(start)))
	b.cluster1m = &clusterFixture{c: c, data: d}
	return b.cluster1m, nil
}

type natsFixture struct {
	url    string
	bucket string
	data   dataset
}

// natsBucket is a nats-server with JetStream in a temporary folder, in a
// process of its own (bench/natsd), and one KV bucket of n keys (the data
// set, "." for ":").
func (b *bench) natsBucket(name string, n int) (_ *natsFixture, err error) {
	if b.nats[name] != nil {
		return b.nats[name], nil
	}
	if err := b.broken[name]; err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = b.fixtureFailed(name, err)
		}
	}()
	dir, err := os.MkdirTemp(b.dir, "nats-")
	if err != nil {
		return nil, err
	}
	url, stop, err := b.startNatsd(dir)
	if err != nil {
		return nil, err
	}
	b.started(name, func() { stop(); os.RemoveAll(dir); delete(b.nats, name) })
	nc, err := natsgo.Connect(url)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(8192))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	start := time.Now()
	bucket := "bench"
	d, err := natsLoad(ctx, js, bucket, n)
	if err != nil {
		return nil, fmt.Errorf("load NATS: %w", err)
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, err
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, err
	}
	if int(st.Values()) != n {
		return nil, fmt.Errorf("NATS bucket holds %d values after loading %d", st.Values(), n)
	}
	log.Printf("nats-server on %s: bucket %q, %d keys loaded with PublishAsync in %s", url, bucket, n, fmtDur(time.Since(start)))
	f := &natsFixture{url: url, bucket: bucket, data: d}
	b.nats[name] = f
	return f, nil
}

func natsServerVersion() string { return server.VERSION }

// localFixture is a bbolt file written by another program.
type localFixture struct {
	path, bucket string
	data         dataset
}

// localFile writes the million-key bbolt file once.
func (b *bench) localFile() (_ *localFixture, err error) {
	const name = "local1m"
	if b.local1m != nil {
		return b.local1m, nil
	}
	if err := b.broken[name]; err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = b.fixtureFailed(name, err)
		}
	}()
	dir, err := os.MkdirTemp(b.dir, "local-")
	if err != nil {
		return nil, err
	}
	b.started(name, func() { os.RemoveAll(dir); b.local1m = nil })
	f := &localFixture{path: filepath.Join(dir, "app.db"), bucket: "app"}
	start := time.Now()
	if f.data, err = boltLoad(f.path, f.bucket, b.keys); err != nil {
		return nil, err
	}
	st, err := os.Stat(f.path)
	if err != nil {
		return nil, err
	}
	log.Printf("bbolt file of %d keys (%.0f MB) written with plain bbolt in %.2f s", f.data.keys, float64(st.Size())/1e6, time.Since(start).Seconds())
	b.local1m = f
	return f, nil
}

// startNatsd starts bench/natsd on dir and returns the server's URL and the
// function that stops it (closing its standard input, then waiting).
func (b *bench) startNatsd(dir string) (string, func(), error) {
	cmd := exec.Command(b.natsd, "-dir", dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	var url string
	if _, err := fmt.Fscanf(stdout, "url %s\n", &url); err != nil {
		stop()
		return "", nil, fmt.Errorf("natsd did not start: %w", err)
	}
	return url, stop, nil
}
