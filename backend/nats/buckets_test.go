package nats

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
)

// readBucket lists the buckets and returns the named one.
func readBucket(t *testing.T, s *Store, name string) backend.Bucket {
	t.Helper()
	buckets, err := s.Buckets(testContext(t))
	if err != nil {
		t.Fatalf("Buckets: %v", err)
	}
	for _, b := range buckets {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("bucket %s not listed", name)
	return backend.Bucket{}
}

func statusValue(b backend.Bucket, name string) string {
	for _, f := range b.Status {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

func sameConfig(t *testing.T, got *backend.BucketConfig, want backend.BucketConfig) {
	t.Helper()
	if got == nil {
		t.Fatal("bucket has no Config")
	}
	g := *got
	if g.Name != want.Name || g.Description != want.Description || g.TTL != want.TTL ||
		g.History != want.History || g.MaxBytes != want.MaxBytes || g.MaxValueSize != want.MaxValueSize ||
		g.Storage != want.Storage || g.Replicas != want.Replicas || g.Compression != want.Compression ||
		g.KeyTTL != want.KeyTTL || g.MarkerTTL != want.MarkerTTL || !maps.Equal(g.Metadata, want.Metadata) {
		t.Errorf("config read back\n got %+v\nwant %+v", g, want)
	}
}

func TestCreateBucketWithEveryOption(t *testing.T) {
	srv := natstest.Start(t)
	s := openURL(t, srv.URL(), false)
	ctx := testContext(t)

	full := backend.BucketConfig{
		Name:         "user-preferences_2",
		Description:  "settings per user",
		TTL:          36 * time.Hour,
		History:      64,
		MaxBytes:     64 << 20,
		MaxValueSize: 1 << 20,
		Storage:      "memory",
		Replicas:     1,
		Compression:  true,
		Metadata:     map[string]string{"owner": "team-a", "purpose": "prefs"},
		KeyTTL:       true,
		MarkerTTL:    time.Hour,
	}
	if err := s.CreateBucket(ctx, full); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	b := readBucket(t, s, full.Name)
	sameConfig(t, b.Config, full)
	if b.Description != full.Description {
		t.Errorf("Description = %q", b.Description)
	}
	for field, want := range map[string]string{
		"history": "64", "ttl": "36h0m0s", "storage": "memory", "replicas": "1",
		"compression": "on", "max bytes": "64 MiB", "max value size": "1.0 MiB",
		"metadata": "owner=team-a, purpose=prefs", "values": "0",
	} {
		if got := statusValue(b, field); got != want {
			t.Errorf("status %q = %q, want %q", field, got, want)
		}
	}
	if got := statusValue(b, "per-key ttl"); !strings.HasPrefix(got, "on") || !strings.Contains(got, "1h") {
		t.Errorf("status per-key ttl = %q, want on with the 1h marker TTL", got)
	}

	// The defaults: history 1, file storage, one replica, no limits, and
	// the one-second marker TTL when only per-key TTLs are asked for.
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "plain", KeyTTL: true}); err != nil {
		t.Fatalf("CreateBucket(plain): %v", err)
	}
	sameConfig(t, readBucket(t, s, "plain").Config, backend.BucketConfig{
		Name: "plain", History: 1, MaxBytes: -1, MaxValueSize: -1, Storage: "file", Replicas: 1,
		KeyTTL: true, MarkerTTL: time.Second,
	})

	err := s.CreateBucket(ctx, backend.BucketConfig{Name: "plain"})
	wantErr(t, err, backend.ErrConflict, "creating an existing bucket")
}

func TestCreateBucketRefusesBadInput(t *testing.T) {
	srv := natstest.Start(t)
	s := openURL(t, srv.URL(), false)
	ctx := testContext(t)
	for name, cfg := range map[string]backend.BucketConfig{
		"empty name":          {Name: ""},
		"dot in name":         {Name: "a.b"},
		"space in name":       {Name: "a b"},
		"history 65":          {Name: "h", History: 65},
		"history -1":          {Name: "h", History: -1},
		"replicas 6":          {Name: "r", Replicas: 6},
		"storage disk":        {Name: "s", Storage: "disk"},
		"ttl under a second":  {Name: "t", TTL: 10 * time.Millisecond},
		"negative ttl":        {Name: "t", TTL: -time.Second},
		"marker ttl 1ms":      {Name: "m", KeyTTL: true, MarkerTTL: time.Millisecond},
		"server metadata key": {Name: "md", Metadata: map[string]string{"_nats.level": "1"}},
		"max bytes -2":        {Name: "mb", MaxBytes: -2},
	} {
		err := s.CreateBucket(ctx, cfg)
		wantErr(t, err, backend.ErrInvalid, name)
	}
	buckets, err := s.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) != 0 {
		t.Errorf("refused configurations created buckets: %v", buckets)
	}
}

func TestUpdateBucket(t *testing.T) {
	srv := natstest.Start(t)
	s := openURL(t, srv.URL(), false)
	ctx := testContext(t)
	cfg := backend.BucketConfig{Name: "cfg", History: 2, Metadata: map[string]string{"v": "1"}}
	if err := s.CreateBucket(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "cfg", "kept", "value", backend.PutOptions{})

	edited := backend.BucketConfig{
		Name: "cfg", Description: "now described", TTL: time.Hour, History: 10,
		MaxBytes: 1 << 30, MaxValueSize: 4096, Storage: "file", Replicas: 1, Compression: true,
		Metadata: map[string]string{"v": "2", "team": "b"}, KeyTTL: true, MarkerTTL: 2 * time.Second,
	}
	if err := s.UpdateBucket(ctx, *readBucket(t, s, "cfg").Config, edited); err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}
	sameConfig(t, readBucket(t, s, "cfg").Config, edited)
	if got := mustGet(t, s, "cfg", "kept"); string(got.Value) != "value" {
		t.Errorf("value after edit = %q", got.Value)
	}
	// The edited bucket now takes per-key TTLs.
	mustPut(t, s, "cfg", "ttl", "v", backend.PutOptions{TTLMode: backend.TTLSet, TTL: time.Minute})

	storage := edited
	storage.Storage = "memory"
	wantErr(t, s.UpdateBucket(ctx, *readBucket(t, s, "cfg").Config, storage), backend.ErrInvalid, "changing the storage")
	off := edited
	off.KeyTTL, off.MarkerTTL = false, 0
	wantErr(t, s.UpdateBucket(ctx, *readBucket(t, s, "cfg").Config, off), backend.ErrInvalid, "turning per-key TTLs off")
	tooSmall := edited
	tooSmall.MaxValueSize = 2
	if err := s.UpdateBucket(ctx, *readBucket(t, s, "cfg").Config, tooSmall); err != nil {
		t.Errorf("shrinking max value size: %v", err)
	}
	_, err := s.Put(ctx, "cfg", "big", []byte("more than two bytes"), backend.PutOptions{})
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("Put over the max value size = %v, want a one-line refusal", err)
	}
	missing := edited
	missing.Name = "missing"
	wantErr(t, s.UpdateBucket(ctx, missing, missing), backend.ErrNotFound, "editing a missing bucket")
}

func TestDeleteBucket(t *testing.T) {
	_, s, bucket := startStore(t)
	ctx := testContext(t)
	mustPut(t, s, bucket, "k", "v", backend.PutOptions{})
	if err := s.DeleteBucket(ctx, bucket); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	buckets, err := s.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) != 0 {
		t.Errorf("buckets after delete: %v", buckets)
	}
	_, err = s.Get(ctx, bucket, "k", backend.GetOptions{})
	wantErr(t, err, backend.ErrNotFound, "Get in a deleted bucket")
	wantErr(t, s.DeleteBucket(ctx, bucket), backend.ErrNotFound, "deleting it again")
}

func TestBucketStatusCountsValues(t *testing.T) {
	_, s, bucket := startStore(t)
	mustPut(t, s, bucket, "a", "1", backend.PutOptions{})
	mustPut(t, s, bucket, "a", "22", backend.PutOptions{})
	mustPut(t, s, bucket, "b", "333", backend.PutOptions{})
	b := readBucket(t, s, bucket)
	if got := statusValue(b, "values"); got != "3" {
		t.Errorf("values = %q, want 3 (history included)", got)
	}
	if b.Bytes <= 0 {
		t.Errorf("Bytes = %d", b.Bytes)
	}
	if b.Keys != -1 {
		t.Errorf("Keys = %d, want -1 (only a listing knows)", b.Keys)
	}
}
