package storetest

import (
	"testing"
	"time"
)

// Run runs the whole conformance suite. Every subtest prepares its own
// environment with h.New, so one failure does not cascade into the next.
func Run(t *testing.T, h Harness) {
	if h.TTLGranularity < time.Second {
		h.TTLGranularity = time.Second
	}
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"Listing", testListing},
		{"ListingCancel", testListingCancel},
		{"ListingEmitError", testListingEmitError},
		{"Buckets", testBuckets},
		{"GetPutDelete", testGetPutDelete},
		{"Conflicts", testConflicts},
		{"TTL", testTTL},
		{"EditKeepsTTL", testEditKeepsTTL},
		{"ReadOnly", testReadOnly},
		{"UnusualKeys", testUnusualKeys},
		{"UnusualValues", testUnusualValues},
		{"History", testHistory},
		{"Rename", testRename},
		{"Watch", testWatch},
		{"Describe", testDescribe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h) })
	}
}
