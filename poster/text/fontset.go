package text

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-text/typesetting/font"
	"golang.org/x/sync/errgroup"

	"github.com/haibao/haibao/fonts"
)

// DefaultFamily is the family used when a span names none.
const DefaultFamily = fonts.SansFamily

// ErrUnknownFamily is returned (wrapped) by Layout for a span whose family
// is not in the set.
var ErrUnknownFamily = errors.New("unknown font family")

// face is one parsed font file (or one member of a collection) with the
// metrics layout needs, read once so layout never touches a shared
// *font.Face (which is not safe for concurrent use).
type face struct {
	font   *font.Font
	family string
	weight int
	bitmap bool // colour bitmap glyphs (CBDT/sbix) rather than outlines
	upem   float64

	// In font units, y up.
	ascent, descent  float64 // descent is positive below the baseline
	strikePos        float64 // top of the strikeout stroke above the baseline
	strikeThickness  float64
	hasStrikeMetrics bool
	xHeight          float64 // 0 when the font does not say
}

func newFace(f *font.Font, family string) *face {
	fc := font.NewFace(f)
	fa := &face{
		font:   f,
		family: family,
		weight: int(f.Describe().Aspect.Weight),
		bitmap: len(f.BitmapSizes()) > 0,
		upem:   float64(f.Upem()),
	}
	if fa.upem <= 0 {
		fa.upem = 1000
	}
	if ext, ok := fc.FontHExtents(); ok && ext.Ascender > 0 {
		fa.ascent = float64(ext.Ascender)
		fa.descent = -float64(ext.Descender)
	} else {
		fa.ascent, fa.descent = 0.88*fa.upem, 0.12*fa.upem
	}
	pos := float64(fc.LineMetric(font.StrikethroughPosition))
	th := float64(fc.LineMetric(font.StrikethroughThickness))
	if pos > 0 && th > 0 {
		fa.strikePos, fa.strikeThickness, fa.hasStrikeMetrics = pos, th, true
	}
	if xh := float64(fc.LineMetric(font.XHeight)); xh > 0 && xh < fa.upem {
		fa.xHeight = xh
		if fa.hasStrikeMetrics {
			// Browsers centre a line-through on the middle of the
			// x-height; the fonts' own strikeout position sits lower,
			// through the bottom half of ideographs.
			fa.strikePos = xh/2 + th/2
		}
	}
	return fa
}

// has reports whether the font maps every rune of a grapheme cluster,
// ignoring the invisible ones a font need not map (joiners, variation
// selectors, tags).
func (f *face) has(cluster []rune) bool {
	for _, r := range cluster {
		if ignorable(r) {
			continue
		}
		if _, ok := f.font.NominalGlyph(r); !ok {
			return false
		}
	}
	return true
}

// FontSet maps family names to faces of several weights and holds the
// fallback chain. Its methods are safe for concurrent use, except that Add
// must not race with Layout on the same set: add fonts to a Clone instead.
type FontSet struct {
	families map[string][]*face // key: normalised family name; sorted by weight
	names    map[string]string  // key: normalised name → name as registered
	aliases  map[string]string  // key: normalised alias → normalised family
	fallback []*face            // tried after the span's family and the default family
	// hidden holds the faces of fallback families that layouts cannot
	// name (key: normalised family), so that, say, "Noto Sans" stays an
	// unknown family while its faces serve Latin accents.
	hidden map[string][]*face
	def    string // normalised default family
	shared *shared
}

// shared is the per-render machinery common to a set and its clones.
type shared struct {
	cache *glyphCache
	ctxs  sync.Pool // *shapeCtx
}

// NewFontSet returns an empty set. Its default family is DefaultFamily,
// which is only usable once a font is added under that name.
func NewFontSet() *FontSet {
	return &FontSet{
		families: map[string][]*face{},
		names:    map[string]string{},
		aliases:  map[string]string{},
		hidden:   map[string][]*face{},
		def:      normFamily(DefaultFamily),
		shared:   &shared{cache: newGlyphCache(defaultCacheBytes)},
	}
}

// Default returns a new set with the embedded fonts: family "Noto Sans SC"
// (alias "sans") in weights 400 and 700, then, in the fallback chain, the
// Latin, Arabic, Hebrew, Thai and symbol families of fonts.Fallbacks and
// Noto Color Emoji. Parsing takes some tens of milliseconds, so callers
// keep the set rather than calling Default per render.
func Default() (*FontSet, error) {
	type job struct {
		family, file string
		kind         int // 0 default family, 1 hidden fallback, 2 visible fallback
		faces        []*face
	}
	jobs := []*job{{family: DefaultFamily, file: fonts.SansRegular}, {family: DefaultFamily, file: fonts.SansBold}}
	for _, fb := range fonts.Fallbacks() {
		for _, name := range fb.Files {
			jobs = append(jobs, &job{family: fb.Family, file: name, kind: 1})
		}
	}
	jobs = append(jobs, &job{family: "Noto Color Emoji", file: fonts.Emoji, kind: 2})
	// Parsing is most of a cold start's first render; the files are
	// independent, so they are parsed on all cores.
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, j := range jobs {
		g.Go(func() error {
			var err error
			j.faces, err = parseEmbedded(j.family, j.file)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s := NewFontSet()
	for _, j := range jobs {
		switch j.kind {
		case 0:
			s.add(j.family, j.faces)
		case 1:
			s.addHidden(j.family, j.faces)
		default:
			s.addFallback(j.family, j.faces)
		}
	}
	s.alias("sans", DefaultFamily)
	return s, nil
}

// Add registers a font file (TTF, OTF or a collection) under family. The
// weight of each face is read from the font (OS/2 usWeightClass); a face
// with the same family and weight as an existing one replaces it.
func (s *FontSet) Add(family string, data []byte) error {
	faces, err := parse(family, bytes.NewReader(data))
	if err != nil {
		return err
	}
	s.add(family, faces)
	return nil
}

func (s *FontSet) add(family string, faces []*face) {
	key := normFamily(family)
	list := slices.Clone(s.families[key])
	for _, f := range faces {
		list = slices.DeleteFunc(list, func(o *face) bool { return o.weight == f.weight })
		list = append(list, f)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].weight < list[j].weight })
	s.families[key] = list
	if _, ok := s.names[key]; !ok {
		s.names[key] = strings.TrimSpace(family)
	}
}

// AddFallback registers a font file under family and appends its faces to
// the fallback chain, which is tried, in order, for characters that
// neither the span's family nor the default family can show.
func (s *FontSet) AddFallback(family string, data []byte) error {
	faces, err := parse(family, bytes.NewReader(data))
	if err != nil {
		return err
	}
	s.addFallback(family, faces)
	return nil
}

func (s *FontSet) addFallback(family string, faces []*face) {
	key := normFamily(family)
	s.families[key] = append(slices.Clone(s.families[key]), faces...)
	if _, ok := s.names[key]; !ok {
		s.names[key] = strings.TrimSpace(family)
	}
	s.fallback = append(slices.Clone(s.fallback), faces...)
}

// addHidden appends faces to the fallback chain without making family a
// name layouts can use.
func (s *FontSet) addHidden(family string, faces []*face) {
	key := normFamily(family)
	s.hidden[key] = append(slices.Clone(s.hidden[key]), faces...)
	s.fallback = append(slices.Clone(s.fallback), faces...)
}

// parseEmbedded parses a font of the fonts package in place: embedded
// files support ReadAt and Seek, which saves copying megabytes.
func parseEmbedded(family, name string) ([]*face, error) {
	f, err := fonts.FS.Open(name)
	if err != nil {
		return nil, fmt.Errorf("text: embedded font %s: %w", name, err)
	}
	defer f.Close()
	r, ok := f.(font.Resource)
	if !ok {
		data, err := fonts.FS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("text: embedded font %s: %w", name, err)
		}
		r = bytes.NewReader(data)
	}
	return parse(family, r)
}

func parse(family string, r font.Resource) ([]*face, error) {
	if strings.TrimSpace(family) == "" {
		return nil, errors.New("text: empty font family name")
	}
	fcs, err := font.ParseTTC(r)
	if err != nil {
		return nil, fmt.Errorf("text: parsing font for family %q: %w", family, err)
	}
	out := make([]*face, 0, len(fcs))
	for _, fc := range fcs {
		out = append(out, newFace(fc.Font, strings.TrimSpace(family)))
	}
	return out, nil
}

// alias makes name another name for family.
func (s *FontSet) alias(name, family string) {
	s.aliases[normFamily(name)] = normFamily(family)
}

// Clone returns a copy sharing the parsed fonts and the glyph cache, so a
// layout can add its own fonts without changing s.
func (s *FontSet) Clone() *FontSet {
	return &FontSet{
		families: maps(s.families),
		names:    maps(s.names),
		aliases:  maps(s.aliases),
		hidden:   maps(s.hidden),
		fallback: s.fallback,
		def:      s.def,
		shared:   s.shared,
	}
}

func maps[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Has reports whether family (case-insensitive; "" means the default) has
// at least one face.
func (s *FontSet) Has(family string) bool {
	return len(s.lookup(family)) > 0
}

// Families returns the registered family names (aliases excluded), sorted.
func (s *FontSet) Families() []string {
	out := make([]string, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *FontSet) lookup(family string) []*face {
	key := normFamily(family)
	if key == "" {
		key = s.def
	}
	if f, ok := s.families[key]; ok {
		return f
	}
	return s.families[s.aliases[key]]
}

func normFamily(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// nearest picks the face closest in weight; on a tie the heavier one for
// bold requests and the lighter one otherwise, as CSS does.
func nearest(faces []*face, weight int) *face {
	if len(faces) == 0 {
		return nil
	}
	if weight <= 0 {
		weight = 400
	}
	best := faces[0]
	bestD := abs(best.weight - weight)
	for _, f := range faces[1:] {
		d := abs(f.weight - weight)
		if d < bestD || d == bestD && weight > 500 && f.weight > best.weight {
			best, bestD = f, d
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// chain returns the faces to try, in order, for a span.
func (s *FontSet) chain(family string, weight int) ([]*face, error) {
	faces := s.lookup(family)
	if len(faces) == 0 {
		return nil, fmt.Errorf("text: %w %q", ErrUnknownFamily, family)
	}
	out := make([]*face, 0, 2+len(s.fallback))
	out = append(out, nearest(faces, weight))
	if d := nearest(s.families[s.def], weight); d != nil && d != out[0] {
		out = append(out, d)
	}
	// Each fallback family contributes its face nearest the span's weight.
	for _, f := range s.fallback {
		key := normFamily(f.family)
		same := s.hidden[key]
		if len(same) == 0 {
			same = s.families[key]
		}
		if n := nearest(same, weight); n != nil && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}
