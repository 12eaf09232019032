package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haibao/haibao/internal/jsonlimit"
	"github.com/haibao/haibao/poster"
)

// readBody reads the request body within BodyLimit and BodyTimeout. A body
// that cannot arrive in time is answered 408 and its connection closed, so
// a client trickling bytes holds neither a ticket nor a shutdown for long.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	if c.Request.ContentLength > s.cfg.BodyLimit {
		c.Header("Connection", "close")
		return nil, errBodyTooLarge(s.cfg.BodyLimit)
	}
	rc := http.NewResponseController(c.Writer)
	// Recorders in tests cannot set deadlines (the error says so); a real
	// connection can.
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	var buf bytes.Buffer
	if n := c.Request.ContentLength; n > 0 {
		buf.Grow(int(n))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.BodyLimit))
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		// The server's own read after the body must not meet the deadline:
		// it would cancel the request's context in the middle of a render.
		// After a failed read the deadline stays, so the server does not
		// wait for the rest of the body before closing the connection.
		_ = rc.SetReadDeadline(time.Time{})
		return buf.Bytes(), nil
	case errors.As(err, &mbe):
		return nil, errBodyTooLarge(s.cfg.BodyLimit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.Header("Connection", "close")
		return nil, newError(http.StatusRequestTimeout, CodeBodyTimeout, "the request body did not arrive within %s", s.cfg.BodyTimeout)
	}
	return nil, err // the client went away: abort logs it as 499
}

func errBodyTooLarge(limit int64) *apiError {
	return newError(http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "request body is over %d bytes", limit)
}

// renderRequest is what a request asks of one poster.
type renderRequest struct {
	Data    map[string]any
	Format  string
	Quality int     // 0: the default
	Scale   float64 // 0: the layout's own

	Subsampling string // JPEG: 420 (default) or 444
	Effort      *int   // WebP: 0–6, default poster.DefaultEffort
	Lossless    bool   // WebP: lossless

	// URL asks for the poster to be stored and its URL answered
	// ("response": "url") instead of its bytes.
	URL bool
	App string // mini program of the codes, for a layout that names none; "" is the default
}

const bodyShape = `body must be JSON like {"data": {...}, "format": "png"}`

// parseRenderRequest decodes a POST body: within the JSON bounds, numbers
// in data as written, unknown fields refused.
func (s *Server) parseRenderRequest(body []byte) (renderRequest, error) {
	var req renderRequest
	v, err := jsonlimit.Decode(body, s.cfg.JSON)
	if err != nil {
		return req, newError(http.StatusBadRequest, CodeBadRequest, "%s: %v", bodyShape, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return req, newError(http.StatusBadRequest, CodeBadRequest, "%s: the body is not an object", bodyShape)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first problem reported does not vary
	for _, k := range keys {
		val := obj[k]
		switch k {
		case "data":
			if val == nil {
				continue
			}
			if req.Data, ok = val.(map[string]any); !ok {
				return req, newError(http.StatusBadRequest, CodeBadRequest, "%s: field \"data\" must be an object", bodyShape)
			}
		case "format":
			if req.Format, ok = val.(string); !ok {
				return req, newError(http.StatusBadRequest, CodeBadRequest, "%s: field \"format\" must be a string", bodyShape)
			}
		case "quality":
			n, ok := val.(json.Number)
			q, err := strconv.Atoi(string(n))
			if !ok || err != nil {
				return req, newError(http.StatusBadRequest, CodeInvalidData, "quality must be a whole number from 1 to 100")
			}
			if q == 0 {
				return req, newError(http.StatusBadRequest, CodeInvalidData, "quality must be from 1 to 100")
			}
			req.Quality = q
		case "scale":
			n, ok := val.(json.Number)
			f, err := strconv.ParseFloat(string(n), 64)
			if !ok || err != nil {
				return req, errScale
			}
			if f == 0 {
				return req, errScale // only an absent scale means the layout's own
			}
			req.Scale = f
		case "subsampling":
			if req.Subsampling, ok = val.(string); !ok {
				return req, newError(http.StatusBadRequest, CodeInvalidData, "subsampling must be \"420\" or \"444\"")
			}
		case "effort":
			n, ok := val.(json.Number)
			e, err := strconv.Atoi(string(n))
			if !ok || err != nil {
				return req, newError(http.StatusBadRequest, CodeInvalidData, "effort must be from 0 to 6")
			}
			req.Effort = &e
		case "lossless":
			if req.Lossless, ok = val.(bool); !ok {
				return req, newError(http.StatusBadRequest, CodeInvalidData, "lossless must be true or false")
			}
		case "response":
			switch val {
			case "image":
			case "url":
				req.URL = true
			default:
				return req, newError(http.StatusBadRequest, CodeInvalidData, "response must be \"image\" (the poster's bytes, the default) or \"url\" (stored, and its URL answered)")
			}
		case "app":
			// Checked before any work: an unknown app would fail only at
			// the code, after the images were fetched.
			if req.App, ok = val.(string); !ok {
				return req, newError(http.StatusBadRequest, CodeInvalidData, "app must be the name of a mini program")
			}
			if !s.apps.Has(req.App) {
				return req, errUnknownApp(req.App, s.apps)
			}
		default:
			return req, newError(http.StatusBadRequest, CodeBadRequest, "%s: unknown field %q", bodyShape, k)
		}
	}
	return req, nil
}

var errScale = newError(http.StatusBadRequest, CodeInvalidData, "scale must be a number greater than 0 and at most %g", poster.MaxScale)

// checkRequest refuses what no render can satisfy before any work: an
// unknown format, a quality outside 1–100, a scale that is not a number in
// (0, MaxScale] or leaves less than one pixel.
func checkRequest(l *poster.Layout, req *renderRequest) (poster.Format, error) {
	if req.Format == "" {
		req.Format = "png"
	}
	f, err := poster.ParseFormat(req.Format)
	if err != nil {
		return f, newError(http.StatusBadRequest, CodeInvalidData, "format: %v", err)
	}
	if req.Quality == 0 {
		req.Quality = poster.DefaultQuality
	}
	if req.Quality < 1 || req.Quality > 100 {
		return f, newError(http.StatusBadRequest, CodeInvalidData, "quality must be from 1 to 100")
	}
	if req.Scale != 0 {
		sc := req.Scale
		if math.IsNaN(sc) || math.IsInf(sc, 0) || sc <= 0 || sc > poster.MaxScale {
			return f, errScale
		}
		if math.Round(l.Width*sc) < 1 || (l.Height > 0 && math.Round(l.Height*sc) < 1) {
			return f, newError(http.StatusBadRequest, CodeInvalidData, "scale %g is too small: the poster would be less than 1 pixel", sc)
		}
	}
	if req.Data == nil {
		req.Data = map[string]any{}
	}
	return f, nil
}
