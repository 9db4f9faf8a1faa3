package model_test

import (
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kvdeck/kvdeck/model"
)

// f cycles a msgpack value through the formats found for it when it
// loaded (msgpack, text, hex) and back, the format line saying which.
func TestFormatCycleOfAMsgpackValue(t *testing.T) {
	mp, err := msgpack.Marshal(map[string]any{"plan": "enterprise"})
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, map[string]map[string]string{"b": {"session:1": string(mp)}}, nil)
	app := newApp(t, s, model.Options{Bucket: "b"})
	mustSee(t, app, "1 keys")
	app.Keys("enter")
	mustSee(t, app, "msgpack (map) → json")
	mustSee(t, app, `"plan": "enterprise"`)
	app.Keys("f")
	mustSee(t, app, "format: text")
	app.Keys("f")
	mustSee(t, app, "format: hex")
	mustSee(t, app, "00000000")
	app.Keys("f")
	mustSee(t, app, "format: msgpack")
	mustSee(t, app, `"plan": "enterprise"`)
}
