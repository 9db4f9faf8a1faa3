package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kvdeck/kvdeck/internal/tmuxtest"
)

// The daily workflows on the demo store, on the real binary: find a key by
// filter and by tree, read it, change its TTL, delete it and undo.
func TestDemoFindFixExpireDeleteUndo(t *testing.T) {
	s := tmuxtest.Start(t, 150, 40, env(t), binary, "--demo", "--bucket", "events")
	s.WaitFor("100000 keys", 20*time.Second)

	// Filter to one key among 100,000.
	s.Send("/")
	s.Type("order:004217")
	s.WaitFor(`1 of 100000 keys match "order:004217"`, 10*time.Second)
	s.Send("Enter")
	s.Send("Enter") // open the value
	s.WaitFor(`"order": 4217`, 5*time.Second)

	// Give it a TTL, then take it away again.
	s.Send("t")
	s.WaitFor("Set TTL of tenant-17:order:004217", 5*time.Second)
	s.Type("15m")
	s.Send("Enter")
	s.WaitFor("TTL of tenant-17:order:004217 set to 15m", 5*time.Second)
	s.WaitForFunc(func(sc string) bool { return strings.Contains(sc, "14m") }, 5*time.Second, "the TTL counting down from 15m")

	// Delete it and undo.
	s.Send("d")
	s.WaitFor("Delete tenant-17:order:004217 from bucket events?", 5*time.Second)
	s.Send("y")
	s.WaitFor("deleted tenant-17:order:004217", 5*time.Second)
	s.WaitFor("0 of 99999 keys", 5*time.Second)
	s.Send("u")
	s.WaitFor("undid delete of tenant-17:order:004217", 5*time.Second)
	s.WaitFor("1 of 100000 keys", 5*time.Second)
	s.Send("Escape")                   // value pane back to keys
	time.Sleep(300 * time.Millisecond) // two quick escapes read as alt+esc
	s.Send("Escape")                   // clear the filter
	s.WaitForFunc(func(sc string) bool { return strings.Contains(sc, "100000 keys") && !strings.Contains(sc, "match") }, 5*time.Second, "the whole list back")

	// The tree: folders by tenant with counts.
	s.Send("T")
	s.WaitFor("▸ tenant-00:", 5*time.Second)
	s.WaitFor("2500", 5*time.Second)
	s.Send("q")
	s.WaitExit(5 * time.Second)
}
