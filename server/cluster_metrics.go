package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
)

// ClusterMetrics is a wxaredis.Observer that feeds Prometheus.
type ClusterMetrics struct {
	waits, lockWaits *prometheus.HistogramVec
	denials, lookups *prometheus.CounterVec
	quota            *prometheus.GaugeVec
}

var _ wxaredis.Observer = (*ClusterMetrics)(nil)

func (c *ClusterMetrics) LimiterWait(_ string, class wxa.Class, d time.Duration) {
	c.waits.WithLabelValues(class.String()).Observe(d.Seconds())
}

func (c *ClusterMetrics) LimiterDenied(_ string, class wxa.Class, reason string) {
	c.denials.WithLabelValues(class.String(), reason).Inc()
}

func (c *ClusterMetrics) CacheLookup(_ string, layer wxaredis.Layer) {
	c.lookups.WithLabelValues(string(layer)).Inc()
}

func (c *ClusterMetrics) LockWait(_ string, d time.Duration, got bool) {
	c.lockWaits.WithLabelValues(strconv.FormatBool(got)).Observe(d.Seconds())
}

func (c *ClusterMetrics) QuotaUsed(appid string, used, _ int64) {
	c.quota.WithLabelValues(appid).Set(float64(used))
}

func (c *ClusterMetrics) ModeChanged(wxaredis.Mode) {}
