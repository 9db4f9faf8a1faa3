package nats

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// Buckets lists every KV bucket with its status and configuration, in one
// paged stream listing. Mirror buckets are listed too, marked read-only:
// their streams have no subjects of their own, so nats.go's KeyValueStores
// (a listing by subject) leaves them out.
func (s *Store) Buckets(ctx context.Context) ([]backend.Bucket, error) {
	lister := s.js.ListStreams(ctx)
	var buckets []backend.Bucket
	for info := range lister.Info() {
		if !isKVStream(info.Config) {
			continue
		}
		buckets = append(buckets, bucketOf(info))
	}
	if err := lister.Err(); err != nil {
		return nil, describe(err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(buckets, func(a, b backend.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return buckets, nil
}

// isKVStream tells a KV bucket's stream: named KV_<bucket>, and either
// taking KV subjects (the rule of nats.go's KeyValueStores) or mirroring.
func isKVStream(cfg jetstream.StreamConfig) bool {
	if !strings.HasPrefix(cfg.Name, "KV_") {
		return false
	}
	if cfg.Mirror != nil {
		return true
	}
	for _, subj := range cfg.Subjects {
		if strings.HasPrefix(subj, "$KV.") {
			return true
		}
	}
	return false
}

// bucketOf describes a bucket from its stream.
func bucketOf(info *jetstream.StreamInfo) backend.Bucket {
	cfg := bucketConfigOf(info.Config)
	b := backend.Bucket{
		Name: cfg.Name,
		// The stream counts subjects, deleted keys (markers) included, so
		// the number of live keys is only known by listing.
		Keys:        -1,
		Bytes:       int64(info.State.Bytes),
		Description: cfg.Description,
		Config:      &cfg,
		ReadOnly:    mirrorReason(info.Config),
	}
	b.Status = statusFields(info, cfg)
	return b
}

// statusFields lists the bucket's facts in display order.
func statusFields(info *jetstream.StreamInfo, cfg backend.BucketConfig) []backend.Field {
	f := []backend.Field{
		{Name: "values", Value: strconv.FormatUint(info.State.Msgs, 10)},
		{Name: "subjects", Value: strconv.FormatUint(info.State.NumSubjects, 10)},
		{Name: "bytes", Value: humanize.IBytes(info.State.Bytes)},
		{Name: "history", Value: strconv.Itoa(cfg.History)},
		{Name: "ttl", Value: durationOrNever(cfg.TTL)},
		{Name: "per-key ttl", Value: perKeyTTLStatus(cfg)},
		{Name: "storage", Value: cfg.Storage},
		{Name: "replicas", Value: strconv.Itoa(cfg.Replicas)},
		{Name: "compression", Value: onOff(cfg.Compression)},
		{Name: "max bytes", Value: limit(cfg.MaxBytes)},
		{Name: "max value size", Value: limit(int64(cfg.MaxValueSize))},
	}
	if cfg.Description != "" {
		f = append(f, backend.Field{Name: "description", Value: cfg.Description})
	}
	if len(cfg.Metadata) > 0 {
		f = append(f, backend.Field{Name: "metadata", Value: metadataString(cfg.Metadata)})
	}
	if c := info.Cluster; c != nil && c.Leader != "" {
		f = append(f, backend.Field{Name: "leader", Value: c.Leader})
	}
	if m := info.Config.Mirror; m != nil {
		f = append(f, backend.Field{Name: "mirror", Value: strings.TrimPrefix(m.Name, "KV_")})
	}
	if n := len(info.Config.Sources); n > 0 {
		f = append(f, backend.Field{Name: "sources", Value: strconv.Itoa(n)})
	}
	if !info.Created.IsZero() {
		f = append(f, backend.Field{Name: "created", Value: info.Created.Local().Format(time.DateTime)})
	}
	return f
}

// perKeyTTLStatus says whether keys may carry their own TTL, and what the
// marker TTL implies: the server raises shorter key TTLs to it.
func perKeyTTLStatus(cfg backend.BucketConfig) string {
	if !cfg.KeyTTL {
		return "off"
	}
	if cfg.MarkerTTL <= time.Second {
		return fmt.Sprintf("on (markers kept %s)", cfg.MarkerTTL)
	}
	return fmt.Sprintf("on (markers kept %s; shorter key TTLs are raised to it)", cfg.MarkerTTL)
}

func durationOrNever(d time.Duration) string {
	if d <= 0 {
		return "never"
	}
	return d.String()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func limit(n int64) string {
	if n <= 0 {
		return "unlimited"
	}
	return humanize.IBytes(uint64(n))
}

func metadataString(md map[string]string) string {
	keys := slices.Sorted(maps.Keys(md))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + md[k]
	}
	return strings.Join(parts, ", ")
}
