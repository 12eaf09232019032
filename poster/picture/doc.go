// Package picture decodes, fits, masks and encodes the raster images of a
// poster: photos and avatars coming in, the finished poster going out. It
// checks explicit size limits before it decodes anything.
package picture
