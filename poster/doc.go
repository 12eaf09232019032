// Package poster owns the layout model and the render engine: it parses a
// designer's YAML layout, validates it with file:line:col positions, binds
// one user's data to it, draws the poster and lints the result.
//
// A render runs in stages, each with its own file: decode (decode*.go,
// load.go: YAML to a model, once per layout), bind (bind*.go: the model and
// one request's data to a Doc with every template filled, every image
// source resolved with its origin and every size checked against
// limits.go), fetch (fetch.go: remote images and codes, outside a service's
// render slots), place (place.go), draw (draw.go) and encode (encode.go).
// Lint (lint*.go) reads a drawn Doc.
//
// The engine reaches the outside world only through interfaces it declares
// (ImageSource for remote images, CodeSource for mini-program codes), so it
// never depends on the WeChat client or on the HTTP server.
package poster
