package poster

import (
	"crypto/sha256"
	"encoding/hex"
)

// OutputKey names the file Encode makes of doc under opt: the document's
// key names its pixels, the options how they become bytes. Options that do
// not apply to the format are left out and defaults are filled in, so two
// requests that make the same file get the same name. The service's ETag
// and the content-addressed storage keys of batch runs, jobs and poster
// URLs are all this name, which is what lets them share stored posters.
func OutputKey(doc *Doc, opt EncodeOptions) string {
	w := keyWriter{h: sha256.New()}
	w.str(doc.Key())
	w.str(opt.Format.String())
	quality := opt.Quality
	if quality == 0 {
		quality = DefaultQuality
	}
	switch opt.Format {
	case JPEG:
		w.num(uint64(quality))
		w.str(opt.Subsampling.String())
		w.flag(opt.Optimize)
		// No background means the layout's flatten colour, which the
		// document's key already covers.
		w.flag(opt.Background != nil)
		if opt.Background != nil {
			r, g, b, _ := opt.Background.RGBA()
			w.num(uint64(r>>8)<<16 | uint64(g>>8)<<8 | uint64(b>>8))
		}
	case WebP:
		effort := DefaultEffort
		if opt.Effort != nil {
			effort = *opt.Effort
		}
		w.num(uint64(effort))
		w.flag(opt.Lossless)
		if !opt.Lossless {
			w.num(uint64(quality))
		}
	}
	return hex.EncodeToString(w.h.Sum(nil))
}
