package poster

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadLayout parses and validates one layout file of fsys. Problems come back
// as a *ValidationError.
func (e *Engine) LoadLayout(fsys fs.FS, file string) (*Layout, error) {
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &ValidationError{Problems: []Problem{{File: file, Line: 1, Col: 1, Message: "cannot read the file: " + describeFSError(err)}}}
	}
	return e.ParseLayout(fsys, file, src)
}

// describeFSError keeps the OS's words but not the path, which the caller
// already names.
func describeFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// LoadDir loads every *.yaml layout at the top of fsys. It returns the valid
// layouts, sorted by name, and, when any file is invalid, a *ValidationError
// with the problems of all of them.
func (e *Engine) LoadDir(fsys fs.FS) ([]*Layout, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read layouts folder: %w", err)
	}
	var layouts []*Layout
	var problems []Problem
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		l, err := e.LoadLayout(fsys, name)
		var ve *ValidationError
		switch {
		case errors.As(err, &ve):
			problems = append(problems, ve.Problems...)
		case err != nil:
			return nil, err
		default:
			layouts = append(layouts, l)
		}
	}
	sort.Slice(layouts, func(i, j int) bool { return layouts[i].Name < layouts[j].Name })
	if len(problems) > 0 {
		return layouts, &ValidationError{Problems: problems}
	}
	return layouts, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ParseLayout parses and validates layout source read from file inside
// fsys; fsys resolves the layout's relative font and image files.
func (e *Engine) ParseLayout(fsys fs.FS, file string, src []byte) (*Layout, error) {
	d := &decoder{file: file}
	if len(src) > MaxLayoutBytes {
		d.errAt(nil, "the file is %d bytes; a layout may be at most %d", len(src), MaxLayoutBytes)
		return nil, &ValidationError{Problems: d.probs}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return nil, &ValidationError{Problems: []Problem{{File: file, Line: line, Col: 1, Message: "not valid YAML: " + msg}}}
	}
	if root.Kind == 0 {
		return nil, &ValidationError{Problems: []Problem{{File: file, Line: 1, Col: 1, Message: "the layout is empty"}}}
	}
	p := d.layout(&root)
	p.m.fsys, p.m.dir = fsys, path.Dir(file)
	d.checkRefs(p.m)
	d.checkPlacement(p.m)
	fields := fieldsOf(p.m)
	d.checkFieldDecls(p, fields)
	r := e.resolve(d, p)
	if len(d.probs) > 0 {
		sort.SliceStable(d.probs, func(i, j int) bool {
			a, b := d.probs[i], d.probs[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, &ValidationError{Problems: d.probs}
	}
	name := path.Base(file)
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".yml")
	l := &Layout{
		Name:        name,
		File:        file,
		Title:       p.title,
		Description: p.description,
		Width:       p.m.width,
		Height:      p.m.height,
		Scale:       p.m.scale,
		Sample:      p.sample,
		Fields:      applyDecls(fields, p.decls),
		StrictCodes: p.strictCodes,
		App:         p.app,
		Digest:      fmt.Sprintf("%x", sha256.Sum256(src)),
		m:           p.m,
		res:         r,
	}
	v := sha256.Sum256([]byte(l.Digest + "\x00" + r.filesDigest))
	l.version = hex.EncodeToString(v[:16])
	if l.Sample == nil {
		l.Sample = map[string]any{}
	}
	return l, nil
}

// checkPlacement reports anchors that cannot work whatever the data.
func (d *decoder) checkPlacement(m *model) {
	for _, e := range m.elements {
		if e.y.how == anchorCenter && m.autoHeight {
			d.probs = append(d.probs, Problem{File: d.file, Line: e.y.line, Col: e.y.col,
				Message: e.kind.String() + " \"" + e.id + "\" y: center needs a canvas with a fixed height, not auto"})
		}
	}
}

// fieldsOf lists the data fields a layout reads, merged by name.
func fieldsOf(m *model) []Field {
	byName := map[string]*Field{}
	add := func(name, el string, required bool, def string, typ FieldType) {
		f := byName[name]
		if f == nil {
			f = &Field{Name: name, Type: FieldAny}
			byName[name] = f
		}
		// Images and colours are the strictest uses; text beats a bare
		// if: test.
		if typ == FieldImage || typ == FieldColor || f.Type == FieldAny {
			f.Type = typ
		}
		if required {
			f.Required = true
		} else if def != "" && f.Default == "" {
			f.Default = def
		}
		if !contains(f.Elements, el) {
			f.Elements = append(f.Elements, el)
		}
	}
	addTyped := func(t tmpl, el string, optional bool, whole FieldType) {
		typ := FieldText
		if len(t.parts) == 1 {
			typ = whole // the field is the whole value, not a part of it
		}
		for _, p := range t.fields() {
			add(p.field, el, !p.hasDf && !optional, p.def, typ)
		}
	}
	addT := func(t tmpl, el string, optional bool) { addTyped(t, el, optional, FieldText) }
	addC := func(c colorVal, el string, optional bool) {
		if c.t != nil {
			addTyped(*c.t, el, optional, FieldColor)
		}
	}
	if m.bg.image != nil {
		addTyped(m.bg.image.src, "background", false, FieldImage)
	}
	addC(m.bg.fill.color, "background", false)
	addG := func(g *gradient, el string, optional bool) {
		if g != nil {
			for _, s := range g.stops {
				addC(s.c, el, optional)
			}
		}
	}
	addG(m.bg.fill.gradient, "background", false)
	for _, e := range m.elements {
		opt := e.cond != ""
		if opt {
			add(e.cond, e.id, false, "", FieldAny)
		}
		switch {
		case e.text != nil:
			for _, s := range e.text.spans {
				if s.cond != "" {
					add(s.cond, e.id, false, "", FieldAny)
				}
				addT(s.text, e.id, opt || s.cond != "")
				addC(s.color, e.id, opt || s.cond != "")
			}
		case e.image != nil:
			addTyped(e.image.src, e.id, opt, FieldImage)
			addC(e.image.border.color, e.id, opt)
		case e.rect != nil:
			addC(e.rect.fill.color, e.id, opt)
			addG(e.rect.fill.gradient, e.id, opt)
			addC(e.rect.stroke.color, e.id, opt)
		case e.line_ != nil:
			addC(e.line_.color, e.id, opt)
		case e.code != nil:
			addT(e.code.page, e.id, opt)
			addT(e.code.scene, e.id, opt)
			addT(e.code.path, e.id, opt)
			addC(e.code.lineColor, e.id, opt)
			addC(e.code.background, e.id, opt)
		}
	}
	out := make([]Field, 0, len(byName))
	for _, f := range byName {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
