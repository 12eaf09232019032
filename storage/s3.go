package storage

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// digestMeta is the user metadata (x-amz-meta-haibao-digest) holding an
// object's content digest.
const digestMeta = "Haibao-Digest"

// S3 stores objects in an S3-compatible bucket.
type S3 struct {
	client  *minio.Client
	loc     s3Location
	public  string
	timeout time.Duration
}

func openS3(cfg Config) (*S3, error) {
	loc, err := parseS3URL(cfg.URL)
	if err != nil {
		return nil, err
	}
	creds := credentials.NewFileAWSCredentials("", "")
	if cfg.AccessKey != "" && cfg.SecretKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	}
	lookup := minio.BucketLookupAuto
	if loc.pathStyle {
		lookup = minio.BucketLookupPath
	}
	// An unreachable store should fail a row in seconds, not hang it.
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
	}
	c, err := minio.New(loc.endpoint, &minio.Options{
		Creds: creds, Secure: loc.secure, Region: loc.region, BucketLookup: lookup,
		Transport: tr, MaxRetries: loc.retries,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: %s: %w", redactURL(cfg.URL), err)
	}
	return &S3{client: c, loc: loc, public: cfg.PublicURL, timeout: cfg.Timeout}, nil
}

func (s *S3) object(key string) string {
	if s.loc.prefix == "" {
		return key
	}
	return path.Join(s.loc.prefix, key)
}

func (s *S3) String() string {
	scheme := "https"
	if !s.loc.secure {
		scheme = "http"
	}
	return fmt.Sprintf("s3://%s/%s at %s://%s", s.loc.bucket, s.loc.prefix, scheme, s.loc.endpoint)
}

// URL is the public URL when a CDN base is set (the base serves the
// bucket's root), else the object's path-style URL on the endpoint.
func (s *S3) URL(key string) string {
	if s.public != "" {
		return joinURL(s.public, s.object(key))
	}
	u := *s.client.EndpointURL()
	return joinURL(u.String(), s.loc.bucket+"/"+s.object(key))
}

// Put uploads the object in one request. Posters are content-addressed,
// so they are cacheable for good.
func (s *S3) Put(ctx context.Context, key, contentType string, body []byte, digest string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, &Error{Op: "put", Key: key, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	opts := minio.PutObjectOptions{ContentType: contentType, CacheControl: "public, max-age=31536000, immutable"}
	if digest != "" {
		opts.UserMetadata = map[string]string{digestMeta: digest}
	}
	info, err := s.client.PutObject(ctx, s.loc.bucket, s.object(key), bytes.NewReader(body), int64(len(body)), opts)
	if err != nil {
		return Object{}, &Error{Op: "put", Key: key, Err: err}
	}
	return Object{Key: key, URL: s.URL(key), Bytes: int64(len(body)), ETag: quote(info.ETag), Digest: digest}, nil
}

// Stat asks for the object's metadata; a missing object is not an error.
func (s *S3) Stat(ctx context.Context, key string) (Object, bool, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, false, &Error{Op: "stat", Key: key, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	info, err := s.client.StatObject(ctx, s.loc.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case minio.NoSuchKey, "NotFound":
			return Object{}, false, nil
		}
		return Object{}, false, &Error{Op: "stat", Key: key, Err: err}
	}
	return Object{Key: key, URL: s.URL(key), Bytes: info.Size, ETag: quote(info.ETag), Digest: info.UserMetadata[digestMeta]}, true, nil
}

// quote gives ETags the quotes HTTP puts around them; S3 clients differ
// in whether they keep them.
func quote(etag string) string {
	if etag == "" || etag[0] == '"' {
		return etag
	}
	return `"` + etag + `"`
}
