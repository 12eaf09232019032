package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// MountPreview serves the designers' preview (preview.Handler) under
// /preview/. With API keys set it needs one, as a Bearer token or the
// password of HTTP Basic authentication. Call it before serving; pass the
// Server itself as the preview's Admission so its renders take the same
// tickets, fetch and render slots as /v1/posters.
func (s *Server) MountPreview(h http.Handler) {
	h = http.StripPrefix("/preview", h)
	s.router.GET("/preview", s.requirePreviewKey, func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/preview/") })
	s.router.Any("/preview/*path", s.requirePreviewKey, gin.WrapH(h))
}

// AdmitRequest takes one of the MaxRequests tickets, before a body is read.
func (s *Server) AdmitRequest(ctx context.Context) (release func(), err error) {
	return s.requests.Acquire(ctx)
}

// AdmitFetch takes a fetch slot, for loading remote images and codes.
func (s *Server) AdmitFetch(ctx context.Context) (release func(), err error) {
	return s.fetches.Acquire(ctx)
}

// AdmitRender takes a render slot, for drawing and encoding.
func (s *Server) AdmitRender(ctx context.Context) (release func(), err error) {
	return s.renders.Acquire(ctx)
}
