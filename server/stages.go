package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/haibao/haibao/poster"
)

// TODO(merge): the engine's staged API (poster.Bind/Fetch/Draw, poster.MaxScale)
// replaces this file.

const maxScale = 4.0

type boundDoc struct {
	l    *poster.Layout
	data map[string]any
	opt  poster.RenderOptions
	key  string
}

func (d *boundDoc) Key() string      { return d.key }
func (d *boundDoc) NeedsFetch() bool { return false }

func (s *Server) bind(l *poster.Layout, data map[string]any, opt poster.RenderOptions) (*boundDoc, error) {
	h := sha256.New()
	b, _ := json.Marshal(data)
	fmt.Fprintf(h, "%s\x00%s\x00%g\x00", l.Name, l.Digest, opt.Scale)
	h.Write(b)
	return &boundDoc{l: l, data: data, opt: opt, key: hex.EncodeToString(h.Sum(nil))}, nil
}

func (s *Server) fetch(ctx context.Context, d *boundDoc) error { return nil }

func (s *Server) draw(ctx context.Context, d *boundDoc) (*poster.Result, error) {
	return s.engine.Render(ctx, d.l, d.data, d.opt)
}
