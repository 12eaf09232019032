package server

import (
	"net/http"

	"github.com/haibao/haibao/poster"
)

// checkEncoding refuses encoder settings out of range before any work.
func (r renderRequest) checkEncoding() error {
	if _, err := poster.ParseSubsampling(r.Subsampling); err != nil {
		return newError(http.StatusBadRequest, CodeInvalidData, "subsampling: %v", err)
	}
	if r.Effort != nil && (*r.Effort < 0 || *r.Effort > 6) {
		return newError(http.StatusBadRequest, CodeInvalidData, "effort must be from 0 to 6")
	}
	return nil
}

// encodeOptions are the request's encoder settings; checkEncoding has
// already accepted them.
func (r renderRequest) encodeOptions(f poster.Format) poster.EncodeOptions {
	sub, _ := poster.ParseSubsampling(r.Subsampling)
	return poster.EncodeOptions{Format: f, Quality: r.Quality, Subsampling: sub, Effort: r.Effort, Lossless: r.Lossless}
}
