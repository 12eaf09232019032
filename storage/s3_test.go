package storage_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"testing"

	"github.com/haibao/haibao/internal/s3test"
	"github.com/haibao/haibao/storage"
)

// TestS3 stores and finds an object on a real S3 server.
func TestS3(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	s, err := storage.Open(storage.Config{URL: srv.URL("campaign"), PublicURL: "https://cdn.example", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Stat(ctx, "posters/a.jpg"); ok || err != nil {
		t.Fatalf("Stat before Put = %v, %v", ok, err)
	}
	body := []byte("\xff\xd8not really a jpeg")
	sum := md5.Sum(body)
	o, err := s.Put(ctx, "posters/a.jpg", "image/jpeg", body, "digest-1")
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Object{Key: "posters/a.jpg", URL: "https://cdn.example/campaign/posters/a.jpg", Bytes: int64(len(body)),
		ETag: `"` + hex.EncodeToString(sum[:]) + `"`, Digest: "digest-1"}
	if o != want {
		t.Fatalf("Put = %+v\nwant  %+v", o, want)
	}
	got, ok, err := s.Stat(ctx, "posters/a.jpg")
	if err != nil || !ok || got != want {
		t.Fatalf("Stat = %+v, %v, %v\nwant   %+v", got, ok, err, want)
	}
	b, ct := srv.Get(t, "campaign/posters/a.jpg")
	if string(b) != string(body) || ct != "image/jpeg" {
		t.Fatalf("stored %q as %s", b, ct)
	}
	// Wrong credentials: a clear error, nothing reported stored.
	bad, _ := storage.Open(storage.Config{URL: srv.URL("campaign"), AccessKey: srv.AccessKey, SecretKey: "wrong-secret-wrong-secret"})
	o, err = bad.Put(ctx, "posters/b.jpg", "image/jpeg", body, "")
	if err == nil || o != (storage.Object{}) {
		t.Fatalf("Put with a wrong secret = %+v, %v", o, err)
	}
	t.Logf("wrong secret: %v", err)
	if n := srv.Count(t, "campaign/"); n != 1 {
		t.Fatalf("bucket holds %d objects, want 1", n)
	}
}
