//go:build measure

package poster

// Measurements behind the lint thresholds: go test -tags measure -run
// TestMeasureCodeThresholds -v ./poster. They print, for codes drawn in
// many ways, the lint's own numbers next to whether two decoders (this
// project's QR reader and zbar, when zbarimg is installed) read the code
// after the phone degradation.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/haibao/haibao/internal/scan"
)

func measureOne(t *testing.T, e *Engine, src string, format Format, quality int) (stats codeStats, side float64, gozx, zbar string) {
	t.Helper()
	l, err := e.ParseLayout(fstest.MapFS{}, "m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Bind(l, nil, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Fetch(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	res, err := e.Draw(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	var it *item
	for i := range d.items {
		if d.items[i].el.kind == KindCode {
			it = &d.items[i]
		}
	}
	r := pxRect(it.x, it.y, it.w, it.h, d.scale)
	stats = codeContrast(res.Image, r, it.img, it.req.Transparent)
	s := degradeScale(d.w, d.h)
	side = float64(r.Dx()) * s
	q := 0
	if format == JPEG {
		q = quality
	}
	deg := degrade(res.Image, q)
	want, _ := e.qrContent(it.req)
	gozx = "no"
	if got, err := scan.QR(deg); err == nil && got == want {
		gozx = "yes"
	}
	zbar = "-"
	if path, err := exec.LookPath("zbarimg"); err == nil {
		f := filepath.Join(t.TempDir(), "d.png")
		w, _ := os.Create(f)
		png.Encode(w, deg)
		w.Close()
		out, _ := exec.Command(path, "-q", "--raw", f).Output()
		zbar = "no"
		if strings.TrimSpace(string(out)) == want {
			zbar = "yes"
		}
	}
	return
}

func noiseDataURL(t *testing.T, amp int) string {
	img := image.NewGray(image.Rect(0, 0, 750, 1334))
	rng := rand.New(rand.NewPCG(1, uint64(amp)))
	for by := 0; by < 1334; by += 4 {
		for bx := 0; bx < 750; bx += 4 {
			v := uint8(255 - rng.IntN(amp+1))
			for y := by; y < min(by+4, 1334); y++ {
				for x := bx; x < min(bx+4, 750); x++ {
					img.Pix[y*img.Stride+x] = v
				}
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestMeasureCodeThresholds(t *testing.T) {
	e := testEngine(t)
	const canvas = "canvas: {width: 750, height: 1334, background: %s}\nelements:\n"
	code := "  - {id: c, type: code, page: pages/index/index, scene: \"uid=123456&c=spring\", size: %d, x: 235, y: 900%s}\n"
	fmt.Println("## contrast: grey lines on white, 280 px code")
	for g := 0; g <= 240; g += 16 {
		src := fmt.Sprintf(canvas, `"#fff"`) + fmt.Sprintf(code, 280, fmt.Sprintf(", line_color: \"#%02x%02x%02x\"", g, g, g))
		st, _, a, b := measureOne(t, e, src, PNG, 0)
		fmt.Printf("line #%02x%02x%02x  contrast %.2f  gozxing %s  zbar %s\n", g, g, g, (st.light+0.05)/(st.module+0.05), a, b)
	}
	fmt.Println("## contrast: black lines on dark grounds, transparent 280 px code")
	for g := 255; g >= 32; g -= 24 {
		src := fmt.Sprintf(canvas, fmt.Sprintf(`"#%02x%02x%02x"`, g, g, g)) + fmt.Sprintf(code, 280, ", transparent: true")
		st, _, a, b := measureOne(t, e, src, PNG, 0)
		fmt.Printf("ground #%02x  contrast %.2f  gozxing %s  zbar %s\n", g, (st.light+0.05)/(st.module+0.05), a, b)
	}
	fmt.Println("## size, at scale 1 and after the phone fit")
	for _, size := range []int{50, 60, 70, 80, 90, 100, 120, 150, 200} {
		src := fmt.Sprintf(canvas, `"#fff"`) + fmt.Sprintf(code, size, "")
		_, side, a, b := measureOne(t, e, src, PNG, 0)
		fmt.Printf("size %d  on phone %.0f px  gozxing %s  zbar %s\n", size, side, a, b)
	}
	fmt.Println("## JPEG quality of the poster itself")
	for _, size := range []int{90, 120, 200} {
		for _, q := range []int{5, 10, 20, 30, 40, 50, 70} {
			src := fmt.Sprintf(canvas, `"#fff"`) + fmt.Sprintf(code, size, "")
			_, _, a, b := measureOne(t, e, src, JPEG, q)
			fmt.Printf("size %d  q %d  gozxing %s  zbar %s\n", size, q, a, b)
		}
	}
	fmt.Println("## busy grounds: transparent code over a photo, and over a gradient")
	for _, bg := range []string{
		`{image: asset:bg-dusk.jpg}`,
		`{image: asset:product-mug.jpg}`,
		`{gradient: {angle: 90, stops: ["#ffffff", "#d0d0d0"]}}`,
		`{gradient: {angle: 45, stops: ["#ffffff", "#a0a0a0"]}}`,
		`{gradient: {angle: 45, stops: ["#ffffff", "#707070"]}}`,
	} {
		src := fmt.Sprintf(canvas, bg) + fmt.Sprintf(code, 280, ", transparent: true")
		st, _, a, b := measureOne(t, e, src, PNG, 0)
		fmt.Printf("%-55s light std %.1f  contrast %.2f  gozxing %s  zbar %s\n", bg, st.lightStd, (max(st.light, st.module)+0.05)/(min(st.light, st.module)+0.05), a, b)
	}
	fmt.Println("## noisy grounds: transparent 280 px code over 4-px blocks of random grey in [255-A, 255]")
	for _, amp := range []int{16, 32, 48, 64, 96, 128, 160, 200} {
		bg := fmt.Sprintf("{image: %q}", noiseDataURL(t, amp))
		src := fmt.Sprintf(canvas, bg) + fmt.Sprintf(code, 280, ", transparent: true")
		st, _, a, b := measureOne(t, e, src, PNG, 0)
		fmt.Printf("A %3d  light std %.1f  contrast %.2f  gozxing %s  zbar %s\n", amp, st.lightStd, (max(st.light, st.module)+0.05)/(min(st.light, st.module)+0.05), a, b)
	}
	for _, op := range []float64{1, 0.6, 0.3, 0.15} {
		src := fmt.Sprintf(canvas, `"#fff"`) + fmt.Sprintf(code, 280, fmt.Sprintf(", opacity: %g", op))
		st, _, a, b := measureOne(t, e, src, PNG, 0)
		fmt.Printf("opacity %.2f  contrast %.2f  gozxing %s  zbar %s\n", op, (st.light+0.05)/(st.module+0.05), a, b)
	}
}
