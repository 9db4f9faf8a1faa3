package model

import (
	"image/color"
	"regexp"
	"strings"

	"charm.land/lipgloss/v2"
)

// labelColors are the colour names a saved connection's label may use,
// besides #rrggbb.
var labelColors = map[string]string{
	"red": "#ff5f5f", "green": "#5fd75f", "yellow": "#ffd75f", "blue": "#5f87ff",
	"magenta": "#d75fd7", "cyan": "#5fd7d7", "orange": "#ff8700", "gray": "#8a8a8a",
	"grey": "#8a8a8a", "white": "#eeeeee",
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// labelColor is a connection's label colour, or nil for none or one that
// is not valid (the config file's check names those).
func labelColor(name string) color.Color {
	name = strings.ToLower(strings.TrimSpace(name))
	if hex, ok := labelColors[name]; ok {
		name = hex
	}
	if !hexColor.MatchString(name) {
		return nil
	}
	return lipgloss.Color(name)
}
