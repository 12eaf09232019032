package wxa_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

const secretToken = "SECRET_TOKEN_0123456789"

// TestUnreachableIsTyped: every way of not reaching WeChat surfaces as
// ErrUnavailable, from Ready (no token can be had) and from Code (the code
// host fails), with a message that names the configured host and the
// class of failure, never a resolved address, the resolver, the secret or
// the token.
func TestUnreachableIsTyped(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the client leaving
		<-r.Context().Done()
	}))
	defer hang.Close()
	tlsSrv := httptest.NewTLSServer(fake.Handler())
	defer tlsSrv.Close()
	dnsFails := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "api.weixin.example", Server: "10.9.9.9:53", IsNotFound: true}}
	}}}
	short := &http.Client{Timeout: 300 * time.Millisecond}

	tests := []struct {
		name   string
		base   string
		client *http.Client
		reason string
	}{
		{"refused", "http://localhost:1", nil, "connection refused"},
		{"DNS failure", "http://api.weixin.example", dnsFails, "DNS lookup failed"},
		{"TLS failure", tlsSrv.URL, nil, "TLS handshake failed"},
		{"timeout", hang.URL, short, "timed out"},
	}
	for _, tt := range tests {
		var errs []error
		// No token can be had: Ready and Code fail alike.
		c := newClient(t, fake, func(cfg *wxa.Config) { cfg.BaseURL = tt.base; cfg.HTTPClient = tt.client })
		errs = append(errs, c.Ready(context.Background()))
		_, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "r"})
		errs = append(errs, err)
		// A token, but the code host cannot be reached.
		c = newClient(t, fake, func(cfg *wxa.Config) {
			cfg.BaseURL = tt.base
			cfg.HTTPClient = tt.client
			cfg.Tokens = wxa.StaticToken{Fn: func(context.Context) (string, error) { return secretToken, nil }}
		})
		_, err = c.Code(context.Background(), wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a"})
		errs = append(errs, err)
		for i, err := range errs {
			if !errors.Is(err, wxa.ErrUnavailable) {
				t.Errorf("%s #%d: err = %v, want ErrUnavailable", tt.name, i, err)
				continue
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s #%d: an upstream timeout must not read as the caller's deadline: %v", tt.name, i, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.reason) {
				t.Errorf("%s #%d: %q does not say %q", tt.name, i, msg, tt.reason)
			}
			for _, leak := range []string{"127.0.0.1:1", "[::1]", "10.9.9.9", wxatest.DefaultSecret, secretToken, "access_token="} {
				if strings.Contains(msg, leak) {
					t.Errorf("%s #%d: %q leaks %q", tt.name, i, msg, leak)
				}
			}
		}
	}
}

// TestCallersDeadlineIsDeadlineExceeded: when the caller's own deadline
// runs out first, it gets context.DeadlineExceeded (a 504), not
// ErrUnavailable.
func TestCallersDeadlineIsDeadlineExceeded(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hang.Close()
	// The token refresh the caller leaves behind runs on with its own
	// budget (its result serves every caller); keep that short.
	c := newClient(t, fake, func(cfg *wxa.Config) { cfg.BaseURL = hang.URL; cfg.HTTPClient = &http.Client{Timeout: 2 * time.Second} })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := c.Ready(ctx); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, wxa.ErrUnavailable) {
		t.Errorf("Ready: err = %v, want context.DeadlineExceeded", err)
	}
	c = newClient(t, fake, func(cfg *wxa.Config) {
		cfg.BaseURL = hang.URL
		cfg.Tokens = wxa.StaticToken{Fn: func(context.Context) (string, error) { return secretToken, nil }}
	})
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Code(ctx, wxa.CodeRequest{Scene: "d"}); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, wxa.ErrUnavailable) {
		t.Errorf("Code: err = %v, want context.DeadlineExceeded", err)
	}
}
