package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haibao/haibao/internal/admission"
	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/storage"
	"github.com/haibao/haibao/wxa"
)

// Deps are what the service works with, built by its caller.
type Deps struct {
	Engine  *poster.Engine
	Layouts []*poster.Layout // a fixed set; or:
	// Catalog serves layouts that change while the service runs; it wins
	// over Layouts.
	Catalog Layouts
	WeChat  *wxa.Client // codes for /v1/codes and readiness; the engine has its own source
	// Apps, when set, are the mini programs /v1/codes and requests can
	// name, and WeChat is unused.
	Apps    *wxa.Apps
	Metrics *Metrics
	Logger  *slog.Logger
	// ClusterMode, when set, says whether WeChat state is shared through
	// Redis ("cluster") or the instance fell back to its own ("local").
	ClusterMode func() string
	// Storage, when set, keeps posters asked for with "response": "url".
	Storage Store
	// StoredDir, when set, is a storage folder the service serves itself
	// at /v1/stored/ (the folder has no CDN in front).
	StoredDir string
	// Jobs, when set, serves /v1/jobs (jobs.Manager.Handler); the service
	// puts its key check and admission in front.
	Jobs http.Handler
}

// Server handles the HTTP API.
type Server struct {
	cfg     Config
	engine  *poster.Engine
	layouts Layouts
	apps    *wxa.Apps
	metrics *Metrics
	// clusterMode reports the WeChat state sharing mode; nil outside
	// cluster mode.
	clusterMode func() string
	log         *slog.Logger

	requests *admission.Gate // requests past the key check
	fetches  *admission.Gate // requests loading images and codes
	renders  *admission.Gate // draw and encode

	cache  *cache.Cache[string, made]
	router *gin.Engine

	storage   Store
	storedDir string
	stored    *cache.Cache[string, storage.Object] // keys known stored, and uploads in flight
}

// New builds the service.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Apps == nil && d.WeChat != nil {
		d.Apps = wxa.SingleApp("default", d.WeChat)
	}
	if d.Engine == nil || d.Apps == nil {
		return nil, errors.New("server: Engine and WeChat (or Apps) are required")
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, engine: d.Engine, apps: d.Apps, metrics: d.Metrics, log: d.Logger,
		layouts:     d.Catalog,
		cache:       newOutputCache(cfg.OutputCacheBytes),
		clusterMode: d.ClusterMode,
		storage:     d.Storage,
		storedDir:   d.StoredDir,
		stored:      cache.New[string, storage.Object](storedCacheBytes, storedSize, cache.Options{TTL: storedTTL}),
	}
	if d.ClusterMode != nil {
		d.Metrics.watchClusterMode(d.ClusterMode)
	}
	var err error
	if s.requests, err = admission.New(admission.Config{Slots: cfg.MaxRequests}); err != nil {
		return nil, err
	}
	if s.fetches, err = admission.New(admission.Config{Slots: cfg.FetchConcurrency, Queue: cfg.MaxRequests, Wait: cfg.QueueWait}); err != nil {
		return nil, err
	}
	if s.renders, err = admission.New(admission.Config{Slots: cfg.RenderConcurrency, Queue: cfg.QueueSize, Wait: cfg.QueueWait}); err != nil {
		return nil, err
	}
	s.metrics.watchQueue(func() float64 { return float64(s.renders.Waiting()) })
	if s.layouts == nil {
		s.layouts = newFixedLayouts(d.Layouts)
	}
	d.Metrics.watchLayoutProblems(func() float64 { return float64(len(s.layouts.Problems())) })
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(s.accessLog, s.recoverPanic)
	r.NoRoute(func(c *gin.Context) { abort(c, newError(http.StatusNotFound, CodeNotFound, "no such endpoint")) })
	r.NoMethod(func(c *gin.Context) {
		abort(c, newError(http.StatusMethodNotAllowed, CodeNotFound, "method not allowed here"))
	})
	r.POST("/v1/posters/:layout", s.requireKey, s.admit, s.postPoster)
	r.GET("/v1/posters/:file", s.admit, s.getSignedPoster)
	r.GET("/v1/codes", s.requireKey, s.admit, s.getCode)
	if d.Jobs != nil {
		jobs := gin.WrapH(d.Jobs)
		r.POST("/v1/jobs", s.requireKey, s.jobsOwner, s.admit, s.uploadDeadline, jobs)
		r.GET("/v1/jobs/:id", s.requireKey, s.jobsOwner, jobs)
		r.DELETE("/v1/jobs/:id", s.requireKey, s.jobsOwner, jobs)
		r.GET("/v1/jobs/:id/manifest", s.requireKey, s.jobsOwner, jobs)
		r.GET("/v1/jobs/:id/errors", s.requireKey, s.jobsOwner, jobs)
	}
	if d.StoredDir != "" {
		r.GET("/v1/stored/*key", s.getStored)
	}
	r.GET("/v1/layouts", s.listLayouts)
	r.GET("/v1/layouts/:layout/schema", s.layoutSchema)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openAPI) })
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

func (s *Server) layout(name string) (*poster.Layout, error) {
	l, ok := s.layouts.Layout(name)
	if !ok {
		return nil, newError(http.StatusNotFound, CodeLayoutNotFound, "no layout named %q (GET /v1/layouts lists them)", name)
	}
	return l, nil
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
	Version     string         `json:"version"` // changes whenever the design does
	Fields      []poster.Field `json:"fields"`
	Schema      string         `json:"schema"`        // where the JSON Schema of the layout's data is
	App         string         `json:"app,omitempty"` // the mini program of its codes, when the layout names one
}

// layoutSchema answers the JSON Schema of a layout's data.
func (s *Server) layoutSchema(c *gin.Context) {
	l, err := s.layout(c.Param("layout"))
	if err != nil {
		abort(c, err)
		return
	}
	b, err := json.MarshalIndent(l.DataSchema(), "", "  ")
	if err != nil {
		abort(c, err)
		return
	}
	c.Data(http.StatusOK, "application/schema+json", b)
}

func (s *Server) listLayouts(c *gin.Context) {
	ls := s.layouts.Layouts()
	out := make([]layoutInfo, 0, len(ls))
	for _, l := range ls {
		out = append(out, layoutInfo{Name: l.Name, Title: l.Title, Description: l.Description, Width: l.Width, Height: l.Height,
			AutoHeight: l.Height == 0, Scale: l.Scale, Version: l.Version(), Fields: l.Fields, Schema: "/v1/layouts/" + l.Name + "/schema",
			App: l.App})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	c.JSON(http.StatusOK, gin.H{"layouts": out})
}
