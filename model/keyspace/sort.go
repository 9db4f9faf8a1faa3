package keyspace

import (
	"context"
	"slices"
	"strings"
)

// SortOrder is how a view is ordered.
type SortOrder uint8

const (
	SortListing SortOrder = iota // as the store listed them
	SortName
	SortTTL  // soonest expiry first, keys without TTL last
	SortSize // largest first, unknown last
)

func (o SortOrder) String() string {
	return [...]string{"listing order", "name", "TTL", "size"}[o]
}

// SortKey is what a TTL or size sort compares, copied out of the Set in
// Update so the sort can run in another goroutine.
type SortKey struct {
	Row uint32
	Val int64
}

// SortKeys gathers the values for rows (TTL or size) from the Set.
func (s *Set) SortKeys(rows []uint32, o SortOrder) []SortKey {
	out := make([]SortKey, len(rows))
	for i, r := range rows {
		v := int64(0)
		switch o {
		case SortTTL:
			v = s.ExpiresMillis(int(r))
			if v == 0 {
				v = 1<<63 - 1
			}
		case SortSize:
			size := s.Size(int(r))
			v = -size
			if size < 0 {
				v = 1<<63 - 1
			}
		}
		out[i] = SortKey{Row: r, Val: v}
	}
	return out
}

// SortRows orders rows by name (using the snapshot) or by the gathered
// keys. It is stable, so equal keys keep listing order.
func SortRows(ctx context.Context, sn Snapshot, rows []uint32, keys []SortKey, o SortOrder) ([]uint32, error) {
	out := slices.Clone(rows)
	switch o {
	case SortName:
		slices.SortStableFunc(out, func(x, y uint32) int { return strings.Compare(sn.Name(int(x)), sn.Name(int(y))) })
	case SortTTL, SortSize:
		k := slices.Clone(keys)
		slices.SortStableFunc(k, func(x, y SortKey) int {
			switch {
			case x.Val < y.Val:
				return -1
			case x.Val > y.Val:
				return 1
			}
			return 0
		})
		for i := range k {
			out[i] = k[i].Row
		}
	}
	return out, ctx.Err()
}
