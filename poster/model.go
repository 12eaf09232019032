package poster

import (
	"image/color"
	"io/fs"
)

// Kind is the type of a layout element.
type Kind int

const (
	KindText Kind = iota
	KindImage
	KindRect
	KindLine
	KindCode
)

var kindNames = []string{"text", "image", "rect", "line", "code"}

func (k Kind) String() string { return kindNames[k] }

// anchor says how an element's x or y is found.
type anchor int

const (
	anchorAbs    anchor = iota // a number
	anchorCenter               // centred on the canvas
	anchorAfter                // below / right_of another element
	anchorBefore               // above / left_of another element
	anchorAlign                // same start as another element
)

type coord struct {
	how    anchor
	value  float64 // absolute position, or gap/offset for relative anchors
	ref    string  // element id for relative anchors
	line   int     // position of the reference, for errors
	col    int
	isSet  bool
	isVert bool
}

type textAlign int

const (
	alignLeft textAlign = iota
	alignCenter
	alignRight
)

type fitMode int

const (
	fitCover fitMode = iota
	fitContain
	fitFill
)

// colorVal is a colour that is either fixed at load time or templated.
type colorVal struct {
	set bool
	c   color.NRGBA
	t   *tmpl // non-nil when the colour comes from the data
}

type gradient struct {
	angle float64 // degrees, CSS convention: 180 runs top to bottom
	stops []gradStop
}

type gradStop struct {
	at float64 // 0..1
	c  colorVal
}

// paint is a fill: a colour or a linear gradient.
type paint struct {
	color    colorVal
	gradient *gradient
}

func (p paint) isSet() bool { return p.color.set || p.gradient != nil }

type stroke struct {
	width float64
	color colorVal
}

// style is the text style of a span; a text element's own style is the
// default of its spans.
type style struct {
	family        string
	weight        int
	size          float64
	color         colorVal
	letterSpacing float64
	strike        bool
}

type spanSpec struct {
	style
	text tmpl
	cond string
}

type textSpec struct {
	spans      []spanSpec
	align      textAlign
	maxLines   int
	lineHeight float64
	ellipsis   string
	minSize    float64 // shrink-to-fit floor; 0 disables shrinking
	whitespace whitespaceMode
}

// whitespaceMode says what happens to white space in values from the data.
type whitespaceMode int

const (
	// wsNormal trims values at both ends and, in one-line texts, folds
	// runs of spaces and line breaks into one space: data copied from a
	// form or a profile often carries stray spaces and newlines.
	wsNormal   whitespaceMode = iota
	wsPreserve                // values as given
)

type imageSpec struct {
	src    tmpl
	fit    fitMode
	radius float64
	circle bool
	border stroke
}

type rectSpec struct {
	fill   paint
	stroke stroke
	radius float64
}

type lineSpec struct {
	color     colorVal
	thickness float64
	dash      []float64
}

type codeSpec struct {
	page, scene, path tmpl
	lineColor         colorVal
	transparent       bool
	background        colorVal
	envVersion        string
}

type element struct {
	id      string
	kind    Kind
	line    int
	col     int
	x, y    coord
	w, h    float64 // 0 = from content (text) where allowed
	opacity float64
	cond    string // data field that must be present for the element to show

	text  *textSpec
	image *imageSpec
	rect  *rectSpec
	line_ *lineSpec
	code  *codeSpec
}

type background struct {
	fill  paint
	image *imageSpec
}

// model is what a layout file says, after validation.
type model struct {
	width, height float64
	autoHeight    bool
	padding       float64
	flatten       color.NRGBA // what JPEG output puts under transparent areas
	scale         float64
	bg            background
	elements      []*element
	order         []int             // placement order (references before dependents)
	fontFiles     map[string]string // family → file path inside fsys
	fsys          fs.FS             // folder the layout was loaded from, for relative files
	dir           string            // directory of the layout inside fsys
}
