package nats

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/nats-io/nats.go/jetstream"
)

// defaultMarkerTTL is how long the marker of an expired or purged key is
// kept when per-key TTLs are enabled without a marker TTL. The server
// raises any shorter key TTL to the marker TTL, so the smallest value it
// accepts, one second, keeps key TTLs as given; watchers still see the
// marker arrive.
const defaultMarkerTTL = time.Second

// Bounds of the platform KV spec (shared/seeds/001).
const (
	maxReplicas = 5
	minTTL      = time.Second
)

// serverMetadataPrefix marks the metadata the server keeps on a stream
// for itself (API level, version); it is not the user's.
const serverMetadataPrefix = "_nats."

// bucketConfigOf reads a KV stream's configuration as kvdeck's.
func bucketConfigOf(sc jetstream.StreamConfig) backend.BucketConfig {
	cfg := backend.BucketConfig{
		Name:         strings.TrimPrefix(sc.Name, "KV_"),
		Description:  sc.Description,
		TTL:          sc.MaxAge,
		History:      int(sc.MaxMsgsPerSubject),
		MaxBytes:     sc.MaxBytes,
		MaxValueSize: sc.MaxMsgSize,
		Storage:      storageName(sc.Storage),
		Replicas:     sc.Replicas,
		Compression:  sc.Compression != jetstream.NoCompression,
		KeyTTL:       sc.AllowMsgTTL,
		MarkerTTL:    sc.SubjectDeleteMarkerTTL,
	}
	for k, v := range sc.Metadata {
		if strings.HasPrefix(k, serverMetadataPrefix) {
			continue
		}
		if cfg.Metadata == nil {
			cfg.Metadata = map[string]string{}
		}
		cfg.Metadata[k] = v
	}
	return cfg
}

func storageName(t jetstream.StorageType) string {
	if t == jetstream.MemoryStorage {
		return "memory"
	}
	return "file"
}

// validateBucketConfig checks cfg against the platform spec and what the
// server accepts, and returns it with defaults filled in (history 1, one
// replica, file storage, the default marker TTL when per-key TTLs are on).
func validateBucketConfig(cfg backend.BucketConfig) (backend.BucketConfig, error) {
	if err := backend.ValidateBucketName(cfg.Name); err != nil {
		return cfg, err
	}
	if cfg.History == 0 {
		cfg.History = 1
	}
	if err := backend.ValidateHistory(cfg.History); err != nil {
		return cfg, err
	}
	if cfg.TTL < 0 || (cfg.TTL > 0 && cfg.TTL < minTTL) {
		return cfg, backend.Invalid("ttl", "%s: use at least 1s, or 0 to keep values for ever", cfg.TTL)
	}
	if cfg.MaxBytes < -1 {
		return cfg, backend.Invalid("max bytes", "%d: use a size, or 0 for unlimited", cfg.MaxBytes)
	}
	if cfg.MaxValueSize < -1 {
		return cfg, backend.Invalid("max value size", "%d: use a size, or 0 for unlimited", cfg.MaxValueSize)
	}
	switch strings.ToLower(cfg.Storage) {
	case "", "file":
		cfg.Storage = "file"
	case "memory":
		cfg.Storage = "memory"
	default:
		return cfg, backend.Invalid("storage", "%q: use file or memory", cfg.Storage)
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Replicas < 1 || cfg.Replicas > maxReplicas {
		return cfg, backend.Invalid("replicas", "%d is outside 1..%d", cfg.Replicas, maxReplicas)
	}
	if cfg.MarkerTTL < 0 || (cfg.MarkerTTL > 0 && cfg.MarkerTTL < time.Second) {
		return cfg, backend.Invalid("marker ttl", "%s: use at least 1s", cfg.MarkerTTL)
	}
	if cfg.MarkerTTL > 0 {
		cfg.KeyTTL = true
	}
	if cfg.KeyTTL && cfg.MarkerTTL == 0 {
		cfg.MarkerTTL = defaultMarkerTTL
	}
	for k := range cfg.Metadata {
		if k == "" {
			return cfg, backend.Invalid("metadata", "a metadata key must not be empty")
		}
		if strings.HasPrefix(k, serverMetadataPrefix) {
			return cfg, backend.Invalid("metadata", "%q: keys starting with %s belong to the server", k, serverMetadataPrefix)
		}
	}
	return cfg, nil
}

// applyBucketConfig writes kvdeck's configuration into a KV configuration,
// leaving what kvdeck does not edit (placement, republish, mirror,
// sources) as it was.
func applyBucketConfig(kc *jetstream.KeyValueConfig, cfg backend.BucketConfig) {
	kc.Bucket = cfg.Name
	kc.Description = cfg.Description
	kc.TTL = cfg.TTL
	kc.History = uint8(cfg.History)
	kc.MaxBytes = cfg.MaxBytes
	kc.MaxValueSize = cfg.MaxValueSize
	kc.Storage = jetstream.FileStorage
	if cfg.Storage == "memory" {
		kc.Storage = jetstream.MemoryStorage
	}
	kc.Replicas = cfg.Replicas
	kc.Compression = cfg.Compression
	kc.Metadata = maps.Clone(cfg.Metadata)
	kc.LimitMarkerTTL = 0
	if cfg.KeyTTL {
		kc.LimitMarkerTTL = cfg.MarkerTTL
	}
}

// CreateBucket creates a bucket; an existing one is ErrConflict.
func (s *Store) CreateBucket(ctx context.Context, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	cfg, err := validateBucketConfig(cfg)
	if err != nil {
		return err
	}
	var kc jetstream.KeyValueConfig
	applyBucketConfig(&kc, cfg)
	if _, err := s.js.CreateKeyValue(ctx, kc); err != nil {
		if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return &storeError{msg: fmt.Sprintf("bucket %q already exists", cfg.Name), kind: backend.ErrConflict, cause: err}
		}
		return configError(err)
	}
	s.forget(cfg.Name)
	return nil
}

// UpdateBucket changes a bucket from seen, its configuration as the user
// saw it, to cfg. It reads the stream's configuration now: if any setting
// kvdeck shows differs from seen, someone else edited the bucket, and it
// is ErrConflict naming each such setting with its value now and as seen.
// Otherwise it applies only the settings that differ between seen and cfg
// onto the stream's current configuration, so everything else stays as it
// is: the settings the form does not show (republish, sources, placement,
// subject transforms, duplicate window...), metadata keys nobody changed,
// and the marker TTL unless cfg changes it (a zero marker TTL with per-key
// TTLs on means unchanged, for callers that do not carry it). An edit that
// changes nothing writes nothing.
//
// Storage cannot change, and per-key TTLs cannot be turned off once on:
// NATS refuses both, so kvdeck says so before asking. A TTL shorter than
// the stream's duplicate window shortens the window to it, as nats.go does
// when it creates a bucket, since the server requires it.
//
// JetStream has no conditional stream update, so an edit made elsewhere
// between this read and the update (a round trip) is not detected.
func (s *Store) UpdateBucket(ctx context.Context, seen, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if seen.Name != cfg.Name {
		return backend.Invalid("name", "a bucket cannot be renamed (%s to %s)", seen.Name, cfg.Name)
	}
	asked := cfg.MarkerTTL
	cfg, err := validateBucketConfig(cfg)
	if err != nil {
		return err
	}
	stream, err := s.js.Stream(ctx, streamName(cfg.Name))
	if err != nil {
		return s.bucketError(cfg.Name, err)
	}
	sc := stream.CachedInfo().Config
	if !isKVStream(sc) {
		return s.bucketError(cfg.Name, jetstream.ErrBadBucket)
	}
	if reason := mirrorReason(sc); reason != "" {
		return readOnlyBucket(cfg.Name, reason)
	}
	seen = normalizeConfig(seen)
	current := normalizeConfig(bucketConfigOf(sc))
	if diffs := configDiffs(current, seen); len(diffs) > 0 {
		return &storeError{
			msg:  fmt.Sprintf("bucket %s was changed elsewhere since it was read: %s; nothing saved", cfg.Name, strings.Join(diffs, "; ")),
			kind: backend.ErrConflict,
		}
	}
	if seen.KeyTTL && asked == 0 {
		cfg.MarkerTTL = seen.MarkerTTL
	}
	cfg = normalizeConfig(cfg)
	if cfg.Storage != seen.Storage {
		return backend.Invalid("storage", "cannot change from %s to %s after the bucket was created", seen.Storage, cfg.Storage)
	}
	if seen.KeyTTL && !cfg.KeyTTL {
		return backend.Invalid("per-key ttl", "cannot be turned off once enabled")
	}
	if len(configDiffs(cfg, seen)) == 0 {
		return nil
	}
	sc.Metadata = maps.Clone(sc.Metadata)
	applyChanges(&sc, seen, cfg)
	if _, err := s.js.UpdateStream(ctx, sc); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return s.bucketError(cfg.Name, err)
		}
		return configError(err)
	}
	s.forget(cfg.Name)
	return nil
}

// normalizeConfig spells each setting one way, so that configurations
// compare equal when NATS treats them alike (0 and -1 are both unlimited).
func normalizeConfig(c backend.BucketConfig) backend.BucketConfig {
	if c.History == 0 {
		c.History = 1
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = -1
	}
	if c.MaxValueSize <= 0 {
		c.MaxValueSize = -1
	}
	c.Storage = strings.ToLower(c.Storage)
	if c.Storage == "" {
		c.Storage = "file"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	return c
}

// configDiffs lists the settings in which now differs from was, each with
// both values ("history is 5 (was 3)"), in the form's order.
func configDiffs(now, was backend.BucketConfig) []string {
	var d []string
	add := func(name, n, w string) {
		if n != w {
			d = append(d, fmt.Sprintf("%s is %s (was %s)", name, n, w))
		}
	}
	add("description", strconv.Quote(now.Description), strconv.Quote(was.Description))
	add("ttl", durationOrNever(now.TTL), durationOrNever(was.TTL))
	add("history", strconv.Itoa(now.History), strconv.Itoa(was.History))
	add("max bytes", limit(now.MaxBytes), limit(was.MaxBytes))
	add("max value size", limit(int64(now.MaxValueSize)), limit(int64(was.MaxValueSize)))
	add("storage", now.Storage, was.Storage)
	add("replicas", strconv.Itoa(now.Replicas), strconv.Itoa(was.Replicas))
	add("compression", onOff(now.Compression), onOff(was.Compression))
	add("per-key ttl", onOff(now.KeyTTL), onOff(was.KeyTTL))
	add("marker ttl", now.MarkerTTL.String(), was.MarkerTTL.String())
	for _, k := range slices.Sorted(maps.Keys(unionKeys(now.Metadata, was.Metadata))) {
		add("metadata "+strconv.Quote(k), metadataValue(now.Metadata, k), metadataValue(was.Metadata, k))
	}
	return d
}

func unionKeys(a, b map[string]string) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

func metadataValue(m map[string]string, k string) string {
	v, ok := m[k]
	if !ok {
		return "absent"
	}
	return strconv.Quote(v)
}

// applyChanges writes onto the stream configuration sc the settings that
// differ between seen and cfg (both normalized), and nothing else.
func applyChanges(sc *jetstream.StreamConfig, seen, cfg backend.BucketConfig) {
	if cfg.Description != seen.Description {
		sc.Description = cfg.Description
	}
	if cfg.TTL != seen.TTL {
		sc.MaxAge = cfg.TTL
		if sc.MaxAge > 0 && sc.Duplicates > sc.MaxAge {
			sc.Duplicates = sc.MaxAge
		}
	}
	if cfg.History != seen.History {
		sc.MaxMsgsPerSubject = int64(cfg.History)
	}
	if cfg.MaxBytes != seen.MaxBytes {
		sc.MaxBytes = cfg.MaxBytes
	}
	if cfg.MaxValueSize != seen.MaxValueSize {
		sc.MaxMsgSize = cfg.MaxValueSize
	}
	if cfg.Replicas != seen.Replicas {
		sc.Replicas = cfg.Replicas
	}
	if cfg.Compression != seen.Compression {
		sc.Compression = jetstream.NoCompression
		if cfg.Compression {
			sc.Compression = jetstream.S2Compression
		}
	}
	if cfg.KeyTTL && !seen.KeyTTL {
		sc.AllowMsgTTL = true
	}
	if cfg.KeyTTL && cfg.MarkerTTL != seen.MarkerTTL {
		sc.SubjectDeleteMarkerTTL = cfg.MarkerTTL
	}
	for k := range unionKeys(seen.Metadata, cfg.Metadata) {
		was, inSeen := seen.Metadata[k]
		now, inCfg := cfg.Metadata[k]
		switch {
		case inSeen == inCfg && was == now:
		case inCfg:
			if sc.Metadata == nil {
				sc.Metadata = map[string]string{}
			}
			sc.Metadata[k] = now
		default:
			delete(sc.Metadata, k)
		}
	}
}

// DeleteBucket deletes a bucket and every key in it.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := s.Writable(); err != nil {
		return err
	}
	if err := backend.ValidateBucketName(name); err != nil {
		return err
	}
	err := s.js.DeleteKeyValue(ctx, name)
	s.forget(name)
	if err != nil {
		return s.bucketError(name, err)
	}
	return nil
}

// configError reports a configuration the server refused as bad input,
// keeping the server's reason.
func configError(err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.Code == 400 {
		return &storeError{msg: "NATS refused the bucket settings: " + apiErr.Description, kind: backend.ErrInvalid, cause: err}
	}
	if errors.Is(err, jetstream.ErrLimitMarkerTTLNotSupported) {
		return &storeError{msg: "this server is too old for per-key TTLs (needs nats-server 2.11)", kind: backend.ErrUnsupported, cause: err}
	}
	return describe(err)
}
