// Package storage puts rendered posters where apps fetch them: a local
// folder, or an S3-compatible bucket (AWS S3, Aliyun OSS, Tencent COS,
// Cloudflare R2, MinIO) behind the team's CDN. It owns the storage
// settings (HAIBAO_STORAGE_URL, HAIBAO_STORAGE_PUBLIC_URL and the standard
// AWS credential variables) and the content-addressed key scheme.
package storage
