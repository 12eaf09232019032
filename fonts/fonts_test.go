package fonts

import (
	"io/fs"
	"strings"
	"testing"
)

// TestFilesAndLicences wants every named font file embedded, every
// embedded font named, and each covered by a licence text beside it.
func TestFilesAndLicences(t *testing.T) {
	named := map[string]bool{SansRegular: true, SansBold: true, Emoji: true}
	for _, fb := range Fallbacks() {
		if fb.Family == "" || len(fb.Files) == 0 {
			t.Errorf("fallback %+v has no family or files", fb)
		}
		for _, f := range fb.Files {
			named[f] = true
		}
	}
	for f := range named {
		if b, err := fs.ReadFile(FS, f); err != nil || len(b) < 1000 {
			t.Errorf("%s: %v (%d bytes)", f, err, len(b))
		}
	}
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	var licences []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "OFL-"):
			b, _ := fs.ReadFile(FS, n)
			if !strings.Contains(string(b), "SIL OPEN FONT LICENSE") {
				t.Errorf("%s does not hold the OFL text", n)
			}
			licences = append(licences, string(b))
		case !named[n]:
			t.Errorf("%s is embedded but no code names it", n)
		}
	}
	for f := range named {
		covered := false
		for _, l := range licences {
			first, _, _ := strings.Cut(l, "\n")
			covered = covered || strings.Contains(first, f) || strings.Contains(first, "NotoSans*.ttf") && strings.HasPrefix(f, "NotoSans")
		}
		if !covered {
			t.Errorf("%s is named by no licence text's header", f)
		}
	}
}
