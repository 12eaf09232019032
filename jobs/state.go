package jobs

import (
	"encoding/json"
	"time"
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

// State is a job as kept and as GET shows it.
type State struct {
	ID         string    `json:"id"`
	Layout     string    `json:"layout"`
	App        string    `json:"app,omitempty"` // mini program of the codes, for a layout that names none
	Input      string    `json:"-"`             // rows.jsonl, rows.csv or rows.xlsx
	Owner      string    `json:"-"`             // OwnerHeader of the request that made it
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
	// ManifestURL and ErrorsURL are where the ended job's outputs were
	// stored beside its posters.
	ManifestURL string `json:"manifest_url,omitempty"`
	ErrorsURL   string `json:"errors_url,omitempty"`
}

// view is a job as the API answers it: its state and where its per-row
// results are (the manifest and errors file, once it has ended).
type view struct {
	State
	Links links `json:"links"`
}

type links struct {
	Self     string `json:"self"`
	Manifest string `json:"manifest,omitempty"`
	Errors   string `json:"errors,omitempty"`
}

func (st State) view() view {
	v := view{State: st, Links: links{Self: "/v1/jobs/" + st.ID}}
	if st.Status.final() {
		v.Links.Manifest, v.Links.Errors = v.Links.Self+"/manifest", v.Links.Self+"/errors"
	}
	return v
}

// persisted is a State as kept: what GET shows plus what it hides.
type persisted struct {
	State
	Input string `json:"input"`
	Owner string `json:"owner,omitempty"`
}

func marshalState(st State) ([]byte, error) {
	return json.Marshal(persisted{State: st, Input: st.Input, Owner: st.Owner})
}

func unmarshalState(b []byte) (State, error) {
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return State{}, err
	}
	p.State.Input, p.State.Owner = p.Input, p.Owner
	return p.State, nil
}
