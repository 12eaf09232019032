package jobs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/poster"
)

// Handler serves POST /v1/jobs, GET and DELETE /v1/jobs/{id}, and the
// finished job's GET /v1/jobs/{id}/manifest and /errors. The service
// mounts it with mux.Handle("/v1/jobs", h) and mux.Handle("/v1/jobs/", h)
// behind its own authentication.
func (m *Manager) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/jobs", m.create)
	mux.HandleFunc("GET /v1/jobs/{id}", m.show)
	mux.HandleFunc("DELETE /v1/jobs/{id}", m.remove)
	mux.HandleFunc("GET /v1/jobs/{id}/manifest", m.file("manifest.jsonl", "application/jsonl"))
	mux.HandleFunc("GET /v1/jobs/{id}/errors", m.file("errors.csv", "text/csv; charset=utf-8"))
	return mux
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// request is the JSON form of POST /v1/jobs; an upload passes the same
// fields as query parameters.
type request struct {
	Layout  string            `json:"layout"`
	Rows    []json.RawMessage `json:"rows"`
	Format  string            `json:"format"`
	Quality int               `json:"quality"`
	Scale   float64           `json:"scale"`
	Webhook string            `json:"webhook_url"`
}

const (
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func (m *Manager) create(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, m.cfg.MaxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var req request
	var input string
	switch ct {
	case "application/json":
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			m.bodyError(w, err)
			return
		}
		if len(req.Rows) == 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "rows must be a non-empty array of objects")
			return
		}
		input = "rows.jsonl"
	case "text/csv":
		input = "rows.csv"
	case ctXLSX:
		input = "rows.xlsx"
	default:
		writeError(w, http.StatusUnsupportedMediaType, "bad_request", "send application/json with rows, or a text/csv or XLSX upload")
		return
	}
	if input != "rows.jsonl" {
		q := r.URL.Query()
		req.Layout, req.Format, req.Webhook = q.Get("layout"), q.Get("format"), q.Get("webhook_url")
		var err error
		if s := q.Get("quality"); s != "" {
			if req.Quality, err = strconv.Atoi(s); err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", "quality must be a whole number")
				return
			}
		}
		if s := q.Get("scale"); s != "" {
			if req.Scale, err = strconv.ParseFloat(s, 64); err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", "scale must be a number")
				return
			}
		}
	}
	if m.cfg.Sink == nil {
		writeError(w, http.StatusBadRequest, "storage_not_configured", "jobs store their posters: set HAIBAO_STORAGE_URL to a folder or s3://bucket/prefix")
		return
	}
	st, status, msg := m.check(req)
	if status != 0 {
		code := "bad_request"
		if status == http.StatusNotFound {
			code = "layout_not_found"
		}
		writeError(w, status, code, msg)
		return
	}
	st.Input = input
	dir := m.jobDir(st.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		m.log.Error("job folder not made", "err", err)
		writeError(w, http.StatusServiceUnavailable, "jobs_unavailable", "jobs cannot be kept right now; retry shortly")
		return
	}
	err := atomicfile.Write(filepath.Join(dir, input), 0o644, func(f io.Writer) error {
		if input == "rows.jsonl" {
			bw := bufio.NewWriter(f)
			for i, row := range req.Rows {
				row = bytes.TrimSpace(row)
				if len(row) == 0 || row[0] != '{' {
					return &rowError{i}
				}
				var buf bytes.Buffer
				if err := json.Compact(&buf, row); err != nil {
					return &rowError{i}
				}
				buf.WriteByte('\n')
				bw.Write(buf.Bytes())
			}
			return bw.Flush()
		}
		_, err := io.Copy(f, r.Body)
		return err
	})
	if err != nil {
		os.RemoveAll(dir)
		var re *rowError
		if errors.As(err, &re) {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("rows[%d] must be an object of field values", re.i))
			return
		}
		m.bodyError(w, err)
		return
	}
	if err := m.add(r.Context(), st); err != nil {
		os.RemoveAll(dir)
		if errors.Is(err, errQueueFull) {
			writeError(w, http.StatusTooManyRequests, "overloaded", "too many jobs queued; try again later")
			return
		}
		m.unavailable(w, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+st.ID)
	writeJSON(w, http.StatusAccepted, st.view())
}

type rowError struct{ i int }

func (e *rowError) Error() string { return fmt.Sprintf("rows[%d]", e.i) }

func (m *Manager) bodyError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body is over %d bytes", m.cfg.MaxBody))
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestTimeout, "body_timeout", "the upload did not arrive in time")
		return
	}
	writeError(w, http.StatusBadRequest, "bad_request", "malformed body: "+err.Error())
}

// check validates a request before anything is kept.
func (m *Manager) check(req request) (State, int, string) {
	if req.Layout == "" {
		return State{}, http.StatusBadRequest, "layout is required"
	}
	if _, ok := m.cfg.Layouts(req.Layout); !ok {
		return State{}, http.StatusNotFound, fmt.Sprintf("no layout named %q", req.Layout)
	}
	if req.Format == "" {
		req.Format = "jpeg"
	}
	f, err := poster.ParseFormat(req.Format)
	if err != nil {
		return State{}, http.StatusBadRequest, err.Error()
	}
	if req.Quality < 0 || req.Quality > 100 {
		return State{}, http.StatusBadRequest, "quality must be from 1 to 100"
	}
	if req.Scale < 0 || req.Scale > poster.MaxScale {
		return State{}, http.StatusBadRequest, fmt.Sprintf("scale must be greater than 0 and at most %g", poster.MaxScale)
	}
	if req.Webhook != "" {
		u, err := url.Parse(req.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return State{}, http.StatusBadRequest, "webhook_url must be an http(s) URL"
		}
		if m.cfg.WebhookSecret == "" {
			return State{}, http.StatusBadRequest, "webhooks are off: the service has no webhook secret"
		}
	}
	return State{ID: newID(), Layout: req.Layout, Format: f.String(), Quality: req.Quality, Scale: req.Scale,
		Webhook: req.Webhook, Status: Queued, Created: time.Now().UTC()}, 0, ""
}

// unavailable answers a failure of the job store (a full disk, Redis
// gone); the cause goes to the log.
func (m *Manager) unavailable(w http.ResponseWriter, err error) {
	m.log.Error("job store failed", "err", err)
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "jobs_unavailable", "jobs cannot be reached right now; retry shortly")
}

func (m *Manager) show(w http.ResponseWriter, r *http.Request) {
	st, ok, err := m.b.get(r.Context(), r.PathValue("id"))
	switch {
	case err != nil:
		m.unavailable(w, err)
	case !ok:
		writeError(w, http.StatusNotFound, "not_found", "no such job")
	default:
		writeJSON(w, http.StatusOK, st.view())
	}
}

func (m *Manager) remove(w http.ResponseWriter, r *http.Request) {
	st, ok, err := m.b.cancel(r.Context(), r.PathValue("id"))
	switch {
	case err != nil:
		m.unavailable(w, err)
	case !ok:
		writeError(w, http.StatusNotFound, "not_found", "no such job")
	default:
		writeJSON(w, http.StatusAccepted, st.view())
	}
}

// file serves one of an ended job's outputs: from this instance's folder
// when it ran the job, else from where the outputs were stored.
func (m *Manager) file(name, ct string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok, err := m.b.get(r.Context(), r.PathValue("id"))
		switch {
		case err != nil:
			m.unavailable(w, err)
			return
		case !ok:
			writeError(w, http.StatusNotFound, "not_found", "no such job")
			return
		case !st.Status.final():
			writeError(w, http.StatusConflict, "job_not_finished", "the job is "+string(st.Status))
			return
		}
		f, err := os.Open(filepath.Join(m.jobDir(st.ID), name))
		if err != nil {
			stored := st.ManifestURL
			if name != "manifest.jsonl" {
				stored = st.ErrorsURL
			}
			if stored != "" {
				http.Redirect(w, r, stored, http.StatusSeeOther)
				return
			}
			writeError(w, http.StatusNotFound, "not_found", "the job has no "+name)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", ct)
		io.Copy(w, f)
	}
}
