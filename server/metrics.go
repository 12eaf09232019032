package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haibao/haibao/wxa"
)

// Metrics are the service's Prometheus metrics. It also observes the WeChat
// client (pass it as wxa.Config.Observer).
type Metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	renderSeconds *prometheus.HistogramVec
	wechatCalls   *prometheus.CounterVec
	codeCache     *prometheus.CounterVec
	outputCache   *prometheus.CounterVec
	tokens        *prometheus.CounterVec
	buildInfo     *prometheus.GaugeVec
	lintFindings  *prometheus.CounterVec
	missingGlyphs *prometheus.CounterVec
	jobMetrics
}

// NewMetrics registers the metrics on a fresh registry, with Go and process
// collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		renderSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "haibao_render_seconds", Help: "Time to render and encode one poster.",
			Buckets: []float64{.005, .01, .02, .035, .05, .075, .1, .15, .25, .5, 1, 2.5},
		}, []string{"layout", "format"}),
		wechatCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_wechat_calls_total", Help: "Calls to WeChat code APIs by API and errcode (0 success, -2 no answer).",
		}, []string{"api", "errcode"}),
		codeCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_code_cache_total", Help: "Code cache lookups by result (hit, miss).",
		}, []string{"result"}),
		outputCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_poster_cache_total", Help: "Rendered poster cache lookups by result (hit, miss).",
		}, []string{"result"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_wechat_token_refreshes_total", Help: "access_token refreshes by result (ok, error).",
		}, []string{"result"}),
		lintFindings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_lint_findings_total", Help: "Lint findings in rendered posters by rule and severity.",
		}, []string{"rule", "severity"}),
		missingGlyphs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_missing_glyphs_total", Help: "Characters no font could draw (shown as boxes), by Unicode script.",
		}, []string{"script"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "haibao_build_info", Help: "Always 1; the labels say what this binary is and which image encoders it uses.",
		}, []string{"version", "commit", "go_version", "jpeg", "png", "webp"}),
	}
	m.reg.MustRegister(m.buildInfo, m.lintFindings, m.missingGlyphs, m.requests, m.renderSeconds, m.wechatCalls, m.codeCache, m.outputCache, m.tokens,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	m.jobMetrics = newJobMetrics(m.reg)
	return m
}

// SetBuildInfo publishes haibao_build_info with the given labels:
// version, commit, go_version, jpeg, png, webp.
func (m *Metrics) SetBuildInfo(version, commit, goVersion, jpeg, png, webp string) {
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version, commit, goVersion, jpeg, png, webp).Set(1)
}

// watchQueue reports the render queue of the server using m. A second
// server on the same Metrics keeps the first one's gauge.
func (m *Metrics) watchQueue(waiting func() float64) {
	_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "haibao_render_queue", Help: "Requests waiting for a render slot.",
	}, waiting))
}

func (m *Metrics) UpstreamCall(api wxa.API, errcode int, _ time.Duration) {
	m.wechatCalls.WithLabelValues(string(api), strconv.Itoa(errcode)).Inc()
}

func (m *Metrics) CacheLookup(_ wxa.API, hit bool) {
	m.codeCache.WithLabelValues(hitLabel(hit)).Inc()
}

func (m *Metrics) TokenRefresh(ok bool) {
	r := "ok"
	if !ok {
		r = "error"
	}
	m.tokens.WithLabelValues(r).Inc()
}

func hitLabel(hit bool) string {
	if hit {
		return "hit"
	}
	return "miss"
}

// watchClusterMode reports haibao_cluster_mode{mode} = 1 for the mode
// mode() names at each scrape.
func (m *Metrics) watchClusterMode(mode func() string) {
	_ = m.reg.Register(clusterModeCollector{mode: mode, desc: prometheus.NewDesc("haibao_cluster_mode",
		"1 for the mode WeChat state is kept in: cluster (shared through Redis) or local (Redis unreachable, own budget share).",
		[]string{"mode"}, nil)})
}

type clusterModeCollector struct {
	mode func() string
	desc *prometheus.Desc
}

func (c clusterModeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c clusterModeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range []string{"cluster", "local"} {
		v := 0.0
		if c.mode() == m {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, m)
	}
}

// ClusterObserver counts what the cluster store reports: limiter waits
// and denials, code cache lookups by layer, lock waits and quota used.
func (m *Metrics) ClusterObserver() *ClusterMetrics {
	c := &ClusterMetrics{
		waits: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "haibao_cluster_limiter_wait_seconds",
			Help: "Waits for the cluster-wide getUnlimited budget, by class.", Buckets: []float64{0, .01, .05, .1, .5, 1, 5, 15}}, []string{"class"}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "haibao_cluster_limiter_denied_total",
			Help: "Calls refused before they went out, by class and reason (budget, cooldown, paused)."}, []string{"class", "reason"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "haibao_cluster_code_lookups_total",
			Help: "Code lookups by the layer that answered (memory, disk, shared, miss)."}, []string{"layer"}),
		lockWaits: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "haibao_cluster_lock_wait_seconds",
			Help: "Waits for another instance fetching the same code, by whether it delivered.", Buckets: []float64{.01, .05, .1, .5, 1, 5, 15}}, []string{"got"}),
		quota: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "haibao_wechat_quota_used",
			Help: "get + createQRCode codes made so far, of the app's lifetime 100,000."}, []string{"appid"}),
	}
	m.reg.MustRegister(c.waits, c.denials, c.lookups, c.lockWaits, c.quota)
	return c
}

// watchLayoutProblems reports how many problems the layout files have now
// (each file with problems keeps serving its last good version).
func (m *Metrics) watchLayoutProblems(n func() float64) {
	_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "haibao_layout_problems", Help: "Problems in the layout files as they are now; their last good versions keep serving.",
	}, n))
}
