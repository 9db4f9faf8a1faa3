package nats

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/backend/nats/natstest"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// Defect 9: an edit of the history alone reset a 30m marker TTL to 1s.
func TestUpdateBucketKeepsMarkerTTL(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	js := natsClient(t, srv)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "sessions", History: 3, KeyTTL: true, MarkerTTL: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	seen := *readBucket(t, s, "sessions").Config
	edited := seen
	edited.History = 8
	if err := s.UpdateBucket(ctx, seen, edited); err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}
	sc := streamConfig(t, js, "sessions")
	if sc.SubjectDeleteMarkerTTL != 30*time.Minute || sc.MaxMsgsPerSubject != 8 {
		t.Errorf("after editing the history: marker TTL %s history %d, want 30m and 8", sc.SubjectDeleteMarkerTTL, sc.MaxMsgsPerSubject)
	}

	// A caller that does not carry the marker TTL (zero) leaves it too.
	seen = *readBucket(t, s, "sessions").Config
	edited = seen
	edited.MarkerTTL = 0
	edited.Description = "edited"
	if err := s.UpdateBucket(ctx, seen, edited); err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}
	if sc := streamConfig(t, js, "sessions"); sc.SubjectDeleteMarkerTTL != 30*time.Minute || sc.Description != "edited" {
		t.Errorf("marker TTL %s description %q, want 30m and edited", sc.SubjectDeleteMarkerTTL, sc.Description)
	}

	// Changing it on purpose does change it.
	seen = *readBucket(t, s, "sessions").Config
	edited = seen
	edited.MarkerTTL = time.Hour
	if err := s.UpdateBucket(ctx, seen, edited); err != nil {
		t.Fatal(err)
	}
	if sc := streamConfig(t, js, "sessions"); sc.SubjectDeleteMarkerTTL != time.Hour {
		t.Errorf("marker TTL %s, want the 1h asked for", sc.SubjectDeleteMarkerTTL)
	}
}

// Defect 10: an edit applies only what the form changed, onto the stream's
// configuration now; every setting kvdeck does not show stays as it was.
func TestUpdateBucketKeepsSettingsItDoesNotShow(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t, func(o *server.Options) { o.Tags = []string{"az:1"} })
	s := openURL(t, srv.URL(), false)
	js := natsClient(t, srv.URL())
	ctx := testContext(t)
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "origin"}); err != nil {
		t.Fatal(err)
	}
	_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         "rich",
		Description:    "made by natscli",
		History:        4,
		TTL:            time.Hour,
		LimitMarkerTTL: 30 * time.Minute,
		Compression:    true,
		Metadata:       map[string]string{"keep": "x", "edit": "y", "drop": "z"},
		RePublish:      &jetstream.RePublish{Source: ">", Destination: "repub.>", HeadersOnly: true},
		Sources:        []*jetstream.StreamSource{{Name: "origin"}},
		Placement:      &jetstream.Placement{Tags: []string{"az:1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	before := streamConfig(t, js, "rich")

	seen := *readBucket(t, s, "rich").Config
	edited := seen
	edited.History = 6
	edited.Metadata = maps.Clone(seen.Metadata)
	edited.Metadata["edit"] = "a, b=c" // commas and '=' are values like any
	delete(edited.Metadata, "drop")
	edited.Metadata["new"] = "n"
	if err := s.UpdateBucket(ctx, seen, edited); err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}

	after := streamConfig(t, js, "rich")
	if after.MaxMsgsPerSubject != 6 {
		t.Errorf("history = %d, want 6", after.MaxMsgsPerSubject)
	}
	wantMeta := map[string]string{"keep": "x", "edit": "a, b=c", "new": "n"}
	for k, v := range wantMeta {
		if after.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, after.Metadata[k], v)
		}
	}
	if _, ok := after.Metadata["drop"]; ok {
		t.Error("metadata key removed in the form is still there")
	}
	for k, v := range before.Metadata { // the server's own keys
		if _, user := wantMeta[k]; !user && k != "drop" && after.Metadata[k] != v {
			t.Errorf("server metadata %s = %q, was %q", k, after.Metadata[k], v)
		}
	}
	if after.SubjectDeleteMarkerTTL != before.SubjectDeleteMarkerTTL || after.MaxAge != before.MaxAge ||
		after.Description != before.Description || after.Compression != before.Compression ||
		after.Duplicates != before.Duplicates || after.MaxBytes != before.MaxBytes || after.MaxMsgSize != before.MaxMsgSize ||
		after.AllowDirect != before.AllowDirect || after.AllowRollup != before.AllowRollup || after.DenyDelete != before.DenyDelete {
		t.Errorf("a setting the form did not change moved:\nbefore %+v\n after %+v", before, after)
	}
	if after.RePublish == nil || *after.RePublish != *before.RePublish {
		t.Errorf("republish = %+v, want %+v", after.RePublish, before.RePublish)
	}
	if len(after.Sources) != 1 || after.Sources[0].Name != "KV_origin" ||
		!slices.Equal(after.Sources[0].SubjectTransforms, before.Sources[0].SubjectTransforms) {
		t.Errorf("sources = %+v, want %+v", after.Sources, before.Sources)
	}
	if after.Placement == nil || !slices.Equal(after.Placement.Tags, []string{"az:1"}) {
		t.Errorf("placement = %+v", after.Placement)
	}
	// The bucket still reads back the same way, with the edit.
	got := *readBucket(t, s, "rich").Config
	if got.Metadata["edit"] != "a, b=c" || got.MarkerTTL != 30*time.Minute || got.TTL != time.Hour {
		t.Errorf("bucket read back: %+v", got)
	}

	// An edit that changes nothing writes nothing.
	if err := s.UpdateBucket(ctx, got, got); err != nil {
		t.Fatalf("unchanged edit: %v", err)
	}
}

// A TTL shorter than the duplicate window shortens the window, which the
// server requires; a longer one leaves it.
func TestUpdateBucketTTLAndDuplicateWindow(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	s := openURL(t, srv, false)
	js := natsClient(t, srv)
	ctx := testContext(t)
	if err := s.CreateBucket(ctx, backend.BucketConfig{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	dup := streamConfig(t, js, "c").Duplicates
	seen := *readBucket(t, s, "c").Config
	edited := seen
	edited.TTL = 30 * time.Second
	if err := s.UpdateBucket(ctx, seen, edited); err != nil {
		t.Fatalf("UpdateBucket(ttl 30s): %v", err)
	}
	if sc := streamConfig(t, js, "c"); sc.MaxAge != 30*time.Second || sc.Duplicates != 30*time.Second {
		t.Errorf("max age %s duplicates %s (was %s), want both 30s", sc.MaxAge, sc.Duplicates, dup)
	}
}
