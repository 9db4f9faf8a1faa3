package backend

import (
	"errors"
	"testing"
	"time"
)

func TestExpireOpValidate(t *testing.T) {
	for _, c := range []struct {
		op ExpireOp
		ok bool
	}{
		{ExpireOp{Mode: ExpireSet, TTL: time.Hour}, true},
		{ExpireOp{Mode: ExpireSet, TTL: time.Hour, Cond: ExpireLT}, true},
		{ExpireOp{Mode: ExpireRefresh, TTL: MaxTTL, Cond: ExpireGT}, true},
		{ExpireOp{Mode: ExpirePersist}, true},
		{ExpireOp{Mode: ExpireSet}, false},
		{ExpireOp{Mode: ExpireRefresh, TTL: -time.Second}, false},
		{ExpireOp{Mode: ExpireSet, TTL: MaxTTL + time.Millisecond}, false},
		{ExpireOp{Mode: ExpirePersist, TTL: time.Hour}, false},
		{ExpireOp{Mode: ExpirePersist, Cond: ExpireNX}, false},
		{ExpireOp{Mode: ExpireSet, TTL: time.Hour, Cond: 7}, false},
		{ExpireOp{Mode: 5, TTL: time.Hour}, false},
	} {
		err := c.op.Validate()
		if c.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", c.op, err)
		}
	}
	r := ExpireResult{Key: "k", Prev: time.Unix(1, 0), Set: time.Unix(2, 0), Version: "7"}
	if u := r.Undo(); u != (ExpiryUndo{Key: "k", Prev: r.Prev, Set: r.Set, Version: "7"}) {
		t.Errorf("Undo: %+v", u)
	}
	if BulkGone.String() != "gone" || BulkOutcome(9).String() != "unknown" {
		t.Error("BulkOutcome.String")
	}
}
