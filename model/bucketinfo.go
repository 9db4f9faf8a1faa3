package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kvdeck/kvdeck/backend"
	"github.com/kvdeck/kvdeck/ui/format"
)

// bucketInfo draws the selected bucket's status in the value pane while
// the buckets pane has focus: key count, size, description, and what the
// store reports (history, TTL, storage, replicas, per-key TTL...).
func (a *App) bucketInfo(b backend.Bucket, w int) string {
	lbl := func(s string) string { return a.st.MetaLabel.Render(fmt.Sprintf("%-16s", s)) }
	val := a.st.MetaValue.Render
	var out []string
	if b.Keys >= 0 {
		out = append(out, lbl("keys")+val(fmt.Sprint(b.Keys)))
	}
	if b.Bytes >= 0 {
		out = append(out, lbl("size")+val(format.HumanBytes(b.Bytes)))
	}
	if b.Description != "" {
		out = append(out, lbl("description")+val(format.Escape(b.Description)))
	}
	for _, f := range b.Status {
		out = append(out, lbl(f.Name)+val(format.Escape(f.Value)))
	}
	if b.Config != nil && len(b.Config.Metadata) > 0 {
		keys := make([]string, 0, len(b.Config.Metadata))
		for k := range b.Config.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, lbl("meta "+format.Escape(k))+val(format.Escape(b.Config.Metadata[k])))
		}
	}
	var actions []string
	if _, ok := a.store.(backend.BucketAdmin); ok && !a.info.ReadOnly {
		actions = append(actions, a.keyName(a.km.NewBucket)+" new bucket", a.keyName(a.km.EditBucket)+" edit", a.keyName(a.km.DeleteBucket)+" delete")
	}
	actions = append(actions, a.keyName(a.km.Open)+" open")
	out = append(out, "", a.st.Muted.Render(strings.Join(actions, " · ")))
	return strings.Join(out, "\n")
}
