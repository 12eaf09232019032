package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
)

// Several mini programs: HAIBAO_WECHAT_APPID and HAIBAO_WECHAT_SECRET are
// the app named "default"; HAIBAO_WECHAT_APPS and the lines of
// HAIBAO_WECHAT_APPS_FILE add more as name=appid:secret. Each app gets its
// own client: token, limiter, quota and cache keys. The other WeChat
// settings apply to each app alike.

// appCredentials are one mini program's name and credentials.
type appCredentials struct {
	Name   string // what layouts, requests and --app call it
	AppID  string
	Secret string
}

// defaultAppName is the name of the app HAIBAO_WECHAT_APPID configures.
const defaultAppName = "default"

// maxAppsFile bounds the apps file: a few hundred apps at most.
const maxAppsFile = 64 << 10

// readAppsFile reads the apps file within its bound. Its content is never
// quoted in an error: it holds secrets.
func readAppsFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", name, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAppsFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, errors.Unwrap(err))
	}
	if len(b) > maxAppsFile {
		return nil, fmt.Errorf("%s is larger than %d KB", name, maxAppsFile>>10)
	}
	return b, nil
}

// parseApps reads name=appid:secret entries separated by commas or line
// breaks; blank entries and lines starting with # are skipped. from names
// the setting in errors, which quote the app's name at most: an entry that
// does not parse may hold a secret anywhere.
func parseApps(from, s string) ([]appCredentials, error) {
	var out []appCredentials
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			n++
			app, err := parseApp(entry)
			if err != nil {
				return nil, fmt.Errorf("%s: entry %d: %w", from, n, err)
			}
			out = append(out, app)
		}
	}
	return out, nil
}

var errAppShape = errors.New("want name=appid:secret")

func parseApp(entry string) (appCredentials, error) {
	name, cred, ok := strings.Cut(entry, "=")
	if !ok {
		return appCredentials{}, errAppShape
	}
	name = strings.TrimSpace(name)
	if !wxa.ValidAppName(name) {
		return appCredentials{}, fmt.Errorf("%w: the name must be 1 to %d lowercase letters, digits, _ or -, starting with a letter",
			errAppShape, wxa.MaxAppName)
	}
	appid, secret, _ := strings.Cut(cred, ":")
	a := appCredentials{Name: name, AppID: strings.TrimSpace(appid), Secret: strings.TrimSpace(secret)}
	if a.AppID == "" || a.Secret == "" {
		return a, fmt.Errorf("app %q: give both appid and secret, as %s=appid:secret", name, name)
	}
	if !validAppID(a.AppID) {
		return a, fmt.Errorf("app %q: the appid must be up to 64 letters, digits, _ or - (WeChat's are wx and 16 hex digits)", name)
	}
	return a, nil
}

// validAppID keeps appids to what can sit in a Redis key's hash tag, a log
// line and a metric label.
func validAppID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// appList is every configured app: the default one of HAIBAO_WECHAT_APPID
// first, then the others in the order given.
func (c wechatConfig) appList() []appCredentials {
	var out []appCredentials
	if c.AppID != "" && c.Secret != "" {
		out = append(out, appCredentials{Name: defaultAppName, AppID: c.AppID, Secret: c.Secret})
	}
	return append(out, c.Apps...)
}

// defaultApp names the app codes come from when nothing names one: the app
// named default, else the first one listed.
func (c wechatConfig) defaultApp() string {
	list := c.appList()
	for _, a := range list {
		if a.Name == defaultAppName {
			return a.Name
		}
	}
	if len(list) == 0 {
		return defaultAppName
	}
	return list[0].Name
}

// validateApps refuses two apps with one name, and one appid under two
// names: each would get its own budget and quota count for one WeChat
// app, so together they would overrun WeChat's.
func (c wechatConfig) validateApps() error {
	byName := map[string]bool{}
	byID := map[string]string{}
	for _, a := range c.appList() {
		if byName[a.Name] {
			if a.Name == defaultAppName && c.AppID != "" {
				return fmt.Errorf("app name %q is given twice: HAIBAO_WECHAT_APPID already is the app named %s", a.Name, defaultAppName)
			}
			return fmt.Errorf("app name %q is given twice", a.Name)
		}
		byName[a.Name] = true
		if !validAppID(a.AppID) {
			return fmt.Errorf("app %q: the appid must be up to 64 letters, digits, _ or -", a.Name)
		}
		if other, dup := byID[a.AppID]; dup {
			return fmt.Errorf("apps %q and %q have the same appid %s: name each mini program once, or they would overrun its WeChat budget together", other, a.Name, a.AppID)
		}
		byID[a.AppID] = a.Name
	}
	return nil
}

// forApp is c for one of its apps. The quota count already used before
// haibao counted is known for the default app only.
func (c wechatConfig) forApp(a appCredentials) wechatConfig {
	one := c
	one.AppID, one.Secret, one.Apps = a.AppID, a.Secret, nil
	if a.Name != c.defaultApp() {
		one.Cluster.QuotaUsed = 0
	}
	return one
}

// localCaches are the code caches in this process, shared by every app
// (the keys name the app).
type localCaches struct {
	memory *wxa.MemoryCache
	disk   *wxa.DiskCache
}

func (c wechatConfig) localCaches() (localCaches, error) {
	disk, err := newDiskCache(c)
	if err != nil {
		return localCaches{}, fmt.Errorf("code cache %s: %w", c.CacheDir, err)
	}
	return localCaches{memory: wxa.NewMemoryCache(c.MemCacheBytes), disk: disk}, nil
}

// appLogger tags an app's log lines with its name and appid when there are
// several apps to tell apart.
func (c wechatConfig) appLogger(log *slog.Logger, a appCredentials) *slog.Logger {
	if len(c.appList()) < 2 {
		return log
	}
	return log.With("app", a.Name, "appid", a.AppID)
}

// newApps builds one client per app without Redis: the one-shot commands
// and serve outside cluster mode.
func (c wechatConfig) newApps(log *slog.Logger, obs wxa.Observer) (*wxa.Apps, error) {
	codes, err := c.localCaches()
	if err != nil {
		return nil, err
	}
	clients := map[string]*wxa.Client{}
	for _, a := range c.appList() {
		client, err := c.forApp(a).newClient(c.appLogger(log, a), obs, codes)
		if err != nil {
			return nil, fmt.Errorf("app %s: %w", a.Name, err)
		}
		clients[a.Name] = client
	}
	apps, err := wxa.NewApps(c.defaultApp(), clients)
	return apps, badUsage(err)
}

// pickApp checks the name an --app flag gives; "" is the default app.
func pickApp(apps *wxa.Apps, name string) error {
	if name == "" || apps.Has(name) {
		return nil
	}
	return fmt.Errorf("--app: no mini program named %q is configured (known: %s)", name, strings.Join(apps.Names(), ", "))
}

// appProblem is the part of an unknown-app or app-mismatch error a flag
// message needs.
func appProblem(err error) string {
	var ue *wxa.UnknownAppError
	if errors.As(err, &ue) {
		return ue.Error()
	}
	_, msg, _ := strings.Cut(err.Error(), poster.ErrAppMismatch.Error()+": ")
	return msg
}
