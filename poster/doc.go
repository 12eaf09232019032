// Package poster owns the layout model and the render engine: it parses a
// designer's YAML layout, validates it with file:line:col positions, fills
// its templates from one user's data and draws the poster.
//
// The engine reaches the outside world only through interfaces it declares
// (ImageLoader for remote images, CodeSource for mini-program codes), so it
// never depends on the WeChat client or on the HTTP server.
package poster
