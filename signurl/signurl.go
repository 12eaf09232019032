// Package signurl signs and checks poster GET URLs, so an app can put a
// poster in an <img src> without exposing an API key. The URL carries the
// data, the render options and an expiry; the signature is an HMAC-SHA256
// over everything that changes the image's bytes: layout, extension (the
// format), data, scale and quality, plus the expiry. Apps call Sign (or
// URL); the service calls Verify with every key it accepts, so keys can be
// rotated.
package signurl

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of Verify. A URL that was altered in any signed part, or that
// carries a parameter the signature does not cover, fails with
// ErrSignature.
var (
	ErrMissing   = errors.New("signed URL: d, exp and sig are required")
	ErrExpired   = errors.New("signed URL: expired")
	ErrSignature = errors.New("signed URL: signature does not match")
	ErrData      = errors.New("signed URL: data is not a base64url JSON object")
)

// MaxData bounds the encoded data of one URL, in characters; longer URLs
// do not survive browsers and CDNs anyway.
const MaxData = 16 << 10

// Query parameter names.
const (
	paramData    = "d"
	paramExpiry  = "exp"
	paramSig     = "sig"
	paramScale   = "scale"
	paramQuality = "quality"
	paramVersion = "v"
)

// Poster is what a signed URL asks for.
type Poster struct {
	Layout  string         // layout name, as in /v1/posters/LAYOUT.EXT
	Ext     string         // file extension naming the format: png, jpg, jpeg or webp
	Data    map[string]any // request data; nil is an empty object
	Scale   float64        // pixel ratio; 0 leaves it to the layout
	Quality int            // JPEG/WebP quality 1-100; 0 leaves it to the service
	// Version pins the layout's design (Layout.Version): the URL renders
	// the layout as it was when signed, for as long as the service keeps
	// that version. Empty follows the current design.
	Version string
	Expires time.Time // the URL works until then (whole seconds)
}

// check refuses what no service could render, so a bad URL is never
// handed out. The service still applies its own scale bound on Verify.
func (p Poster) check() error {
	switch {
	case p.Layout == "" || strings.ContainsAny(p.Layout, "/\\"):
		return fmt.Errorf("signed URL: layout %q must be a layout name", p.Layout)
	case p.Ext == "" || strings.ContainsAny(p.Ext, "./\\?#"):
		return fmt.Errorf("signed URL: extension %q must be like png", p.Ext)
	case math.IsNaN(p.Scale) || math.IsInf(p.Scale, 0) || p.Scale < 0:
		return fmt.Errorf("signed URL: scale must be a positive number, got %g", p.Scale)
	case p.Quality < 0 || p.Quality > 100:
		return fmt.Errorf("signed URL: quality must be from 1 to 100, got %d", p.Quality)
	case len(p.Version) > 64 || strings.Trim(p.Version, "0123456789abcdef") != "":
		return fmt.Errorf("signed URL: version %q must be a layout version (hex)", p.Version)
	}
	return nil
}

// Sign returns the query parameters of p: d (the data as base64url JSON),
// scale and quality when set, exp (unix seconds) and sig. The JSON is
// canonical (keys sorted), so equal posters give equal URLs.
func Sign(key []byte, p Poster) (url.Values, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.Expires.IsZero() {
		return nil, errors.New("signed URL: an expiry is required")
	}
	if p.Data == nil {
		p.Data = map[string]any{}
	}
	b, err := json.Marshal(p.Data)
	if err != nil {
		return nil, fmt.Errorf("signed URL data: %w", err)
	}
	q := url.Values{paramData: {base64.RawURLEncoding.EncodeToString(b)}, paramExpiry: {strconv.FormatInt(p.Expires.Unix(), 10)}}
	if len(q.Get(paramData)) > MaxData {
		return nil, fmt.Errorf("signed URL data: %d characters encoded, at most %d fit in a URL", len(q.Get(paramData)), MaxData)
	}
	if p.Scale != 0 {
		q.Set(paramScale, strconv.FormatFloat(p.Scale, 'g', -1, 64))
	}
	if p.Quality != 0 {
		q.Set(paramQuality, strconv.Itoa(p.Quality))
	}
	if p.Version != "" {
		q.Set(paramVersion, p.Version)
	}
	q.Set(paramSig, mac(key, p.Layout, p.Ext, q))
	return q, nil
}

// URL builds the whole signed URL: base + /v1/posters/LAYOUT.EXT?d=…&exp=…&sig=…
func URL(base string, key []byte, p Poster) (string, error) {
	q, err := Sign(key, p)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/v1/posters/" + url.PathEscape(p.Layout) + "." + p.Ext + "?" + q.Encode(), nil
}

// mac signs the raw parameter strings, so any change to them, even one
// that parses to the same value, breaks the signature. Each field is
// length-prefixed: no two different posters give the same message.
func mac(key []byte, layout, ext string, q url.Values) string {
	var msg bytes.Buffer
	msg.WriteString("haibao-poster-v2")
	for _, f := range []string{layout, ext, q.Get(paramData), q.Get(paramScale), q.Get(paramQuality), q.Get(paramVersion), q.Get(paramExpiry)} {
		fmt.Fprintf(&msg, "\n%d:%s", len(f), f)
	}
	h := hmac.New(sha256.New, key)
	h.Write(msg.Bytes())
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Verify checks the query q of a request for /v1/posters/LAYOUT.EXT
// against any of keys at time now, and returns the poster it signs; a
// cache must not keep the answer past its Expires. The signature is
// checked before anything else of q is parsed.
func Verify(keys [][]byte, layout, ext string, q url.Values, now time.Time) (Poster, error) {
	if q.Get(paramData) == "" || q.Get(paramExpiry) == "" || q.Get(paramSig) == "" {
		return Poster{}, ErrMissing
	}
	for name, vs := range q {
		switch name {
		case paramData, paramExpiry, paramSig, paramScale, paramQuality, paramVersion:
		default:
			return Poster{}, fmt.Errorf("%w: parameter %q is not signed", ErrSignature, name)
		}
		if len(vs) != 1 {
			return Poster{}, fmt.Errorf("%w: parameter %q is repeated", ErrSignature, name)
		}
	}
	if len(q.Get(paramData)) > MaxData {
		return Poster{}, ErrData
	}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get(paramSig))
	if err != nil {
		return Poster{}, ErrSignature
	}
	ok := false
	for _, k := range keys {
		want, _ := base64.RawURLEncoding.DecodeString(mac(k, layout, ext, q))
		ok = ok || hmac.Equal(want, sig)
	}
	if !ok {
		return Poster{}, ErrSignature
	}
	exp, err := strconv.ParseInt(q.Get(paramExpiry), 10, 64)
	if err != nil {
		return Poster{}, fmt.Errorf("%w: exp is not unix seconds", ErrMissing)
	}
	if now.Unix() > exp {
		return Poster{}, ErrExpired
	}
	p := Poster{Layout: layout, Ext: ext, Expires: time.Unix(exp, 0), Version: q.Get(paramVersion)}
	if v := q.Get(paramScale); v != "" {
		if p.Scale, err = strconv.ParseFloat(v, 64); err != nil {
			return Poster{}, fmt.Errorf("signed URL: scale %q is not a number", v)
		}
	}
	if v := q.Get(paramQuality); v != "" {
		if p.Quality, err = strconv.Atoi(v); err != nil {
			return Poster{}, fmt.Errorf("signed URL: quality %q is not a whole number", v)
		}
	}
	if err := p.check(); err != nil {
		return Poster{}, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(q.Get(paramData))
	if err != nil {
		return Poster{}, ErrData
	}
	// Numbers stay as written (12.50 is not 12.5 on a poster).
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&p.Data); err != nil || p.Data == nil || dec.More() {
		return Poster{}, ErrData
	}
	return p, nil
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
