package wxa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenSource hands out access_tokens.
type TokenSource interface {
	// Token returns a valid token, fetching one if needed.
	Token(ctx context.Context) (string, error)
	// Invalidate drops token because WeChat refused it. A newer token that
	// another caller already got is kept.
	Invalidate(token string)
}

// StaticToken is a TokenSource for teams whose token is managed elsewhere:
// fn is asked every time and Invalidate is passed on when set.
type StaticToken struct {
	Fn           func(ctx context.Context) (string, error)
	OnInvalidate func(token string)
}

func (s StaticToken) Token(ctx context.Context) (string, error) { return s.Fn(ctx) }

func (s StaticToken) Invalidate(token string) {
	if s.OnInvalidate != nil {
		s.OnInvalidate(token)
	}
}

// TokenConfig configures the token sources that talk to WeChat.
type TokenConfig struct {
	AppID, Secret string
	BaseURL       string       // default DefaultBaseURL
	HTTPClient    *http.Client // default: 10 s timeout
	Observer      Observer
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// refreshMargin is how long before expiry a token is renewed, so a token
// never expires on its way to WeChat.
const refreshMargin = 5 * time.Minute

// Pacing of token refreshes after a failure: a wrong secret or an
// unreachable WeChat must not turn every request or readiness probe into a
// token call (WeChat allows 2,000 a day on /cgi-bin/token).
const (
	tokenRetryFirst = time.Second
	tokenRetryMax   = 5 * time.Minute
)

// cachedToken keeps one token and lets one refresh run at a time; callers
// that arrive during a refresh wait for it. A failed refresh is remembered:
// until retryAt every caller gets its error without a call.
type cachedToken struct {
	cfg      TokenConfig
	fetch    func(ctx context.Context) (string, time.Duration, error)
	mu       sync.Mutex
	token    string
	expiry   time.Time
	flight   chan struct{} // closed when the running refresh ends
	err      error         // result of the last refresh
	failures int           // refreshes failed in a row
	retryAt  time.Time     // no refresh before this after a failure
}

// NewStableTokenSource fetches tokens from /cgi-bin/stable_token, which
// returns the same token to every caller while it is valid, so many
// servers can share an app without knocking each other's token out.
func NewStableTokenSource(cfg TokenConfig) (TokenSource, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &cachedToken{cfg: cfg.withDefaults()}
	c.fetch = func(ctx context.Context) (string, time.Duration, error) {
		body, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": cfg.AppID, "secret": cfg.Secret, "force_refresh": false})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/cgi-bin/stable_token", strings.NewReader(string(body)))
		if err != nil {
			return "", 0, errors.New("wxa: cannot build the token request")
		}
		req.Header.Set("Content-Type", "application/json")
		return c.do(req)
	}
	return c, nil
}

// NewLegacyTokenSource fetches tokens from /cgi-bin/token. Every call there
// mints a new token and retires older ones, so use it only when this is
// the one process fetching tokens for the app.
func NewLegacyTokenSource(cfg TokenConfig) (TokenSource, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &cachedToken{cfg: cfg.withDefaults()}
	c.fetch = func(ctx context.Context) (string, time.Duration, error) {
		q := url.Values{"grant_type": {"client_credential"}, "appid": {cfg.AppID}, "secret": {cfg.Secret}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BaseURL+"/cgi-bin/token?"+q.Encode(), nil)
		if err != nil {
			// The error would repeat the URL, secret included.
			return "", 0, errors.New("wxa: cannot build the token request")
		}
		return c.do(req)
	}
	return c, nil
}

func (cfg TokenConfig) validate() error {
	if cfg.AppID == "" || cfg.Secret == "" {
		return fmt.Errorf("%w: appid and secret are required", ErrCredentials)
	}
	return nil
}

func (cfg TokenConfig) withDefaults() TokenConfig {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return cfg
}

// do sends a token request and reads {"access_token", "expires_in"}.
func (c *cachedToken) do(req *http.Request) (string, time.Duration, error) {
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", 0, unreachable(req.URL.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("%w: token endpoint answered HTTP %d", ErrUpstream, resp.StatusCode)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	b, err := io.ReadAll(limitBody(resp.Body, 64<<10))
	if errors.Is(err, ErrUpstream) {
		return "", 0, err
	}
	if err != nil {
		return "", 0, unreachable(req.URL.Host, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return "", 0, fmt.Errorf("%w: token response is not JSON", ErrUpstream)
	}
	if out.ErrCode != 0 {
		return "", 0, &APIError{Code: out.ErrCode, Msg: out.ErrMsg}
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("%w: token response without a token", ErrUpstream)
	}
	return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
}

func (c *cachedToken) Token(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		now := c.cfg.Now()
		if c.token != "" && now.Before(c.expiry) {
			t := c.token
			c.mu.Unlock()
			return t, nil
		}
		if c.flight == nil && c.err != nil && now.Before(c.retryAt) {
			err := c.err
			c.mu.Unlock()
			return "", err
		}
		if c.flight == nil {
			c.flight = make(chan struct{})
			go c.refresh(context.WithoutCancel(ctx), c.flight)
		}
		flight := c.flight
		c.mu.Unlock()
		select {
		case <-flight:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		c.mu.Lock()
		err, tok := c.err, c.token
		c.mu.Unlock()
		if err != nil {
			return "", err
		}
		if tok != "" {
			return tok, nil
		}
	}
}

// refresh runs one fetch. It does not use the caller's cancellation: the
// result serves every waiter, not only the caller that started it.
func (c *cachedToken) refresh(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tok, ttl, err := c.fetch(ctx)
	if err != nil && ctx.Err() != nil {
		// Only this refresh's own budget can end ctx.
		err = &UnavailableError{Host: hostOf(c.cfg.BaseURL), Reason: "timed out", sent: true}
	}
	c.cfg.Observer.TokenRefresh(err == nil)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		margin := min(refreshMargin, ttl/10)
		c.token, c.expiry = tok, c.cfg.Now().Add(ttl-margin)
		c.err, c.failures = nil, 0
	} else {
		wait := backoff(tokenRetryFirst, tokenRetryMax, c.failures)
		c.failures++
		c.retryAt = c.cfg.Now().Add(wait)
		c.err = &tokenError{err: err, retryAt: c.retryAt}
	}
	c.flight = nil
	close(done)
}

// tokenError is a failed refresh, handed to every caller until the next
// attempt is due. It matches what err matches.
type tokenError struct {
	err     error
	retryAt time.Time
}

func (e *tokenError) Error() string {
	return "wxa: no access_token (next try at " + e.retryAt.UTC().Format(time.TimeOnly) + "): " + e.err.Error()
}

func (e *tokenError) Unwrap() error { return e.err }

func (c *cachedToken) Invalidate(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// hostOf is the host of a configured base URL, for error messages.
func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return "WeChat"
}
