package wxa

import (
	"errors"
	"fmt"
)

// Error classes callers branch on with errors.Is.
var (
	ErrInvalidArgument = errors.New("wxa: invalid argument")       // fix the request; retrying will not help
	ErrTokenInvalid    = errors.New("wxa: access_token invalid")   // the token was refused
	ErrRateLimited     = errors.New("wxa: rate limited")           // back off and retry later
	ErrQuotaExhausted  = errors.New("wxa: lifetime quota reached") // permanent for this app and API
	ErrBusy            = errors.New("wxa: WeChat busy")            // transient; retried already
	ErrNoPermission    = errors.New("wxa: no permission")          // app or env_version configuration
	ErrCredentials     = errors.New("wxa: bad app credentials")    // appid, secret or IP whitelist
	ErrUpstream        = errors.New("wxa: unexpected WeChat answer")
	// ErrUnavailable: WeChat could not be reached or did not answer in
	// time (connection refused, DNS failure, TLS failure, timeout). The
	// caller's own deadline running out is context.DeadlineExceeded
	// instead.
	ErrUnavailable = errors.New("wxa: WeChat unavailable")
)

// APIError is an error answered by WeChat as {"errcode": N, "errmsg": "…"}.
type APIError struct {
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat errcode %d: %s", e.Code, e.Msg)
}

// Is maps WeChat's error codes to the classes above.
func (e *APIError) Is(target error) bool {
	return classOf(e.Code) == target
}

func classOf(code int) error {
	switch code {
	case -1:
		return ErrBusy
	case 40001, 40014, 42001, 41001:
		return ErrTokenInvalid
	case 40097, 47001, 40129, 40169, 40159, 41030, 40189, 85096, 44990:
		return ErrInvalidArgument
	case 45009, 45011:
		return ErrRateLimited
	case 45029:
		return ErrQuotaExhausted
	case 45063, 48001, 61007:
		return ErrNoPermission
	case 40013, 40125, 40164, 89503, 89501, 40002:
		return ErrCredentials
	}
	return ErrUpstream
}

// RequestError is a request refused before any call: WeChat would refuse it
// too, so it costs nothing. It matches ErrInvalidArgument.
type RequestError struct {
	Field  string
	Reason string
}

func (e *RequestError) Error() string { return "wxa: " + e.Field + ": " + e.Reason }

func (e *RequestError) Is(target error) bool { return target == ErrInvalidArgument }
