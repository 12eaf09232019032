package poster

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime/debug"
	"sync"

	"github.com/haibao/haibao/poster/picture"
)

// PanicError is a panic recovered in one of the engine's own goroutines,
// returned as an error so one bad render cannot take the process down.
type PanicError struct {
	Element string
	Value   any
	Stack   []byte
}

func (p *PanicError) Error() string {
	return fmt.Sprintf("poster: element %q: panic while loading: %v", p.Element, p.Value)
}

// Fetch loads what a document still needs from outside: remote images,
// data: URL images, embedded assets named by data, and codes. It does
// little CPU work beyond decoding, so a service calls it outside its render
// slots. Loads run concurrently, at most maxFetchesPerRender at once.
func (e *Engine) Fetch(ctx context.Context, d *Doc) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxFetchesPerRender)
	// One slot per element (and the background, last), so problems are
	// reported in document order whatever order the loads finish in.
	errs := make([]error, len(d.items)+1)
	run := func(slot int, id string, load func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[slot] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					errs[slot] = &PanicError{Element: id, Value: r, Stack: debug.Stack()}
				}
			}()
			errs[slot] = load()
		}()
	}
	if d.bg.set && d.bg.img == nil {
		run(len(d.items), "background", func() (err error) {
			d.bg.img, err = e.image(ctx, d.layout, "background", d.layout.m.bg.image.src, d.bg.src)
			return err
		})
	}
	for i := range d.items {
		it := &d.items[i]
		if it.hidden || it.img != nil {
			continue
		}
		switch it.el.kind {
		case KindImage:
			run(i, it.el.id, func() (err error) {
				it.img, err = e.image(ctx, d.layout, it.el.id, it.el.image.src, it.src)
				return err
			})
		case KindCode:
			run(i, it.el.id, func() error {
				img, err := e.codes.Code(ctx, it.req)
				if err != nil {
					return &CodeError{Element: it.el.id, Err: err}
				}
				it.img = img
				return nil
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// image loads the image ref names for element id; t is the source template,
// to name the data field in errors.
func (e *Engine) image(ctx context.Context, l *Layout, id string, t tmpl, ref imageRef) (image.Image, error) {
	if ref.origin == OriginLayout {
		if img := l.res.images[ref.ref]; img != nil {
			return img, nil
		}
	}
	fail := func(reason string, err error) error {
		return &DataError{Element: id, Field: firstField(t), Reason: reason, Err: err}
	}
	switch ref.kind {
	case srcAsset:
		img, err := e.asset(ref.assetName())
		if err != nil {
			return nil, fail(err.Error(), nil)
		}
		return img, nil
	case srcData:
		img, err := picture.DecodeDataURL(ref.ref, imageLimits())
		if err != nil {
			return nil, fail("data URL is not a usable image", err)
		}
		return img, nil
	case srcRemote:
		if e.cfg.Images == nil {
			return nil, fail("remote images are not enabled here", nil)
		}
		img, err := e.cfg.Images.LoadImage(ctx, ref.ref)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fail("image could not be loaded", err)
		}
		return img, nil
	}
	// A layout file is loaded with the layout; reaching here means the
	// layout changed its mind, which cannot happen. Refuse rather than read.
	return nil, fail("must be an http(s) URL, a data: URL or asset:NAME", nil)
}
