// Package wxatest is a faithful fake of WeChat's mini-program code API: the
// same paths, arguments, checks, error codes and token rules, answering
// with real QR codes of what was asked so tests can scan them. It runs
// in-process (NewServer) or standalone (haibao fake-wechat), and takes
// injected faults at run time.
package wxatest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haibao/haibao/internal/qrcode"
)

// Options configure the fake. Zero fields take the defaults noted.
type Options struct {
	AppID  string // default DefaultAppID
	Secret string // default DefaultSecret
	// Apps are more apps the fake accepts, appid → secret. Each app has
	// its own tokens, per-minute windows and lifetime quota, as on WeChat.
	Apps     map[string]string
	TokenTTL time.Duration // default 7200 s
	// Pages are the pages of the "published" app; getUnlimited with
	// check_path answers 41030 for others. Empty accepts every page.
	Pages []string
	// RatePerMinute per code API; default 5000.
	RatePerMinute int
	// Quota is the lifetime total of get + createQRCode; default 100000.
	Quota int
	// Grace is how long a token replaced by /cgi-bin/token keeps working;
	// default 30 s.
	Grace time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Credentials the fake accepts when none are configured.
const (
	DefaultAppID  = "wx0000fake0000app"
	DefaultSecret = "fake-secret-0123456789abcdef"
)

// Faults are injected into code API answers until cleared.
type Faults struct {
	API        string  `json:"api,omitempty"`         // only this API ("getUnlimited", "get", "createQRCode"); "" all
	ErrCode    int     `json:"errcode,omitempty"`     // answer this errcode
	Count      int     `json:"count,omitempty"`       // for this many calls, then clear; 0 = until cleared
	ErrorRate  float64 `json:"error_rate,omitempty"`  // share of calls (0–1) that get ErrCode (-1 when unset)
	LatencyMS  int     `json:"latency_ms,omitempty"`  // added to every answer
	HTTPStatus int     `json:"http_status,omitempty"` // answer this status with no body
	Truncate   bool    `json:"truncate,omitempty"`    // cut the image in half
}

// Stats counts the calls the fake has answered.
type Stats struct {
	TokenCalls       int            `json:"token_calls"`
	StableTokenCalls int            `json:"stable_token_calls"`
	CodeCalls        map[string]int `json:"code_calls"`
	Errors           map[string]int `json:"errors"` // by errcode
	TokensIssued     int            `json:"tokens_issued"`
	QuotaUsed        int            `json:"quota_used"` // codes charged to the get + createQRCode lifetime quota, all apps
	// AppCodeCalls counts code calls that carried a valid token, by appid
	// and then API.
	AppCodeCalls map[string]map[string]int `json:"app_code_calls"`
}

type tokenInfo struct {
	app     string // the appid it was issued to
	expiry  time.Time
	retired time.Time // zero while current
}

// Server is a running fake.
type Server struct {
	URL string

	opts    Options
	srv     *httptest.Server
	mu      sync.Mutex
	tokens  map[string]*tokenInfo
	current map[string]string    // appid → its current token
	forced  map[string]time.Time // appid → last stable_token force_refresh
	stats   Stats
	faults  Faults
	windows map[string]*window // by appid and API
	quota   map[string]int     // by appid
}

type window struct {
	start time.Time
	n     int
}

// New builds a fake without starting it; serve Handler yourself.
func New(opts Options) *Server {
	if opts.AppID == "" {
		opts.AppID = DefaultAppID
	}
	if opts.Secret == "" {
		opts.Secret = DefaultSecret
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 7200 * time.Second
	}
	if opts.RatePerMinute == 0 {
		opts.RatePerMinute = 5000
	}
	if opts.Quota == 0 {
		opts.Quota = 100000
	}
	if opts.Grace == 0 {
		opts.Grace = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		opts:    opts,
		tokens:  map[string]*tokenInfo{},
		current: map[string]string{},
		forced:  map[string]time.Time{},
		stats:   Stats{CodeCalls: map[string]int{}, Errors: map[string]int{}, AppCodeCalls: map[string]map[string]int{}},
		windows: map[string]*window{},
		quota:   map[string]int{},
	}
}

// NewServer starts a fake on a loopback port; Close stops it.
func NewServer(opts Options) *Server {
	s := New(opts)
	s.srv = httptest.NewServer(s.Handler())
	s.URL = s.srv.URL
	return s
}

// Close stops a server started by NewServer.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Options returns the effective options.
func (s *Server) Options() Options { return s.opts }

// Handler serves the fake's API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", s.legacyToken)
	mux.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	mux.HandleFunc("POST /wxa/getwxacodeunlimit", s.code("getUnlimited"))
	mux.HandleFunc("POST /wxa/getwxacode", s.code("get"))
	mux.HandleFunc("POST /cgi-bin/wxaapp/createwxaqrcode", s.code("createQRCode"))
	mux.HandleFunc("POST /_fake/faults", s.setFaults)
	mux.HandleFunc("DELETE /_fake/faults", func(w http.ResponseWriter, r *http.Request) {
		s.SetFaults(Faults{})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_fake/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Stats()) })
	return mux
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.CodeCalls = map[string]int{"getUnlimited": 0, "get": 0, "createQRCode": 0}
	for k, v := range s.stats.CodeCalls {
		out.CodeCalls[k] = v
	}
	out.Errors = map[string]int{}
	for k, v := range s.stats.Errors {
		out.Errors[k] = v
	}
	out.AppCodeCalls = map[string]map[string]int{}
	for app, calls := range s.stats.AppCodeCalls {
		out.AppCodeCalls[app] = map[string]int{}
		for k, v := range calls {
			out.AppCodeCalls[app][k] = v
		}
	}
	return out
}

// SetFaults replaces the injected faults; the zero value clears them.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// RetireTokens makes every issued token invalid at once, as when another
// party forces a refresh.
func (s *Server) RetireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for _, t := range s.tokens {
		if t.retired.IsZero() || t.retired.After(now) {
			t.retired = now
		}
	}
	clear(s.current)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.stats.Errors[strconv.Itoa(code)]++
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + " rid: fake"})
}

func (s *Server) checkApp(appid, secret string) (int, string) {
	want, ok := s.opts.Apps[appid]
	if appid == s.opts.AppID {
		want, ok = s.opts.Secret, true
	}
	if !ok {
		return 40013, "invalid appid"
	}
	if secret != want {
		return 40125, "invalid appsecret"
	}
	return 0, ""
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "FAKE_" + hex.EncodeToString(b)
}

// mint issues a new token for app; its previous current one retires after
// grace.
func (s *Server) mint(app string, grace time.Duration) (string, time.Duration) {
	now := s.opts.Now()
	if old, ok := s.tokens[s.current[app]]; ok && old.retired.IsZero() {
		old.retired = now.Add(grace)
	}
	t := newToken()
	s.tokens[t] = &tokenInfo{app: app, expiry: now.Add(s.opts.TokenTTL)}
	s.current[app] = t
	s.stats.TokensIssued++
	return t, s.opts.TokenTTL
}

func (s *Server) legacyToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.TokenCalls++
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		s.fail(w, 40002, "invalid grant_type")
		return
	}
	if code, msg := s.checkApp(q.Get("appid"), q.Get("secret")); code != 0 {
		s.fail(w, code, msg)
		return
	}
	t, ttl := s.mint(q.Get("appid"), s.opts.Grace)
	writeJSON(w, map[string]any{"access_token": t, "expires_in": int(ttl.Seconds())})
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.StableTokenCalls++
	if err != nil {
		s.fail(w, 47001, "data format error")
		return
	}
	if req.GrantType != "client_credential" {
		s.fail(w, 40002, "invalid grant_type")
		return
	}
	if code, msg := s.checkApp(req.AppID, req.Secret); code != 0 {
		s.fail(w, code, msg)
		return
	}
	now := s.opts.Now()
	app := req.AppID
	cur, ok := s.tokens[s.current[app]]
	const overlap = 5 * time.Minute
	switch {
	case req.ForceRefresh:
		if last := s.forced[app]; !last.IsZero() && now.Sub(last) < 30*time.Second {
			s.fail(w, 45009, "reach max api daily quota limit (force_refresh at most once per 30s)")
			return
		}
		s.forced[app] = now
		s.mint(app, overlap)
	case !ok || !cur.retired.IsZero() || !now.Before(cur.expiry):
		s.mint(app, overlap)
	case cur.expiry.Sub(now) <= overlap:
		// In its last minutes the token is replaced; the old one stays
		// valid until it expires.
		s.mint(app, cur.expiry.Sub(now))
	}
	t := s.tokens[s.current[app]]
	writeJSON(w, map[string]any{"access_token": s.current[app], "expires_in": int(math.Round(t.expiry.Sub(now).Seconds()))})
}

// checkToken answers the errcode for a token, 0 when it is valid, and the
// app it belongs to.
func (s *Server) checkToken(tok string) (string, int, string) {
	if tok == "" {
		return "", 41001, "access_token missing"
	}
	t, ok := s.tokens[tok]
	now := s.opts.Now()
	switch {
	case !ok:
		return "", 40014, "invalid access_token"
	case !t.retired.IsZero() && !now.Before(t.retired):
		return "", 40001, "invalid credential, access_token is invalid or not latest"
	case !now.Before(t.expiry):
		return "", 42001, "access_token expired"
	}
	return t.app, 0, ""
}

func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&f); err != nil {
		http.Error(w, "faults must be JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.SetFaults(f)
	writeJSON(w, f)
}

// sceneChars are the characters WeChat allows in a scene.
const sceneChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~"

type codeBody struct {
	Scene     *string `json:"scene"`
	Page      string  `json:"page"`
	Path      *string `json:"path"`
	Width     *int    `json:"width"`
	AutoColor bool    `json:"auto_color"`
	LineColor *struct {
		R, G, B int
	} `json:"line_color"`
	IsHyaline  bool    `json:"is_hyaline"`
	EnvVersion *string `json:"env_version"`
	CheckPath  *bool   `json:"check_path"`
}

func (s *Server) code(api string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		s.mu.Lock()
		s.stats.CodeCalls[api]++
		f := s.faults
		applies := f.API == "" || f.API == api
		if applies && f.Count > 0 {
			s.faults.Count--
			if s.faults.Count == 0 {
				s.faults = Faults{}
			}
		}
		s.mu.Unlock()
		if applies && f.LatencyMS > 0 {
			select {
			case <-time.After(time.Duration(f.LatencyMS) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		if applies && f.HTTPStatus != 0 {
			w.WriteHeader(f.HTTPStatus)
			return
		}
		s.mu.Lock()
		d, code, msg := s.answer(api, r, raw, f, applies)
		if code != 0 {
			s.fail(w, code, msg)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		// Drawing is the slow part: outside the lock, so concurrent calls
		// are answered concurrently, as WeChat does.
		img, format, err := d.draw()
		if err != nil {
			s.mu.Lock()
			s.fail(w, 40097, "invalid args: "+err.Error())
			s.mu.Unlock()
			return
		}
		// Like WeChat: the type header is not a promise; clients sniff.
		w.Header().Set("Content-Type", "image/"+format)
		if applies && f.Truncate {
			img = img[:len(img)/2]
		}
		_, _ = w.Write(img)
	}
}

// drawing is a code the fake has agreed to make.
type drawing struct {
	content string
	width   int
	fg, bg  color.NRGBA
	hyaline bool
}

// answer checks a code request like WeChat does and counts it against the
// limits; the errcode is 0 when a code is to be drawn. Call with s.mu held.
func (s *Server) answer(api string, r *http.Request, raw []byte, f Faults, applies bool) (drawing, int, string) {
	app, code, msg := s.checkToken(r.URL.Query().Get("access_token"))
	if code != 0 {
		return drawing{}, code, msg
	}
	calls := s.stats.AppCodeCalls[app]
	if calls == nil {
		calls = map[string]int{}
		s.stats.AppCodeCalls[app] = calls
	}
	calls[api]++
	if applies && f.ErrCode != 0 && (f.ErrorRate == 0 || mrand.Float64() < f.ErrorRate) {
		return drawing{}, f.ErrCode, "injected fault"
	}
	if applies && f.ErrCode == 0 && f.ErrorRate > 0 && mrand.Float64() < f.ErrorRate {
		return drawing{}, -1, "system error"
	}
	var b codeBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&b); err != nil {
		return drawing{}, 47001, "data format error hint: body is not valid JSON"
	}
	width := 430
	if b.Width != nil {
		width = *b.Width
	}
	if width < 280 || width > 1280 {
		return drawing{}, 40189, "invalid width"
	}
	if b.EnvVersion != nil && *b.EnvVersion != "release" && *b.EnvVersion != "trial" && *b.EnvVersion != "develop" {
		return drawing{}, 40097, "invalid args: env_version"
	}
	var content string
	switch api {
	case "getUnlimited":
		if b.Scene == nil || *b.Scene == "" {
			return drawing{}, 40097, "invalid args: scene is required"
		}
		if len(*b.Scene) > 32 {
			return drawing{}, 40169, "invalid length for scene"
		}
		for _, c := range *b.Scene {
			if !strings.ContainsRune(sceneChars, c) {
				return drawing{}, 40129, "invalid scene"
			}
		}
		if strings.HasPrefix(b.Page, "/") || strings.ContainsAny(b.Page, "?#") {
			return drawing{}, 41030, "invalid page rid"
		}
		if (b.CheckPath == nil || *b.CheckPath) && len(s.opts.Pages) > 0 && b.Page != "" && !contains(s.opts.Pages, b.Page) {
			return drawing{}, 41030, "invalid page: page does not exist in the published app"
		}
		content = b.Page + "?scene=" + *b.Scene
	default:
		limit := 1024
		if api == "createQRCode" {
			limit = 128
		}
		if b.Path == nil || *b.Path == "" || len(*b.Path) > limit {
			return drawing{}, 40159, "invalid length for path, or the data is not json string"
		}
		if s.quota[app] >= s.opts.Quota {
			return drawing{}, 45029, "reach max count limit"
		}
		content = *b.Path
	}
	if !s.allow(app, api) {
		return drawing{}, 45009, "reach max api minute quota limit"
	}
	if api != "getUnlimited" {
		s.quota[app]++
		s.stats.QuotaUsed++
	}
	fg := color.NRGBA{A: 255}
	if b.LineColor != nil && !b.AutoColor {
		fg = color.NRGBA{R: clamp(b.LineColor.R), G: clamp(b.LineColor.G), B: clamp(b.LineColor.B), A: 255}
	}
	bg := color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	if b.IsHyaline {
		bg = color.NRGBA{}
	}
	return drawing{content: content, width: width, fg: fg, bg: bg, hyaline: b.IsHyaline}, 0, ""
}

// draw makes the code image as WeChat would send it: JPEG, or PNG when
// transparent.
func (d drawing) draw() ([]byte, string, error) {
	img, err := qrcode.Image(d.content, d.width, d.fg, d.bg)
	if err != nil {
		return nil, "", err
	}
	var out bytes.Buffer
	if d.hyaline {
		_ = png.Encode(&out, img)
		return out.Bytes(), "png", nil
	}
	rgb := image.NewRGBA(img.Bounds())
	copy(rgb.Pix, img.Pix)
	_ = jpeg.Encode(&out, rgb, &jpeg.Options{Quality: 92})
	return out.Bytes(), "jpeg", nil
}

// allow counts a call against app's per-minute limit of api.
func (s *Server) allow(app, api string) bool {
	now := s.opts.Now()
	key := app + "/" + api
	win := s.windows[key]
	if win == nil || now.Sub(win.start) >= time.Minute {
		win = &window{start: now}
		s.windows[key] = win
	}
	if win.n >= s.opts.RatePerMinute {
		return false
	}
	win.n++
	return true
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
