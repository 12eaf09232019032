package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/storage"
)

// Store keeps the posters answered by URL; a storage.Store is one.
type Store interface {
	Put(ctx context.Context, key, contentType string, body []byte, digest string) (storage.Object, error)
	Stat(ctx context.Context, key string) (storage.Object, bool, error)
}

// storedPoster is the answer to "response": "url".
type storedPoster struct {
	URL    string `json:"url"`
	Key    string `json:"key"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int64  `json:"bytes"`
	ETag   string `json:"etag"`
}

var errNoStorage = newError(http.StatusBadRequest, CodeNoStorage,
	`"response": "url" stores the poster, and this service has no storage (set HAIBAO_STORAGE_URL)`)

// store keeps the poster under its content-addressed key, once: a key the
// store already holds is answered without rendering, and identical
// requests in flight share one render and one upload.
func (s *Server) store(ctx context.Context, doc *poster.Doc, opt poster.EncodeOptions, outputKey string) (storage.Object, error) {
	if s.storage == nil {
		return storage.Object{}, errNoStorage
	}
	l := doc.Layout()
	key := storage.PosterKey(l.Name, l.Version(), outputKey, opt.Format.Ext())
	return s.stored.Do(ctx, key, func(ctx context.Context) (storage.Object, error) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
		obj, ok, err := s.storage.Stat(ctx, key)
		if err != nil {
			s.log.WarnContext(ctx, "poster store failed", "err", err)
			return obj, storageError(err)
		}
		if ok {
			s.metrics.stored.WithLabelValues("existing").Inc()
			return obj, nil
		}
		m, err := s.cache.Do(ctx, etagOf(outputKey), func(ctx context.Context) (made, error) {
			return s.make(ctx, doc, opt)
		})
		if err != nil {
			return storage.Object{}, err
		}
		obj, err = s.storage.Put(ctx, key, opt.Format.ContentType(), m.body, outputKey)
		if err != nil {
			s.log.WarnContext(ctx, "poster store failed", "err", err)
			return obj, storageError(err)
		}
		s.metrics.stored.WithLabelValues("stored").Inc()
		return obj, nil
	})
}

// storageError is what a client hears of a failed storage call: that the
// store failed, never where it is or what it answered.
func storageError(err error) error {
	var se *storage.Error
	if errors.As(err, &se) && !errors.Is(err, context.Canceled) {
		return &apiError{status: http.StatusServiceUnavailable, code: CodeStorage, message: "the poster store cannot be reached right now; retry shortly"}
	}
	return err
}

// respondURL answers "response": "url": the stored poster's URL and size.
func (s *Server) respondURL(c *gin.Context, ctx context.Context, doc *poster.Doc, opt poster.EncodeOptions, outputKey string) {
	obj, err := s.store(ctx, doc, opt, outputKey)
	if err != nil {
		s.abortMade(c, err)
		return
	}
	w, h := doc.Size()
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, storedPoster{URL: obj.URL, Key: obj.Key, Width: w, Height: h, Bytes: obj.Bytes, ETag: obj.ETag})
}

// storedCacheBytes bounds the memory of objects known to be stored: about
// 4,000 entries, enough that a campaign's hot posters skip the Stat call.
const storedCacheBytes = 1 << 20

// storedTTL is how long an object is believed stored without asking the
// store again: a bucket's lifecycle rule may expire it.
const storedTTL = time.Hour

func storedSize(o storage.Object) int64 {
	return int64(2*len(o.Key) + len(o.URL) + len(o.ETag) + len(o.Digest) + 64)
}

// uploadTimeout is how long a job's upload may take to arrive; it is
// bigger than a poster request's body (HAIBAO_BODY_TIMEOUT) and bounded so
// a trickling client cannot hold a request slot for long.
const uploadTimeout = 2 * time.Minute

// uploadDeadline bounds the time to read a POST /v1/jobs body.
func (s *Server) uploadDeadline(c *gin.Context) {
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(max(uploadTimeout, s.cfg.BodyTimeout)))
	c.Next()
}

// getStored serves a poster (or a job's output) from a storage folder
// that has no CDN in front of it. Keys are content-addressed, so an
// answer never changes.
func (s *Server) getStored(c *gin.Context) {
	key := strings.TrimPrefix(c.Param("key"), "/")
	if storage.CheckKey(key) != nil {
		abort(c, newError(http.StatusNotFound, CodeNotFound, "no such object"))
		return
	}
	p := filepath.Join(s.storedDir, filepath.FromSlash(key))
	f, err := os.Open(p)
	if err != nil {
		abort(c, newError(http.StatusNotFound, CodeNotFound, "no such object"))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		abort(c, newError(http.StatusNotFound, CodeNotFound, "no such object"))
		return
	}
	if strings.HasPrefix(key, "posters/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeContent(c.Writer, c.Request, path.Base(key), info.ModTime(), f)
}
