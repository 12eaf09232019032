package poster

import (
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Origin says who named an image source: the layout file or the request
// data. The two are trusted differently: only a layout may name a file.
type Origin int

const (
	OriginLayout Origin = iota // written in the layout file
	OriginData                 // filled in from request data
)

func (o Origin) String() string {
	if o == OriginData {
		return "data"
	}
	return "layout"
}

// srcKind is what an image source names.
type srcKind int

const (
	srcFile   srcKind = iota // a file relative to the layout
	srcAsset                 // asset:NAME, embedded
	srcData                  // data: URL
	srcRemote                // http(s) URL, through the ImageSource
)

// imageRef is an image source string resolved: what it names and who named
// it. It is the one place that decides what a source string means.
type imageRef struct {
	origin Origin
	kind   srcKind
	ref    string // as written: a path, asset:NAME, a data: URL or a URL
}

// resolveImageRef decides what s names. A source from request data may name
// an embedded asset, a data: URL or an http(s) URL, never a file: request
// data must not reach the file system, not even the layout's own files.
func resolveImageRef(origin Origin, s string) (imageRef, error) {
	r := imageRef{origin: origin, ref: s}
	switch {
	case strings.HasPrefix(s, "asset:"):
		r.kind = srcAsset
	case strings.HasPrefix(s, "data:"):
		r.kind = srcData
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		r.kind = srcRemote
	default:
		r.kind = srcFile
		if origin == OriginData {
			return r, &srcError{"must be an http(s) URL, a data: URL or asset:NAME"}
		}
		if strings.HasPrefix(s, "/") || !fs.ValidPath(path.Clean(s)) {
			return r, &srcError{"image " + strconv.Quote(s) + " must be a path inside the layouts folder, asset:NAME, a data: URL or an http(s) URL"}
		}
	}
	return r, nil
}

// assetName is the NAME of asset:NAME.
func (r imageRef) assetName() string { return strings.TrimPrefix(r.ref, "asset:") }

// filePath is where a layout file reference lives inside the layout's fs.
func (r imageRef) filePath(dir string) string { return path.Join(dir, r.ref) }

// srcError is a problem with an image source, worded for the designer or
// the app that sent the data.
type srcError struct{ msg string }

func (e *srcError) Error() string { return e.msg }
