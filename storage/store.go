package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// Object is a stored poster as apps see it.
type Object struct {
	Key   string `json:"key"`
	URL   string `json:"url"`
	Bytes int64  `json:"bytes"`
	ETag  string `json:"etag"`
	// Digest is the content digest the object was stored with, when the
	// store keeps one: what tells a resumed run that a named object holds
	// the same poster.
	Digest string `json:"-"`
}

// Store is what Open returns. Put replaces the object whole or not at all;
// Stat says whether it exists (and is not an error when it does not).
type Store interface {
	Put(ctx context.Context, key, contentType string, body []byte, digest string) (Object, error)
	Stat(ctx context.Context, key string) (Object, bool, error)
	URL(key string) string
	String() string // where the store is, safe to log
}

// Error is a failed storage operation. It never holds credentials.
type Error struct {
	Op  string // put or stat
	Key string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("storage: %s %s: %v", e.Op, e.Key, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// ErrBadKey is returned for a key that is not a plain relative path.
var ErrBadKey = errors.New("key must be a relative path without empty, . or .. parts")

// MaxKeyBytes bounds a key; S3 allows 1024 bytes with the prefix.
const MaxKeyBytes = 900

// CheckKey says whether key is a usable object key: a relative slash
// path, no empty, "." or ".." parts, no backslashes or control characters.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyBytes || !utf8.ValidString(key) || strings.ContainsAny(key, "\\\x00") {
		return ErrBadKey
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return ErrBadKey
		}
		for _, r := range seg {
			if r < 0x20 || r == 0x7f {
				return ErrBadKey
			}
		}
	}
	return nil
}

// PosterKey is the content-addressed key of a poster: the layout's name
// and version keep campaigns apart and make old designs easy to expire;
// digest names the exact bytes, so the same poster is stored once. The
// version is cut to 16 characters to keep keys readable: that many hex
// digits do not collide among one layout's versions.
func PosterKey(layout, version, digest, ext string) string {
	if len(version) > 16 {
		version = version[:16]
	}
	return path.Join("posters", layout, version, digest+"."+ext)
}

// joinURL appends a slash key to a base URL, escaping each part.
func joinURL(base, key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(base, "/") + "/" + strings.Join(segs, "/")
}
