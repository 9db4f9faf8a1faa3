package model

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/kvdeck/kvdeck/config"
)

// labelColor is a connection's label colour, or nil for none or one that
// is not valid (the config file's check names those).
func labelColor(name string) color.Color {
	hex, ok := config.LabelColor(name)
	if !ok {
		return nil
	}
	return lipgloss.Color(hex)
}
