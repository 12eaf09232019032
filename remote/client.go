package remote

import (
	"context"
	"net"
	"net/http"
	"time"
)

// NewClient is an HTTP client for the service's other outbound calls to
// addresses an outsider names, such as job webhooks. It refuses the same
// addresses as image fetches unless the host is in allowHosts (which, when
// set, is also the only hosts it calls), follows no redirect (the caller
// sees the 3xx), and never answers with an error naming an address.
// listName names the allowlist in refusals ("webhook hosts").
func NewClient(allowHosts []string, listName string, timeout time.Duration) *http.Client {
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialContext(&net.Dialer{Timeout: min(timeout, 10*time.Second)}),
		TLSHandshakeTimeout:    min(timeout, 10*time.Second),
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
	}
	return &http.Client{
		Transport: guarded{allowHosts: allowHosts, listName: listName, next: transport},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// guarded checks each request's URL before the transport dials, and marks
// the context of an allowlisted host so the dialer lets it through.
type guarded struct {
	allowHosts []string
	listName   string
	next       http.RoundTripper
}

func (g guarded) RoundTrip(req *http.Request) (*http.Response, error) {
	allowed, err := checkURL(req.URL, g.allowHosts, g.listName)
	if err != nil {
		return nil, err
	}
	resp, err := g.next.RoundTrip(req.WithContext(context.WithValue(req.Context(), allowKey{}, allowed)))
	if err != nil {
		return nil, netError(err)
	}
	return resp, nil
}
