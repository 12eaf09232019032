// Package text owns text layout for posters: font families and fallback,
// shaping (HarfBuzz, via go-text/typesetting), line breaking with the
// Chinese line-start and line-end rules on top of UAX #14, ellipsis, and
// drawing glyphs (vector outlines and colour emoji bitmaps) onto RGBA
// images.
//
// A FontSet holds parsed fonts and is safe for concurrent use; Layout turns
// a Paragraph of styled spans into a Block, which can be drawn any number
// of times, from any goroutine. Glyph masks are cached per FontSet (shared
// by its clones) within a fixed memory budget.
package text
