package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// The classes of failure. Each is safe to show to whoever sent the URL;
// the engine prefixes the field ("avatar: address not allowed").
var (
	ErrAddressNotAllowed = errors.New("address not allowed")
	ErrSchemeNotAllowed  = errors.New("scheme not allowed")
	ErrBadURL            = errors.New("not a usable URL")
	ErrTooLarge          = errors.New("too large")
	ErrTimedOut          = errors.New("timed out")
	ErrNotImage          = errors.New("not an image")
	ErrFetchFailed       = errors.New("fetch failed")
)

// Error is a failed fetch. Its text never holds an IP address or a host
// name: Go's network errors name the address dialled ("dial tcp
// 10.0.0.1:80") and the resolver ("lookup x on 127.0.0.53:53"), which would
// tell an outsider about the service's network, so they are reduced to a
// fixed wording here.
type Error struct {
	Reason error  // one of the Err… classes above
	Detail string // a little more, for logs and callers; may be empty
	cause  error  // the picture error behind ErrTooLarge or ErrNotImage
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Public is the class alone ("address not allowed"), for a caller that
// shows failures as "<field>: <class>" and does not import this package:
// it can match any error with a Public() string method.
func (e *Error) Public() string { return e.Reason.Error() }

// Unwrap gives the class, and the picture package's error for images
// refused by their content (picture.ErrTooLarge, picture.ErrUnsupported).
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.cause}
}

func fail(reason error, detail string) *Error { return &Error{Reason: reason, Detail: detail} }

// netError turns an error of the HTTP client into an *Error worded without
// addresses. Refusals raised by this package (in the dialer or on a
// redirect) come back as they were made.
func netError(err error) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fail(ErrTimedOut, "")
	case errors.Is(err, context.Canceled):
		return fail(ErrFetchFailed, "cancelled")
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return fail(ErrFetchFailed, "host not found")
		}
		return fail(ErrFetchFailed, "host lookup failed")
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fail(ErrFetchFailed, "connection refused")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return fail(ErrFetchFailed, "connection reset")
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fail(ErrFetchFailed, "host unreachable")
	case isTLS(err):
		return fail(ErrFetchFailed, "TLS handshake failed")
	}
	return fail(ErrFetchFailed, "network error")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLS(err error) bool {
	var (
		rh    tls.RecordHeaderError
		alert tls.AlertError
		ver   *tls.CertificateVerificationError
		unk   x509.UnknownAuthorityError
		host  x509.HostnameError
		inv   x509.CertificateInvalidError
	)
	return errors.As(err, &rh) || errors.As(err, &alert) || errors.As(err, &ver) ||
		errors.As(err, &unk) || errors.As(err, &host) || errors.As(err, &inv)
}
