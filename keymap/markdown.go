package keymap

import (
	"fmt"
	"strings"
)

// Markdown renders the bindings as the README's key table, so the README
// is generated from the same source as the help overlay.
func (k KeyMap) Markdown() string {
	var b strings.Builder
	for _, g := range k.Groups() {
		fmt.Fprintf(&b, "\n**%s**\n\n| key | action |\n|---|---|\n", g.Title)
		for _, bnd := range g.Bindings {
			h := bnd.Help()
			fmt.Fprintf(&b, "| `%s` | %s |\n", h.Key, h.Desc)
		}
	}
	return b.String()
}
