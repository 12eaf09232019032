// Package picture decodes, fits, masks and encodes the raster images of a
// poster: photos and avatars coming in, the finished poster going out. It
// checks explicit limits (encoded bytes, pixels, and the memory the decode
// will take, estimated from the headers) before it decodes anything, and
// measures the memory a decoded image holds, so caches charge it alike.
package picture
