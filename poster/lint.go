package poster

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/poster/picture"
)

// Severity ranks a lint finding.
type Severity int

const (
	SeverityHint    Severity = iota // a suggestion
	SeverityWarning                 // the poster works but may disappoint
	SeverityError                   // the poster fails its purpose: a code that will not scan
)

var severityNames = [...]string{"hint", "warning", "error"}

func (s Severity) String() string { return severityNames[s] }

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity back from its name, for clients of the
// JSON the service and the preview send.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("poster: unknown severity %q", b)
}

// Finding is one lint result, placed at the element it concerns.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Element  string   `json:"element,omitempty"`
	Line     int      `json:"line,omitempty"`
	Col      int      `json:"col,omitempty"`
	Message  string   `json:"message"`
}

// Unscannable reports whether f says a code will not scan: an error of a
// code rule. strict_codes turns such findings into a failed render.
func (f Finding) Unscannable() bool {
	return f.Severity == SeverityError && (strings.HasPrefix(f.Rule, "code-") || f.Rule == RuleTextOverCode)
}

// Lint rules, by name. Each is documented in the README's lint table.
const (
	RuleCodeCovered   = "code-covered"
	RuleCodeOpacity   = "code-opacity"
	RuleCodeContrast  = "code-contrast"
	RuleCodeInverted  = "code-inverted"
	RuleCodeBusy      = "code-busy"
	RuleCodeSmall     = "code-small"
	RuleCodeJPEG      = "code-jpeg-quality"
	RuleCodeNoScan    = "code-does-not-scan"
	RuleTextCut       = "text-cut"
	RuleTextShrunk    = "text-shrunk"
	RuleTextOverflow  = "text-overflow"
	RuleOffCanvas     = "off-canvas"
	RuleUndeclared    = "field-undeclared"
	RuleTextOverCode  = "text-over-code"
	RuleMissingGlyphs = "missing-glyphs"
	RuleTransparent   = "transparent-canvas"
)

// Thresholds of the code rules, from TestMeasureCodeThresholds (build tag
// measure): stand-in QR codes drawn in many ways, put through the phone
// degradation of degrade.go, and read by this project's QR decoder and by
// zbar. The README's lint section gives the measured table.
const (
	// minCodeContrast is the least WCAG contrast ratio between a code's
	// lines and the light pixels around them, as composited. Both decoders
	// still read 1.3:1 on the simulated path, but a camera pointed at a
	// screen loses far more to glare and light than the simulation can
	// show; 3:1 is WCAG 1.4.11's floor for graphics that must be made out.
	minCodeContrast = 3.0
	// maxCodeBusy bounds how much the luma (0–255) of the light pixels
	// under a code may vary (standard deviation): zbar stops reading at
	// 47 and reads 37; a warning from half of that.
	maxCodeBusyWarn  = 20.0
	maxCodeBusyError = 40.0
	// minCodeSide is the least size, in pixels once the poster is on the
	// phone, at which a code scans at all (the QR decoder reads 90, not
	// 80); comfortableCodeSide the size from which zbar reads it too (150,
	// not 120).
	minCodeSide         = 90
	comfortableCodeSide = 150
	// minCodeJPEGQuality: below it a code smaller than comfortableCodeSide
	// stops scanning (quality 10 breaks a 90-pixel code, 20 does not);
	// codes from comfortableCodeSide on read at any quality measured.
	minCodeJPEGQuality = 20
)

// LintOptions say how the poster will be delivered and how hard to look.
type LintOptions struct {
	Format  Format
	Quality int // JPEG and WebP quality; 0 means DefaultQuality
	// Decode replays the phone journey and decodes stand-in QR codes back
	// (the code-does-not-scan rule). It costs a few hundred milliseconds a
	// poster, so the service does it only for layouts with strict_codes;
	// validate always does.
	Decode bool
}

// Lint checks a drawn document: whether each code will scan once the
// poster has been through a phone, and whether the text fits. res must
// be the Result of Draw(d).
func (e *Engine) Lint(d *Doc, res *Result, opt LintOptions) []Finding {
	var out []Finding
	add := func(it *item, rule string, sev Severity, format string, args ...any) {
		f := Finding{Rule: rule, Severity: sev, Message: fmt.Sprintf(format, args...), Line: 1, Col: 1}
		if it != nil {
			f.Element, f.Line, f.Col = it.el.id, it.el.line, it.el.col
		}
		out = append(out, f)
	}
	canvas := image.Rect(0, 0, d.w, d.h)
	var degraded image.Image
	jpegQ := 0
	if opt.Format == JPEG {
		jpegQ = opt.Quality
		if jpegQ == 0 {
			jpegQ = DefaultQuality
		}
	}
	if !res.opaqueBase && !picture.Opaque(res.Image) {
		c := d.layout.m.flatten
		add(nil, RuleTransparent, SeverityWarning, "the canvas has transparent areas; JPEG output flattens them onto #%02x%02x%02x (set canvas flatten to choose the colour)", c.R, c.G, c.B)
	}
	for i := range d.items {
		it := &d.items[i]
		if it.hidden {
			continue
		}
		r := pxRect(it.x, it.y, it.w, it.h, d.scale)
		if it.el.kind != KindLine && !r.Empty() && !r.In(canvas.Inset(-1)) {
			add(it, RuleOffCanvas, SeverityWarning, "%s %q reaches outside the canvas (%s), so part of it is cut off", it.el.kind, it.el.id, unitsBox(it))
		}
		switch it.el.kind {
		case KindText:
			lintText(d, i, add)
		case KindCode:
			if degraded == nil && opt.Decode {
				degraded = degrade(res.Image, jpegQ)
			}
			e.lintCode(d, i, res.Image, degraded, jpegQ, add)
		}
	}
	return out
}

func unitsBox(it *item) string {
	return fmt.Sprintf("x %s, y %s, %s×%s", fmtNum(round2(it.x)), fmtNum(round2(it.y)), fmtNum(round2(it.w)), fmtNum(round2(it.h)))
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

type addFunc func(it *item, rule string, sev Severity, format string, args ...any)

func lintText(d *Doc, i int, add addFunc) {
	it := &d.items[i]
	t := it.el.text
	if it.block == nil {
		return
	}
	// Cutting text is a design choice for values of any length (a
	// nickname ends in …), but a defect for the layout's own words and for
	// fields whose declared max_chars promise they fit.
	cutSev := SeverityHint
	if promisedToFit(d.layout, t) {
		cutSev = SeverityWarning
	}
	if it.shrunk {
		if it.fits {
			add(it, RuleTextShrunk, SeverityHint, "text shrinks to fit (%s)", firstLine(it))
		} else {
			add(it, RuleTextShrunk, cutSev, "text shrinks to its min_size %s and still does not fit", fmtNum(t.minSize))
		}
	}
	for _, m := range it.block.Missing {
		add(it, RuleMissingGlyphs, SeverityWarning, "no font draws %q (U+%04X, %s): it shows as a box", string(m.Rune), m.Rune, m.Script)
	}
	if it.block.Truncated {
		add(it, RuleTextCut, cutSev, "text is cut to %d line(s) by max_lines: %q", it.block.Lines, firstLine(it))
	}
	if it.el.h > 0 && it.block.Height > it.el.h*d.scale+0.5 {
		over := image.Rect(0, 0, 0, 0)
		top := (it.y + it.el.h) * d.scale
		over = image.Rect(int(it.x*d.scale), int(top), int((it.x+it.w)*d.scale), int(it.y*d.scale+it.block.Height))
		for j := range d.items {
			o := &d.items[j]
			if j == i || o.hidden {
				continue
			}
			if pxRect(o.x, o.y, o.w, o.h, d.scale).Overlaps(over) {
				add(it, RuleTextOverflow, SeverityWarning, "text is %s units tall, more than its height %s, and runs onto %s %q",
					fmtNum(round2(it.block.Height/d.scale)), fmtNum(it.el.h), o.el.kind, o.el.id)
				break
			}
		}
	}
}

// promisedToFit reports whether all of a text's words are the layout's
// own, or come from fields declared with a max_chars.
func promisedToFit(l *Layout, t *textSpec) bool {
	for _, sp := range t.spans {
		for _, p := range sp.text.fields() {
			bounded := false
			for _, f := range l.Fields {
				if f.Name == p.field && f.MaxChars > 0 {
					bounded = true
				}
			}
			if !bounded {
				return false
			}
		}
	}
	return true
}

func firstLine(it *item) string {
	if it.block.Lines == 0 {
		return ""
	}
	return it.block.LineText(0)
}

// codeStats are what a code's pixels say once composited.
type codeStats struct {
	module, light float64 // mean relative luminance (0–1)
	lightStd      float64 // standard deviation of the light pixels' luma (0–255)
	n             int
}

// lintCode checks the code of item i of d on the rendered canvas dst and
// on its degraded copy.
func (e *Engine) lintCode(d *Doc, i int, dst *image.RGBA, degraded image.Image, jpegQ int, add addFunc) {
	it := &d.items[i]
	r := pxRect(it.x, it.y, it.w, it.h, d.scale)
	for j := i + 1; j < len(d.items); j++ {
		o := &d.items[j]
		if o.hidden || o.el.opacity == 0 {
			continue
		}
		if pxRect(o.x, o.y, o.w, o.h, d.scale).Overlaps(r) {
			add(it, RuleCodeCovered, SeverityError, "%s %q is drawn over the code; scanners need the whole code and its quiet zone", o.el.kind, o.el.id)
		}
	}
	for j := range d.items {
		o := &d.items[j]
		if j < i && !o.hidden && o.el.kind == KindText && it.req.Transparent && it.bg.A < 255 && pxRect(o.x, o.y, o.w, o.h, d.scale).Overlaps(r) {
			add(it, RuleTextOverCode, SeverityError, "text %q shows through the transparent code", o.el.id)
		}
	}
	if it.el.opacity < 1 {
		add(it, RuleCodeOpacity, SeverityWarning, "the code is drawn at opacity %s; draw it at 1 so its lines keep their contrast", fmtNum(it.el.opacity))
	}
	if it.img == nil || r.Empty() {
		return
	}
	st := codeContrast(dst, r, it.img, it.req.Transparent)
	if st.n > 0 {
		ratio := (max(st.module, st.light) + 0.05) / (min(st.module, st.light) + 0.05)
		switch {
		case st.module > st.light:
			add(it, RuleCodeInverted, SeverityError, "the code's lines are lighter than what is around them (contrast %.1f:1, inverted); scanners look for dark lines on a light ground", ratio)
		case ratio < minCodeContrast:
			add(it, RuleCodeContrast, SeverityError, "the code's lines have a contrast of %.1f:1 against what is under them; at least %.0f:1 scans reliably", ratio, minCodeContrast)
		}
		switch {
		case st.lightStd > maxCodeBusyError:
			add(it, RuleCodeBusy, SeverityError, "the background under the code is busy (its light pixels vary by %.0f); give the code a plain background", st.lightStd)
		case st.lightStd > maxCodeBusyWarn:
			add(it, RuleCodeBusy, SeverityWarning, "the background under the code is uneven (its light pixels vary by %.0f); a plain background scans more reliably", st.lightStd)
		}
	}
	side := float64(min(r.Dx(), r.Dy())) * degradeScale(d.w, d.h)
	switch {
	case side < minCodeSide:
		add(it, RuleCodeSmall, SeverityError, "the code is %.0f pixels once the poster is on a phone; below %d it does not scan (make it bigger or render at a higher scale)", side, minCodeSide)
	case side < comfortableCodeSide:
		add(it, RuleCodeSmall, SeverityWarning, "the code is %.0f pixels once the poster is on a phone; only lenient scanners read it below %d", side, comfortableCodeSide)
	}
	if jpegQ > 0 && jpegQ < minCodeJPEGQuality && side < comfortableCodeSide {
		add(it, RuleCodeJPEG, SeverityError, "JPEG quality %d smears a code this small; use %d or more, PNG, or a code of %d pixels or more", jpegQ, minCodeJPEGQuality, comfortableCodeSide)
	}
	if content, ok := e.qrContent(it.req); ok && degraded != nil {
		s := degradeScale(d.w, d.h)
		dr := image.Rect(int(float64(r.Min.X)*s), int(float64(r.Min.Y)*s), int(math.Ceil(float64(r.Max.X)*s)), int(math.Ceil(float64(r.Max.Y)*s)))
		got, err := scan.QRIn(degraded, dr.Inset(-2))
		if err != nil || got != content {
			add(it, RuleCodeNoScan, SeverityError, "the code does not scan once the poster has been shrunk to a phone screen, softened and saved as JPEG %d", phoneJPEGQuality)
		}
	}
}

// qrContent is what a code reads as when the engine draws it as a standard
// QR code; ok is false for codes from WeChat, which only WeChat reads.
func (e *Engine) qrContent(req CodeRequest) (string, bool) {
	if _, ok := e.codes.(*qrSource); !ok {
		return "", false
	}
	if req.Path != "" {
		return req.Path, true
	}
	return req.Page + "?scene=" + req.Scene, true
}

// codeContrast measures the composited pixels of the code drawn into r of
// dst: which pixels are the code's lines is read from the code image
// itself, fitted as Draw fits it.
func codeContrast(dst *image.RGBA, r image.Rectangle, code image.Image, transparent bool) codeStats {
	r = r.Intersect(dst.Rect)
	if r.Empty() {
		return codeStats{}
	}
	// As Draw fits it; read through the concrete type, since a poster's
	// every render is linted and At would allocate a colour per pixel.
	fitted := toRGBA(picture.Fitted(code, r.Dx(), r.Dy(), picture.FitContain))
	fb := fitted.Bounds()
	// Tell lines from ground: in a transparent code the lines are what is
	// opaque; in an opaque one, what is darker than the middle of its
	// luminance range.
	lo, hi := 1.0, 0.0
	if !transparent {
		for y := fb.Min.Y; y < fb.Max.Y; y++ {
			row := fitted.Pix[fitted.PixOffset(fb.Min.X, y):][:4*fb.Dx()]
			for i := 0; i+3 < len(row); i += 4 {
				l := luminance(color.RGBA{row[i], row[i+1], row[i+2], row[i+3]})
				lo, hi = min(lo, l), max(hi, l)
			}
		}
	}
	if !transparent && hi-lo < 0.01 {
		// One colour all over: the lines are the colour of their ground.
		return codeStats{module: lo, light: hi, n: 1}
	}
	var st codeStats
	var nm, nl int
	var sumLuma, sumLuma2 float64
	// Rows are read as slices: RGBAAt's bounds check per pixel was a
	// third of the lint of every service render.
	w := min(r.Dx(), fb.Dx())
	for y := 0; y < min(r.Dy(), fb.Dy()); y++ {
		code := fitted.Pix[fitted.PixOffset(fb.Min.X, fb.Min.Y+y):][:4*w]
		under := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:4*w]
		for x := 0; x < w; x++ {
			c := color.RGBA{code[4*x], code[4*x+1], code[4*x+2], code[4*x+3]}
			a := c.A
			if a < 0x80 && !transparent {
				continue // outside the code, in a contain fit's bands
			}
			// How much of the pixel is line; resampled edges are partly
			// both and are left out, or they would read as noise.
			cover := float64(a) / 0xff
			if !transparent {
				cover = (hi - luminance(c)) / (hi - lo)
			}
			if cover > 0.25 && cover < 0.75 {
				continue
			}
			line := cover >= 0.75
			p := color.RGBA{under[4*x], under[4*x+1], under[4*x+2], under[4*x+3]}
			l := luminance(p)
			if line {
				st.module += l
				nm++
			} else {
				st.light += l
				nl++
				y8 := luma(p)
				sumLuma += y8
				sumLuma2 += y8 * y8
			}
		}
	}
	if nm == 0 || nl == 0 {
		return codeStats{}
	}
	st.module /= float64(nm)
	st.light /= float64(nl)
	mean := sumLuma / float64(nl)
	st.lightStd = math.Sqrt(max(0, sumLuma2/float64(nl)-mean*mean))
	st.n = nm + nl
	return st
}

// luminance is WCAG's relative luminance of c composited onto white (what
// a transparent pixel shows once flattened).
func luminance(c color.RGBA) float64 {
	// 8 bits a channel are all a poster has; the table spares a Pow per
	// channel per pixel on every render the service lints.
	white := 255 - uint32(c.A)
	return 0.2126*srgbLinear[uint32(c.R)+white] + 0.7152*srgbLinear[uint32(c.G)+white] + 0.0722*srgbLinear[uint32(c.B)+white]
}

// srgbLinear maps an 8-bit sRGB value to linear light (read only).
var srgbLinear = func() (t [256]float64) {
	for i := range t {
		s := float64(i) / 255
		if s <= 0.04045 {
			t[i] = s / 12.92
		} else {
			t[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return t
}()

// luma is the Rec. 601 luma (0–255) of c composited onto white.
func luma(c color.RGBA) float64 {
	w := 255 - float64(c.A)
	return 0.299*(float64(c.R)+w) + 0.587*(float64(c.G)+w) + 0.114*(float64(c.B)+w)
}
