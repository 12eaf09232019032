// Package signurl signs and checks poster GET URLs, so an app can put a
// poster in an <img src> without exposing an API key: the URL carries the
// data and an expiry, and an HMAC-SHA256 over the layout, the data and the
// expiry. Apps call Sign (or URL); the service calls Verify with every key
// it accepts, so keys can be rotated.
package signurl

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of Verify.
var (
	ErrMissing   = errors.New("signed URL: d, exp and sig are required")
	ErrExpired   = errors.New("signed URL: expired")
	ErrSignature = errors.New("signed URL: signature does not match")
	ErrData      = errors.New("signed URL: data is not a base64url JSON object")
)

// Sign returns the query parameters d (the data as base64url JSON), exp
// (unix seconds) and sig for layout. The JSON is canonical (keys sorted), so
// equal data gives equal URLs.
func Sign(key []byte, layout string, data map[string]any, exp time.Time) (url.Values, error) {
	if data == nil {
		data = map[string]any{}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("signed URL data: %w", err)
	}
	d := base64.RawURLEncoding.EncodeToString(b)
	e := strconv.FormatInt(exp.Unix(), 10)
	return url.Values{"d": {d}, "exp": {e}, "sig": {mac(key, layout, d, e)}}, nil
}

// URL builds the whole signed URL: base + /v1/posters/LAYOUT.EXT?d=…&exp=…&sig=…
// where ext is png, jpg or webp.
func URL(base string, key []byte, layout, ext string, data map[string]any, exp time.Time) (string, error) {
	q, err := Sign(key, layout, data, exp)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/v1/posters/" + url.PathEscape(layout) + "." + ext + "?" + q.Encode(), nil
}

func mac(key []byte, layout, d, exp string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("haibao-poster-v1\n" + layout + "\n" + d + "\n" + exp))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Verify checks q for layout against any of keys at time now and returns
// the signed data.
func Verify(keys [][]byte, layout string, q url.Values, now time.Time) (map[string]any, error) {
	d, e, sig := q.Get("d"), q.Get("exp"), q.Get("sig")
	if d == "" || e == "" || sig == "" {
		return nil, ErrMissing
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: exp is not unix seconds", ErrMissing)
	}
	ok := false
	for _, k := range keys {
		if hmac.Equal([]byte(mac(k, layout, d, e)), []byte(sig)) {
			ok = true
		}
	}
	if !ok {
		return nil, ErrSignature
	}
	if now.Unix() > exp {
		return nil, ErrExpired
	}
	raw, err := base64.RawURLEncoding.DecodeString(d)
	if err != nil {
		return nil, ErrData
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil || data == nil {
		return nil, ErrData
	}
	return data, nil
}

// ParseKeys reads a comma-separated list of keys (as in
// HAIBAO_SIGNING_KEYS); the first one signs, all of them verify. Keys must
// be at least 16 bytes.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if len(k) < 16 {
			return nil, errors.New("signing keys must be at least 16 characters")
		}
		keys = append(keys, []byte(k))
	}
	return keys, nil
}
