package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haibao/haibao/internal/admission"
	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
)

// Error codes of the JSON error body; openapi.yaml lists the same.
const (
	CodeBadRequest      = "bad_request"
	CodeInvalidData     = "invalid_data"
	CodeUnauthorized    = "unauthorized"
	CodeForbidden       = "forbidden"
	CodeLayoutNotFound  = "layout_not_found"
	CodeNotFound        = "not_found"
	CodeBodyTimeout     = "body_timeout"
	CodeBodyTooLarge    = "body_too_large"
	CodeUnusableData    = "unusable_data"
	CodeOverloaded      = "overloaded"
	CodeWeChatError     = "wechat_error"
	CodeWeChatBusy      = "wechat_unavailable"
	CodeUpstreamTimeout = "upstream_timeout"
	CodeInternal        = "internal"
	CodeUnscannable     = "unscannable_code"
	CodeVersionGone     = "layout_version_gone"
	CodeNoStorage       = "storage_not_configured"
	CodeStorage         = "storage_unavailable"
	CodeJobNotFinished  = "job_not_finished"
	CodeJobsUnavailable = "jobs_unavailable"
	CodeUnknownApp      = "unknown_app"
)

// ErrorCodes lists every code the service answers with.
var ErrorCodes = []string{CodeBadRequest, CodeInvalidData, CodeUnauthorized, CodeForbidden, CodeLayoutNotFound, CodeNotFound,
	CodeBodyTimeout, CodeBodyTooLarge, CodeUnusableData, CodeOverloaded, CodeWeChatError, CodeWeChatBusy, CodeUpstreamTimeout, CodeInternal, CodeUnscannable, CodeVersionGone,
	CodeNoStorage, CodeStorage, CodeJobNotFinished, CodeJobsUnavailable, CodeUnknownApp}

// StatusClientClosed is logged for a request whose client went away before
// the answer was ready (nginx's convention); nobody receives it.
const StatusClientClosed = 499

// apiError is an error with the status and public message it is answered
// with; the internal error stays in the log.
type apiError struct {
	status  int
	code    string
	message string
	details any // listed in the answer, when set
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

var (
	errOverloaded = newError(http.StatusTooManyRequests, CodeOverloaded, "too many posters in progress; retry shortly")
	errInternal   = newError(http.StatusInternalServerError, CodeInternal, "internal error")
)

// classify maps an error of the engine, the WeChat client or the service
// to what the client is told. Anything the WeChat side returns that is not
// a known class means WeChat could not be reached: 503, never 500.
func classify(err error) *apiError {
	var ae *apiError
	var dp poster.DataProblems
	var de *poster.DataError
	var ce *poster.CodeError
	var we *wxa.APIError
	var ue *wxa.UnknownAppError
	switch {
	case errors.As(err, &ae):
		return ae
	case panicked(err) != nil:
		return errInternal
	case errors.Is(err, admission.ErrOverloaded):
		return errOverloaded
	case errors.Is(err, context.DeadlineExceeded):
		return newError(http.StatusGatewayTimeout, CodeUpstreamTimeout, "the poster could not be made in time")
	case errors.As(err, &dp):
		e := newError(http.StatusBadRequest, CodeInvalidData, "%v", dp)
		e.details = []poster.FieldProblem(dp)
		return e
	case errors.Is(err, poster.ErrInvalidScale):
		return newError(http.StatusBadRequest, CodeInvalidData, "scale: %v", err)
	case errors.As(err, &de):
		return newError(http.StatusUnprocessableEntity, CodeUnusableData, "%s", de.Error())
	case errors.Is(err, poster.ErrAppMismatch):
		return newError(http.StatusBadRequest, CodeInvalidData, "app: %s", strings.TrimPrefix(err.Error(), "poster: "+poster.ErrAppMismatch.Error()+": "))
	case errors.As(err, &ue):
		return newError(http.StatusUnprocessableEntity, CodeUnknownApp, "%v", ue)
	case errors.Is(err, poster.ErrCanvasTooLarge):
		return newError(http.StatusUnprocessableEntity, CodeUnusableData, "%v", err)
	case errors.Is(err, wxa.ErrInvalidArgument):
		return newError(http.StatusUnprocessableEntity, CodeUnusableData, "mini-program code: %v", publicWeChat(err))
	case errors.Is(err, wxa.ErrUnavailable):
		return errWeChatUnreachable
	case errors.Is(err, wxa.ErrBusy), errors.Is(err, wxa.ErrRateLimited), errors.Is(err, wxa.ErrQuotaExhausted):
		return newError(http.StatusServiceUnavailable, CodeWeChatBusy, "WeChat cannot make codes right now: %v", publicWeChat(err))
	case errors.As(err, &we), errors.Is(err, wxa.ErrTokenInvalid), errors.Is(err, wxa.ErrCredentials),
		errors.Is(err, wxa.ErrNoPermission), errors.Is(err, wxa.ErrUpstream):
		return newError(http.StatusBadGateway, CodeWeChatError, "WeChat refused the code: %v", publicWeChat(err))
	case errors.As(err, &ce):
		return errWeChatUnreachable
	}
	return errInternal
}

// panicked returns the stack of a panic recovered in a shared load or in
// the engine's fetch and draw, or nil.
func panicked(err error) []byte {
	var ce *cache.PanicError
	var pe *poster.PanicError
	switch {
	case errors.As(err, &pe):
		return pe.Stack
	case errors.As(err, &ce):
		return ce.Stack
	}
	return nil
}

var errWeChatUnreachable = newError(http.StatusServiceUnavailable, CodeWeChatBusy, "WeChat cannot be reached right now; retry shortly")

// classifyWeChat is classify for a call the service made to WeChat itself.
func classifyWeChat(err error) *apiError {
	if ae := classify(err); ae != errInternal {
		return ae
	}
	return errWeChatUnreachable
}

// publicWeChat is the part of a WeChat error a client may see: the errcode
// and WeChat's words, or the class of failure. Never the text of a network
// error: it names addresses (a resolver's, a proxy's, an internal host's).
func publicWeChat(err error) string {
	var we *wxa.APIError
	if errors.As(err, &we) {
		return fmt.Sprintf("errcode %d (%s)", we.Code, we.Msg)
	}
	var re *wxa.RequestError
	if errors.As(err, &re) {
		return re.Field + " " + re.Reason
	}
	if errors.Is(err, wxa.ErrUnavailable) {
		return "WeChat cannot be reached"
	}
	for _, class := range []error{wxa.ErrInvalidArgument, wxa.ErrTokenInvalid, wxa.ErrRateLimited, wxa.ErrQuotaExhausted,
		wxa.ErrBusy, wxa.ErrNoPermission, wxa.ErrCredentials, wxa.ErrUpstream} {
		if errors.Is(err, class) {
			return class.Error()
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return "WeChat cannot be reached"
}

type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id,omitempty"`
		// Details lists each bad field (invalid_data) or each finding that
		// makes a code unscannable (unscannable_code).
		Details any `json:"details,omitempty"`
	} `json:"error"`
}

// abort answers err as JSON and records it for the access log. When the
// client has gone away there is no one to answer: the request is logged
// with status 499 and nothing is written.
func abort(c *gin.Context, err error) {
	if c.Request.Context().Err() == context.Canceled && !errors.As(err, new(*apiError)) {
		_ = c.Error(err)
		c.Abort()
		c.Status(StatusClientClosed)
		return
	}
	answer(c, classify(err), err)
}

// answer writes ae; err, the internal cause, goes to the access log only.
func answer(c *gin.Context, ae *apiError, err error) {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.RequestID = ae.code, ae.message, requestID(c)
	if ae.details != nil {
		b.Error.Details = ae.details
	}
	if ae.status == http.StatusServiceUnavailable || ae.status == http.StatusTooManyRequests {
		retry := "5"
		if d, ok := wxa.RetryAfter(err); ok {
			// The limiter knows when the next call may go out.
			retry = strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
		}
		c.Header("Retry-After", retry)
	}
	c.Header("Cache-Control", "no-store")
	_ = c.Error(err)
	c.AbortWithStatusJSON(ae.status, b)
}

// errUnknownApp answers a request naming a mini program that is not
// configured; the names that are can be listed, they are not secret.
func errUnknownApp(name string, apps *wxa.Apps) *apiError {
	return newError(http.StatusUnprocessableEntity, CodeUnknownApp, "%v", &wxa.UnknownAppError{Name: name, Known: apps.Names()})
}
