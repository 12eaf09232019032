package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/signurl"
	"github.com/haibao/haibao/wxa"
)

// Deps are what the service works with, built by its caller.
type Deps struct {
	Engine  *poster.Engine
	Layouts []*poster.Layout
	WeChat  *wxa.Client // codes for /v1/codes and readiness; the engine has its own source
	Metrics *Metrics
	Logger  *slog.Logger
	// Preview, when set, is served under /preview/.
	Preview http.Handler
}

// Server handles the HTTP API.
type Server struct {
	cfg     Config
	engine  *poster.Engine
	layouts map[string]*poster.Layout
	wechat  *wxa.Client
	metrics *Metrics
	log     *slog.Logger
	slots   chan struct{}
	waiting atomic.Int64
	cache   *cache.Cache[string, []byte]
	router  *gin.Engine
}

// New builds the service.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Engine == nil || d.WeChat == nil {
		return nil, errors.New("server: Engine and WeChat are required")
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, engine: d.Engine, wechat: d.WeChat, metrics: d.Metrics, log: d.Logger,
		layouts: map[string]*poster.Layout{},
		slots:   make(chan struct{}, cfg.RenderConcurrency),
		cache:   newOutputCache(cfg.OutputCacheBytes),
	}
	for _, l := range d.Layouts {
		s.layouts[l.Name] = l
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(s.accessLog, s.recoverPanic)
	r.NoRoute(func(c *gin.Context) { abort(c, newError(http.StatusNotFound, CodeNotFound, "no such endpoint")) })
	r.NoMethod(func(c *gin.Context) {
		abort(c, newError(http.StatusMethodNotAllowed, CodeNotFound, "method not allowed here"))
	})
	r.POST("/v1/posters/:layout", s.requireKey, s.postPoster)
	r.GET("/v1/posters/:file", s.getSignedPoster)
	r.GET("/v1/codes", s.getCode)
	r.GET("/v1/layouts", s.listLayouts)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openAPI) })
	if d.Preview != nil {
		h := http.StripPrefix("/preview", d.Preview)
		r.GET("/preview", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/preview/") })
		r.Any("/preview/*path", gin.WrapH(h))
	}
	s.router = r
	return s, nil
}

// Handler is the service's HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

// Routes lists method and path of every route, for documentation checks.
func (s *Server) Routes() [][2]string {
	var out [][2]string
	for _, r := range s.router.Routes() {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}

// renderRequest is the POST body.
type renderRequest struct {
	Data    map[string]any `json:"data"`
	Format  string         `json:"format"`
	Quality int            `json:"quality"`
	Scale   float64        `json:"scale"`

	Subsampling string `json:"subsampling"` // JPEG: 420 (default) or 444
	Effort      *int   `json:"effort"`      // WebP: 0–6, default poster.DefaultEffort
	Lossless    bool   `json:"lossless"`    // WebP: lossless
}

func (s *Server) layout(name string) (*poster.Layout, error) {
	l, ok := s.layouts[name]
	if !ok {
		return nil, newError(http.StatusNotFound, CodeLayoutNotFound, "no layout named %q (GET /v1/layouts lists them)", name)
	}
	return l, nil
}

func (s *Server) postPoster(c *gin.Context) {
	l, err := s.layout(c.Param("layout"))
	if err != nil {
		abort(c, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.BodyLimit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			abort(c, newError(http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "request body is over %d bytes", s.cfg.BodyLimit))
			return
		}
		abort(c, newError(http.StatusBadRequest, CodeBadRequest, "cannot read the request body"))
		return
	}
	var req renderRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		abort(c, newError(http.StatusBadRequest, CodeBadRequest, "body must be JSON like {\"data\": {...}, \"format\": \"png\"}: %s", jsonProblem(err)))
		return
	}
	if dec.More() {
		abort(c, newError(http.StatusBadRequest, CodeBadRequest, "body has more than one JSON value"))
		return
	}
	if req.Format == "" {
		req.Format = "png"
	}
	s.render(c, l, req)
}

// jsonProblem says what is wrong with a JSON body, naming the field when
// the JSON is well formed but of the wrong shape.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.EOF):
		return "the body is empty"
	}
	return err.Error()
}

var extFormats = map[string]string{"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}

func (s *Server) getSignedPoster(c *gin.Context) {
	file := c.Param("file")
	dot := strings.LastIndexByte(file, '.')
	if dot <= 0 || extFormats[file[dot+1:]] == "" {
		abort(c, newError(http.StatusNotFound, CodeNotFound, "use /v1/posters/LAYOUT.png, .jpg or .webp with d, exp and sig"))
		return
	}
	name, ext := file[:dot], file[dot+1:]
	if len(s.cfg.SigningKeys) == 0 {
		abort(c, newError(http.StatusForbidden, CodeForbidden, "signed URLs are not enabled (set HAIBAO_SIGNING_KEYS)"))
		return
	}
	// Scale and quality come from the signature, never from the bare query.
	p, err := signurl.Verify(s.cfg.SigningKeys, name, ext, c.Request.URL.Query(), time.Now())
	if err != nil {
		if errors.Is(err, signurl.ErrMissing) {
			abort(c, newError(http.StatusUnauthorized, CodeUnauthorized, "%v", err))
		} else {
			abort(c, newError(http.StatusForbidden, CodeForbidden, "%v", err))
		}
		return
	}
	l, err := s.layout(name)
	if err != nil {
		abort(c, err)
		return
	}
	req := renderRequest{Data: p.Data, Format: extFormats[ext], Scale: p.Scale, Quality: p.Quality}
	s.render(c, l, req)
}

// render answers one poster: from the ETag alone when the client has it,
// else from the output cache, else rendered within the service's limits.
func (s *Server) render(c *gin.Context, l *poster.Layout, req renderRequest) {
	f, err := poster.ParseFormat(req.Format)
	if err != nil {
		abort(c, newError(http.StatusBadRequest, CodeInvalidData, "format: %v", err))
		return
	}
	if req.Quality == 0 {
		req.Quality = poster.DefaultQuality
	}
	if req.Quality < 1 || req.Quality > 100 {
		abort(c, newError(http.StatusBadRequest, CodeInvalidData, "quality must be from 1 to 100"))
		return
	}
	if err := req.checkEncoding(); err != nil {
		abort(c, err)
		return
	}
	if req.Scale < 0 || req.Scale > s.cfg.MaxScale {
		abort(c, newError(http.StatusBadRequest, CodeInvalidData, "scale must be greater than 0 and at most %g", s.cfg.MaxScale))
		return
	}
	if req.Data == nil {
		req.Data = map[string]any{}
	}
	etag := s.etag(l, req, f)
	cacheable := func() {
		c.Header("ETag", etag)
		c.Header("Cache-Control", "public, max-age=86400")
	}
	if match := c.GetHeader("If-None-Match"); match != "" && (match == etag || match == "*" || strings.Contains(match, etag)) {
		cacheable()
		c.Status(http.StatusNotModified)
		return
	}
	if b, ok := s.cache.Get(etag); ok {
		s.metrics.outputCache.WithLabelValues("hit").Inc()
		cacheable()
		c.Data(http.StatusOK, f.ContentType(), b)
		return
	}
	s.metrics.outputCache.WithLabelValues("miss").Inc()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	if err := s.acquire(ctx); err != nil {
		abort(c, err)
		return
	}
	start := time.Now()
	b, err := s.renderBytes(ctx, l, req, f)
	<-s.slots
	if err != nil {
		abort(c, err)
		return
	}
	s.metrics.renderSeconds.WithLabelValues(l.Name, f.String()).Observe(time.Since(start).Seconds())
	s.cache.Add(etag, b)
	cacheable()
	c.Data(http.StatusOK, f.ContentType(), b)
}

// acquire takes a render slot, waiting in a short queue; beyond it the
// request is refused at once rather than piling up memory.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	if s.waiting.Add(1) > int64(s.cfg.QueueSize) {
		s.waiting.Add(-1)
		return newError(http.StatusTooManyRequests, CodeOverloaded, "too many posters in progress; retry shortly")
	}
	s.metrics.queue.Inc()
	defer func() { s.waiting.Add(-1); s.metrics.queue.Dec() }()
	t := time.NewTimer(s.cfg.QueueWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-t.C:
		return newError(http.StatusTooManyRequests, CodeOverloaded, "too many posters in progress; retry shortly")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) renderBytes(ctx context.Context, l *poster.Layout, req renderRequest, f poster.Format) ([]byte, error) {
	res, err := s.engine.Render(ctx, l, req.Data, poster.RenderOptions{Scale: req.Scale})
	if err != nil {
		return nil, err
	}
	defer res.Release()
	var buf bytes.Buffer
	if err := res.Encode(&buf, req.encodeOptions(f)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// etag names the exact poster a request produces: layout version, data,
// format, quality and scale.
func (s *Server) etag(l *poster.Layout, req renderRequest, f poster.Format) string {
	h := sha256.New()
	data, _ := json.Marshal(req.Data) // map keys sorted: canonical
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%g\x00%s\x00", l.Name, l.Digest, f, req.Quality, req.Scale, req.encodingKey(f))
	h.Write(data)
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

func (s *Server) getCode(c *gin.Context) {
	width := wxa.DefaultWidth
	if v := c.Query("width"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			abort(c, newError(http.StatusBadRequest, CodeInvalidData, "width must be a whole number"))
			return
		}
		width = n
	}
	req := wxa.CodeRequest{Page: c.Query("page"), Scene: c.Query("scene"), Width: width, EnvVersion: wxa.EnvVersion(c.Query("env_version"))}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	code, err := s.wechat.Code(ctx, req)
	if err != nil {
		var re *wxa.RequestError
		if errors.As(err, &re) {
			abort(c, newError(http.StatusBadRequest, CodeInvalidData, "%s: %s", re.Field, re.Reason))
			return
		}
		abort(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, "image/"+code.Format, code.Data)
}

// layoutInfo is one entry of GET /v1/layouts.
type layoutInfo struct {
	Name        string         `json:"name"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description,omitempty"`
	Width       float64        `json:"width"`
	Height      float64        `json:"height,omitempty"`
	AutoHeight  bool           `json:"auto_height"`
	Scale       float64        `json:"scale"`
	Fields      []poster.Field `json:"fields"`
}

func (s *Server) listLayouts(c *gin.Context) {
	out := make([]layoutInfo, 0, len(s.layouts))
	for _, l := range s.layouts {
		out = append(out, layoutInfo{Name: l.Name, Title: l.Title, Description: l.Description, Width: l.Width, Height: l.Height,
			AutoHeight: l.Height == 0, Scale: l.Scale, Fields: l.Fields})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	c.JSON(http.StatusOK, gin.H{"layouts": out})
}

func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	problems := []string{}
	if len(s.layouts) == 0 {
		problems = append(problems, "no layouts loaded")
	}
	if err := s.wechat.Ready(ctx); err != nil {
		problems = append(problems, "WeChat access_token: "+publicWeChat(err))
	}
	if len(problems) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "problems": problems})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "layouts": len(s.layouts)})
}
