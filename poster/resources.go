package poster

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"image"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/haibao/haibao/assets"
	"github.com/haibao/haibao/poster/picture"
	"github.com/haibao/haibao/poster/text"
)

// resources are what a layout loaded once: its fonts and its static images,
// shared by every render of it.
type resources struct {
	fonts  *text.FontSet
	images map[string]image.Image // static src → decoded image
	// filesDigest is a digest of every file the layout references (fonts,
	// images), so the layout's version changes when any of them does.
	filesDigest string
	// files are the paths of those files inside the layouts folder.
	files []string
}

// resolve loads the layout's own fonts and static images and checks every
// font family and image source it names.
func (e *Engine) resolve(d *decoder, p *parsed) *resources {
	r := &resources{fonts: e.fonts, images: map[string]image.Image{}}
	m := p.m
	h := sha256.New()
	defer func() { r.filesDigest = hex.EncodeToString(h.Sum(nil)) }()
	if len(m.fontFiles) > 0 {
		r.fonts = e.fonts.Clone()
		for _, fam := range slices.Sorted(maps.Keys(m.fontFiles)) {
			file := m.fontFiles[fam]
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
			fmt.Fprintf(h, "font %q %q %x\n", fam, file, sha256.Sum256(data))
			r.files = append(r.files, full)
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
	if p.app != "" && e.cfg.Apps != nil && !slices.Contains(e.cfg.Apps, p.app) {
		msg := "unknown app " + strconv.Quote(p.app)
		if s := suggest(p.app, e.cfg.Apps); s != "" {
			msg += "; did you mean " + strconv.Quote(s) + "?"
		}
		d.errAt(p.appNode, "%s (configured: %s)", msg, strings.Join(e.cfg.Apps, ", "))
	}
	for _, s := range p.srcNodes {
		if !s.src.isStatic() {
			continue
		}
		src := s.src.raw
		img, err := e.staticImage(m, src, h, &r.files)
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

// staticImage loads an image named in the layout itself. Remote URLs are
// left for render time and return nil.
func (e *Engine) staticImage(m *model, src string, h hash.Hash, files *[]string) (image.Image, error) {
	ref, err := resolveImageRef(OriginLayout, src)
	if err != nil {
		return nil, err
	}
	switch ref.kind {
	case srcRemote:
		return nil, nil
	case srcAsset:
		return e.asset(ref.assetName())
	case srcData:
		img, err := picture.DecodeDataURL(src, imageLimits())
		if err != nil {
			return nil, &srcError{"data URL: " + err.Error()}
		}
		return img, nil
	}
	b, err := fs.ReadFile(m.fsys, ref.filePath(m.dir))
	if err != nil {
		return nil, &srcError{"image file " + strconv.Quote(src) + " cannot be read: " + describeFSError(err)}
	}
	fmt.Fprintf(h, "image %q %x\n", src, sha256.Sum256(b))
	*files = append(*files, ref.filePath(m.dir))
	img, _, err := picture.DecodeBytes(b, imageLimits())
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
	img, _, err := picture.Decode(bytes.NewReader(b), imageLimits())
	if err != nil {
		return nil, &srcError{"asset " + strconv.Quote(name) + ": " + err.Error()}
	}
	e.assets[name] = img
	return img, nil
}
