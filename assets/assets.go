// Package assets holds the images every haibao binary carries: sample
// photos, a default avatar and decorations that layouts name as asset:NAME.
package assets

import "embed"

// FS holds the asset files at its root.
//
//go:embed *.jpg *.png
var FS embed.FS
