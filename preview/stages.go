package preview

import (
	"context"

	"github.com/haibao/haibao/poster"
)

// TODO(merge): the engine's staged API (poster.Bind/Fetch/Draw, poster.MaxScale)
// replaces this file.

const maxScale = 4.0

type boundDoc struct {
	l    *poster.Layout
	data map[string]any
	opt  poster.RenderOptions
}

func (d *boundDoc) NeedsFetch() bool { return false }

func (p *Preview) bind(l *poster.Layout, data map[string]any, opt poster.RenderOptions) (*boundDoc, error) {
	return &boundDoc{l: l, data: data, opt: opt}, nil
}

func (p *Preview) fetchDoc(ctx context.Context, d *boundDoc) error { return nil }

func (p *Preview) draw(ctx context.Context, d *boundDoc) (*poster.Result, error) {
	return p.cfg.Engine.Render(ctx, d.l, d.data, d.opt)
}
