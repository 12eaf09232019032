package poster

import (
	"context"
	"errors"
	"image"
	"io/fs"
)

// Config sets up an Engine. The zero value is usable: embedded fonts and
// assets, no remote images, QR codes in place of WeChat codes.
type Config struct {
	Images    ImageLoader // remote http(s) images; nil refuses them
	Codes     CodeSource  // nil draws standard QR codes
	MaxPixels int         // canvas size limit at render scale; 0 means 40 MP
}

// Engine renders layouts. It holds the parsed fonts and decoded assets,
// shared by every render; it is safe for concurrent use.
type Engine struct {
	cfg Config
}

// NewEngine parses the embedded fonts and prepares the engine.
func NewEngine(cfg Config) (*Engine, error) {
	return &Engine{cfg: cfg}, nil
}

// RenderOptions tune one render.
type RenderOptions struct {
	Scale float64 // pixel ratio; 0 uses the layout's own scale
}

// Box is where the renderer put one element, in layout units (before
// scaling), so tools can outline it.
type Box struct {
	ID   string  `json:"id"`
	Type string  `json:"type"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
}

// Result is a rendered poster.
type Result struct {
	Image *image.RGBA
	Scale float64
	Boxes []Box
}

// Field is one data field a layout reads.
type Field struct {
	Name     string   `json:"name"`
	Required bool     `json:"required"`
	Default  string   `json:"default,omitempty"`
	Elements []string `json:"elements"`
}

// Layout is a parsed and validated layout file.
type Layout struct {
	Name   string         // file name without its .yaml extension
	File   string         // path inside the folder it was loaded from
	Width  float64        // canvas width in layout units
	Height float64        // canvas height; 0 when it grows to fit the content
	Scale  float64        // default pixel ratio
	Sample map[string]any // the layout's own sample data
	Fields []Field        // data fields the layout reads, sorted by name
}

var errNotImplemented = errors.New("not implemented")

// LoadLayout parses and validates one layout file of fsys. Problems come back
// as a *ValidationError.
func (e *Engine) LoadLayout(fsys fs.FS, path string) (*Layout, error) {
	return nil, errNotImplemented
}

// LoadDir loads every *.yaml layout at the top of fsys. It returns the valid
// layouts and, when any file is invalid, a *ValidationError for the rest.
func (e *Engine) LoadDir(fsys fs.FS) ([]*Layout, error) {
	return nil, errNotImplemented
}

// Render draws l with data at the requested scale.
func (e *Engine) Render(ctx context.Context, l *Layout, data map[string]any, opt RenderOptions) (*Result, error) {
	return nil, errNotImplemented
}
