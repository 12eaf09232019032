package poster

import (
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"slices"
	"sort"
	"sync"

	"github.com/haibao/haibao/assets"
	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster/text"
)

// Config sets up an Engine. The zero value is usable: embedded fonts and
// assets, no remote images, QR codes in place of WeChat codes.
type Config struct {
	Images    ImageSource // remote http(s) images; nil refuses them
	Codes     CodeSource  // nil draws standard QR codes
	MaxPixels int         // canvas size limit at render scale; 0 means MaxCanvasPixels
	// Apps are the names of the mini programs Codes can make codes for; a
	// layout naming another is refused when it loads. nil accepts any name.
	Apps []string
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.MaxPixels < 0 || c.MaxPixels > MaxCanvasPixels {
		return fmt.Errorf("poster: MaxPixels must be from 0 to %d", MaxCanvasPixels)
	}
	return nil
}

// Engine renders layouts. It holds the parsed fonts and decoded assets,
// shared by every render; it is safe for concurrent use.
type Engine struct {
	cfg        Config
	fonts      *text.FontSet
	codes      CodeSource
	assetNames []string

	assetMu sync.Mutex
	assets  map[string]image.Image

	canvases sync.Pool // *image.RGBA backing buffers, reused across renders
	fitted   *cache.Cache[fitKey, fitted]
	layers   *cache.Cache[layerKey, layer]
	version  string // changes whenever drawing may: see engineVersion
}

// NewEngine parses the embedded fonts and prepares the engine.
func NewEngine(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxPixels == 0 {
		cfg.MaxPixels = MaxCanvasPixels
	}
	fonts, err := text.Default()
	if err != nil {
		return nil, fmt.Errorf("poster: load embedded fonts: %w", err)
	}
	e := &Engine{cfg: cfg, fonts: fonts, codes: cfg.Codes, assets: map[string]image.Image{},
		fitted:  cache.New[fitKey, fitted](fittedCacheBytes, fittedBytes, cache.Options{}),
		layers:  cache.New[layerKey, layer](layerCacheBytes, layerBytes, cache.Options{}),
		version: engineVersion()}
	if e.codes == nil {
		e.codes = newQRSource()
	}
	ents, err := fs.ReadDir(assets.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("poster: list embedded assets: %w", err)
	}
	for _, ent := range ents {
		e.assetNames = append(e.assetNames, ent.Name())
	}
	sort.Strings(e.assetNames)
	return e, nil
}

// Assets lists the names of the embedded assets (use them as asset:NAME).
func (e *Engine) Assets() []string { return append([]string(nil), e.assetNames...) }

// Fonts lists the font families every layout can use.
func (e *Engine) Fonts() []string { return e.fonts.Families() }

// RenderOptions tune one render.
type RenderOptions struct {
	Scale float64 // pixel ratio; 0 uses the layout's own scale
	// App is the mini program the request asks codes of, for a layout that
	// names none; "" is the default app. Naming another app than the
	// layout's is ErrAppMismatch.
	App string
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
	Image  *image.RGBA
	Scale  float64
	Width  float64 // canvas size in layout units
	Height float64
	Boxes  []Box
	// Flatten is the opaque colour a format without transparency (JPEG)
	// puts under the canvas: the layout's canvas flatten, else white.
	Flatten color.NRGBA

	release func()
	// opaqueBase says the background left no pixel translucent, so lint
	// need not scan the canvas for transparency.
	opaqueBase bool
}

// Release hands the image buffer back for reuse by later renders. The
// Result must not be used afterwards. Calling it is optional.
func (r *Result) Release() {
	if r.release != nil {
		r.release()
		r.release = nil
		r.Image = nil
	}
}

// Field is one data field a layout reads.
type Field struct {
	Name        string    `json:"name"`
	Type        FieldType `json:"type"`
	Required    bool      `json:"required"`
	Default     string    `json:"default,omitempty"`
	MaxChars    int       `json:"max_chars,omitempty"`
	Example     any       `json:"example,omitempty"`
	Description string    `json:"description,omitempty"`
	Declared    bool      `json:"declared"` // named in the layout's fields:
	Elements    []string  `json:"elements"`
}

// Layout is a parsed and validated layout file. It is immutable and safe to
// render from many goroutines.
type Layout struct {
	Name        string         // file name without its .yaml extension
	File        string         // path inside the folder it was loaded from
	Title       string         // optional display name ("name:" in the file)
	Description string         // optional words for people choosing a layout
	Width       float64        // canvas width in layout units
	Height      float64        // canvas height; 0 when it grows to fit the content
	Scale       float64        // default pixel ratio
	Sample      map[string]any // the layout's own sample data
	Fields      []Field        // data fields the layout reads, sorted by name
	StrictCodes bool           // a code that lint finds unscannable fails the render
	App         string         // mini program of its codes ("app:" in the file); "" is the request's or the default
	Digest      string         // hash of the file's bytes: changes whenever the file does

	m       *model
	res     *resources
	version string
}

// Version names the layout's design: a digest of its file and of every file
// it references (fonts, images), so it changes whenever any of them does.
func (l *Layout) Version() string { return l.version }

// Files are the paths, inside the folder the layout was loaded from, of
// the files it references (fonts and images), in a stable order: with the
// layout file itself they are everything a copy of this version needs.
func (l *Layout) Files() []string {
	out := slices.Clone(l.res.files)
	slices.Sort(out)
	return slices.Compact(out)
}

// Position returns the line and column where the element with id starts in
// the layout file (1, 1 when there is no such element).
func (l *Layout) Position(id string) (line, col int) {
	for _, e := range l.m.elements {
		if e.id == id {
			return e.line, e.col
		}
	}
	return 1, 1
}
