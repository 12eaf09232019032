package storage

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config says where posters go. Credentials are read from the standard
// AWS variables and never printed.
type Config struct {
	URL       string // a folder path, file:///path, or s3://bucket/prefix?endpoint=…&region=…
	PublicURL string // base URL apps fetch objects from (the CDN); keys are appended to it

	AccessKey    string // AWS_ACCESS_KEY_ID
	SecretKey    string // AWS_SECRET_ACCESS_KEY
	SessionToken string // AWS_SESSION_TOKEN

	Timeout time.Duration // one storage call; default 60s
}

// Validate checks the settings without connecting anywhere.
func (c Config) Validate() error {
	if c.URL == "" {
		return fmt.Errorf("storage: no location (set HAIBAO_STORAGE_URL to a folder or s3://bucket/prefix)")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("storage: HAIBAO_STORAGE_PUBLIC_URL must be an http(s) URL, got %q", c.PublicURL)
		}
	}
	if c.Timeout < 0 {
		return fmt.Errorf("storage: timeout must not be negative")
	}
	if strings.HasPrefix(c.URL, "s3://") {
		_, err := parseS3URL(c.URL)
		return err
	}
	return nil
}

// s3Location is an s3:// URL taken apart.
type s3Location struct {
	bucket, prefix string
	endpoint       string // host[:port]
	secure         bool
	region         string
	pathStyle      bool
	retries        int
}

// parseS3URL reads s3://bucket/prefix?endpoint=…&region=…&style=path.
// endpoint may carry http:// for a plain-HTTP server such as a local
// MinIO; without it the endpoint is AWS S3 over HTTPS.
func parseS3URL(raw string) (s3Location, error) {
	bad := func(format string, args ...any) (s3Location, error) {
		return s3Location{}, fmt.Errorf("storage: %s: %s", redactURL(raw), fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL")
	}
	if u.User != nil {
		return bad("put credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL")
	}
	loc := s3Location{bucket: u.Host, prefix: strings.Trim(u.Path, "/"), secure: true, retries: 3}
	if loc.bucket == "" {
		return bad("no bucket (want s3://bucket/prefix)")
	}
	if loc.prefix != "" {
		if err := CheckKey(loc.prefix); err != nil {
			return bad("prefix: %v", err)
		}
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "style", "retries":
		default:
			return bad("unknown parameter %q (want endpoint, region, style or retries)", k)
		}
	}
	loc.region = q.Get("region")
	switch ep := q.Get("endpoint"); {
	case ep == "":
		loc.endpoint = "s3.amazonaws.com"
		if loc.region != "" {
			loc.endpoint = "s3." + loc.region + ".amazonaws.com"
		}
	case strings.Contains(ep, "://"):
		e, err := url.Parse(ep)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || (e.Path != "" && e.Path != "/") {
			return bad("endpoint must be host[:port] or http(s)://host[:port], got %q", ep)
		}
		loc.endpoint, loc.secure = e.Host, e.Scheme == "https"
	default:
		loc.endpoint = ep
	}
	switch q.Get("style") {
	case "", "virtual":
	case "path":
		loc.pathStyle = true
	default:
		return bad("style must be path or virtual")
	}
	if r := q.Get("retries"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 || n > 10 {
			return bad("retries must be from 1 to 10")
		}
		loc.retries = n
	}
	return loc, nil
}

// redactURL drops anything after the path: query values may hold tokens
// a user pasted by mistake.
func redactURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			raw = raw[:j+3] + "…" + raw[i:]
		}
	}
	return raw
}
