package poster

import (
	"bytes"
	"image"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/haibao/haibao/assets"
	"github.com/haibao/haibao/poster/picture"
	"github.com/haibao/haibao/poster/text"
)

// srcKind is where an image source points.
type srcKind int

const (
	srcFile   srcKind = iota // a file relative to the layout
	srcAsset                 // asset:NAME, embedded
	srcData                  // data: URL
	srcRemote                // http(s) URL, through the ImageLoader
)

func classifySrc(s string) srcKind {
	switch {
	case strings.HasPrefix(s, "asset:"):
		return srcAsset
	case strings.HasPrefix(s, "data:"):
		return srcData
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return srcRemote
	}
	return srcFile
}

// resources are what a layout loaded once: its fonts and its static images,
// shared by every render of it.
type resources struct {
	fonts   *text.FontSet
	images  map[string]image.Image // static src → decoded image
	fitted  sync.Map               // fitKey → cachedFit
	nfitted atomic.Int32
}

// maxFittedPerLayout bounds the resampled image copies a layout keeps.
const maxFittedPerLayout = 32

type fitKey struct {
	src  string
	w, h int
	fit  fitMode
}

// resolve loads the layout's own fonts and static images and checks every
// font family and image source it names.
func (e *Engine) resolve(d *decoder, p *parsed) *resources {
	r := &resources{fonts: e.fonts, images: map[string]image.Image{}}
	m := p.m
	if len(m.fontFiles) > 0 {
		r.fonts = e.fonts.Clone()
		for fam, file := range m.fontFiles {
			n := p.fontNodes[fam]
			full := path.Join(m.dir, file)
			if !fs.ValidPath(full) || strings.HasPrefix(file, "/") {
				d.errAt(n, "font file %q must be a path inside the layouts folder", file)
				continue
			}
			data, err := fs.ReadFile(m.fsys, full)
			if err != nil {
				d.errAt(n, "font file %q cannot be read: %s", file, describeFSError(err))
				continue
			}
			if err := r.fonts.Add(fam, data); err != nil {
				d.errAt(n, "font file %q is not a usable font: %v", file, err)
			}
		}
	}
	for _, u := range p.familyUses {
		if _, registered := m.fontFiles[u.family]; !registered && !r.fonts.Has(u.family) {
			msg := "unknown font " + strconv.Quote(u.family)
			if s := suggest(u.family, r.fonts.Families()); s != "" {
				msg += "; did you mean " + strconv.Quote(s) + "?"
			} else {
				msg += " (known: " + strings.Join(r.fonts.Families(), ", ") + "; register others under fonts:)"
			}
			d.errAt(u.node, "%s", msg)
		}
	}
	for _, s := range p.srcNodes {
		if !s.src.isStatic() {
			continue
		}
		src := s.src.raw
		img, err := e.staticImage(m, src)
		if err != nil {
			d.errAt(s.node, "%s", err.Error())
			continue
		}
		if img != nil {
			r.images[src] = img
		}
	}
	return r
}

// srcError is a problem with an image source, worded for the designer.
type srcError struct{ msg string }

func (e *srcError) Error() string { return e.msg }

// staticImage loads an image named in the layout itself. Remote URLs are
// left for render time and return nil.
func (e *Engine) staticImage(m *model, src string) (image.Image, error) {
	switch classifySrc(src) {
	case srcRemote:
		return nil, nil
	case srcAsset:
		return e.asset(strings.TrimPrefix(src, "asset:"))
	case srcData:
		img, err := picture.DecodeDataURL(src, e.limits())
		if err != nil {
			return nil, &srcError{"data URL: " + err.Error()}
		}
		return img, nil
	}
	full := path.Join(m.dir, src)
	if strings.HasPrefix(src, "/") || !fs.ValidPath(full) {
		return nil, &srcError{"image " + strconv.Quote(src) + " must be a path inside the layouts folder, asset:NAME, a data: URL or an http(s) URL"}
	}
	b, err := fs.ReadFile(m.fsys, full)
	if err != nil {
		return nil, &srcError{"image file " + strconv.Quote(src) + " cannot be read: " + describeFSError(err)}
	}
	img, _, err := picture.DecodeBytes(b, e.limits())
	if err != nil {
		return nil, &srcError{"image file " + strconv.Quote(src) + ": " + err.Error()}
	}
	return img, nil
}

// asset decodes an embedded asset once and shares it.
func (e *Engine) asset(name string) (image.Image, error) {
	e.assetMu.Lock()
	defer e.assetMu.Unlock()
	if img, ok := e.assets[name]; ok {
		return img, nil
	}
	b, err := fs.ReadFile(assets.FS, name)
	if err != nil || strings.Contains(name, "/") {
		msg := "unknown asset " + strconv.Quote(name)
		if s := suggest(name, e.assetNames); s != "" {
			msg += "; did you mean " + strconv.Quote("asset:"+s) + "?"
		} else {
			msg += " (known: " + strings.Join(e.assetNames, ", ") + ")"
		}
		return nil, &srcError{msg}
	}
	img, _, err := picture.Decode(bytes.NewReader(b), e.limits())
	if err != nil {
		return nil, &srcError{"asset " + strconv.Quote(name) + ": " + err.Error()}
	}
	e.assets[name] = img
	return img, nil
}

// Limits on images the engine decodes itself (layout files, data: URLs);
// remote images are bounded by their loader.
const (
	maxImageBytes  = 20 << 20
	maxImagePixels = 40_000_000
)

func (e *Engine) limits() picture.Limits {
	return picture.Limits{MaxBytes: maxImageBytes, MaxPixels: maxImagePixels}
}
