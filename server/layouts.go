package server

import (
	"fmt"
	"sort"

	"github.com/haibao/haibao/poster"
)

// Layouts is where the service finds its layouts: a fixed set, or a
// catalog that reloads them when their files change and keeps the versions
// that signed URLs may still name (package catalog).
type Layouts interface {
	Layout(name string) (*poster.Layout, bool)
	Layouts() []*poster.Layout
	// Problems are what is wrong with the files as they are now; a layout
	// with problems keeps serving its last good version.
	Problems() []poster.Problem
	// Version returns the layout at an exact version, current or kept.
	Version(name, version string) (*poster.Layout, error)
}

// fixedLayouts is a set that never changes.
type fixedLayouts map[string]*poster.Layout

func newFixedLayouts(ls []*poster.Layout) fixedLayouts {
	m := fixedLayouts{}
	for _, l := range ls {
		m[l.Name] = l
	}
	return m
}

func (f fixedLayouts) Layout(name string) (*poster.Layout, bool) { l, ok := f[name]; return l, ok }

func (f fixedLayouts) Layouts() []*poster.Layout {
	out := make([]*poster.Layout, 0, len(f))
	for _, l := range f {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (fixedLayouts) Problems() []poster.Problem { return nil }

func (f fixedLayouts) Version(name, version string) (*poster.Layout, error) {
	if l, ok := f[name]; ok && l.Version() == version {
		return l, nil
	}
	return nil, fmt.Errorf("layout %q has no version %q", name, version)
}
