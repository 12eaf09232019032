//go:build cgo

package picture

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkPNGSettings is how the libpng level and filter were chosen:
// compare ns/op and bytes against BenchmarkEncode/png of the pure-Go build.
func BenchmarkPNGSettings(b *testing.B) {
	src := samplePoster(b)
	filters := []struct {
		name string
		bits int
	}{{"none", pngFilterNone}, {"sub", pngFilterSub}, {"up", pngFilterUp}, {"paeth", pngFilterPaeth}, {"all", pngFilterAll}}
	for _, level := range []int{1, 2, 6} {
		for _, f := range filters {
			b.Run(fmt.Sprintf("level%d-%s", level, f.name), func(b *testing.B) {
				var buf bytes.Buffer
				for b.Loop() {
					buf.Reset()
					if err := pngEncodeWith(&buf, src, level, f.bits); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len()), "bytes")
			})
		}
	}
}
