// Command load measures posters per second from a running haibao serve:
// concurrent POSTs of one layout with unique data per request, so neither
// the output cache nor ETags answer. Loopback use only.
//
//	go run ./bench/load --url http://127.0.0.1:8080 --layout campaign --format jpeg --duration 20s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "service base URL")
	layout := flag.String("layout", "campaign", "layout name")
	format := flag.String("format", "jpeg", "png, jpeg or webp")
	conc := flag.Int("c", 8, "requests in flight")
	dur := flag.Duration("duration", 20*time.Second, "how long to measure, after a 3 s warm-up")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *dur+3*time.Second)
	defer cancel()
	var seq, ok, failed atomic.Int64
	var counting atomic.Bool
	start := time.Now()
	time.AfterFunc(3*time.Second, func() { counting.Store(true); start = time.Now() })
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := seq.Add(1)
				body, _ := json.Marshal(map[string]any{"format": *format, "data": map[string]any{
					"nickname": fmt.Sprintf("用户 %d", n), "headline": "城市夜跑节", "tagline": "12.20 · 滨江步道",
					"invite": fmt.Sprintf("我已报名，邀你一起夜跑打卡！#%d", n), "page": "pages/run/signup", "scene": fmt.Sprintf("u=%d", n%50),
				}})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, *url+"/v1/posters/"+*layout, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !counting.Load() {
					continue
				}
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("{\"posters_per_s\": %.1f, \"ok\": %d, \"failed\": %d, \"seconds\": %.1f}\n", float64(ok.Load())/secs, ok.Load(), failed.Load(), secs)
	if ok.Load() == 0 {
		os.Exit(1)
	}
}
