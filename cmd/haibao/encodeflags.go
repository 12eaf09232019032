package main

import (
	"errors"
	"flag"

	"github.com/haibao/haibao/poster"
)

// encodeFlags are the encoder settings render and bench share.
type encodeFlags struct {
	subsampling *string
	effort      *int
	lossless    *bool
	optimize    *bool
}

func addEncodeFlags(fl *flag.FlagSet) encodeFlags {
	return encodeFlags{
		subsampling: fl.String("subsampling", "420", "JPEG chroma subsampling: 420, or 444 for sharper coloured text"),
		effort:      fl.Int("effort", poster.DefaultEffort, "WebP effort (libwebp method), 0 fastest to 6 smallest"),
		lossless:    fl.Bool("lossless", false, "lossless WebP, for flat graphics"),
		optimize:    fl.Bool("optimize", false, "JPEG Huffman tables optimised for the image (a few % smaller)"),
	}
}

// options checks the flags and combines them with format and quality.
func (e encodeFlags) options(f poster.Format, quality int) (poster.EncodeOptions, error) {
	sub, err := poster.ParseSubsampling(*e.subsampling)
	if err != nil {
		return poster.EncodeOptions{}, errors.New("--subsampling: " + err.Error())
	}
	if *e.effort < 0 || *e.effort > 6 {
		return poster.EncodeOptions{}, errors.New("--effort must be from 0 to 6")
	}
	effort := *e.effort
	return poster.EncodeOptions{
		Format: f, Quality: quality, Subsampling: sub, Effort: &effort, Lossless: *e.lossless, Optimize: *e.optimize,
	}, nil
}
