package wxa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // codes come as JPEG
	_ "image/png"  // or PNG when transparent
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultBaseURL is WeChat's API host. BackupBaseURLs serve the same API.
const DefaultBaseURL = "https://api.weixin.qq.com"

var BackupBaseURLs = []string{"https://api2.weixin.qq.com", "https://sh.api.weixin.qq.com", "https://sz.api.weixin.qq.com", "https://hk.api.weixin.qq.com"}

// Limits on what the client accepts from upstream.
const (
	maxCodeBytes = 4 << 20
	maxRetries   = 3
)

// Config sets up a Client.
type Config struct {
	AppID, Secret string
	BaseURL       string   // default DefaultBaseURL
	BackupURLs    []string // tried in order on network errors and HTTP 5xx
	HTTPClient    *http.Client
	// Tokens defaults to a stable_token source for AppID and Secret.
	Tokens TokenSource
	// Cache defaults to a 64 MB memory cache.
	Cache Cache
	// Limiter defaults to DefaultRatePerMinute.
	Limiter  Limiter
	Observer Observer
	Logger   *slog.Logger
	// MaxRetries bounds retries of "system busy" (-1); 0 means 3.
	MaxRetries int
	// Backoff is the first retry delay, doubled each time up to 2 s; 0
	// means 200 ms.
	Backoff time.Duration
}

// Validate checks the configuration without contacting WeChat.
func (c Config) Validate() error {
	if c.Tokens == nil && (c.AppID == "" || c.Secret == "") {
		return fmt.Errorf("%w: set AppID and Secret, or a TokenSource", ErrCredentials)
	}
	for _, u := range append([]string{c.BaseURL}, c.BackupURLs...) {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("wxa: base URL %q must be an http(s) URL", u)
		}
	}
	if c.MaxRetries < 0 {
		return errors.New("wxa: MaxRetries must not be negative")
	}
	return nil
}

// Client gets mini-program codes. It is safe for concurrent use.
type Client struct {
	cfg     Config
	bases   []string
	flights singleflight.Group
}

// New builds a client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tokens == nil {
		ts, err := NewStableTokenSource(TokenConfig{AppID: cfg.AppID, Secret: cfg.Secret, BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, Observer: cfg.Observer})
		if err != nil {
			return nil, err
		}
		cfg.Tokens = ts
	}
	if cfg.Cache == nil {
		cfg.Cache = NewMemoryCache(64 << 20)
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewRateLimiter(DefaultRatePerMinute)
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = maxRetries
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	c := &Client{cfg: cfg}
	for _, u := range append([]string{cfg.BaseURL}, cfg.BackupURLs...) {
		c.bases = append(c.bases, strings.TrimRight(u, "/"))
	}
	return c, nil
}

// Code is one code image as WeChat sent it.
type Code struct {
	Data   []byte
	Format string // "jpeg" or "png", sniffed from the bytes
	Cached bool   // served from the cache, no call made
}

// Image decodes the code.
func (c *Code) Image() (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(c.Data))
	return img, err
}

// Ready fetches (or reuses) an access_token, proving the credentials work
// and WeChat is reachable.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.cfg.Tokens.Token(ctx)
	return err
}

// Cached reports whether the code for req is in the cache, without calling
// WeChat.
func (c *Client) Cached(ctx context.Context, req CodeRequest) (bool, error) {
	req, err := req.normalize()
	if err != nil {
		return false, err
	}
	_, ok, err := c.cfg.Cache.Get(ctx, req.Key())
	return ok, err
}

// Code returns the code for req: from the cache when it has it, else from
// WeChat (identical concurrent requests share one call) and then cached.
func (c *Client) Code(ctx context.Context, req CodeRequest) (*Code, error) {
	req, err := req.normalize()
	if err != nil {
		return nil, err
	}
	key := req.Key()
	if b, ok, err := c.cfg.Cache.Get(ctx, key); err == nil && ok {
		c.cfg.Observer.CacheLookup(req.API, true)
		return &Code{Data: b, Format: sniff(b), Cached: true}, nil
	} else if err != nil {
		c.cfg.Logger.WarnContext(ctx, "code cache read failed", "err", err)
	}
	c.cfg.Observer.CacheLookup(req.API, false)
	v, err, _ := c.flights.Do(key, func() (any, error) {
		// The first caller's cancellation must not fail the others waiting
		// on this call; bound it on its own instead.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if dl, ok := ctx.Deadline(); ok {
			fctx, cancel = context.WithDeadline(fctx, dl)
			defer cancel()
		}
		b, err := c.load(fctx, req, key)
		if err != nil {
			return nil, err
		}
		if err := c.cfg.Cache.Set(fctx, key, b); err != nil {
			c.cfg.Logger.WarnContext(ctx, "code cache write failed", "err", err)
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	b := v.([]byte)
	return &Code{Data: b, Format: sniff(b)}, nil
}

// load fetches the code, through the shared cache's cluster-wide single
// flight when the cache has one.
func (c *Client) load(ctx context.Context, req CodeRequest, key string) ([]byte, error) {
	fetch := func(ctx context.Context) ([]byte, error) { return c.fetch(ctx, req) }
	if sl, ok := c.cfg.Cache.(SharedLoader); ok {
		return sl.LoadShared(ctx, req, key, fetch)
	}
	return fetch(ctx)
}

// fetch calls WeChat, retrying busy answers with backoff and a refused
// token once with a fresh one.
func (c *Client) fetch(ctx context.Context, req CodeRequest) ([]byte, error) {
	tokenRetried := false
	for attempt := 0; ; attempt++ {
		if err := c.cfg.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
		tok, err := c.cfg.Tokens.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("wxa: access_token: %w", err)
		}
		b, err := c.call(ctx, req, tok)
		switch {
		case err == nil:
			return b, nil
		case errors.Is(err, ErrTokenInvalid) && !tokenRetried:
			c.cfg.Tokens.Invalidate(tok)
			tokenRetried = true
			continue
		case errors.Is(err, ErrBusy) && attempt < c.cfg.MaxRetries:
			d := c.backoff(attempt)
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
				return nil, err
			}
			c.cfg.Logger.InfoContext(ctx, "WeChat busy, retrying", "api", string(req.API), "attempt", attempt+1, "delay", d)
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			continue
		}
		return nil, err
	}
}

// backoff is the capped exponential delay before retry n, with jitter so
// many clients do not retry in step.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.Backoff << n
	d = min(d, 2*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// call makes one request, failing over to the backup hosts on network
// errors and HTTP 5xx.
func (c *Client) call(ctx context.Context, req CodeRequest, token string) ([]byte, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	// The scene must leave as the caller wrote it: no \u0026 for &.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req.body()); err != nil {
		return nil, err
	}
	var lastErr error
	for _, base := range c.bases {
		start := time.Now()
		b, status, err := c.post(ctx, base+req.API.endpoint()+"?access_token="+url.QueryEscape(token), body.Bytes())
		if err != nil || status >= 500 {
			c.cfg.Observer.UpstreamCall(req.API, -2, time.Since(start))
			if err == nil {
				err = fmt.Errorf("%w: HTTP %d", ErrUpstream, status)
			}
			lastErr = err
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if status != http.StatusOK {
			c.cfg.Observer.UpstreamCall(req.API, -2, time.Since(start))
			return nil, fmt.Errorf("%w: HTTP %d", ErrUpstream, status)
		}
		code, err := parseCode(b)
		errcode := 0
		var ae *APIError
		if errors.As(err, &ae) {
			errcode = ae.Code
		} else if err != nil {
			errcode = -2
		}
		c.cfg.Observer.UpstreamCall(req.API, errcode, time.Since(start))
		return code, err
	}
	return nil, lastErr
}

func (c *Client) post(ctx context.Context, u string, body []byte) ([]byte, int, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, 0, scrub(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.cfg.HTTPClient.Do(hr)
	if err != nil {
		return nil, 0, scrub(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(limitBody(resp.Body, maxCodeBytes))
	if err != nil {
		return nil, 0, scrub(err)
	}
	return b, resp.StatusCode, nil
}

// parseCode tells an image from a JSON error by the bytes: WeChat answers
// both with HTTP 200 and its Content-Type is not to be trusted. An image is
// decoded once to be sure it arrived whole before it is cached forever.
func parseCode(b []byte) ([]byte, error) {
	if f := sniff(b); f != "" {
		if _, _, err := image.Decode(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("%w: %s image does not decode: %v", ErrUpstream, f, err)
		}
		return b, nil
	}
	var e struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.ErrCode == nil {
		return nil, fmt.Errorf("%w: answer is neither an image nor a WeChat error (%d bytes)", ErrUpstream, len(b))
	}
	if *e.ErrCode == 0 {
		return nil, fmt.Errorf("%w: errcode 0 without an image", ErrUpstream)
	}
	return nil, &APIError{Code: *e.ErrCode, Msg: e.ErrMsg}
}

// sniff names the image format of b, or "".
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	}
	return ""
}

// limitBody reads at most n bytes, then reports an error rather than
// silently truncating.
func limitBody(r io.Reader, n int64) io.Reader {
	return &limited{r: io.LimitReader(r, n+1), n: n}
}

type limited struct {
	r    io.Reader
	n    int64
	read int64
}

func (l *limited) Read(p []byte) (int, error) {
	k, err := l.r.Read(p)
	l.read += int64(k)
	if l.read > l.n {
		return k, fmt.Errorf("%w: answer larger than %d bytes", ErrUpstream, l.n)
	}
	return k, err
}
