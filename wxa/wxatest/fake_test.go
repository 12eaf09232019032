package wxatest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func legacyToken(t *testing.T, s *Server) string {
	t.Helper()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {DefaultAppID}, "secret": {DefaultSecret}}
	return tokenFrom(t, mustGet(t, s.URL+"/cgi-bin/token?"+q.Encode()))
}

func stableToken(t *testing.T, s *Server, force bool) string {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"` + DefaultAppID + `","secret":"` + DefaultSecret + `","force_refresh":` + map[bool]string{true: "true", false: "false"}[force] + `}`
	resp, err := http.Post(s.URL+"/cgi-bin/stable_token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return tokenFrom(t, resp)
}

func mustGet(t *testing.T, u string) *http.Response {
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func tokenFrom(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var v struct {
		Token   string `json:"access_token"`
		ErrCode int    `json:"errcode"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	if v.ErrCode != 0 {
		t.Fatalf("token errcode %d", v.ErrCode)
	}
	return v.Token
}

// codeWith asks for a code with tok and returns the errcode (0 for an image).
func codeWith(t *testing.T, s *Server, tok string) int {
	t.Helper()
	resp, err := http.Post(s.URL+"/wxa/getwxacodeunlimit?access_token="+tok, "application/json", strings.NewReader(`{"scene":"a=1"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "{") {
		return 0
	}
	var v struct {
		ErrCode int `json:"errcode"`
	}
	json.Unmarshal(b, &v)
	return v.ErrCode
}

func TestTokenRules(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	s := NewServer(Options{Now: c.Now, TokenTTL: time.Hour, Grace: 30 * time.Second})
	defer s.Close()

	// Legacy: each call mints; the previous token works through the grace.
	a := legacyToken(t, s)
	b := legacyToken(t, s)
	if a == b {
		t.Fatal("legacy call did not mint a new token")
	}
	if codeWith(t, s, a) != 0 {
		t.Error("old token refused within the grace")
	}
	c.add(31 * time.Second)
	if got := codeWith(t, s, a); got != 40001 {
		t.Errorf("retired token: errcode %d, want 40001", got)
	}
	if codeWith(t, s, b) != 0 {
		t.Error("current token refused")
	}
	// Stable: the same token while valid, a new one in the last 5 minutes,
	// both working during the overlap.
	s1 := stableToken(t, s, false)
	if s2 := stableToken(t, s, false); s2 != s1 || s1 != b {
		t.Errorf("stable_token changed while valid: %s %s %s", b, s1, s2)
	}
	c.add(56 * time.Minute)
	s3 := stableToken(t, s, false)
	if s3 == s1 {
		t.Error("no new token in the last minutes of validity")
	}
	if codeWith(t, s, s1) != 0 || codeWith(t, s, s3) != 0 {
		t.Error("old and new stable tokens should overlap")
	}
	c.add(5 * time.Minute)
	if got := codeWith(t, s, s1); got != 42001 && got != 40001 {
		t.Errorf("expired token: errcode %d", got)
	}
	// force_refresh mints at once, at most every 30 s.
	f1 := stableToken(t, s, true)
	if f1 == s3 {
		t.Error("force_refresh returned the same token")
	}
	resp, _ := http.Post(s.URL+"/cgi-bin/stable_token", "application/json", strings.NewReader(`{"grant_type":"client_credential","appid":"`+DefaultAppID+`","secret":"`+DefaultSecret+`","force_refresh":true}`))
	b2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b2), `"errcode":45009`) {
		t.Errorf("second force_refresh within 30 s: %s", b2)
	}
	if st := s.Stats(); st.TokenCalls != 2 || st.StableTokenCalls != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestCredentialsAndExpiry(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	s := NewServer(Options{Now: c.Now, TokenTTL: time.Minute})
	defer s.Close()
	for _, tc := range []struct {
		q    url.Values
		want string
	}{
		{url.Values{"grant_type": {"client_credential"}, "appid": {"wx-other"}, "secret": {DefaultSecret}}, `"errcode":40013`},
		{url.Values{"grant_type": {"client_credential"}, "appid": {DefaultAppID}, "secret": {"nope"}}, `"errcode":40125`},
		{url.Values{"grant_type": {"password"}, "appid": {DefaultAppID}, "secret": {DefaultSecret}}, `"errcode":40002`},
	} {
		resp := mustGet(t, s.URL+"/cgi-bin/token?"+tc.q.Encode())
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("%v: %s", tc.q, b)
		}
	}
	tok := legacyToken(t, s)
	c.add(2 * time.Minute)
	if got := codeWith(t, s, tok); got != 42001 {
		t.Errorf("expired: errcode %d, want 42001", got)
	}
}

func TestSeveralApps(t *testing.T) {
	s := NewServer(Options{Apps: map[string]string{"wxother": "other-secret"}})
	defer s.Close()
	post := func(appid, secret string) (string, int) {
		body := `{"grant_type":"client_credential","appid":"` + appid + `","secret":"` + secret + `"}`
		resp, err := http.Post(s.URL+"/cgi-bin/stable_token", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct {
			Token   string `json:"access_token"`
			ErrCode int    `json:"errcode"`
		}
		json.NewDecoder(resp.Body).Decode(&v)
		return v.Token, v.ErrCode
	}
	def, code := post(DefaultAppID, DefaultSecret)
	other, code2 := post("wxother", "other-secret")
	if code != 0 || code2 != 0 || def == other {
		t.Fatalf("tokens %q (%d), %q (%d): want two different tokens", def, code, other, code2)
	}
	if _, code := post("wxother", DefaultSecret); code != 40125 {
		t.Errorf("another app's secret: errcode %d, want 40125", code)
	}
	if _, code := post("wxnobody", "x"); code != 40013 {
		t.Errorf("unknown appid: errcode %d, want 40013", code)
	}
	if again, _ := post(DefaultAppID, DefaultSecret); again != def {
		t.Error("the other app's token replaced the default app's stable token")
	}
	for _, tok := range []string{def, other, other} {
		if code := codeWith(t, s, tok); code != 0 {
			t.Fatalf("code errcode %d", code)
		}
	}
	got := s.Stats().AppCodeCalls
	if got[DefaultAppID]["getUnlimited"] != 1 || got["wxother"]["getUnlimited"] != 2 {
		t.Errorf("calls by app %v", got)
	}
}
