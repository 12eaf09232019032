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

// writeError answers in the service's error shape, with the request id
// the service gave the request (its X-Request-Id answer header).
func writeError(w http.ResponseWriter, status int, code, msg string) {
	body := map[string]string{"code": code, "message": msg}
	if id := w.Header().Get("X-Request-Id"); id != "" {
		body["request_id"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

// OwnerHeader is the request header by which the service tells the jobs
// handler who is asking: an opaque id of the API key, or nothing when the
// service has no keys. The service sets it after checking the key and
// drops any value a client sent. A job is visible only to its owner.
const OwnerHeader = "Haibao-Key-Id"

// visible says whether the requester may see st.
func visible(r *http.Request, st State) bool { return st.Owner == r.Header.Get(OwnerHeader) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// request is the JSON form of POST /v1/jobs; an upload passes the same
// fields (but rows) as query parameters.
type request struct {
	Layout  string
	Format  string
	Quality int
	Scale   float64
	Webhook string
	App     string
}

const (
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// maxUploads is how many POST /v1/jobs bodies are read at once: with
	// the body limit it bounds the memory jobs can be made to hold.
	maxUploads = 4
)

func (m *Manager) create(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, m.cfg.MaxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var input string
	switch ct {
	case "application/json":
		input = "rows.jsonl"
	case "text/csv":
		input = "rows.csv"
	case ctXLSX:
		input = "rows.xlsx"
	default:
		writeError(w, http.StatusUnsupportedMediaType, "bad_request", "send application/json with rows, or a text/csv or XLSX upload")
		return
	}
	if m.cfg.Sink == nil {
		writeError(w, http.StatusBadRequest, "storage_not_configured", "jobs store their posters: set HAIBAO_STORAGE_URL to a folder or s3://bucket/prefix")
		return
	}
	var req request
	if input != "rows.jsonl" {
		var msg string
		if req, msg = queryRequest(r.URL.Query()); msg != "" {
			writeError(w, http.StatusBadRequest, "bad_request", msg)
			return
		}
		// An upload is refused before it is read when its settings are.
		if _, status, msg := m.check(req); status != 0 {
			m.refuse(w, status, msg)
			return
		}
	}
	select {
	case m.uploads <- struct{}{}:
		defer func() { <-m.uploads }()
	default:
		writeError(w, http.StatusTooManyRequests, "overloaded", "too many jobs being uploaded at once; try again shortly")
		return
	}
	id := newID()
	dir := m.jobDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		m.log.Error("job folder not made", "err", err)
		writeError(w, http.StatusServiceUnavailable, "jobs_unavailable", "jobs cannot be kept right now; retry shortly")
		return
	}
	err := atomicfile.Write(filepath.Join(dir, input), 0o644, func(f io.Writer) error {
		if input == "rows.jsonl" {
			var err error
			req, err = decodeRequest(r.Body, f)
			return err
		}
		_, err := io.Copy(f, r.Body)
		return err
	})
	if err != nil {
		os.RemoveAll(dir)
		var be *bodyShapeError
		if errors.As(err, &be) {
			writeError(w, http.StatusBadRequest, "bad_request", be.msg)
			return
		}
		m.bodyError(w, err)
		return
	}
	st, status, msg := m.check(req)
	if status != 0 {
		os.RemoveAll(dir)
		m.refuse(w, status, msg)
		return
	}
	st.ID, st.Input, st.Owner = id, input, r.Header.Get(OwnerHeader)
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

func (m *Manager) refuse(w http.ResponseWriter, status int, msg string) {
	code := "bad_request"
	switch status {
	case http.StatusNotFound:
		code = "layout_not_found"
	case http.StatusUnprocessableEntity:
		code = "unknown_app"
	}
	writeError(w, status, code, msg)
}

// queryRequest reads an upload's settings from its query.
func queryRequest(q url.Values) (request, string) {
	req := request{Layout: q.Get("layout"), Format: q.Get("format"), Webhook: q.Get("webhook_url"), App: q.Get("app")}
	var err error
	if s := q.Get("quality"); s != "" {
		if req.Quality, err = strconv.Atoi(s); err != nil {
			return req, "quality must be a whole number"
		}
	}
	if s := q.Get("scale"); s != "" {
		if req.Scale, err = strconv.ParseFloat(s, 64); err != nil {
			return req, "scale must be a number"
		}
	}
	return req, ""
}

// bodyShapeError is a JSON body that is not what POST /v1/jobs takes.
type bodyShapeError struct{ msg string }

func (e *bodyShapeError) Error() string { return e.msg }

func shapeError(format string, args ...any) error {
	return &bodyShapeError{fmt.Sprintf(format, args...)}
}

// decodeRequest reads a JSON request, writing each row to rows as one
// compact line as it goes: a large job is never whole in memory.
func decodeRequest(body io.Reader, rows io.Writer) (request, error) {
	var req request
	dec := json.NewDecoder(body)
	if tok, err := dec.Token(); err != nil {
		return req, err
	} else if tok != json.Delim('{') {
		return req, shapeError("malformed body: want a JSON object")
	}
	n := -1 // rows seen; -1 until the rows key
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return req, err
		}
		key, _ := tok.(string)
		var v any
		switch key {
		case "rows":
			if n >= 0 {
				return req, shapeError("rows given twice")
			}
			if n, err = decodeRows(dec, rows); err != nil {
				return req, err
			}
			continue
		case "layout":
			v = &req.Layout
		case "format":
			v = &req.Format
		case "webhook_url":
			v = &req.Webhook
		case "app":
			v = &req.App
		case "quality":
			v = &req.Quality
		case "scale":
			v = &req.Scale
		default:
			return req, shapeError("malformed body: unknown field %q", key)
		}
		if err := dec.Decode(v); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return req, err
			}
			return req, shapeError("malformed body: %s has the wrong type", key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return req, err
	}
	if n <= 0 {
		return req, shapeError("rows must be a non-empty array of objects")
	}
	return req, nil
}

// decodeRows copies the rows array to w, one compact object per line.
func decodeRows(dec *json.Decoder, w io.Writer) (int, error) {
	if tok, err := dec.Token(); err != nil {
		return 0, err
	} else if tok != json.Delim('[') {
		return 0, shapeError("rows must be a non-empty array of objects")
	}
	bw := bufio.NewWriter(w)
	n := 0
	var buf bytes.Buffer
	for dec.More() {
		var row json.RawMessage
		if err := dec.Decode(&row); err != nil {
			return n, err
		}
		row = bytes.TrimSpace(row)
		if len(row) == 0 || row[0] != '{' {
			return n, shapeError("rows[%d] must be an object of field values", n)
		}
		buf.Reset()
		if err := json.Compact(&buf, row); err != nil {
			return n, shapeError("rows[%d] must be an object of field values", n)
		}
		buf.WriteByte('\n')
		if _, err := bw.Write(buf.Bytes()); err != nil {
			return n, err
		}
		n++
	}
	if _, err := dec.Token(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

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
	if req.App != "" && m.cfg.HasApp != nil && !m.cfg.HasApp(req.App) {
		return State{}, http.StatusUnprocessableEntity, fmt.Sprintf("no mini program named %q is configured", req.App)
	}
	return State{App: req.App, Layout: req.Layout, Format: f.String(), Quality: req.Quality, Scale: req.Scale,
		Webhook: req.Webhook, Status: Queued, Created: time.Now().UTC()}, 0, ""
}

// unavailable answers a failure of the job store (a full disk, Redis
// gone); the cause goes to the log.
func (m *Manager) unavailable(w http.ResponseWriter, err error) {
	m.log.Error("job store failed", "err", err)
	writeError(w, http.StatusServiceUnavailable, "jobs_unavailable", "jobs cannot be reached right now; retry shortly")
}

// lookup finds the job the request names, visible to the requester; when
// it cannot, it has answered (503 or 404).
func (m *Manager) lookup(w http.ResponseWriter, r *http.Request) (State, bool) {
	st, ok, err := m.b.get(r.Context(), r.PathValue("id"))
	switch {
	case err != nil:
		m.unavailable(w, err)
		return st, false
	case !ok || !visible(r, st):
		writeError(w, http.StatusNotFound, "not_found", "no such job")
		return st, false
	}
	return st, true
}

func (m *Manager) show(w http.ResponseWriter, r *http.Request) {
	if st, ok := m.lookup(w, r); ok {
		writeJSON(w, http.StatusOK, st.view())
	}
}

// remove cancels a job: 202 while it stops (a queued one is cancelled at
// once), 200 with its final state when it had already ended.
func (m *Manager) remove(w http.ResponseWriter, r *http.Request) {
	st, ok := m.lookup(w, r)
	switch {
	case !ok:
		return
	case st.Status.final():
		writeJSON(w, http.StatusOK, st.view())
		return
	}
	st, ok, err := m.cancel(r.Context(), st)
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
		st, ok := m.lookup(w, r)
		switch {
		case !ok:
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

// Off answers every jobs request with 503 jobs_unavailable and why: for an
// instance that cannot run jobs (its jobs folder belongs to another
// process).
func Off(why string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusServiceUnavailable, "jobs_unavailable", "jobs are off on this instance: "+why)
	})
}
