package wxa

import (
	"fmt"
	"image/color"
	"strings"
)

// API names one of the three code APIs; it is also the metric label.
type API string

const (
	APIUnlimited API = "getUnlimited"
	APIGet       API = "get"
	APIQRCode    API = "createQRCode"
)

// Width limits of all three APIs.
const (
	MinWidth     = 280
	MaxWidth     = 1280
	DefaultWidth = 430
)

// EnvVersion selects which build of the mini program a code opens.
type EnvVersion string

const (
	EnvRelease EnvVersion = "release"
	EnvTrial   EnvVersion = "trial"
	EnvDevelop EnvVersion = "develop"
)

// CodeRequest asks for one code. Unlimited codes take Scene (and usually
// Page); the other two APIs take Path.
type CodeRequest struct {
	API         API
	Page        string     // getUnlimited: page of the published app, no leading "/", no query
	Scene       string     // getUnlimited: up to 32 visible characters
	Path        string     // get (≤1024 bytes) and createQRCode (≤128 bytes): page with optional query
	Width       int        // 280–1280; 0 means 430
	AutoColor   bool       // let WeChat pick the line colour
	LineColor   color.RGBA // used when AutoColor is false
	Transparent bool       // transparent background (PNG); WeChat calls it is_hyaline
	EnvVersion  EnvVersion // "" means release
	NoCheck     bool       // getUnlimited: check_path=false (page need not be published)
}

// sceneChars are the characters WeChat allows in a scene.
const sceneChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~"

// ValidScene reports why a scene would be refused by WeChat ("" if fine).
func ValidScene(s string) string {
	if s == "" {
		return "is required"
	}
	if len(s) > 32 {
		return fmt.Sprintf("is %d characters; at most 32 are allowed", len(s))
	}
	for _, r := range s {
		if !strings.ContainsRune(sceneChars, r) {
			return fmt.Sprintf("contains %q; only letters, digits and !#$&'()*+,/:;=?@-._~ are allowed", r)
		}
	}
	return ""
}

// normalize fills defaults and checks the request exactly as WeChat would,
// so a bad request costs no call.
func (r CodeRequest) normalize() (CodeRequest, error) {
	bad := func(field, format string, args ...any) (CodeRequest, error) {
		return r, &RequestError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if r.API == "" {
		r.API = APIUnlimited
	}
	if r.Width == 0 {
		r.Width = DefaultWidth
	}
	if r.Width < MinWidth || r.Width > MaxWidth {
		return bad("width", "must be from %d to %d, got %d", MinWidth, MaxWidth, r.Width)
	}
	switch r.EnvVersion {
	case "":
		r.EnvVersion = EnvRelease
	case EnvRelease, EnvTrial, EnvDevelop:
	default:
		return bad("env_version", "must be release, trial or develop, got %q", r.EnvVersion)
	}
	if r.AutoColor {
		r.LineColor = color.RGBA{}
	} else {
		r.LineColor.A = 255
	}
	switch r.API {
	case APIUnlimited:
		if r.Path != "" {
			return bad("path", "getUnlimited takes page and scene, not path")
		}
		if why := ValidScene(r.Scene); why != "" {
			return bad("scene", "%s", why)
		}
		if strings.HasPrefix(r.Page, "/") {
			return bad("page", "must not start with \"/\"")
		}
		if strings.ContainsAny(r.Page, "?#") {
			return bad("page", "must not carry a query; put parameters in scene")
		}
		if len(r.Page) > 1024 {
			return bad("page", "is longer than 1024 bytes")
		}
	case APIGet, APIQRCode:
		limit := 1024
		if r.API == APIQRCode {
			limit = 128
		}
		if r.Scene != "" || r.Page != "" {
			return bad("scene", "%s takes path, not page and scene", r.API)
		}
		if r.Path == "" {
			return bad("path", "is required")
		}
		if len(r.Path) > limit {
			return bad("path", "is %d bytes; %s allows at most %d", len(r.Path), r.API, limit)
		}
		if r.NoCheck {
			return bad("check_path", "only getUnlimited takes check_path")
		}
	default:
		return bad("api", "unknown API %q", r.API)
	}
	return r, nil
}

// Key identifies the picture a request asks for: every field that changes
// it is in it. It does not say which app or host made the code; the Client
// adds both before using it as a cache key.
func (r CodeRequest) Key() string {
	lc := "auto"
	if !r.AutoColor {
		lc = fmt.Sprintf("%02x%02x%02x", r.LineColor.R, r.LineColor.G, r.LineColor.B)
	}
	target := "p=" + r.Page + "\x00s=" + r.Scene
	if r.API != APIUnlimited {
		target = "path=" + r.Path
	}
	return fmt.Sprintf("%s\x00%s\x00w=%d\x00c=%s\x00h=%t\x00e=%s\x00nc=%t", r.API, target, r.Width, lc, r.Transparent, r.EnvVersion, r.NoCheck)
}

// body is the JSON WeChat expects for r.
func (r CodeRequest) body() map[string]any {
	if r.API == APIQRCode {
		return map[string]any{"path": r.Path, "width": r.Width}
	}
	b := map[string]any{
		"width":       r.Width,
		"auto_color":  r.AutoColor,
		"is_hyaline":  r.Transparent,
		"env_version": string(r.EnvVersion),
	}
	if !r.AutoColor {
		b["line_color"] = map[string]int{"r": int(r.LineColor.R), "g": int(r.LineColor.G), "b": int(r.LineColor.B)}
	}
	switch r.API {
	case APIUnlimited:
		b["scene"] = r.Scene
		if r.Page != "" {
			b["page"] = r.Page
		}
		b["check_path"] = !r.NoCheck
	default:
		b["path"] = r.Path
	}
	return b
}

func (a API) endpoint() string {
	switch a {
	case APIGet:
		return "/wxa/getwxacode"
	case APIQRCode:
		return "/cgi-bin/wxaapp/createwxaqrcode"
	}
	return "/wxa/getwxacodeunlimit"
}

// quotaLimited reports whether each call to a counts against the app's
// lifetime quota (get and createQRCode share 100,000 codes).
func (a API) quotaLimited() bool { return a == APIGet || a == APIQRCode }
