package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/signurl"
)

func (s *Server) postPoster(c *gin.Context) {
	l, err := s.layout(c.Param("layout"))
	if err != nil {
		abort(c, err)
		return
	}
	body, err := s.readBody(c)
	if err != nil {
		abort(c, err)
		return
	}
	req, err := s.parseRenderRequest(body)
	if err != nil {
		abort(c, err)
		return
	}
	maxAge := "max-age=86400"
	if c.GetBool(authenticatedKey) {
		s.respond(c, l, req, "private, "+maxAge)
		return
	}
	s.respond(c, l, req, "public, "+maxAge)
}

var extFormats = map[string]string{"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}

func (s *Server) getSignedPoster(c *gin.Context) {
	file := c.Param("file")
	dot := strings.LastIndexByte(file, '.')
	if dot <= 0 || extFormats[file[dot+1:]] == "" {
		abort(c, newError(http.StatusNotFound, CodeNotFound, "use /v1/posters/LAYOUT.png, .jpg or .webp with d, exp and sig"))
		return
	}
	name, format := file[:dot], extFormats[file[dot+1:]]
	if len(s.cfg.SigningKeys) == 0 {
		abort(c, newError(http.StatusForbidden, CodeForbidden, "signed URLs are not enabled (set HAIBAO_SIGNING_KEYS)"))
		return
	}
	now := time.Now()
	// Scale and quality come from the signature, never from the bare query.
	p, err := signurl.Verify(s.cfg.SigningKeys, name, file[dot+1:], c.Request.URL.Query(), now)
	if errors.Is(err, signurl.ErrMissing) {
		abort(c, newError(http.StatusUnauthorized, CodeUnauthorized, "%v", err))
		return
	}
	if err != nil {
		abort(c, newError(http.StatusForbidden, CodeForbidden, "%v", err))
		return
	}
	l, err := s.layout(name)
	if err != nil {
		abort(c, err)
		return
	}
	if p.Version != "" && p.Version != l.Version() {
		// A pinned URL renders the design it was signed with.
		if l, err = s.layouts.Version(name, p.Version); err != nil {
			abort(c, newError(http.StatusGone, CodeVersionGone, "this URL was signed for a version of layout %q the service no longer keeps; sign a new one", name))
			return
		}
	}
	req := renderRequest{Data: p.Data, Format: format, Scale: p.Scale, Quality: p.Quality}
	if req.Scale < 0 {
		abort(c, errScale)
		return
	}
	// A cache must drop the poster when the URL stops being valid.
	left := min(int64(p.Expires.Sub(now)/time.Second), 86400)
	s.respond(c, l, req, "public, max-age="+strconv.FormatInt(max(left, 0), 10))
}

// respond answers one poster: from the ETag alone when the client has it,
// else from the output cache, else made within the service's limits.
// cacheControl is what a cache may do with the answer.
func (s *Server) respond(c *gin.Context, l *poster.Layout, req renderRequest, cacheControl string) {
	f, err := checkRequest(l, &req)
	if err == nil {
		err = req.checkEncoding()
	}
	if err == nil {
		// Every bad field at once, before anything is bound or fetched.
		err = l.CheckData(req.Data)
	}
	if err != nil {
		abort(c, err)
		return
	}
	doc, err := s.engine.Bind(l, req.Data, poster.RenderOptions{Scale: req.Scale, App: req.App})
	if err != nil {
		abort(c, err)
		return
	}
	opt := req.encodeOptions(f)
	outputKey := poster.OutputKey(doc, opt)
	if req.URL {
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
		defer cancel()
		s.respondURL(c, ctx, doc, opt, outputKey)
		return
	}
	etag := etagOf(outputKey)
	if ifNoneMatch(c.GetHeader("If-None-Match"), etag) {
		c.Header("ETag", etag)
		c.Header("Cache-Control", cacheControl)
		c.Status(http.StatusNotModified)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	m, ok := s.cache.Get(etag)
	s.metrics.outputCache.WithLabelValues(hitLabel(ok)).Inc()
	if !ok {
		// Identical requests in flight share one render.
		m, err = s.cache.Do(ctx, etag, func(ctx context.Context) (made, error) {
			ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
			defer cancel()
			return s.make(ctx, doc, opt)
		})
	}
	if err != nil {
		s.abortMade(c, err)
		return
	}
	c.Header("ETag", etag)
	c.Header("Cache-Control", cacheControl)
	if w := warningsHeader(m.findings); w != "" {
		c.Header("Haibao-Warnings", w)
	}
	s.send(c, f.ContentType(), m.body)
}

// abortMade answers a failure to make a poster; a panic in the shared
// make is logged here with its stack, since its goroutine had no request.
func (s *Server) abortMade(c *gin.Context, err error) {
	if stack := panicked(err); stack != nil {
		s.log.Error("panic", "request_id", requestID(c), "err", err.Error(), "stack", string(stack))
	}
	abort(c, err)
}

// warningsHeader lists lint findings as "severity rule element" items,
// comma-separated: ASCII only, so any client can read it.
func warningsHeader(fs []poster.Finding) string {
	items := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.Severity == poster.SeverityHint {
			continue
		}
		item := f.Severity.String() + " " + f.Rule
		if f.Element != "" && isToken(f.Element) {
			item += " " + f.Element
		}
		items = append(items, item)
	}
	return strings.Join(items, ", ")
}

// isToken reports whether s is safe in a header value item.
func isToken(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' || r == ',' {
			return false
		}
	}
	return true
}

// make fetches what doc needs outside any render slot, then draws and
// encodes it in one. Every slot is released by defer, panics included.
func (s *Server) make(ctx context.Context, doc *poster.Doc, opt poster.EncodeOptions) (made, error) {
	if doc.NeedsFetch() {
		if err := s.fetchDoc(ctx, doc); err != nil {
			return made{}, err
		}
	}
	release, err := s.renders.Acquire(ctx)
	if err != nil {
		return made{}, err
	}
	defer release()
	start := time.Now()
	res, err := s.engine.Draw(ctx, doc)
	if err != nil {
		return made{}, err
	}
	defer res.Release()
	// A strict layout pays for decoding its code back; the others get the
	// pixel rules, which cost little.
	strict := s.cfg.StrictCodes || doc.Layout().StrictCodes
	findings := s.engine.Lint(doc, res, poster.LintOptions{Format: opt.Format, Quality: opt.Quality, Decode: strict})
	s.observeLint(ctx, doc, findings)
	if strict {
		var bad []poster.Finding
		for _, f := range findings {
			if f.Unscannable() {
				bad = append(bad, f)
			}
		}
		if len(bad) > 0 {
			e := newError(http.StatusUnprocessableEntity, CodeUnscannable, "the poster's code would not scan: %s", bad[0].Message)
			e.details = bad
			return made{}, e
		}
	}
	var buf bytes.Buffer
	if err := res.Encode(&buf, opt); err != nil {
		return made{}, err
	}
	s.metrics.renderSeconds.WithLabelValues(doc.Layout().Name, opt.Format.String()).Observe(time.Since(start).Seconds())
	return made{body: buf.Bytes(), findings: findings}, nil
}

// observeLint counts the findings and the characters no font draws, and
// logs those characters once per render, naming element and code point.
func (s *Server) observeLint(ctx context.Context, doc *poster.Doc, findings []poster.Finding) {
	for _, f := range findings {
		s.metrics.lintFindings.WithLabelValues(f.Rule, f.Severity.String()).Inc()
	}
	missing := doc.MissingGlyphs()
	if len(missing) == 0 {
		return
	}
	list := make([]string, len(missing))
	for i, m := range missing {
		s.metrics.missingGlyphs.WithLabelValues(m.Script).Inc()
		list[i] = fmt.Sprintf("%s:U+%04X", m.Element, m.Rune)
	}
	s.log.WarnContext(ctx, "characters no font draws (shown as boxes)", "layout", doc.Layout().Name, "glyphs", strings.Join(list, " "))
}

func (s *Server) fetchDoc(ctx context.Context, doc *poster.Doc) error {
	release, err := s.fetches.Acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.engine.Fetch(ctx, doc)
}

// send writes a successful answer within WriteTimeout, so a client that
// stops reading gives its connection back.
func (s *Server) send(c *gin.Context, contentType string, b []byte) {
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	c.Data(http.StatusOK, contentType, b)
}
