package main

import (
	"strings"
	"testing"
)

func TestValidateLints(t *testing.T) {
	code, out, errs := runCLI(t, "", "validate", "../../layouts")
	if code != exitOK || strings.Contains(out, " error ") || strings.Contains(out, " warning ") {
		t.Errorf("samples: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "validate", "--format", "jpeg", "--quality", "10", "../../poster/testdata/lint/broken.yaml")
	if code != exitFailure {
		t.Errorf("broken layout: exit %d, want %d\n%s", code, exitFailure, errs)
	}
	for _, want := range []string{
		"poster/testdata/lint/broken.yaml:13:5: error code-small: the code is 60 pixels once the poster is on a phone",
		"poster/testdata/lint/broken.yaml:13:5: error code-jpeg-quality: JPEG quality 10 smears a code this small",
		"poster/testdata/lint/broken.yaml:15:5: error code-covered: rect \"sticker\" is drawn over the code",
		"poster/testdata/lint/broken.yaml:19:5: warning text-overflow: text is 168 units tall, more than its height 40, and runs onto rect \"under\" (sample data)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"validate", "--format", "gif"}, {"validate", "--quality", "0"}} {
		if code, _, errs := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, errs)
		}
	}
}
