package editor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/haibao/haibao/layoutedit"
	"github.com/haibao/haibao/poster"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type apiError struct {
	Error    string    `json:"error"`
	Problems []problem `json:"problems,omitempty"`
	Conflict bool      `json:"conflict,omitempty"`
	Digest   string    `json:"digest,omitempty"` // the file's digest now, on a conflict
}

// problem is a poster.Problem as the page reads it.
type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

func problems(ps []poster.Problem) []problem {
	out := make([]problem, len(ps))
	for i, p := range ps {
		out[i] = problem{File: p.File, Line: p.Line, Col: p.Col, Message: p.Message}
	}
	return out
}

// refusedError is a change the engine would reject: the file keeps its
// valid version.
type refusedError struct{ ve *poster.ValidationError }

func (e *refusedError) Error() string { return e.ve.Error() }

// fail answers with the public side of err; anything unexpected is logged
// and answered with a generic message.
func (e *Editor) fail(w http.ResponseWriter, r *http.Request, err error) {
	var le *layoutedit.Error
	var ce *layoutedit.ConflictError
	var ve *poster.ValidationError
	var re *refusedError
	switch {
	case errors.As(err, &ce):
		writeJSON(w, http.StatusConflict, apiError{Error: ce.Error(), Conflict: true, Digest: ce.Digest})
	case errors.As(err, &re):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "the change would make the layout invalid: " + re.ve.Problems[0].Message, Problems: problems(re.ve.Problems)})
	case errors.As(err, &ve):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "the layout has problems: " + ve.Problems[0].Message, Problems: problems(ve.Problems)})
	case errors.As(err, &le):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: le.Msg})
	case errors.Is(err, layoutedit.ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such layout"})
	default:
		e.cfg.Logger.Error("editor request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "internal error; see the log"})
	}
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &layoutedit.Error{Msg: "bad request body: " + err.Error()}
	}
	return nil
}

func (e *Editor) meta(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"schema": json.RawMessage(e.schema),
		"fonts":  e.cfg.Engine.Fonts(),
		"assets": e.cfg.Engine.Assets(),
	})
}

func (e *Editor) list(w http.ResponseWriter, r *http.Request) {
	ents, err := os.ReadDir(e.store.Dir())
	if err != nil {
		e.fail(w, r, err)
		return
	}
	names := []string{}
	for _, ent := range ents {
		n := ent.Name()
		if ext := filepath.Ext(n); !ent.IsDir() && (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(n, ".") {
			names = append(names, strings.TrimSuffix(n, ext))
		}
	}
	sort.Strings(names)
	writeJSON(w, http.StatusOK, names)
}

// element is one element as the page sees it: its keys as written.
type element struct {
	Index int            `json:"index"`
	ID    string         `json:"id"`  // as written; empty when the file gives none
	Key   string         `json:"key"` // the id the engine uses: ID, or type-N
	Type  string         `json:"type"`
	Props map[string]any `json:"props"`
}

// state is what the page needs to show a layout file.
type state struct {
	Name     string         `json:"name"`
	Digest   string         `json:"digest"`
	Source   string         `json:"source"`
	Elements []element      `json:"elements"`
	Canvas   map[string]any `json:"canvas,omitempty"`
	Fields   []poster.Field `json:"fields"`
	Sample   map[string]any `json:"sample"`
	Cases    []string       `json:"cases"` // data cases to render: sample, then stress cases
	Problems []problem      `json:"problems,omitempty"`
}

func (e *Editor) state(name string, src []byte) (*state, error) {
	st := &state{Name: name, Digest: layoutedit.Digest(src), Source: string(src), Elements: []element{}, Fields: []poster.Field{}, Cases: []string{"sample"}}
	var doc struct {
		Canvas   map[string]any   `yaml:"canvas"`
		Elements []map[string]any `yaml:"elements"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		st.Problems = []problem{{File: name, Message: err.Error()}}
		return st, nil
	}
	st.Canvas = doc.Canvas
	for i, el := range doc.Elements {
		id, _ := el["id"].(string)
		typ, _ := el["type"].(string)
		key := id
		if key == "" {
			key = typ + "-" + strconv.Itoa(i+1) // the engine's default, see poster's decoder
		}
		st.Elements = append(st.Elements, element{Index: i, ID: id, Key: key, Type: typ, Props: el})
	}
	l, err := e.parse(name, src)
	var ve *poster.ValidationError
	switch {
	case errors.As(err, &ve):
		st.Problems = problems(ve.Problems)
	case err != nil:
		return nil, err
	default:
		st.Fields, st.Sample = l.Fields, l.Sample
		if st.Fields == nil {
			st.Fields = []poster.Field{}
		}
		for _, c := range l.StressData() {
			st.Cases = append(st.Cases, c.Name)
		}
	}
	return st, nil
}

func (e *Editor) parse(name string, src []byte) (*poster.Layout, error) {
	file, err := e.store.File(name)
	if err != nil {
		return nil, err
	}
	return e.cfg.Engine.ParseLayout(os.DirFS(e.store.Dir()), file, src)
}

func (e *Editor) get(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	src, _, err := e.store.Read(name)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	st, err := e.state(name, src)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// save writes src over the file the page loaded as digest, if the engine
// accepts it, and answers with the new state.
func (e *Editor) save(w http.ResponseWriter, r *http.Request, name, digest string, src []byte) {
	check := func(b []byte) error {
		_, err := e.parse(name, b)
		var ve *poster.ValidationError
		if errors.As(err, &ve) {
			return &refusedError{ve}
		}
		return err
	}
	if _, err := e.store.Write(name, digest, src, check); err != nil {
		e.fail(w, r, err)
		return
	}
	e.cfg.Logger.Info("layout saved", "layout", name, "bytes", len(src))
	st, err := e.state(name, src)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (e *Editor) edit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Digest string          `json:"digest"`
		Ops    []layoutedit.Op `json:"ops"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		e.fail(w, r, err)
		return
	}
	if len(req.Ops) == 0 || len(req.Ops) > MaxOps {
		e.fail(w, r, &layoutedit.Error{Msg: fmt.Sprintf("an edit holds 1 to %d operations", MaxOps)})
		return
	}
	name := r.PathValue("name")
	src, digest, err := e.store.Read(name)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	if digest != req.Digest {
		e.fail(w, r, &layoutedit.ConflictError{Current: src, Digest: digest})
		return
	}
	out, err := layoutedit.Apply(src, req.Ops...)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	e.save(w, r, name, digest, out)
}

// putSource replaces the whole file: undo and redo put back bytes the page
// saw before, so they come back exactly.
func (e *Editor) putSource(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Digest string `json:"digest"`
		Source string `json:"source"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		e.fail(w, r, err)
		return
	}
	e.save(w, r, r.PathValue("name"), req.Digest, []byte(req.Source))
}
