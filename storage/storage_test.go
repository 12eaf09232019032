package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	for _, k := range []string{"a.jpg", "posters/x/1/ab.png", "李雷/1.jpg"} {
		if err := CheckKey(k); err != nil {
			t.Errorf("CheckKey(%q) = %v", k, err)
		}
	}
	for _, k := range []string{"", "/a", "a/", "a//b", "../a", "a/./b", "a\\b", "a\x00", "a\nb", strings.Repeat("x", MaxKeyBytes+1)} {
		if err := CheckKey(k); !errors.Is(err, ErrBadKey) {
			t.Errorf("CheckKey(%q) = %v, want ErrBadKey", k, err)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "out"}, ""},
		{Config{URL: "s3://b/p?endpoint=http://127.0.0.1:9000&region=us-east-1&style=path"}, ""},
		{Config{}, "storage: no location (set HAIBAO_STORAGE_URL to a folder or s3://bucket/prefix)"},
		{Config{URL: "s3:///p"}, "storage: s3:///p: no bucket (want s3://bucket/prefix)"},
		{Config{URL: "s3://key:secret@b/p"}, "storage: s3://…@b/p: put credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL"},
		{Config{URL: "s3://b/p?token=abc"}, `storage: s3://b/p: unknown parameter "token" (want endpoint, region, style or retries)`},
		{Config{URL: "s3://b/p?endpoint=ftp://h"}, `storage: s3://b/p: endpoint must be host[:port] or http(s)://host[:port], got "ftp://h"`},
		{Config{URL: "s3://b/../p"}, "storage: s3://b/../p: prefix: key must be a relative path without empty, . or .. parts"},
		{Config{URL: "out", PublicURL: "cdn.example"}, `storage: HAIBAO_STORAGE_PUBLIC_URL must be an http(s) URL, got "cdn.example"`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Validate(%q) = %q, want %q", tt.cfg.URL, got, tt.want)
		}
	}
}

func TestDir(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "out")
	d, err := OpenDir(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := d.Stat(ctx, "p/a.png"); ok || err != nil {
		t.Fatalf("Stat of nothing = %v, %v", ok, err)
	}
	o, err := d.Put(ctx, "p/a.png", "image/png", []byte("hello"), "d1")
	if err != nil {
		t.Fatal(err)
	}
	want := Object{Key: "p/a.png", URL: "file://" + filepath.ToSlash(filepath.Join(root, "p", "a.png")), Bytes: 5,
		ETag: `"5d41402abc4b2a76b9719d911017c592"`, Digest: "d1"}
	if o != want {
		t.Fatalf("Put = %+v, want %+v", o, want)
	}
	got, ok, err := d.Stat(ctx, "p/a.png")
	if err != nil || !ok {
		t.Fatalf("Stat = %v, %v", ok, err)
	}
	if got.Digest == "" {
		t.Log("no extended attributes here: named posters are rendered again on resume")
		got.Digest = "d1"
	}
	if got != want {
		t.Fatalf("Stat = %+v, want %+v", got, want)
	}
	if _, err := d.Put(ctx, "../escape", "image/png", nil, ""); !errors.Is(err, ErrBadKey) {
		t.Fatalf("Put ../escape = %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "p"))
	if len(ents) != 1 {
		t.Fatalf("folder holds %d entries, want 1 (no temporary files left)", len(ents))
	}
	// A file put there by something else has no attributes: it is hashed.
	os.WriteFile(filepath.Join(root, "p", "b.png"), []byte("hello"), 0o644)
	if o, ok, err := d.Stat(ctx, "p/b.png"); !ok || err != nil || o.ETag != want.ETag || o.Bytes != 5 || o.Digest != "" {
		t.Fatalf("Stat of a foreign file = %+v, %v, %v", o, ok, err)
	}
	pub, _ := OpenDir(root, "https://cdn.example/c/")
	if u := pub.URL("p/李 1.png"); u != "https://cdn.example/c/p/%E6%9D%8E%201.png" {
		t.Fatalf("URL = %q", u)
	}
}

// TestS3Unreachable: a store nobody answers fails each call with a clear
// error, quickly, and never reports an object.
func TestS3Unreachable(t *testing.T) {
	s, err := Open(Config{URL: "s3://bucket/p?endpoint=http://127.0.0.1:1&retries=1&region=us-east-1", AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o, ok, err := s.Stat(ctx, "a.png")
	if ok || o != (Object{}) || err == nil || !strings.HasPrefix(err.Error(), "storage: stat a.png: ") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Stat = %+v, %v, %v", o, ok, err)
	}
	o, err = s.Put(ctx, "a.png", "image/png", []byte("x"), "")
	if o != (Object{}) || err == nil || !strings.HasPrefix(err.Error(), "storage: put a.png: ") {
		t.Fatalf("Put = %+v, %v", o, err)
	}
	if strings.Contains(err.Error(), "EXAMPLEKEY") {
		t.Fatalf("error shows the secret: %v", err)
	}
	if u := s.URL("a.png"); u != "http://127.0.0.1:1/bucket/p/a.png" {
		t.Fatalf("URL = %q", u)
	}
}
