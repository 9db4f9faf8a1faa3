package nats

import (
	"context"
	"errors"
	"fmt"
	"maps"
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

// UpdateBucket edits an existing bucket. Storage cannot change, and
// per-key TTLs cannot be turned off once on: NATS refuses both, so kvdeck
// says so before asking.
func (s *Store) UpdateBucket(ctx context.Context, seen, cfg backend.BucketConfig) error {
	if err := s.Writable(); err != nil {
		return err
	}
	cfg, err := validateBucketConfig(cfg)
	if err != nil {
		return err
	}
	kv, err := s.js.KeyValue(ctx, cfg.Name)
	if err != nil {
		return s.bucketError(cfg.Name, err)
	}
	status, err := kv.Status(ctx)
	if err != nil {
		return s.bucketError(cfg.Name, err)
	}
	current := status.Config()
	if storageName(current.Storage) != cfg.Storage {
		return backend.Invalid("storage", "cannot change from %s to %s after the bucket was created", storageName(current.Storage), cfg.Storage)
	}
	if current.LimitMarkerTTL > 0 && !cfg.KeyTTL {
		return backend.Invalid("per-key ttl", "cannot be turned off once enabled")
	}
	applyBucketConfig(&current, cfg)
	if _, err := s.js.UpdateKeyValue(ctx, current); err != nil {
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return s.bucketError(cfg.Name, err)
		}
		return configError(err)
	}
	s.forget(cfg.Name)
	return nil
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
