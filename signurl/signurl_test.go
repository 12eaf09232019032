package signurl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	old, cur := []byte("old-key-0123456789"), []byte("current-key-0123456789")
	now := time.Unix(1_800_000_000, 0)
	data := map[string]any{"nickname": "小明 & co", "scene": "u=1&c=2"}
	q, err := Sign(cur, "invite", data, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify([][]byte{cur, old}, "invite", q, now)
	if err != nil || got["nickname"] != "小明 & co" || got["scene"] != "u=1&c=2" {
		t.Fatalf("verify: %v %v", got, err)
	}
	tamper := func(k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = append([]string(nil), vv...)
		}
		c.Set(k, v)
		return c
	}
	oldQ, _ := Sign(old, "invite", data, now.Add(time.Hour))
	tests := []struct {
		name   string
		keys   [][]byte
		layout string
		q      url.Values
		err    error
	}{
		{"rotated key still accepted", [][]byte{cur, old}, "invite", oldQ, nil},
		{"retired key refused", [][]byte{cur}, "invite", oldQ, ErrSignature},
		{"unknown key", [][]byte{[]byte("someone-else-key-000")}, "invite", q, ErrSignature},
		{"other layout", [][]byte{cur}, "product", q, ErrSignature},
		{"tampered data", [][]byte{cur}, "invite", tamper("d", "eyJuaWNrbmFtZSI6ImV2ZSJ9"), ErrSignature},
		{"extended expiry", [][]byte{cur}, "invite", tamper("exp", "9999999999"), ErrSignature},
		{"missing sig", [][]byte{cur}, "invite", tamper("sig", ""), ErrMissing},
		{"bad exp", [][]byte{cur}, "invite", tamper("exp", "soon"), ErrMissing},
	}
	for _, tt := range tests {
		_, err := Verify(tt.keys, tt.layout, tt.q, now)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.err)
		}
	}
	if _, err := Verify([][]byte{cur}, "invite", q, now.Add(2*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
}

func TestURLAndKeys(t *testing.T) {
	u, err := URL("https://posters.example.com/", []byte("current-key-0123456789"), "product", "jpg", map[string]any{"a": 1}, time.Unix(2_000_000_000, 0))
	if err != nil || !strings.HasPrefix(u, "https://posters.example.com/v1/posters/product.jpg?d=") || !strings.Contains(u, "exp=2000000000") {
		t.Errorf("URL = %s, %v", u, err)
	}
	keys, err := ParseKeys(" key-number-one-0000, key-number-two-0000 ,")
	if err != nil || len(keys) != 2 {
		t.Errorf("keys %q %v", keys, err)
	}
	if _, err := ParseKeys("short"); err == nil {
		t.Error("short key accepted")
	}
}
