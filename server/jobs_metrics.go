package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/jobs"
)

// jobMetrics observe batch jobs and the posters stored for
// "response": "url".
type jobMetrics struct {
	rows   *prometheus.CounterVec
	ended  *prometheus.CounterVec
	queued prometheus.Gauge
	stored *prometheus.CounterVec
}

func newJobMetrics(reg *prometheus.Registry) jobMetrics {
	m := jobMetrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_job_rows_total", Help: "Rows of batch jobs by result (stored, existing, failed).",
		}, []string{"result"}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_jobs_total", Help: "Batch jobs ended, by status (done, failed, cancelled).",
		}, []string{"status"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "haibao_jobs_active", Help: "Batch jobs queued or running on this instance.",
		}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "haibao_posters_stored_total", Help: `Posters asked for with "response": "url", by result (stored, existing).`,
		}, []string{"result"}),
	}
	for _, r := range []string{"stored", "existing", "failed"} {
		m.rows.WithLabelValues(r)
	}
	for _, r := range []string{"stored", "existing"} {
		m.stored.WithLabelValues(r)
	}
	reg.MustRegister(m.rows, m.ended, m.queued, m.stored)
	return m
}

// Jobs is the observer to give jobs.Config: it counts rows and jobs on
// these metrics.
func (m *Metrics) Jobs() jobs.Observer { return jobObserver{m.jobMetrics} }

type jobObserver struct{ m jobMetrics }

func (o jobObserver) Row(st batch.Status)     { o.m.rows.WithLabelValues(st.String()).Inc() }
func (o jobObserver) JobEnded(st jobs.Status) { o.m.ended.WithLabelValues(string(st)).Inc() }
func (o jobObserver) Queued(n int)            { o.m.queued.Set(float64(n)) }
