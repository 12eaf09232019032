package poster

import (
	"image/color"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/haibao/haibao/poster/text"
)

var (
	layoutKeys     = []string{"name", "description", "app", "canvas", "fonts", "fields", "sample", "strict_codes", "elements"}
	canvasKeys     = []string{"width", "height", "padding", "scale", "background", "flatten"}
	backgroundKeys = []string{"color", "gradient", "image", "fit"}
	gradientKeys   = []string{"angle", "stops"}
	stopKeys       = []string{"color", "at"}
	strokeKeys     = []string{"width", "color"}
	commonKeys     = []string{"id", "type", "x", "y", "width", "height", "opacity", "if"}
	styleKeys      = []string{"font", "size", "weight", "color", "letter_spacing", "strike"}
	kindKeys       = map[Kind][]string{
		KindText:  append(append([]string{"text", "spans", "line_height", "align", "max_lines", "ellipsis", "min_size", "whitespace", "punctuation"}, styleKeys...), commonKeys...),
		KindImage: append([]string{"src", "fit", "radius", "circle", "border"}, commonKeys...),
		KindRect:  append([]string{"fill", "gradient", "stroke", "radius"}, commonKeys...),
		KindLine:  append([]string{"color", "thickness", "dash"}, commonKeys...),
		KindCode:  append([]string{"page", "scene", "path", "size", "line_color", "transparent", "background", "env_version"}, without(commonKeys, "width", "height")...),
	}
	spanKeys = append([]string{"text", "if"}, styleKeys...)
	xKeys    = []string{"right_of", "left_of", "align", "gap", "offset"}
	yKeys    = []string{"below", "above", "align", "gap", "offset"}
)

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		if !contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

// parsed is the result of decoding one file, before references to fonts,
// assets and files are checked against what exists.
type parsed struct {
	m           *model
	title       string
	description string
	sample      map[string]any
	decls       []fieldDecl
	strictCodes bool
	app         string
	appNode     *yaml.Node            // for the error when the app is not configured
	fontNodes   map[string]*yaml.Node // family → node of its file path, for errors
	srcNodes    []srcRef
	familyUses  []familyRef
}

type srcRef struct {
	src  tmpl
	node *yaml.Node
}

type familyRef struct {
	family string
	node   *yaml.Node
}

func (d *decoder) layout(root *yaml.Node) *parsed {
	p := &parsed{m: &model{scale: 1, fontFiles: map[string]string{}}, fontNodes: map[string]*yaml.Node{}}
	doc := root
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			d.errAt(doc, "the layout is empty")
			return p
		}
		doc = doc.Content[0]
	}
	f, ok := d.fields(doc, "the layout", layoutKeys)
	if !ok {
		return p
	}
	if n := f["name"]; n != nil {
		p.title, _ = d.str(n, "name")
	}
	if n := f["description"]; n != nil {
		p.description, _ = d.str(n, "description")
	}
	if n := f["app"]; n != nil {
		d.app(n, p)
	}
	if n := f["canvas"]; n != nil {
		d.canvas(n, p)
	} else {
		d.errAt(doc, "the layout needs a canvas (at least its width)")
	}
	if n := f["fonts"]; n != nil {
		if n.Kind != yaml.MappingNode {
			d.errAt(n, "fonts must be a mapping of family name to font file, got %s", describe(n))
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if prev, dup := p.fontNodes[k.Value]; dup {
					d.errAt(k, "font family %q is registered twice (first at line %d)", k.Value, prev.Line)
					continue
				}
				path, ok := d.str(v, "font file of "+strconv.Quote(k.Value))
				if !ok {
					continue
				}
				p.m.fontFiles[k.Value] = path
				p.fontNodes[k.Value] = v
			}
		}
	}
	if n := f["fields"]; n != nil {
		d.declFields(n, p)
	}
	if n := f["strict_codes"]; n != nil {
		p.strictCodes, _ = d.boolean(n, "strict_codes")
	}
	if n := f["sample"]; n != nil {
		if n.Kind != yaml.MappingNode {
			d.errAt(n, "sample must be a mapping of data fields, got %s", describe(n))
		} else {
			var v map[string]any
			if err := n.Decode(&v); err != nil {
				d.errAt(n, "sample: %v", err)
			}
			p.sample = normalizeData(v).(map[string]any)
		}
	}
	if n := f["elements"]; n != nil {
		d.elements(n, p)
	} else {
		d.errAt(doc, "the layout needs elements (a list of text, image, rect, line and code)")
	}
	return p
}

// normalizeData turns YAML-decoded values into the shapes JSON decoding
// gives, so sample data and request data behave the same.
func normalizeData(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalizeData(x)
		}
		return out
	case []any:
		for i := range v {
			v[i] = normalizeData(v[i])
		}
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	case nil:
		return nil
	}
	return v
}

func (d *decoder) canvas(n *yaml.Node, p *parsed) {
	f, ok := d.fields(n, "canvas", canvasKeys)
	if !ok {
		return
	}
	m := p.m
	if v := f["width"]; v != nil {
		m.width, _ = d.number(v, "canvas width", 1, MaxCanvasSide)
	} else {
		d.errAt(n, "canvas needs a width")
	}
	if v := f["height"]; v != nil {
		if v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value == "auto" {
			m.autoHeight = true
		} else if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
			d.errAt(v, "canvas height must be a number or auto, got %s", describe(v))
		} else {
			m.height, _ = d.number(v, "canvas height", 1, MaxCanvasSide)
		}
	} else {
		d.errAt(n, "canvas needs a height (a number, or auto to grow with the content)")
	}
	if v := f["padding"]; v != nil {
		m.padding, _ = d.number(v, "canvas padding", 0, MaxCanvasSide)
	}
	if v := f["scale"]; v != nil {
		m.scale, _ = d.number(v, "canvas scale", MinLayoutScale, MaxScale)
	}
	if v := f["background"]; v != nil {
		d.background(v, p)
	}
	m.flatten = color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	if v := f["flatten"]; v != nil {
		if c, ok := d.color(v, "canvas flatten"); ok {
			switch {
			case c.t != nil:
				d.errAt(v, "canvas flatten must be a colour written out, not taken from the data")
			case c.c.A != 255:
				d.errAt(v, "canvas flatten must be an opaque colour: JPEG has no transparency")
			default:
				m.flatten = c.c
			}
		}
	}
}

func (d *decoder) background(n *yaml.Node, p *parsed) {
	if n.Kind == yaml.ScalarNode {
		p.m.bg.fill.color, _ = d.color(n, "background")
		return
	}
	f, ok := d.fields(n, "background", backgroundKeys)
	if !ok {
		return
	}
	if v := f["color"]; v != nil {
		p.m.bg.fill.color, _ = d.color(v, "background color")
	}
	if v := f["gradient"]; v != nil {
		p.m.bg.fill.gradient = d.gradient(v)
	}
	if v := f["image"]; v != nil {
		src, ok := d.template(v, "background image")
		if ok {
			p.m.bg.image = &imageSpec{src: src}
			p.srcNodes = append(p.srcNodes, srcRef{src, v})
		}
	}
	if v := f["fit"]; v != nil {
		fit, _ := d.enum(v, "background fit", fitNames)
		if p.m.bg.image == nil {
			d.errAt(v, "background fit needs a background image")
		} else {
			p.m.bg.image.fit = fitMode(fit)
		}
	}
}

var fitNames = []string{"cover", "contain", "fill"}

func (d *decoder) gradient(n *yaml.Node) *gradient {
	f, ok := d.fields(n, "gradient", gradientKeys)
	if !ok {
		return nil
	}
	g := &gradient{angle: 180}
	if v := f["angle"]; v != nil {
		g.angle, _ = d.number(v, "gradient angle", -360, 360)
	}
	v := f["stops"]
	if v == nil {
		d.errAt(n, "gradient needs stops (a list of at least two colours)")
		return nil
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) < 2 {
		d.errAt(v, "gradient stops must be a list of at least two colours, got %s", describe(v))
		return nil
	}
	for i, s := range v.Content {
		st := gradStop{at: float64(i) / float64(len(v.Content)-1)}
		if s.Kind == yaml.MappingNode {
			sf, ok := d.fields(s, "gradient stop", stopKeys)
			if !ok {
				continue
			}
			if c := sf["color"]; c != nil {
				st.c, _ = d.color(c, "gradient stop color")
			} else {
				d.errAt(s, "gradient stop needs a color")
			}
			if a := sf["at"]; a != nil {
				st.at, _ = d.number(a, "gradient stop position (at)", 0, 1)
			}
		} else {
			st.c, _ = d.color(s, "gradient stop")
		}
		g.stops = append(g.stops, st)
	}
	return g
}

func (d *decoder) stroke(n *yaml.Node, what string) stroke {
	f, ok := d.fields(n, what, strokeKeys)
	if !ok {
		return stroke{}
	}
	s := stroke{width: 1}
	if v := f["width"]; v != nil {
		s.width, _ = d.number(v, what+" width", 0, 200)
	}
	if v := f["color"]; v != nil {
		s.color, _ = d.color(v, what+" color")
	} else {
		d.errAt(n, "%s needs a color", what)
	}
	return s
}

func (d *decoder) elements(n *yaml.Node, p *parsed) {
	if n.Kind != yaml.SequenceNode {
		d.errAt(n, "elements must be a list, got %s", describe(n))
		return
	}
	if len(n.Content) > MaxElements {
		d.errAt(n, "a layout may have at most %d elements, this one has %d", MaxElements, len(n.Content))
		return
	}
	for i, en := range n.Content {
		if e := d.element(en, i, p); e != nil {
			p.m.elements = append(p.m.elements, e)
		}
	}
}

func (d *decoder) element(n *yaml.Node, index int, p *parsed) *element {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, "element %d must be a mapping with a type, got %s", index+1, describe(n))
		return nil
	}
	var typeNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			typeNode = n.Content[i+1]
		}
	}
	if typeNode == nil {
		d.errAt(n, "element %d needs a type (one of %s)", index+1, strings.Join(kindNames, ", "))
		return nil
	}
	k, ok := d.enum(typeNode, "element type", kindNames)
	if !ok {
		return nil
	}
	e := &element{kind: Kind(k), line: n.Line, col: n.Column, opacity: 1}
	what := "a " + e.kind.String() + " element"
	f, ok := d.fields(n, what, kindKeys[e.kind])
	if !ok {
		return nil
	}
	e.id = kindNames[k] + "-" + strconv.Itoa(index+1)
	if v := f["id"]; v != nil {
		if id, ok := d.str(v, "id"); ok {
			if !validFieldPath(id) || strings.Contains(id, ".") {
				d.errAt(v, "id %q must be letters, digits, _ and - only", id)
			}
			e.id = id
		}
	}
	what = e.kind.String() + " " + strconv.Quote(e.id)
	if v := f["x"]; v != nil {
		e.x = d.coord(v, what+" x", false)
	}
	if v := f["y"]; v != nil {
		e.y = d.coord(v, what+" y", true)
	}
	if v := f["width"]; v != nil {
		e.w, _ = d.number(v, what+" width", 0, MaxCanvasSide)
	}
	if v := f["height"]; v != nil {
		e.h, _ = d.number(v, what+" height", 0, MaxCanvasSide)
	}
	if v := f["opacity"]; v != nil {
		e.opacity, _ = d.number(v, what+" opacity", 0, 1)
	}
	if v := f["if"]; v != nil {
		if s, ok := d.str(v, what+" if"); ok {
			if !validFieldPath(s) {
				d.errAt(v, "%s if: %q is not a data field name", what, s)
			}
			e.cond = s
		}
	}
	switch e.kind {
	case KindText:
		e.text = d.textSpec(n, f, what, p)
		if e.text != nil && e.text.maxLines > 0 && e.w == 0 {
			d.errAt(n, "%s has max_lines but no width to wrap at", what)
		}
	case KindImage:
		e.image = d.imageSpec(n, f, what, p)
		d.needSize(n, e, what)
	case KindRect:
		e.rect = d.rectSpec(n, f, what)
		d.needSize(n, e, what)
	case KindLine:
		e.line_ = d.lineSpec(f, what)
		if e.w == 0 && e.h == 0 {
			d.errAt(n, "%s needs a width (horizontal), a height (vertical) or both", what)
		}
	case KindCode:
		e.code = d.codeSpec(n, f, what)
		e.w = 280
		if v := f["size"]; v != nil {
			e.w, _ = d.number(v, what+" size", 50, MaxCanvasSide)
		}
		e.h = e.w
	}
	return e
}

func (d *decoder) needSize(n *yaml.Node, e *element, what string) {
	if e.w == 0 || e.h == 0 {
		d.errAt(n, "%s needs a width and a height", what)
	}
}

func (d *decoder) coord(n *yaml.Node, what string, vertical bool) coord {
	c := coord{isSet: true, isVert: vertical, line: n.Line, col: n.Column}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if n.Value == "center" {
			c.how = anchorCenter
			return c
		}
		d.errAt(n, "%s must be a number, center, or a mapping like {%s: other_id, gap: 16}, got %s", what, map[bool]string{false: "right_of", true: "below"}[vertical], describe(n))
		return c
	}
	if n.Kind == yaml.ScalarNode {
		c.value, _ = d.number(n, what, -MaxCanvasSide, MaxCanvasSide)
		return c
	}
	keys := xKeys
	after, before := "right_of", "left_of"
	if vertical {
		keys, after, before = yKeys, "below", "above"
	}
	f, ok := d.fields(n, what, keys)
	if !ok {
		return c
	}
	refs := 0
	for _, k := range []string{after, before, "align"} {
		v := f[k]
		if v == nil {
			continue
		}
		refs++
		id, _ := d.str(v, what+" "+k)
		c.ref, c.line, c.col = id, v.Line, v.Column
		switch k {
		case after:
			c.how = anchorAfter
		case before:
			c.how = anchorBefore
		default:
			c.how = anchorAlign
		}
	}
	if refs != 1 {
		d.errAt(n, "%s needs exactly one of %s, %s or align", what, after, before)
	}
	if v := f["gap"]; v != nil {
		c.value, _ = d.number(v, what+" gap", -MaxCanvasSide, MaxCanvasSide)
	}
	if v := f["offset"]; v != nil {
		if f["gap"] != nil {
			d.errAt(v, "%s takes gap or offset, not both", what)
		}
		c.value, _ = d.number(v, what+" offset", -MaxCanvasSide, MaxCanvasSide)
	}
	return c
}

func (d *decoder) style(f map[string]*yaml.Node, what string, base style, p *parsed) style {
	s := base
	if v := f["font"]; v != nil {
		if fam, ok := d.str(v, what+" font"); ok {
			s.family = fam
			p.familyUses = append(p.familyUses, familyRef{fam, v})
		}
	}
	if v := f["size"]; v != nil {
		s.size, _ = d.number(v, what+" size", 1, MaxFontSize)
	}
	if v := f["weight"]; v != nil {
		s.weight, _ = d.weight(v, what+" weight")
	}
	if v := f["color"]; v != nil {
		s.color, _ = d.color(v, what+" color")
	}
	if v := f["letter_spacing"]; v != nil {
		s.letterSpacing, _ = d.number(v, what+" letter_spacing", -MaxLetterSpacing, MaxLetterSpacing)
	}
	if v := f["strike"]; v != nil {
		s.strike, _ = d.boolean(v, what+" strike")
	}
	return s
}

func (d *decoder) textSpec(n *yaml.Node, f map[string]*yaml.Node, what string, p *parsed) *textSpec {
	t := &textSpec{}
	base := d.style(f, what, style{weight: 400, size: 28, color: colorVal{set: true, c: black}}, p)
	tv, sv := f["text"], f["spans"]
	switch {
	case tv != nil && sv != nil:
		d.errAt(sv, "%s takes text or spans, not both", what)
	case tv != nil:
		if tt, ok := d.template(tv, what+" text"); ok {
			t.spans = append(t.spans, spanFrom(tt, base, ""))
		}
	case sv != nil:
		if sv.Kind != yaml.SequenceNode || len(sv.Content) == 0 {
			d.errAt(sv, "%s spans must be a list of {text: …} mappings, got %s", what, describe(sv))
			break
		}
		for i, s := range sv.Content {
			sw := what + " span " + strconv.Itoa(i+1)
			if s.Kind == yaml.ScalarNode {
				if tt, ok := d.template(s, sw); ok {
					t.spans = append(t.spans, spanFrom(tt, base, ""))
				}
				continue
			}
			sf, ok := d.fields(s, sw, spanKeys)
			if !ok {
				continue
			}
			st := d.style(sf, sw, base, p)
			var cond string
			if v := sf["if"]; v != nil {
				if cond, _ = d.str(v, sw+" if"); cond != "" && !validFieldPath(cond) {
					d.errAt(v, "%s if: %q is not a data field name", sw, cond)
				}
			}
			v := sf["text"]
			if v == nil {
				d.errAt(s, "%s needs text", sw)
				continue
			}
			if tt, ok := d.template(v, sw+" text"); ok {
				t.spans = append(t.spans, spanFrom(tt, st, cond))
			}
		}
	default:
		d.errAt(n, "%s needs text (or spans for several styles)", what)
	}
	if v := f["line_height"]; v != nil {
		t.lineHeight, _ = d.number(v, what+" line_height", 0.5, 5)
	}
	if v := f["align"]; v != nil {
		a, _ := d.enum(v, what+" align", []string{"left", "center", "right"})
		t.align = textAlign(a)
	}
	if v := f["max_lines"]; v != nil {
		t.maxLines, _ = d.integer(v, what+" max_lines", 1, 1000)
	}
	if v := f["ellipsis"]; v != nil {
		t.ellipsis, _ = d.str(v, what+" ellipsis")
	}
	if v := f["punctuation"]; v != nil {
		p, _ := d.enum(v, what+" punctuation", []string{"compress", "none"})
		t.punctuation = text.Punctuation(p)
	}
	if v := f["whitespace"]; v != nil {
		w, _ := d.enum(v, what+" whitespace", []string{"normal", "preserve"})
		t.whitespace = whitespaceMode(w)
	}
	if v := f["min_size"]; v != nil {
		t.minSize, _ = d.number(v, what+" min_size", 1, MaxFontSize)
		largest := 0.0
		for _, s := range t.spans {
			largest = max(largest, s.size)
		}
		if len(t.spans) > 0 && t.minSize > largest {
			d.errAt(v, "%s min_size (%s) is larger than its size (%s)", what, fmtNum(t.minSize), fmtNum(largest))
		}
	}
	return t
}

func spanFrom(t tmpl, s style, cond string) spanSpec {
	return spanSpec{style: s, text: t, cond: cond}
}

func (d *decoder) imageSpec(n *yaml.Node, f map[string]*yaml.Node, what string, p *parsed) *imageSpec {
	im := &imageSpec{}
	if v := f["src"]; v != nil {
		if src, ok := d.template(v, what+" src"); ok {
			im.src = src
			p.srcNodes = append(p.srcNodes, srcRef{src, v})
		}
	} else {
		d.errAt(n, "%s needs a src (asset:NAME, a file path, a data: URL or an http(s) URL)", what)
	}
	if v := f["fit"]; v != nil {
		fit, _ := d.enum(v, what+" fit", fitNames)
		im.fit = fitMode(fit)
	}
	if v := f["radius"]; v != nil {
		im.radius, _ = d.number(v, what+" radius", 0, MaxCanvasSide)
	}
	if v := f["circle"]; v != nil {
		im.circle, _ = d.boolean(v, what+" circle")
	}
	if v := f["border"]; v != nil {
		im.border = d.stroke(v, what+" border")
	}
	return im
}

func (d *decoder) rectSpec(n *yaml.Node, f map[string]*yaml.Node, what string) *rectSpec {
	r := &rectSpec{}
	if v := f["fill"]; v != nil {
		r.fill.color, _ = d.color(v, what+" fill")
	}
	if v := f["gradient"]; v != nil {
		if f["fill"] != nil {
			d.errAt(v, "%s takes fill or gradient, not both", what)
		}
		r.fill.gradient = d.gradient(v)
	}
	if v := f["stroke"]; v != nil {
		r.stroke = d.stroke(v, what+" stroke")
	}
	if v := f["radius"]; v != nil {
		r.radius, _ = d.number(v, what+" radius", 0, MaxCanvasSide)
	}
	if f["fill"] == nil && f["gradient"] == nil && f["stroke"] == nil {
		d.errAt(n, "%s needs a fill, a gradient or a stroke", what)
	}
	return r
}

var black = rgba(0, 0, 0, 255)

func (d *decoder) lineSpec(f map[string]*yaml.Node, what string) *lineSpec {
	l := &lineSpec{thickness: 1, color: colorVal{set: true, c: black}}
	if v := f["color"]; v != nil {
		l.color, _ = d.color(v, what+" color")
	}
	if v := f["thickness"]; v != nil {
		l.thickness, _ = d.number(v, what+" thickness", 0.1, 200)
	}
	if v := f["dash"]; v != nil {
		if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
			d.errAt(v, "%s dash must be a list of two numbers [on, off], got %s", what, describe(v))
		} else {
			on, ok1 := d.number(v.Content[0], what+" dash", 0.5, 1000)
			off, ok2 := d.number(v.Content[1], what+" dash", 0.5, 1000)
			if ok1 && ok2 {
				l.dash = []float64{on, off}
			}
		}
	}
	return l
}

var envVersions = []string{"release", "trial", "develop"}

func (d *decoder) codeSpec(n *yaml.Node, f map[string]*yaml.Node, what string) *codeSpec {
	c := &codeSpec{envVersion: "release"}
	pv, sv, hv := f["page"], f["scene"], f["path"]
	if hv != nil {
		if pv != nil || sv != nil {
			d.errAt(hv, "%s takes page and scene, or path, not both", what)
		}
		c.path, _ = d.template(hv, what+" path")
	} else {
		if sv == nil {
			d.errAt(n, "%s needs a scene (with page), or a path", what)
		} else {
			c.scene, _ = d.template(sv, what+" scene")
		}
		if pv != nil {
			c.page, _ = d.template(pv, what+" page")
			if c.page.isStatic() && strings.HasPrefix(c.page.raw, "/") {
				d.errAt(pv, "%s page must not start with \"/\" (write %q)", what, strings.TrimLeft(c.page.raw, "/"))
			}
		}
	}
	if v := f["line_color"]; v != nil {
		c.lineColor, _ = d.color(v, what+" line_color")
	}
	if v := f["transparent"]; v != nil {
		c.transparent, _ = d.boolean(v, what+" transparent")
	}
	if v := f["background"]; v != nil {
		c.background, _ = d.color(v, what+" background")
	}
	if v := f["env_version"]; v != nil {
		i, _ := d.enum(v, what+" env_version", envVersions)
		c.envVersion = envVersions[i]
	}
	return c
}

// app reads the mini program the layout's codes open. Whether such an app
// is configured is checked in resolve, against the engine's Apps.
func (d *decoder) app(n *yaml.Node, p *parsed) {
	name, ok := d.str(n, "app")
	if !ok {
		return
	}
	if !validAppName(name) {
		d.errAt(n, "app must name a configured mini program: 1 to %d lowercase letters, digits, _ or -, starting with a letter; got %q", maxAppName, name)
		return
	}
	p.app, p.appNode = name, n
}

// maxAppName and validAppName are the naming rule of wxa.ValidAppName,
// which the engine cannot import: the engine knows nothing of WeChat.
const maxAppName = 32

func validAppName(name string) bool {
	if name == "" || len(name) > maxAppName || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
