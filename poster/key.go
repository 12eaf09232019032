package poster

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"image/color"
	"math"
)

// keyWriter feeds values into a hash unambiguously: every string carries
// its length, every number its full bits.
type keyWriter struct {
	h   hash.Hash
	buf [8]byte
}

func (w *keyWriter) str(s string) {
	w.num(uint64(len(s)))
	w.h.Write([]byte(s))
}

func (w *keyWriter) num(v uint64) {
	binary.LittleEndian.PutUint64(w.buf[:], v)
	w.h.Write(w.buf[:])
}

func (w *keyWriter) float(f float64) { w.num(math.Float64bits(f)) }

func (w *keyWriter) flag(b bool) {
	if b {
		w.num(1)
	} else {
		w.num(0)
	}
}

func (w *keyWriter) color(c color.NRGBA) {
	w.num(uint64(c.R)<<24 | uint64(c.G)<<16 | uint64(c.B)<<8 | uint64(c.A))
}

func (w *keyWriter) stops(s []resolvedStop) {
	w.num(uint64(len(s)))
	for _, st := range s {
		w.float(st.at)
		w.color(st.c)
	}
}

func (w *keyWriter) ref(r imageRef) {
	w.num(uint64(r.origin))
	w.num(uint64(r.kind))
	w.str(r.ref)
}

// digest is the document's Key: everything that decides its pixels and
// nothing else. The layout version covers what the layout fixes (its file
// and the files it references); the bound values cover what the data
// chose; the engine version covers how both are drawn.
func (d *Doc) digest(engineVersion string) string {
	w := &keyWriter{h: sha256.New()}
	w.str(engineVersion)
	w.str(d.layout.Version())
	w.float(d.scale)
	w.float(d.height)
	w.color(d.layout.m.flatten)
	w.color(d.bg.fill)
	w.stops(d.bg.grad)
	w.flag(d.bg.set)
	w.ref(d.bg.src)
	w.num(uint64(len(d.items)))
	for i := range d.items {
		it := &d.items[i]
		w.flag(it.hidden)
		if it.hidden {
			continue
		}
		w.float(it.x)
		w.float(it.y)
		w.float(it.w)
		w.float(it.h)
		switch it.el.kind {
		case KindText:
			// The laid-out lines are a function of the spans and the
			// layout; the spans are what the data chose.
			w.num(uint64(len(it.spans)))
			for _, s := range it.spans {
				w.str(s.Text)
				w.str(s.Family)
				w.num(uint64(s.Weight))
				w.float(s.Size)
				w.color(s.Color)
				w.float(s.LetterSpacing)
				w.flag(s.Strike)
			}
		case KindImage:
			w.ref(it.src)
			w.color(it.edge)
		case KindRect:
			w.color(it.fill)
			w.stops(it.grad)
			w.color(it.edge)
		case KindLine:
			w.color(it.edge)
		case KindCode:
			r := it.req
			w.str(r.Page)
			w.str(r.Scene)
			w.str(r.Path)
			w.num(uint64(r.Width))
			w.color(color.NRGBA(r.LineColor))
			w.flag(r.AutoColor)
			w.flag(r.Transparent)
			w.str(r.EnvVersion)
			w.str(r.App) // the same page of two apps is two codes
			w.color(it.bg)
		}
	}
	return hex.EncodeToString(w.h.Sum(nil))
}
