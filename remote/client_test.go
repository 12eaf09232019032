package remote

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestClientRefusesPrivateAddresses: a webhook URL naming the service's
// own network is never called unless its host is allowlisted, redirects
// are not followed, and refusals name no address.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	open := NewClient(nil, "webhook hosts", patience)
	for _, target := range []string{srv.URL + "/hook", "http://localhost:" + u.Port() + "/hook", "http://[::1]:" + u.Port() + "/", "ftp://example.com/x", "http://user:pw@example.com/"} {
		resp, err := open.Post(target, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: called", target)
		}
		if strings.Contains(err.Error(), "127.0.0.1") && !strings.Contains(target, "127.0.0.1") {
			t.Errorf("%s: the refusal names an address: %v", target, err)
		}
		var re *Error
		if !errors.As(err, &re) {
			t.Errorf("%s: %v is not a remote.Error", target, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private receiver was called %d times", n)
	}

	allowed := NewClient([]string{"127.0.0.1"}, "webhook hosts", patience)
	resp, err := allowed.Post(srv.URL+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("allowlisted receiver: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = allowed.Post(srv.URL+"/redirect", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("redirect: %v %v; want the 302 itself", resp, err)
	}
	resp.Body.Close()
	_, err = allowed.Post("http://other.example/hook", "application/json", strings.NewReader("{}"))
	if !errors.Is(err, ErrAddressNotAllowed) || !strings.Contains(err.Error(), "not in the allowed webhook hosts") {
		t.Fatalf("host outside the allowlist: %v", err)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("receiver called %d times, want 2", n)
	}
}
