package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/backend/local/demo"
)

func TestSeedTime(t *testing.T) {
	start := time.Now()
	s, _, cleanup, err := demo.OpenTemp()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	defer s.Close()
	t.Logf("OpenTemp (seed) took %v", time.Since(start))
	for range 3 {
		start = time.Now()
		bs, err := s.Buckets(context.Background())
		t.Logf("Buckets took %v (%d buckets, %v)", time.Since(start), len(bs), err)
	}
}
