package jobs

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/haibao/haibao/internal/atomicfile"
)

// Status is where a job is.
type Status string

const (
	Queued    Status = "queued"
	Running   Status = "running"
	Done      Status = "done"      // every row tried; some may have failed
	Cancelled Status = "cancelled" // DELETE stopped it
	Failed    Status = "failed"    // it could not go on (unreadable input, output error)
)

func (s Status) final() bool { return s == Done || s == Cancelled || s == Failed }

// Counts are a job's rows so far.
type Counts struct {
	Total    int64 `json:"total"`
	Stored   int64 `json:"stored"`
	Existing int64 `json:"existing"`
	Failed   int64 `json:"failed"`
}

// State is a job as stored in its folder and as GET shows it.
type State struct {
	ID         string    `json:"id"`
	Layout     string    `json:"layout"`
	Input      string    `json:"-"` // rows.jsonl, rows.csv or rows.xlsx
	Format     string    `json:"format"`
	Quality    int       `json:"quality,omitempty"`
	Scale      float64   `json:"scale,omitempty"`
	Webhook    string    `json:"webhook_url,omitempty"`
	Status     Status    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Counts     Counts    `json:"counts"`
	Created    time.Time `json:"created"`
	Finished   time.Time `json:"finished,omitzero"`
	WebhookErr string    `json:"webhook_error,omitempty"`
}

// persisted adds what GET does not show.
type persisted struct {
	State
	Input string `json:"input"`
}

func (m *Manager) jobDir(id string) string { return filepath.Join(m.cfg.Dir, id) }

func (m *Manager) save(st State) error {
	return atomicfile.Write(filepath.Join(m.jobDir(st.ID), "state.json"), 0o644, func(w io.Writer) error {
		return json.NewEncoder(w).Encode(persisted{State: st, Input: st.Input})
	})
}

func load(dir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return State{}, err
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return State{}, fmt.Errorf("%s: %w", dir, err)
	}
	p.State.Input = p.Input
	return p.State, nil
}
