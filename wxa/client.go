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
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/haibao/haibao/internal/cache"
)

// DefaultBaseURL is WeChat's API host. BackupBaseURLs serve the same API.
const DefaultBaseURL = "https://api.weixin.qq.com"

var BackupBaseURLs = []string{"https://api2.weixin.qq.com", "https://sh.api.weixin.qq.com", "https://sz.api.weixin.qq.com", "https://hk.api.weixin.qq.com"}

// Limits on what the client accepts from upstream.
const (
	maxCodeBytes       = 4 << 20
	maxRetries         = 3
	defaultCallTimeout = 30 * time.Second
	maxBusyBackoff     = 2 * time.Second
)

// Config sets up a Client.
type Config struct {
	// AppID is required even with a TokenSource: it is part of every code
	// cache key. Secret is needed unless Tokens is set.
	AppID, Secret string
	BaseURL       string // default DefaultBaseURL; part of every code cache key
	// BackupURLs are tried in order when a host cannot be reached. For the
	// quota-limited get and createQRCode only when the request surely never
	// arrived (see Client.call).
	BackupURLs []string
	HTTPClient *http.Client
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
	// Backoff is the first retry delay, doubled each time up to 2 s (or
	// Backoff, if larger); 0 means 200 ms.
	Backoff time.Duration
	// CallTimeout bounds one shared fetch of a code: waiting for the
	// limiter, the token, every attempt and retry. Callers waiting for it
	// give up at their own deadline; the fetch is cancelled when none is
	// left waiting. 0 means 30 s.
	CallTimeout time.Duration
}

// Validate checks the configuration without contacting WeChat.
func (c Config) Validate() error {
	if c.AppID == "" {
		return fmt.Errorf("%w: set AppID (it keys the code cache)", ErrCredentials)
	}
	if c.Tokens == nil && c.Secret == "" {
		return fmt.Errorf("%w: set Secret, or a TokenSource", ErrCredentials)
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
	if c.Backoff < 0 || c.CallTimeout < 0 {
		return errors.New("wxa: Backoff and CallTimeout must not be negative")
	}
	return nil
}

// Client gets mini-program codes. It is safe for concurrent use.
type Client struct {
	cfg   Config
	bases []string
	// flights shares in-flight fetches between callers, each waiting with
	// its own context. It holds no codes (limit 0): cfg.Cache does.
	flights *cache.Cache[string, fetched]
}

// fetched is the outcome of one shared fetch.
type fetched struct {
	data   []byte
	cached bool // found in cfg.Cache by the fetch itself
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
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = defaultCallTimeout
	}
	c := &Client{cfg: cfg, flights: cache.New[string, fetched](0, func(fetched) int64 { return 1 }, cache.Options{})}
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
// and WeChat is reachable. After a failed refresh it answers the remembered
// error until the next attempt is due, so probes cost no token calls.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.cfg.Tokens.Token(ctx)
	return err
}

// cacheKey names the code for req in the permanent cache: the picture's
// parameters, the app and the host that made it. A code from the fake, or
// for another app, is thus never served for this one.
func (c *Client) cacheKey(req CodeRequest) string {
	return "wxa1\x00app=" + c.cfg.AppID + "\x00base=" + c.bases[0] + "\x00" + req.Key()
}

// Cached reports whether the code for req is in the cache, without calling
// WeChat.
func (c *Client) Cached(ctx context.Context, req CodeRequest) (bool, error) {
	req, err := req.normalize()
	if err != nil {
		return false, err
	}
	_, ok, err := c.cfg.Cache.Get(ctx, c.cacheKey(req))
	return ok, err
}

// Code returns the code for req: from the cache when it has it, else from
// WeChat and then cached. Identical concurrent requests share one call;
// each caller waits with its own ctx, so one caller giving up never fails
// the others. A caller whose ctx ends gets ctx.Err().
func (c *Client) Code(ctx context.Context, req CodeRequest) (*Code, error) {
	req, err := req.normalize()
	if err != nil {
		return nil, err
	}
	key := c.cacheKey(req)
	if b, ok, err := c.cfg.Cache.Get(ctx, key); err == nil && ok {
		c.cfg.Observer.CacheLookup(req.API, true)
		return &Code{Data: b, Format: sniff(b), Cached: true}, nil
	} else if err != nil {
		c.cfg.Logger.WarnContext(ctx, "code cache read failed", "err", err)
	}
	c.cfg.Observer.CacheLookup(req.API, false)
	f, err := c.flights.Do(ctx, key, func(fctx context.Context) (fetched, error) {
		fctx, cancel := context.WithTimeout(fctx, c.cfg.CallTimeout)
		defer cancel()
		// A fetch that ended just before this one began has stored its
		// code: look again rather than pay for it twice.
		if b, ok, err := c.cfg.Cache.Get(fctx, key); err == nil && ok {
			return fetched{data: b, cached: true}, nil
		}
		b, err := c.fetch(fctx, req)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				// Only the fetch's own budget ends fctx with a deadline.
				err = &UnavailableError{Host: hostOf(c.bases[0]), Reason: "timed out", sent: true}
			}
			return fetched{}, err
		}
		// Store even if every caller left meanwhile: the code is paid for.
		sctx, scancel := context.WithTimeout(context.WithoutCancel(fctx), 10*time.Second)
		defer scancel()
		if err := c.cfg.Cache.Set(sctx, key, b); err != nil {
			c.cfg.Logger.WarnContext(fctx, "code cache write failed", "err", err)
		}
		return fetched{data: b}, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return &Code{Data: f.data, Format: sniff(f.data), Cached: f.cached}, nil
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
			d := backoff(c.cfg.Backoff, max(maxBusyBackoff, c.cfg.Backoff), attempt)
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
				return nil, err
			}
			c.cfg.Logger.InfoContext(ctx, "WeChat busy, retrying", "api", string(req.API), "attempt", attempt+1, "delay", d)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
			continue
		}
		return nil, err
	}
}

// call makes one request, trying the backup hosts when a host cannot be
// reached.
//
// getUnlimited has no lifetime quota, so a request that may have arrived
// twice costs one call of the per-minute rate: it moves on after any
// network error or HTTP 5xx. get and createQRCode charge a quota of
// 100,000 codes for the app's lifetime, and a timeout, a reset connection
// or a 5xx does not tell whether WeChat made (and charged) the code: those
// move on only when the request surely never left (DNS failure, refused
// connection, failed TLS handshake) and otherwise report the failure.
func (c *Client) call(ctx context.Context, req CodeRequest, token string) ([]byte, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	// The scene must leave as the caller wrote it: no \u0026 for &.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req.body()); err != nil {
		return nil, err
	}
	// Once sent, a call is paid for (quota or rate): its code is worth
	// receiving and caching even if every caller has left meanwhile. The
	// fetch's deadline still bounds it.
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(c.cfg.CallTimeout)
	}
	pctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), dl)
	defer cancel()
	var lastErr error
	for _, base := range c.bases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		b, status, err := c.post(pctx, base, req.API.endpoint()+"?access_token="+url.QueryEscape(token), body.Bytes())
		if err != nil || status >= 500 {
			c.cfg.Observer.UpstreamCall(req.API, -2, time.Since(start))
			var ue *UnavailableError
			switch {
			case err == nil:
				err = fmt.Errorf("%w: HTTP %d", ErrUpstream, status)
				if req.API.quotaLimited() {
					return nil, err
				}
			case !errors.As(err, &ue):
				return nil, err
			case req.API.quotaLimited() && ue.sent:
				return nil, err
			}
			lastErr = err
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

// post sends one request to base+path. Transport failures come back as
// *UnavailableError, which names base's host and nothing more.
func (c *Client) post(ctx context.Context, base, path string, body []byte) ([]byte, int, error) {
	host := hostOf(base)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		// The error would repeat the URL, token included.
		return nil, 0, errors.New("wxa: cannot build the code request")
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.cfg.HTTPClient.Do(hr)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, 0, ctx.Err()
		}
		return nil, 0, unreachable(host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(limitBody(resp.Body, maxCodeBytes))
	if errors.Is(err, ErrUpstream) {
		return nil, 0, err
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, 0, ctx.Err()
		}
		return nil, 0, unreachable(host, err)
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
