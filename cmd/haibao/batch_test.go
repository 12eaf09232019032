package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/haibao/haibao/internal/s3test"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const campaignHeader = "uid,nickname,headline,tagline,invite,page,scene\n"

func TestBatchFlags(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "rows.csv")
	os.WriteFile(data, []byte(campaignHeader), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--data", data, "--out", dir}, "haibao batch: --layout is required"},
		{[]string{"--layout", "campaign", "--out", dir}, "haibao batch: --data is required"},
		{[]string{"--layout", "campaign", "--data", data}, "haibao batch: --out is required (or set HAIBAO_STORAGE_URL)"},
		{[]string{"--layout", "campaign", "--data", "rows.txt.gz", "--out", dir}, "haibao batch: --data must be a .csv, .jsonl or .xlsx file"},
		{[]string{"--layout", "campaign", "--data", data, "--out", dir, "--encoding", "latin1"}, `haibao batch: --encoding: unknown encoding "latin1" (want auto, utf-8 or gbk)`},
		{[]string{"--layout", "campaign", "--data", data, "--out", dir, "--name", "poster.jpg"}, `haibao batch: --name: name "poster.jpg" uses no field: every row would get the same name (write e.g. {{uid}}.jpg)`},
		{[]string{"--layout", "campaign", "--data", data, "--out", "s3://"}, "haibao batch: --out: storage: s3://: no bucket (want s3://bucket/prefix)"},
		{[]string{"--layout", "campaign", "--data", data, "--out", dir, "--concurrency", "5000"}, "haibao batch: --concurrency must be from 1 to 1024"},
	}
	for _, tt := range tests {
		code, _, errs := runCLI(t, "", append([]string{"batch"}, tt.args...)...)
		if code != exitUsage || strings.TrimSpace(errs) != tt.want {
			t.Errorf("%q: exit %d, %q; want 2, %q", tt.args, code, errs, tt.want)
		}
	}
}

func TestBatchMissingColumn(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "rows.csv")
	os.WriteFile(data, []byte("uid,nickname,tagline,invite,page,scene\n1,a,b,c,pages/a,u=1\n"), 0o644)
	code, _, errs := runCLI(t, "", "batch", "--layout", "campaign", "--data", data, "--out", filepath.Join(dir, "out"))
	want := "haibao: data " + data + ": data has no column for the required field(s) headline (columns are field names; nested fields use dots, e.g. user.name)\n"
	if code != exitFailure || errs != want {
		t.Fatalf("exit %d, %q; want 1, %q", code, errs, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "manifest.jsonl")); err == nil {
		t.Fatal("a manifest was written for a run that did not start")
	}
}

// TestBatchGBK runs a CSV saved the way Excel saves it on Chinese Windows,
// with one bad row: the good rows are stored, the bad one is in the errors
// file, the exit status is 1, and a second run uploads nothing.
func TestBatchGBK(t *testing.T) {
	dir := t.TempDir()
	csv := campaignHeader +
		"1,李雷,城市夜跑节,滨江步道,一起跑,pages/run/signup,u=1\n" +
		"2,韩梅梅,这个标题实在太长了,滨江步道,一起跑,pages/run/signup,u=2\n" +
		"3,王芳,夜跑节,江边,来吧,pages/run/signup,u=3\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "rows.csv")
	os.WriteFile(data, []byte(gbk), 0o644)
	out := filepath.Join(dir, "out")
	args := []string{"batch", "--layout", "campaign", "--data", data, "--out", out, "--name", "{{uid}}.jpg", "--scale", "0.5"}
	code, _, errs := runCLI(t, "", args...)
	if code != exitFailure {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "rows.csv: row 3: field headline: is 9 characters, at most 8\n") ||
		!strings.Contains(errs, "batch: 3 rows: 2 stored, 0 already stored, 1 failed, 0 not done") {
		t.Fatalf("stderr: %s", errs)
	}
	b, _ := os.ReadFile(filepath.Join(out, "errors.csv"))
	if string(b) != "\uFEFFrow,field,message\n3,headline,\"is 9 characters, at most 8\"\n" {
		t.Fatalf("errors.csv = %q", b)
	}
	for _, f := range []string{"1.jpg", "3.jpg"} {
		if _, format := decodeFile(t, filepath.Join(out, f)); format != "jpeg" {
			t.Fatalf("%s is %s", f, format)
		}
	}
	m, _ := os.ReadFile(filepath.Join(out, "manifest.jsonl"))
	if lines := strings.Split(strings.TrimSpace(string(m)), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], `{"row":2,"key":"1.jpg","url":"file://`) {
		t.Fatalf("manifest = %s", m)
	}
	_, _, errs = runCLI(t, "", args...)
	if !strings.Contains(errs, "batch: 3 rows: 0 stored, 2 already stored, 1 failed") {
		t.Fatalf("second run: %s", errs)
	}
}

func TestBatchXLSX(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "rows.xlsx")
	f := excelize.NewFile()
	rows := [][]any{
		{"uid", "nickname", "headline", "tagline", "invite", "page", "scene"},
		{"1", "李雷", "城市夜跑节", "滨江步道", "一起跑", "pages/run/signup", "u=1"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(data); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, errs := runCLI(t, "", "batch", "--layout", "campaign", "--data", data, "--out", out, "--format", "png", "--scale", "0.5")
	if code != exitOK || !strings.Contains(errs, "batch: 1 rows: 1 stored") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "errors.csv")); err == nil {
		t.Fatal("errors.csv written for a run without failures")
	}
	m, _ := os.ReadFile(filepath.Join(out, "manifest.jsonl"))
	if !strings.Contains(string(m), `"key":"posters/campaign/`) || !strings.Contains(string(m), `.png","url":"file://`) {
		t.Fatalf("manifest = %s", m)
	}
}

// TestBatchS3 runs the command against a real S3 server, then against one
// that is not there: every row fails with the storage's error and the
// manifest lists nothing.
func TestBatchS3(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "rows.jsonl")
	os.WriteFile(data, []byte(`{"uid":1,"nickname":"李雷","headline":"城市夜跑节","tagline":"滨江","invite":"一起跑","page":"pages/run/signup","scene":"u=1"}`+"\n"), 0o644)
	env := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey,
		"HAIBAO_STORAGE_URL": srv.URL("run1"), "HAIBAO_STORAGE_PUBLIC_URL": "https://cdn.example"}
	manifest := filepath.Join(dir, "manifest.jsonl")
	code, _, errs := runCLIEnv(t, context.Background(), env, "", "batch", "--layout", "campaign", "--data", data, "--manifest", manifest, "--scale", "0.5")
	if code != exitOK || !strings.Contains(errs, "batch: 1 rows: 1 stored") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m, _ := os.ReadFile(manifest)
	if !strings.Contains(string(m), `"url":"https://cdn.example/run1/posters/campaign/`) || srv.Count(t, "run1/") != 1 {
		t.Fatalf("manifest %s; %d objects", m, srv.Count(t, "run1/"))
	}
	if strings.Contains(errs, srv.SecretKey) {
		t.Fatal("output shows the secret")
	}

	env["HAIBAO_STORAGE_URL"] = "s3://posters/run2?endpoint=http://127.0.0.1:1&retries=1"
	code, _, errs = runCLIEnv(t, context.Background(), env, "", "batch", "--layout", "campaign", "--data", data, "--manifest", manifest, "--scale", "0.5")
	if code != exitFailure || !strings.Contains(errs, "rows.jsonl: row 1: storage: stat posters/campaign/") ||
		!strings.Contains(errs, "connection refused") || !strings.Contains(errs, "batch: 1 rows: 0 stored, 0 already stored, 1 failed") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if m, _ := os.ReadFile(manifest); len(m) != 0 {
		t.Fatalf("manifest after an unreachable store: %s", m)
	}
}
