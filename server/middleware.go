package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/haibao/haibao/jobs"
)

const (
	requestIDKey     = "request_id"
	authenticatedKey = "authenticated" // set when the request carried a valid API key
	keyIDKey         = "key_id"        // an opaque id of that key, for owning jobs
)

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accessLog gives each request an id (kept from X-Request-Id when sane),
// logs one JSON line per request and counts it. Server faults are logged
// at error; a client's faults, and clients that went away (499), at info.
func (s *Server) accessLog(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if len(id) == 0 || len(id) > 64 || strings.ContainsAny(id, " \t\r\n\"") {
		id = newRequestID()
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-Id", id)
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	attrs := []any{
		"request_id", id, "method", c.Request.Method, "route", route, "status", status,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "bytes", c.Writer.Size(),
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, "err", c.Errors.Last().Err.Error())
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.Request.Context(), level, "request", attrs...)
}

// recoverPanic turns a panic into a 500 whose request id is in the log
// with the stack, so no panic reaches a client as a dropped connection.
// Slots and tickets are released by their holders' defers as the panic
// unwinds to here.
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "request_id", requestID(c), "panic", v, "stack", string(debug.Stack()))
			answer(c, errInternal, errInternal)
		}
	}()
	c.Next()
}

// requireKey checks Authorization: Bearer KEY when keys are configured,
// before anything else of the request is read.
func (s *Server) requireKey(c *gin.Context) {
	if len(s.cfg.APIKeys) == 0 {
		return
	}
	key, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || key == "" {
		abort(c, newError(http.StatusUnauthorized, CodeUnauthorized, "send Authorization: Bearer <API key>"))
		return
	}
	s.checkKey(c, key)
}

// requirePreviewKey is requireKey for the preview, which a browser opens:
// it also takes the key as the password of HTTP Basic authentication (any
// user name), so the browser asks for it once and sends it with every
// request of the page, its event stream included.
func (s *Server) requirePreviewKey(c *gin.Context) {
	if len(s.cfg.APIKeys) == 0 {
		return
	}
	key, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok {
		_, key, ok = c.Request.BasicAuth()
	}
	if !ok || key == "" {
		c.Header("WWW-Authenticate", `Basic realm="haibao preview", charset="UTF-8"`)
		abort(c, newError(http.StatusUnauthorized, CodeUnauthorized, "the preview needs an API key: as the password of HTTP Basic authentication, or Authorization: Bearer <API key>"))
		return
	}
	s.checkKey(c, key)
}

func (s *Server) checkKey(c *gin.Context, key string) {
	for _, k := range s.cfg.APIKeys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			c.Set(authenticatedKey, true)
			sum := sha256.Sum256([]byte(key))
			c.Set(keyIDKey, hex.EncodeToString(sum[:8]))
			return
		}
	}
	abort(c, newError(http.StatusForbidden, CodeForbidden, "unknown API key"))
}

// admit takes one of the MaxRequests tickets for the rest of the request,
// before its body is read; without one the request is refused at once.
func (s *Server) admit(c *gin.Context) {
	release, err := s.requests.Acquire(c.Request.Context())
	if err != nil {
		abort(c, err)
		return
	}
	defer release()
	c.Next()
}

// jobsOwner tells the jobs handler which key is asking, replacing
// whatever a client put in the header.
func (s *Server) jobsOwner(c *gin.Context) {
	c.Request.Header.Del(jobs.OwnerHeader)
	if id := c.GetString(keyIDKey); id != "" {
		c.Request.Header.Set(jobs.OwnerHeader, id)
	}
}
