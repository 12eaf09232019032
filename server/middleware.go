package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

const requestIDKey = "request_id"

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accessLog gives each request an id (kept from X-Request-Id when sane),
// logs one JSON line per request and counts it.
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
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "request_id", requestID(c), "panic", v, "stack", string(debug.Stack()))
			abort(c, newError(http.StatusInternalServerError, CodeInternal, "internal error"))
		}
	}()
	c.Next()
}

// requireKey checks Authorization: Bearer KEY when keys are configured.
func (s *Server) requireKey(c *gin.Context) {
	if len(s.cfg.APIKeys) == 0 {
		return
	}
	h := c.GetHeader("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || key == "" {
		abort(c, newError(http.StatusUnauthorized, CodeUnauthorized, "send Authorization: Bearer <API key>"))
		return
	}
	for _, k := range s.cfg.APIKeys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			return
		}
	}
	abort(c, newError(http.StatusForbidden, CodeForbidden, "unknown API key"))
}
