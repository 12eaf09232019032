// Package remote fetches the remote images a poster names (avatars, product
// photos) without letting a request reach the service's own network: only
// http(s), only public addresses (checked on the address actually dialled,
// so DNS rebinding fails, and again on every redirect), bounded bytes,
// decoded memory, concurrency and time. Its errors name a class of failure
// and never an address.
package remote

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster/picture"
)

// Loader fetches and decodes remote images; it implements
// poster.ImageLoader.
type Loader struct {
	cfg      Config
	client   *http.Client
	cache    *cache.Cache[string, image.Image]
	fetches  *semaphore.Weighted // fetches in flight
	bodies   *semaphore.Weighted // bytes of response bodies held
	decoding *semaphore.Weighted // bytes of decodes in progress
}

// New builds a loader.
// imageHosts names HAIBAO_IMAGE_HOSTS in refusals.
const imageHosts = "image hosts"

func New(cfg Config) (*Loader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	l := &Loader{
		cfg:      cfg,
		cache:    cache.New[string, image.Image](cfg.CacheBytes, picture.Bytes, cache.Options{TTL: cfg.CacheTTL}),
		fetches:  semaphore.NewWeighted(int64(cfg.MaxConcurrent)),
		bodies:   semaphore.NewWeighted(cfg.FetchingBytes),
		decoding: semaphore.NewWeighted(cfg.DecodingBytes),
	}
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us and hide the real address
		DialContext:            dialContext(&net.Dialer{Timeout: cfg.ConnectTimeout}),
		TLSHandshakeTimeout:    cfg.ConnectTimeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true, // images are compressed already; keeps Content-Length true
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
	}
	l.client = &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return fail(ErrFetchFailed, "too many redirects")
			}
			allowed, err := checkURL(req.URL, cfg.AllowHosts, imageHosts)
			if err != nil {
				return err
			}
			// The next hop is judged on its own host, not the first one's.
			*req = *req.WithContext(context.WithValue(req.Context(), allowKey{}, allowed))
			return nil
		},
	}
	return l, nil
}

// LoadImage fetches and decodes the image at rawURL, or returns it from the
// cache. Callers asking for the same URL at once share one fetch, each
// waiting with its own ctx; when ctx ends first its error is returned as it
// is, and a panic while fetching is a *cache.PanicError. Every other
// failure is an *Error.
func (l *Loader) LoadImage(ctx context.Context, rawURL string) (image.Image, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fail(ErrBadURL, "")
	}
	allowed, err := checkURL(u, l.cfg.AllowHosts, imageHosts)
	if err != nil {
		return nil, err
	}
	return l.cache.Do(ctx, rawURL, func(ctx context.Context) (image.Image, error) {
		return l.fetch(ctx, u, allowed)
	})
}

// fetch runs in the cache's load goroutine: ctx ends only when every caller
// waiting for this URL has gone.
func (l *Loader) fetch(ctx context.Context, u *url.URL, allowed bool) (image.Image, error) {
	if err := l.fetches.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer l.fetches.Release(1)
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	img, err := l.get(context.WithValue(ctx, allowKey{}, allowed), u)
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		return nil, fail(ErrTimedOut, "")
	}
	return img, err
}

// get fetches u and decodes a 200 response of at most MaxBytes.
func (l *Loader) get(ctx context.Context, u *url.URL) (image.Image, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fail(ErrBadURL, "")
	}
	req.Header.Set("Accept", "image/*")
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, netError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail(ErrFetchFailed, fmt.Sprintf("HTTP %d", resp.StatusCode))
	}
	if resp.ContentLength > l.cfg.MaxBytes {
		return nil, l.tooLarge()
	}
	// Reserve room for the body before reading it: its length when the
	// server says, else the most it may be. It is held until decoded.
	weight := l.cfg.MaxBytes
	if resp.ContentLength >= 0 {
		weight = resp.ContentLength
	}
	if err := l.bodies.Acquire(ctx, weight); err != nil {
		return nil, err
	}
	defer l.bodies.Release(weight)
	b, err := l.readBody(resp)
	if err != nil {
		return nil, err
	}
	return l.decode(ctx, b)
}

// readBody reads the whole body, which Content-Length or MaxBytes bounds.
func (l *Loader) readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 {
		// Exactly sized: a growing buffer would briefly hold twice as much.
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, netError(err)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, l.cfg.MaxBytes+1))
	if err != nil {
		return nil, netError(err)
	}
	if int64(len(b)) > l.cfg.MaxBytes {
		return nil, l.tooLarge()
	}
	return b, nil
}

func (l *Loader) tooLarge() error {
	return &Error{Reason: ErrTooLarge, Detail: fmt.Sprintf("more than %d bytes", l.cfg.MaxBytes), cause: picture.ErrTooLarge}
}

// decode decodes b once its peak memory fits in the decoding budget.
func (l *Loader) decode(ctx context.Context, b []byte) (image.Image, error) {
	lim := picture.Limits{MaxBytes: l.cfg.MaxBytes, MaxPixels: l.cfg.MaxPixels, MaxDecodedBytes: l.cfg.MaxDecodedBytes}
	cost, _, _, err := picture.DecodeCost(b)
	if err != nil {
		return nil, imageError(err)
	}
	// A cost over MaxDecodedBytes is refused by DecodeBytes without
	// decoding; it need not wait for room.
	weight := min(cost, l.cfg.MaxDecodedBytes)
	if err := l.decoding.Acquire(ctx, weight); err != nil {
		return nil, err
	}
	defer l.decoding.Release(weight)
	img, _, err := picture.DecodeBytes(b, lim)
	if err != nil {
		return nil, imageError(err)
	}
	return img, nil
}

// imageError classes a picture error; its text comes from the decoders and
// holds no address.
func imageError(err error) error {
	if errors.Is(err, picture.ErrTooLarge) {
		return &Error{Reason: ErrTooLarge, Detail: strings.TrimPrefix(err.Error(), picture.ErrTooLarge.Error()+": "), cause: err}
	}
	return &Error{Reason: ErrNotImage, Detail: err.Error(), cause: err}
}
