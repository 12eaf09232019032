package wxa_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

// TestFailoverNeverChargesQuotaTwice: the primary host takes the request
// and then never answers (or drops the connection). For get and
// createQRCode WeChat may have made and charged that code, so the client
// reports the failure rather than asking a backup host; getUnlimited,
// which has no lifetime quota, moves on. A refused connection (nothing
// sent) moves on for every API.
func TestFailoverNeverChargesQuotaTwice(t *testing.T) {
	backup := wxatest.NewServer(wxatest.Options{})
	defer backup.Close()
	var arrived atomic.Int32
	var mode atomic.Int32 // 0: hang until the client gives up; -1: drop the connection; else: that HTTP status
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		// Read the body: only then does the server notice the client
		// hanging up, which ends r.Context().
		io.Copy(io.Discard, r.Body)
		switch m := mode.Load(); m {
		case 0:
			<-r.Context().Done()
		case -1:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			w.WriteHeader(int(m))
		}
	}))
	defer primary.Close()
	// Only calls to the primary have a short timeout: the backup draws
	// codes, which is slow on busy cores under -race.
	primaryHost := strings.TrimPrefix(primary.URL, "http://")
	impatient := &http.Transport{ResponseHeaderTimeout: 300 * time.Millisecond}
	defer impatient.CloseIdleConnections()
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == primaryHost {
			return impatient.RoundTrip(r)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	tokens, err := wxa.NewStableTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: backup.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name      string
		base      string
		mode      int32
		req       wxa.CodeRequest
		class     error // nil: the backup made the code
		arrived   int32
		quota     int // charged at the backup
		unlimited int // getUnlimited calls at the backup
	}{
		{"get, timeout", primary.URL, 0, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?1"}, wxa.ErrUnavailable, 1, 0, 0},
		{"createQRCode, timeout", primary.URL, 0, wxa.CodeRequest{API: wxa.APIQRCode, Path: "pages/a?2"}, wxa.ErrUnavailable, 1, 0, 0},
		{"get, connection dropped", primary.URL, -1, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?3"}, wxa.ErrUnavailable, 1, 0, 0},
		{"get, HTTP 504", primary.URL, 504, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?4"}, wxa.ErrUpstream, 1, 0, 0},
		{"getUnlimited, timeout", primary.URL, 0, wxa.CodeRequest{Scene: "u1"}, nil, 1, 0, 1},
		{"getUnlimited, HTTP 502", primary.URL, 502, wxa.CodeRequest{Scene: "u2"}, nil, 1, 0, 1},
		{"get, refused", "http://127.0.0.1:1", 0, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?5"}, nil, 0, 1, 0},
	}
	for _, tt := range tests {
		arrived.Store(0)
		mode.Store(tt.mode)
		before := backup.Stats()
		c := newClient(t, backup, func(cfg *wxa.Config) {
			cfg.BaseURL = tt.base
			cfg.BackupURLs = []string{backup.URL}
			cfg.HTTPClient = hc
			cfg.Tokens = tokens
		})
		code, err := c.Code(ctx, tt.req)
		after := backup.Stats()
		switch {
		case tt.class == nil && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.class != nil && !errors.Is(err, tt.class):
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.class)
		case tt.class == nil && code == nil:
			t.Errorf("%s: no code", tt.name)
		}
		if n := arrived.Load(); n != tt.arrived {
			t.Errorf("%s: %d calls at the primary, want %d", tt.name, n, tt.arrived)
		}
		if n := after.QuotaUsed - before.QuotaUsed; n != tt.quota {
			t.Errorf("%s: backup charged %d codes to the quota, want %d", tt.name, n, tt.quota)
		}
		if n := after.CodeCalls["getUnlimited"] - before.CodeCalls["getUnlimited"]; n != tt.unlimited {
			t.Errorf("%s: %d getUnlimited calls at the backup, want %d", tt.name, n, tt.unlimited)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
