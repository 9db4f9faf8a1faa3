package model

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kvdeck/kvdeck/model/keyspace"
)

// sortOrder is the key list's order. Sorting a million names takes longer
// than a frame, so it runs in a Cmd like the filter.
type sortOrder struct {
	order keyspace.SortOrder
	req   uint64
	dirty bool // rows arrived since the last sort
}

func (s sortOrder) active() bool { return s.order != keyspace.SortListing }

type sortDoneMsg struct {
	req  uint64
	rows []uint32
}

func (k *keysPane) cycleSort(e *env) tea.Cmd {
	k.sortBy.order = (k.sortBy.order + 1) % 4
	e.inform(fmt.Sprintf("sorted by %s", k.sortBy.order))
	if !k.sortBy.active() {
		if !k.filter.active() {
			k.view = nil
			k.win.Clamp(k.count())
			return nil
		}
		return k.setFilter(e, k.filter.query)
	}
	return k.startSort(e)
}

func (k *keysPane) startSort(e *env) tea.Cmd {
	if k.set == nil {
		return nil
	}
	rows := k.view
	if rows == nil {
		rows = k.allRows(k.set.Len())
	}
	k.sortBy.dirty = false
	k.sortBy.req = e.nextReq()
	req, order := k.sortBy.req, k.sortBy.order
	sn := k.set.Snapshot()
	var keys []keyspace.SortKey
	if order == keyspace.SortTTL || order == keyspace.SortSize {
		keys = k.set.SortKeys(rows, order)
	}
	return func() tea.Msg {
		out, err := keyspace.SortRows(context.Background(), sn, rows, keys, order)
		if err != nil {
			return nil
		}
		return sortDoneMsg{req: req, rows: out}
	}
}

// resortIfDirty sorts again once rows arrived (or a filter changed the
// rows) since the last sort; the listing calls it when it completes.
func (k *keysPane) resortIfDirty(e *env) tea.Cmd {
	if !k.sortBy.active() || !k.sortBy.dirty {
		return nil
	}
	return k.startSort(e)
}

func (k *keysPane) sorted(e *env, msg sortDoneMsg) tea.Cmd {
	if msg.req != k.sortBy.req {
		return nil
	}
	view := msg.rows[:0]
	for _, r := range msg.rows {
		if !k.set.Deleted(int(r)) {
			view = append(view, r)
		}
	}
	k.view = view
	k.win.Clamp(len(view))
	return k.describeVisible(e)
}
