package server

import (
	"strings"
)

// etagOf is the ETag of an answer: the first half of its output key
// (poster.OutputKey), which names the exact bytes.
func etagOf(outputKey string) string { return `"` + outputKey[:32] + `"` }

// ifNoneMatch reports whether the If-None-Match header names etag (weak
// validators compare equal, as RFC 9110 asks for this header). "*" matches
// nothing here: it would turn any request, for any data, into a 304.
func ifNoneMatch(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(part), "W/") == etag {
			return true
		}
	}
	return false
}
