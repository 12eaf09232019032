package server

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/haibao/haibao/poster"
)

// etagOf names the exact bytes of an answer: the bound document's key
// (layout version, engine version, every resolved value, scale) plus how
// it is encoded.
func etagOf(docKey string, f poster.Format, quality int, encoding string) string {
	h := sha256.New()
	h.Write([]byte(docKey + "\x00" + f.String() + "\x00" + strconv.Itoa(quality) + "\x00" + encoding))
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

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
