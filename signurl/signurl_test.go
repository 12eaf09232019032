package signurl

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	oldKey = []byte("old-key-0123456789")
	curKey = []byte("current-key-0123456789")
	now    = time.Unix(1_800_000_000, 0)
)

func signed(t *testing.T, key []byte, p Poster) url.Values {
	t.Helper()
	p.Expires = now.Add(time.Hour)
	q, err := Sign(key, p)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func with(q url.Values, k, v string) url.Values {
	c := url.Values{}
	for kk, vv := range q {
		c[kk] = append([]string(nil), vv...)
	}
	if v == "" {
		c.Del(k)
	} else {
		c.Set(k, v)
	}
	return c
}

func TestSignVerifyRoundTrip(t *testing.T) {
	p := Poster{Layout: "invite", Ext: "jpg", Scale: 1.5, Quality: 80,
		Data: map[string]any{"nickname": "小明 & co", "scene": "u=1&c=2", "price": json.Number("12.50")}}
	q := signed(t, curKey, p)
	got, err := Verify([][]byte{curKey, oldKey}, "invite", "jpg", q, now)
	if err != nil {
		t.Fatal(err)
	}
	p.Expires = now.Add(time.Hour)
	if !reflect.DeepEqual(got, p) {
		t.Errorf("got %+v\nwant %+v", got, p)
	}
	// Without scale and quality the URL leaves both to the service.
	q = signed(t, curKey, Poster{Layout: "invite", Ext: "png"})
	if q.Has("scale") || q.Has("quality") {
		t.Errorf("defaults written into the URL: %v", q)
	}
	got, err = Verify([][]byte{curKey}, "invite", "png", q, now)
	if err != nil || got.Scale != 0 || got.Quality != 0 || got.Data == nil || len(got.Data) != 0 {
		t.Errorf("defaults: %+v %v", got, err)
	}
}

// TestVerifyRefuses changes each part of a signed URL in turn: every
// change that could alter the image's bytes must be refused.
func TestVerifyRefuses(t *testing.T) {
	p := Poster{Layout: "invite", Ext: "png", Scale: 2, Quality: 90, Data: map[string]any{"nickname": "bob"}}
	q := signed(t, curKey, p)
	oldQ := signed(t, oldKey, p)
	noScale := signed(t, curKey, Poster{Layout: "invite", Ext: "png", Data: p.Data})
	both := [][]byte{curKey, oldKey}
	pv := p
	pv.Version = "0123456789abcdef0123456789abcdef"
	pinned := signed(t, curKey, pv)
	tests := []struct {
		name        string
		keys        [][]byte
		layout, ext string
		q           url.Values
		err         error
	}{
		{"as signed", both, "invite", "png", q, nil},
		{"rotated key still accepted", both, "invite", "png", oldQ, nil},
		{"retired key refused", [][]byte{curKey}, "invite", "png", oldQ, ErrSignature},
		{"unknown key", [][]byte{[]byte("someone-else-key-000")}, "invite", "png", q, ErrSignature},
		{"no keys", nil, "invite", "png", q, ErrSignature},
		{"other layout", both, "product", "png", q, ErrSignature},
		{"other format", both, "invite", "webp", q, ErrSignature},
		{"jpg for jpeg", both, "invite", "jpeg", signed(t, curKey, Poster{Layout: "invite", Ext: "jpg"}), ErrSignature},
		{"tampered data", both, "invite", "png", with(q, "d", "eyJuaWNrbmFtZSI6ImV2ZSJ9"), ErrSignature},
		{"scale raised", both, "invite", "png", with(q, "scale", "3"), ErrSignature},
		{"scale written otherwise", both, "invite", "png", with(q, "scale", "2.0"), ErrSignature},
		{"scale removed", both, "invite", "png", with(q, "scale", ""), ErrSignature},
		{"scale added", both, "invite", "png", with(noScale, "scale", "3"), ErrSignature},
		{"quality changed", both, "invite", "png", with(q, "quality", "100"), ErrSignature},
		{"quality removed", both, "invite", "png", with(q, "quality", ""), ErrSignature},
		{"version added", both, "invite", "png", with(q, "v", "0123456789abcdef0123456789abcdef"), ErrSignature},
		{"version changed", both, "invite", "png", with(pinned, "v", "fedcba9876543210fedcba9876543210"), ErrSignature},
		{"version removed", both, "invite", "png", with(pinned, "v", ""), ErrSignature},
		{"pinned as signed", both, "invite", "png", pinned, nil},
		{"unsigned parameter", both, "invite", "png", with(q, "width", "4000"), ErrSignature},
		{"repeated parameter", both, "invite", "png", func() url.Values { c := with(q, "d", q.Get("d")); c.Add("scale", "3"); return c }(), ErrSignature},
		{"extended expiry", both, "invite", "png", with(q, "exp", "9999999999"), ErrSignature},
		{"signature not base64", both, "invite", "png", with(q, "sig", "%%%"), ErrSignature},
		{"missing sig", both, "invite", "png", with(q, "sig", ""), ErrMissing},
		{"missing data", both, "invite", "png", with(q, "d", ""), ErrMissing},
		{"missing exp", both, "invite", "png", with(q, "exp", ""), ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.keys, tt.layout, tt.ext, tt.q, now)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
		})
	}
	if _, err := Verify(both, "invite", "png", q, now.Add(2*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	// An expired URL with a forged signature says "signature", so expiry
	// does not tell an attacker anything about the key.
	if _, err := Verify(both, "invite", "png", with(q, "scale", "3"), now.Add(2*time.Hour)); !errors.Is(err, ErrSignature) {
		t.Errorf("expired and forged: %v", err)
	}
}

func TestSignRefuses(t *testing.T) {
	exp := now.Add(time.Hour)
	for _, p := range []Poster{
		{Layout: "invite", Ext: "png"}, // no expiry
		{Layout: "", Ext: "png", Expires: exp},
		{Layout: "../secret", Ext: "png", Expires: exp},
		{Layout: "invite", Ext: "", Expires: exp},
		{Layout: "invite", Ext: "png?scale=4", Expires: exp},
		{Layout: "invite", Ext: "png", Scale: math.NaN(), Expires: exp},
		{Layout: "invite", Ext: "png", Scale: math.Inf(1), Expires: exp},
		{Layout: "invite", Ext: "png", Scale: -1, Expires: exp},
		{Layout: "invite", Ext: "png", Quality: 101, Expires: exp},
		{Layout: "invite", Ext: "png", Data: map[string]any{"big": strings.Repeat("x", MaxData)}, Expires: exp},
	} {
		if q, err := Sign(curKey, p); err == nil {
			t.Errorf("%+v signed: %v", p, q)
		}
	}
}

func TestURLAndKeys(t *testing.T) {
	u, err := URL("https://posters.example.com/", curKey, Poster{Layout: "product", Ext: "jpg", Scale: 2, Data: map[string]any{"a": 1}, Expires: time.Unix(2_000_000_000, 0)})
	if err != nil || !strings.HasPrefix(u, "https://posters.example.com/v1/posters/product.jpg?d=") || !strings.Contains(u, "exp=2000000000") || !strings.Contains(u, "scale=2") {
		t.Fatalf("URL = %s, %v", u, err)
	}
	pu, _ := url.Parse(u)
	if _, err := Verify([][]byte{curKey}, "product", "jpg", pu.Query(), time.Unix(1_999_999_999, 0)); err != nil {
		t.Errorf("URL does not verify: %v", err)
	}
	keys, err := ParseKeys(" key-number-one-0000, key-number-two-0000 ,")
	if err != nil || len(keys) != 2 {
		t.Errorf("keys %q %v", keys, err)
	}
	if _, err := ParseKeys("short"); err == nil {
		t.Error("short key accepted")
	}
}
