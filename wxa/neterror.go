package wxa

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"
)

// UnavailableError is a call that got no answer from WeChat. It matches
// ErrUnavailable. Its text names the host as configured and the class of
// failure only: the transport's own message would carry the resolved
// address, the resolver's address or the URL with the token or secret.
type UnavailableError struct {
	Host   string // host of the configured base URL, never a resolved address
	Reason string // "connection refused", "DNS lookup failed", "TLS handshake failed", "timed out", …
	// sent is false when the request surely never reached the host, so
	// sending it elsewhere cannot charge anything twice.
	sent bool
}

func (e *UnavailableError) Error() string {
	return "wxa: WeChat unavailable: " + e.Host + ": " + e.Reason
}

func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// unreachable turns a transport error into an UnavailableError for host.
// It keeps none of err's text.
func unreachable(host string, err error) *UnavailableError {
	e := &UnavailableError{Host: host, sent: true}
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		hdrErr  tls.RecordHeaderError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &dnsErr):
		e.Reason, e.sent = "DNS lookup failed", false
	case errors.As(err, &certErr), errors.As(err, &hdrErr), errors.As(err, &authErr),
		errors.As(err, &hostErr), errors.As(err, &invErr):
		// The handshake comes before any byte of the request.
		e.Reason, e.sent = "TLS handshake failed", false
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.sent = false
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			e.Reason = "connection refused"
		case opErr.Timeout():
			e.Reason = "connect timed out"
		default:
			e.Reason = "cannot connect"
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason, e.sent = "connection refused", false
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e.Reason = "timed out"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Reason = "connection reset"
	default:
		e.Reason = "network error"
	}
	return e
}
