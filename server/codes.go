package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haibao/haibao/wxa"
)

func (s *Server) getCode(c *gin.Context) {
	width := wxa.DefaultWidth
	if v := c.Query("width"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			abort(c, newError(http.StatusBadRequest, CodeInvalidData, "width must be a whole number"))
			return
		}
		width = n
	}
	req := wxa.CodeRequest{Page: c.Query("page"), Scene: c.Query("scene"), Width: width, EnvVersion: wxa.EnvVersion(c.Query("env_version"))}
	app := c.Query("app")
	if !s.apps.Has(app) {
		abort(c, errUnknownApp(app, s.apps))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	code, err := s.code(ctx, app, req)
	if err != nil {
		var re *wxa.RequestError
		switch {
		case errors.As(err, &re):
			abort(c, newError(http.StatusBadRequest, CodeInvalidData, "%s: %s", re.Field, re.Reason))
		case c.Request.Context().Err() != nil:
			abort(c, err)
		default:
			answer(c, classifyWeChat(err), err)
		}
		return
	}
	if c.GetBool(authenticatedKey) {
		c.Header("Cache-Control", "private, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	}
	s.send(c, "image/"+code.Format, code.Data)
}

// code asks WeChat under the fetch bound: a code is I/O, not a render.
func (s *Server) code(ctx context.Context, app string, req wxa.CodeRequest) (*wxa.Code, error) {
	release, err := s.fetches.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.apps.Code(ctx, app, req)
}

// ready says whether the service can make posters. Its answer is open to
// anyone, so a problem is named by its class only: never an address, a
// resolver or the text of a dial error.
func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	problems := []string{}
	ls := s.layouts.Layouts()
	if len(ls) == 0 {
		problems = append(problems, "no layouts loaded")
	}
	if err := s.apps.Ready(ctx); err != nil {
		problems = append(problems, "WeChat access_token: "+publicWeChat(err))
		_ = c.Error(err) // the whole error, for the operator's log
	}
	body := gin.H{"status": "ready", "layouts": len(ls)}
	// A layout file that turned invalid keeps its last good version
	// serving: the instance stays ready and says which files need a fix.
	if ps := s.layouts.Problems(); len(ps) > 0 {
		files := make([]string, len(ps))
		for i, p := range ps {
			files[i] = p.String()
		}
		body["layout_problems"] = files
	}
	if s.clusterMode != nil {
		// Local mode is degraded (a budget share, no shared cache), not
		// unready: the instance still serves.
		body["cluster_mode"] = s.clusterMode()
	}
	if len(problems) > 0 {
		body["status"], body["problems"] = "not ready", problems
		c.JSON(http.StatusServiceUnavailable, body)
		return
	}
	c.JSON(http.StatusOK, body)
}
