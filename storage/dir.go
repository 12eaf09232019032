package storage

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/haibao/haibao/internal/atomicfile"
)

// Dir stores objects as files under a folder.
type Dir struct {
	root   string
	public string
}

// OpenDir uses (and creates) the folder root. Without a public base URL,
// URLs are file:// URLs.
func OpenDir(root, publicURL string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Dir{root: abs, public: publicURL}, nil
}

func (d *Dir) path(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }

func (d *Dir) String() string { return d.root }

// URL is where an app finds the object.
func (d *Dir) URL(key string) string {
	if d.public != "" {
		return joinURL(d.public, key)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(d.path(key))}).String()
}

// Put writes the file atomically: a reader sees the old file or the whole
// new one. The digest is kept in an extended attribute where the file
// system has them.
func (d *Dir) Put(ctx context.Context, key, contentType string, body []byte, digest string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, &Error{Op: "put", Key: key, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return Object{}, &Error{Op: "put", Key: key, Err: err}
	}
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return Object{}, &Error{Op: "put", Key: key, Err: err}
	}
	sum := md5.Sum(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	err := atomicfile.Write(p, 0o644, func(w io.Writer) error {
		if f, ok := w.(*os.File); ok {
			setAttr(f, etagAttr, etag)
			if digest != "" {
				setAttr(f, digestAttr, digest)
			}
		}
		_, err := w.Write(body)
		return err
	})
	if err != nil {
		return Object{}, &Error{Op: "put", Key: key, Err: err}
	}
	return Object{Key: key, URL: d.URL(key), Bytes: int64(len(body)), ETag: etag, Digest: digest}, nil
}

// Stat reports whether the file exists, with its size, MD5 ETag (as S3
// gives for single-part uploads, kept in an extended attribute so a
// resumed run need not hash every file) and digest.
func (d *Dir) Stat(ctx context.Context, key string) (Object, bool, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, false, &Error{Op: "stat", Key: key, Err: err}
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, false, nil
	}
	if err != nil {
		return Object{}, false, &Error{Op: "stat", Key: key, Err: err}
	}
	defer f.Close()
	o := Object{Key: key, URL: d.URL(key), ETag: getAttr(f, etagAttr), Digest: getAttr(f, digestAttr)}
	if o.ETag != "" {
		st, err := f.Stat()
		if err != nil {
			return Object{}, false, &Error{Op: "stat", Key: key, Err: err}
		}
		o.Bytes = st.Size()
		return o, true, nil
	}
	// Written by something else: hash it for the ETag.
	h := md5.New()
	if o.Bytes, err = io.Copy(h, f); err != nil {
		return Object{}, false, &Error{Op: "stat", Key: key, Err: err}
	}
	o.ETag = `"` + hex.EncodeToString(h.Sum(nil)) + `"`
	return o, true, nil
}
