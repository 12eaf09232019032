package storage

import (
	"strings"
	"time"
)

const defaultTimeout = 60 * time.Second

// Open returns the store cfg names: an S3 bucket for s3:// URLs, else a
// local folder (created when missing).
func Open(cfg Config) (Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	if strings.HasPrefix(cfg.URL, "s3://") {
		return openS3(cfg)
	}
	return OpenDir(strings.TrimPrefix(cfg.URL, "file://"), cfg.PublicURL)
}
