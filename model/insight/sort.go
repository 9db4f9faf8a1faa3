package insight

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
)

// NamespaceColumn is a column the namespaces table sorts by.
type NamespaceColumn int

const (
	ByBytes NamespaceColumn = iota
	ByKeys
	ByAvg
	ByNoTTL
	ByPrefix
	namespaceColumns
)

// Next is the column after c, for a key that cycles through them.
func (c NamespaceColumn) Next() NamespaceColumn { return (c + 1) % namespaceColumns }

func (c NamespaceColumn) String() string {
	return [...]string{"size", "keys", "average size", "keys without TTL", "name"}[c]
}

// SortNamespaces sorts list by column, descending or not; ties by name.
func SortNamespaces(list []Namespace, by NamespaceColumn, desc bool) {
	value := func(n Namespace) int64 {
		switch by {
		case ByKeys:
			return n.Keys
		case ByAvg:
			return n.Avg()
		case ByNoTTL:
			return n.NoTTL
		}
		return n.Bytes
	}
	slices.SortStableFunc(list, func(x, y Namespace) int {
		c := 0
		if by == ByPrefix {
			c = strings.Compare(x.Prefix, y.Prefix)
		} else {
			c = cmp.Compare(value(x), value(y))
		}
		if desc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(x.Prefix, y.Prefix))
	})
}

func sortFacts(list []backend.KeyFacts, before func(x, y backend.KeyFacts) bool) {
	slices.SortStableFunc(list, func(x, y backend.KeyFacts) int {
		switch {
		case before(x, y):
			return -1
		case before(y, x):
			return 1
		}
		return strings.Compare(x.Key, y.Key)
	})
}

// KeyColumn is a column the top tables sort by.
type KeyColumn int

const (
	KeysBySize KeyColumn = iota
	KeysByLength
	KeysByExpiry
	KeysByName
	keyColumns
)

// Next is the column after c.
func (c KeyColumn) Next() KeyColumn { return (c + 1) % keyColumns }

func (c KeyColumn) String() string {
	return [...]string{"size", "length", "time left", "name"}[c]
}

// SortKeys sorts a top table: size and length largest first, time left
// soonest first (no TTL last), names in order.
func SortKeys(list []backend.KeyFacts, by KeyColumn) {
	slices.SortStableFunc(list, func(x, y backend.KeyFacts) int {
		c := 0
		switch by {
		case KeysBySize:
			c = cmp.Compare(y.Size, x.Size)
		case KeysByLength:
			c = cmp.Compare(y.Length, x.Length)
		case KeysByExpiry:
			switch {
			case x.ExpiresAt.IsZero() && !y.ExpiresAt.IsZero():
				c = 1
			case !x.ExpiresAt.IsZero() && y.ExpiresAt.IsZero():
				c = -1
			default:
				c = x.ExpiresAt.Compare(y.ExpiresAt)
			}
		}
		return cmp.Or(c, strings.Compare(x.Key, y.Key))
	})
}
