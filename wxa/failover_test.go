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
// and then never answers. For get and createQRCode WeChat may have made
// and charged that code, so the client reports the failure rather than
// asking a backup host; getUnlimited, which has no lifetime quota, moves
// on. A refused connection (nothing sent) moves on for every API.
func TestFailoverNeverChargesQuotaTwice(t *testing.T) {
	backup := wxatest.NewServer(wxatest.Options{})
	defer backup.Close()
	var arrived atomic.Int32
	var status atomic.Int32 // 0: hang until the client gives up
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "token") {
			backup.Handler().ServeHTTP(w, r)
			return
		}
		arrived.Add(1)
		// Read the body: only then does the server notice the client
		// hanging up, which ends r.Context().
		io.Copy(io.Discard, r.Body)
		if s := status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		<-r.Context().Done()
	}))
	defer primary.Close()
	client := func(base string) *wxa.Client {
		return newClient(t, backup, func(cfg *wxa.Config) {
			cfg.BaseURL = base
			cfg.BackupURLs = []string{backup.URL}
			// The primary never answers; the client's own timeout ends
			// the attempt, however slow the machine.
			cfg.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond}
		})
	}
	ctx := context.Background()
	tests := []struct {
		name     string
		base     string
		status   int
		req      wxa.CodeRequest
		class    error // nil: the backup made the code
		arrived  int32
		quota    int // charged at the backup
		unlimted int // getUnlimited calls at the backup
	}{
		{"get, timeout", primary.URL, 0, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?1"}, wxa.ErrUnavailable, 1, 0, 0},
		{"createQRCode, timeout", primary.URL, 0, wxa.CodeRequest{API: wxa.APIQRCode, Path: "pages/a?2"}, wxa.ErrUnavailable, 1, 0, 0},
		{"get, HTTP 504", primary.URL, 504, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?3"}, wxa.ErrUpstream, 1, 0, 0},
		{"getUnlimited, timeout", primary.URL, 0, wxa.CodeRequest{Scene: "u1"}, nil, 1, 0, 1},
		{"getUnlimited, HTTP 502", primary.URL, 502, wxa.CodeRequest{Scene: "u2"}, nil, 1, 0, 1},
		{"get, refused", "http://127.0.0.1:1", 0, wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?4"}, nil, 0, 1, 0},
	}
	for _, tt := range tests {
		arrived.Store(0)
		status.Store(int32(tt.status))
		before := backup.Stats()
		c := client(tt.base)
		if tt.base != primary.URL {
			// Tokens come from the first host; give this one a working source.
			c = newClient(t, backup, func(cfg *wxa.Config) {
				cfg.BaseURL = tt.base
				cfg.BackupURLs = []string{backup.URL}
				src, _ := wxa.NewStableTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: backup.URL})
				cfg.Tokens = src
			})
		}
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
		if n := after.CodeCalls["getUnlimited"] - before.CodeCalls["getUnlimited"]; n != tt.unlimted {
			t.Errorf("%s: %d getUnlimited calls at the backup, want %d", tt.name, n, tt.unlimted)
		}
	}
}
