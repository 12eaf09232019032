// Package wxcode is the adapter between the poster engine and WeChat: it
// serves the engine's code elements from a wxa client. Building that
// client from HAIBAO_* settings belongs to cmd/haibao.
package wxcode

import (
	"context"
	"fmt"
	"image"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
)

// Source is a poster.CodeSource backed by WeChat: one client, or several
// mini programs picked by the request's app.
type Source struct {
	Client *wxa.Client // the one app; the request's app is not looked at
	Apps   *wxa.Apps   // when set, Client is unused and the app picks the client
}

// client is the client that makes req's code.
func (s Source) client(req poster.CodeRequest) (*wxa.Client, error) {
	if s.Apps == nil {
		return s.Client, nil
	}
	return s.Apps.Client(req.App)
}

// Request turns a poster code request into a WeChat one: page and scene
// use getUnlimited, a path uses get.
func Request(req poster.CodeRequest) wxa.CodeRequest {
	r := wxa.CodeRequest{
		Width:       req.Width,
		AutoColor:   req.AutoColor,
		LineColor:   req.LineColor,
		Transparent: req.Transparent,
		EnvVersion:  wxa.EnvVersion(req.EnvVersion),
	}
	if req.Path != "" {
		r.API, r.Path = wxa.APIGet, req.Path
	} else {
		r.API, r.Page, r.Scene = wxa.APIUnlimited, req.Page, req.Scene
	}
	return r
}

// Code fetches (or reads from the cache) and decodes the code.
func (s Source) Code(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
	c, err := s.client(req)
	if err != nil {
		return nil, err
	}
	code, err := c.Code(ctx, Request(req))
	if err != nil {
		return nil, err
	}
	img, err := code.Image()
	if err != nil {
		return nil, fmt.Errorf("%w: code image: %v", wxa.ErrUpstream, err)
	}
	return img, nil
}
