package poster

import (
	"context"
	"errors"
	"image"
	"image/color"
)

// The engine's ports to the outside world are sources: ImageSource for
// remote images and CodeSource for mini-program codes. Both are called only
// by Fetch.

// ImageSource fetches a remote image (an avatar, a product photo) named by
// an http(s) URL. The service supplies one with its own safety limits; the
// default engine has none and refuses remote URLs.
type ImageSource interface {
	LoadImage(ctx context.Context, url string) (image.Image, error)
}

// CodeRequest says which mini-program code a code element wants. Either
// Page+Scene (the unlimited kind) or Path (the limited kind) is set.
type CodeRequest struct {
	Page        string
	Scene       string
	Path        string
	Width       int // pixels the code is requested at (WeChat: 280–1280)
	LineColor   color.RGBA
	AutoColor   bool
	Transparent bool
	EnvVersion  string // release (default), trial or develop
	// App names the mini program the code opens: the layout's app, else
	// the one the request named; "" is the default app. A source with one
	// app ignores it.
	App string
}

// CodeSource produces the image of a mini-program code. The default source
// draws a standard QR code of the page and scene; the WeChat client supplies
// real codes.
type CodeSource interface {
	Code(ctx context.Context, req CodeRequest) (image.Image, error)
}

// ErrAppMismatch: a request named another mini program than the one its
// layout makes codes for. The layout wins by refusing: a code for a page
// of one app opens nothing in another.
var ErrAppMismatch = errors.New("the request names another app than its layout")
