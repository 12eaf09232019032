package main

// Every HAIBAO_* variable is read in this file and nowhere else, into the
// config struct of the package that uses it. Each read* function starts
// from explicit defaults, overrides them with what the environment says,
// and returns the result of Validate, which only checks. The README's
// tables list the same variables.

import (
	"errors"
	"fmt"
	"github.com/haibao/haibao/catalog"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/haibao/haibao/remote"
	"github.com/haibao/haibao/server"
	"github.com/haibao/haibao/signurl"
	"github.com/haibao/haibao/storage"
	"github.com/haibao/haibao/wxa"
)

// env reads HAIBAO_* variables; the first malformed one is kept in err so
// a read* function can parse all of them and check once.
type env struct {
	getenv func(string) string
	err    error
}

func (e *env) str(key string, dst *string) {
	if v := e.getenv(key); v != "" {
		*dst = v
	}
}

func (e *env) bad(key, want, got string) {
	if e.err == nil {
		e.err = fmt.Errorf("%s must be %s, got %q", key, want, got)
	}
}

func (e *env) positiveInt(key string, dst *int) {
	if v := e.getenv(key); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			e.bad(key, "a positive whole number", v)
			return
		}
		*dst = n
	}
}

// megabytes reads a size given in MB into bytes.
func (e *env) megabytes(key string, dst *int64) {
	if v := e.getenv(key); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > math.MaxInt64>>20 {
			e.bad(key, "a positive whole number of megabytes", v)
			return
		}
		*dst = n << 20
	}
}

// count reads a whole number of codes (0 or more).
func (e *env) count(key string, dst *int64) {
	if v := e.getenv(key); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			e.bad(key, "a whole number of codes", v)
			return
		}
		*dst = n
	}
}

func (e *env) duration(key string, dst *time.Duration) {
	if v := e.getenv(key); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			e.bad(key, "a positive duration like 15s", v)
			return
		}
		*dst = d
	}
}

func (e *env) boolean(key string, dst *bool) {
	if v := e.getenv(key); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.bad(key, "true or false", v)
			return
		}
		*dst = b
	}
}

func (e *env) list(key string, dst *[]string) {
	if v := e.getenv(key); v != "" {
		*dst = splitList(v)
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// tokenMode selects how access_tokens are fetched.
type tokenMode string

const (
	tokenStable tokenMode = "stable" // /cgi-bin/stable_token: safe with many processes
	tokenLegacy tokenMode = "legacy" // /cgi-bin/token: only when this is the sole process
)

// wechatConfig is how the CLI and the service reach WeChat.
type wechatConfig struct {
	AppID          string    // HAIBAO_WECHAT_APPID
	Secret         string    // HAIBAO_WECHAT_SECRET
	BaseURL        string    // HAIBAO_WECHAT_BASE_URL; "" is WeChat's own host
	TokenMode      tokenMode // HAIBAO_WECHAT_TOKEN_MODE
	Rate           int       // HAIBAO_WECHAT_RATE: getUnlimited calls a minute
	CacheDir       string    // HAIBAO_CACHE_DIR: the permanent code cache
	DiskCacheBytes int64     // HAIBAO_CODE_CACHE_MB: bound of CacheDir
	MemCacheBytes  int       // codes kept in memory in front of the disk
	RateSet        bool      // HAIBAO_WECHAT_RATE was given (cluster mode has its own default)
	Cluster        clusterConfig
	// Apps are more mini programs (HAIBAO_WECHAT_APPS, HAIBAO_WECHAT_APPS_FILE);
	// the settings above apply to each of them. See apps.go.
	Apps []appCredentials
}

// clusterConfig is cluster mode: several instances sharing WeChat state
// through Redis. Zero values take wxaredis's defaults.
type clusterConfig struct {
	RedisURL    string        // HAIBAO_REDIS_URL; empty: no cluster mode
	Topology    string        // HAIBAO_REDIS_TOPOLOGY: single, sentinel or cluster
	Instances   int           // HAIBAO_INSTANCES: how many share the app (budget split when Redis is down)
	Burst       int           // HAIBAO_WECHAT_BURST, default 100
	BulkRate    int           // HAIBAO_WECHAT_BULK_RATE, default 1,500 a minute
	SharedToken bool          // HAIBAO_WECHAT_SHARED_TOKEN=true shares the stable token too
	QuotaStop   int64         // HAIBAO_WECHAT_QUOTA_STOP: refuse get/createQRCode at this count
	QuotaUsed   int64         // HAIBAO_WECHAT_QUOTA_USED: count before haibao counted
	Lease       time.Duration // HAIBAO_CODE_LOCK_LEASE, default 10s
}

// Default bounds of the code caches.
const (
	defaultCodeCacheBytes = wxa.DefaultDiskCacheBytes
	defaultCodeMemBytes   = 64 << 20
)

func defaultWechatConfig() wechatConfig {
	return wechatConfig{
		TokenMode:      tokenStable,
		Rate:           wxa.DefaultRatePerMinute,
		CacheDir:       defaultCodeCacheDir(),
		DiskCacheBytes: defaultCodeCacheBytes,
		MemCacheBytes:  defaultCodeMemBytes,
	}
}

// defaultCodeCacheDir is <user cache dir>/haibao/codes.
func defaultCodeCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "haibao", "codes")
}

func readWechatConfig(getenv func(string) string) (wechatConfig, error) {
	c := defaultWechatConfig()
	e := &env{getenv: getenv}
	e.str("HAIBAO_WECHAT_APPID", &c.AppID)
	e.str("HAIBAO_WECHAT_SECRET", &c.Secret)
	e.str("HAIBAO_WECHAT_BASE_URL", &c.BaseURL)
	e.str("HAIBAO_CACHE_DIR", &c.CacheDir)
	var mode string
	e.str("HAIBAO_WECHAT_TOKEN_MODE", &mode)
	if mode != "" {
		c.TokenMode = tokenMode(mode)
	}
	e.positiveInt("HAIBAO_WECHAT_RATE", &c.Rate)
	c.RateSet = getenv("HAIBAO_WECHAT_RATE") != ""
	e.megabytes("HAIBAO_CODE_CACHE_MB", &c.DiskCacheBytes)
	cl := &c.Cluster
	e.str("HAIBAO_REDIS_URL", &cl.RedisURL)
	e.str("HAIBAO_REDIS_TOPOLOGY", &cl.Topology)
	e.positiveInt("HAIBAO_INSTANCES", &cl.Instances)
	e.positiveInt("HAIBAO_WECHAT_BURST", &cl.Burst)
	e.positiveInt("HAIBAO_WECHAT_BULK_RATE", &cl.BulkRate)
	e.boolean("HAIBAO_WECHAT_SHARED_TOKEN", &cl.SharedToken)
	e.count("HAIBAO_WECHAT_QUOTA_STOP", &cl.QuotaStop)
	e.count("HAIBAO_WECHAT_QUOTA_USED", &cl.QuotaUsed)
	e.duration("HAIBAO_CODE_LOCK_LEASE", &cl.Lease)
	if e.err != nil {
		return c, badUsage(e.err)
	}
	if err := readApps(&c, getenv("HAIBAO_WECHAT_APPS"), getenv("HAIBAO_WECHAT_APPS_FILE")); err != nil {
		return c, badUsage(err)
	}
	return c, badUsage(c.Validate())
}

// readApps reads the mini programs beyond HAIBAO_WECHAT_APPID: a list in
// the variable, and the lines of a file (friendlier for secrets, which can
// then be mounted rather than set in the environment).
func readApps(c *wechatConfig, list, file string) error {
	apps, err := parseApps("HAIBAO_WECHAT_APPS", list)
	if err != nil {
		return err
	}
	if file != "" {
		b, err := readAppsFile(file)
		if err != nil {
			return fmt.Errorf("HAIBAO_WECHAT_APPS_FILE: %w", err)
		}
		more, err := parseApps("HAIBAO_WECHAT_APPS_FILE", string(b))
		if err != nil {
			return err
		}
		apps = append(apps, more...)
	}
	c.Apps = apps
	return nil
}

// errHalfCredentials: with only one of the two set, falling back to the
// fake would hand out codes nobody can scan into the app.
var errHalfCredentials = errors.New("HAIBAO_WECHAT_APPID and HAIBAO_WECHAT_SECRET must be set together: " +
	"both for real mini-program codes, or neither for plain QR codes")

// Validate checks c; it changes nothing.
func (c wechatConfig) Validate() error {
	if (c.AppID == "") != (c.Secret == "") {
		return errHalfCredentials
	}
	if err := c.validateApps(); err != nil {
		return err
	}
	switch c.TokenMode {
	case tokenStable, tokenLegacy:
	default:
		return fmt.Errorf("HAIBAO_WECHAT_TOKEN_MODE must be stable or legacy, got %q", c.TokenMode)
	}
	if c.Rate < 1 {
		return errors.New("HAIBAO_WECHAT_RATE must be at least 1")
	}
	if c.CacheDir == "" {
		return errors.New("HAIBAO_CACHE_DIR must name a folder")
	}
	if c.DiskCacheBytes < 1 || c.MemCacheBytes < 0 {
		return errors.New("HAIBAO_CODE_CACHE_MB must be at least 1")
	}
	return c.Cluster.Validate(c.TokenMode)
}

// errLegacyWithoutRedis: /cgi-bin/token retires the previous token on every
// call, so instances fetching their own knock each other out.
var errLegacyWithoutRedis = errors.New("HAIBAO_WECHAT_TOKEN_MODE=legacy with HAIBAO_INSTANCES above 1 needs HAIBAO_REDIS_URL: " +
	"each instance would retire the others' tokens; use the stable token mode or share the token through Redis")

// Validate checks the cluster settings against the token mode.
func (c clusterConfig) Validate(mode tokenMode) error {
	if c.RedisURL == "" && mode == tokenLegacy && c.Instances > 1 {
		return errLegacyWithoutRedis
	}
	switch c.Topology {
	case "", "single", "sentinel", "cluster":
	default:
		return fmt.Errorf("HAIBAO_REDIS_TOPOLOGY must be single, sentinel or cluster, got %q", c.Topology)
	}
	if c.Lease != 0 && c.Lease < 300*time.Millisecond {
		return fmt.Errorf("HAIBAO_CODE_LOCK_LEASE must be at least 300ms, got %s", c.Lease)
	}
	return nil
}

// Configured reports whether credentials were given, for one app or more.
func (c wechatConfig) Configured() bool { return c.AppID != "" && c.Secret != "" || len(c.Apps) > 0 }

var errNoCredentials = errors.New("no WeChat credentials: set HAIBAO_WECHAT_APPID and HAIBAO_WECHAT_SECRET, or HAIBAO_WECHAT_APPS " +
	"(to try it locally, run `haibao fake-wechat` and set HAIBAO_WECHAT_BASE_URL to the address it prints)")

// newClient builds the WeChat client of c's app: the code cache (memory
// over the bounded disk, shared by every app: the keys name the app), the
// rate limit and the token source c names.
func (c wechatConfig) newClient(logger *slog.Logger, obs wxa.Observer, codes localCaches) (*wxa.Client, error) {
	cfg := wxa.Config{
		AppID: c.AppID, Secret: c.Secret, BaseURL: c.BaseURL,
		Cache:    wxa.Layered{codes.memory, codes.disk},
		Limiter:  wxa.NewRateLimiter(c.Rate),
		Observer: obs,
		Logger:   logger,
	}
	if c.TokenMode == tokenLegacy {
		ts, err := wxa.NewLegacyTokenSource(wxa.TokenConfig{AppID: c.AppID, Secret: c.Secret, BaseURL: c.BaseURL, Observer: obs})
		if err != nil {
			return nil, badUsage(err)
		}
		cfg.Tokens = ts
	}
	// wxa checks what it is given (the base URL) before contacting anyone,
	// so its refusals are bad settings.
	client, err := wxa.New(cfg)
	return client, badUsage(err)
}

// newDiskCache opens the permanent code cache within its bound.
func newDiskCache(c wechatConfig) (*wxa.DiskCache, error) {
	return wxa.NewDiskCacheLimit(c.CacheDir, c.DiskCacheBytes)
}

// serveConfig is everything `haibao serve` is configured with.
type serveConfig struct {
	Addr    string // HAIBAO_ADDR, --addr
	Layouts string // HAIBAO_LAYOUTS, --layouts; "" is ./layouts, else the embedded samples
	Preview bool   // HAIBAO_PREVIEW, --preview
	Server  server.Config
	Remote  remote.Config
	WeChat  wechatConfig
	HTTP    httpConfig
	// VersionsDir keeps the layout versions signed URLs may pin
	// (HAIBAO_LAYOUT_VERSIONS_DIR), within VersionsBytes
	// (HAIBAO_LAYOUT_VERSIONS_MB).
	VersionsDir   string
	VersionsBytes int64
	// Storage keeps posters asked for by URL and those of jobs
	// (HAIBAO_STORAGE_URL and friends); its URL is empty when not set.
	Storage storage.Config
	Jobs    jobsConfig
	// PublicURL is where clients reach the service (HAIBAO_PUBLIC_URL):
	// the base of the URLs of posters in a storage folder it serves itself.
	// Empty means http://<Addr>.
	PublicURL string
}

// jobsConfig is where batch jobs of the service live and how their ends
// are announced.
type jobsConfig struct {
	Dir           string   // HAIBAO_JOBS_DIR: each job's input, state, manifest and errors
	WebhookSecret string   // HAIBAO_WEBHOOK_SECRET: signs webhook bodies; webhooks are refused without it
	WebhookHosts  []string // HAIBAO_WEBHOOK_HOSTS: when set, the only hosts webhooks go to (private addresses allowed)
}

// minWebhookSecret keeps a signing secret out of guessing range.
const minWebhookSecret = 16

// Validate checks the jobs settings; the secret is never echoed.
func (c jobsConfig) Validate() error {
	if c.Dir == "" {
		return errors.New("HAIBAO_JOBS_DIR must not be empty")
	}
	if c.WebhookSecret != "" && len(c.WebhookSecret) < minWebhookSecret {
		return fmt.Errorf("HAIBAO_WEBHOOK_SECRET must be at least %d characters", minWebhookSecret)
	}
	return nil
}

// readServeConfig reads the service's settings; the caller applies flags
// and then Validate. Fields of server.Config and remote.Config it leaves
// zero take those packages' documented defaults.
func readServeConfig(getenv func(string) string) (serveConfig, error) {
	c := serveConfig{Addr: "127.0.0.1:8080", HTTP: defaultHTTPConfig(), Server: server.DefaultConfig(),
		VersionsDir: filepath.Join(filepath.Dir(defaultCodeCacheDir()), "layout-versions"), VersionsBytes: catalog.DefaultArchiveBytes,
		Storage: readStorageConfig(getenv), Jobs: jobsConfig{Dir: filepath.Join(filepath.Dir(defaultCodeCacheDir()), "jobs")}}
	e := &env{getenv: getenv}
	e.str("HAIBAO_ADDR", &c.Addr)
	e.str("HAIBAO_LAYOUTS", &c.Layouts)
	e.boolean("HAIBAO_PREVIEW", &c.Preview)
	e.str("HAIBAO_LAYOUT_VERSIONS_DIR", &c.VersionsDir)
	e.megabytes("HAIBAO_LAYOUT_VERSIONS_MB", &c.VersionsBytes)
	e.list("HAIBAO_API_KEYS", &c.Server.APIKeys)
	e.boolean("HAIBAO_STRICT_CODES", &c.Server.StrictCodes)
	e.positiveInt("HAIBAO_RENDER_CONCURRENCY", &c.Server.RenderConcurrency)
	e.positiveInt("HAIBAO_QUEUE_SIZE", &c.Server.QueueSize)
	e.positiveInt("HAIBAO_FETCH_CONCURRENCY", &c.Server.FetchConcurrency)
	e.positiveInt("HAIBAO_MAX_REQUESTS", &c.Server.MaxRequests)
	cacheBytes := int64(c.Server.OutputCacheBytes)
	e.megabytes("HAIBAO_OUTPUT_CACHE_MB", &cacheBytes)
	c.Server.OutputCacheBytes = int(min(cacheBytes, math.MaxInt))
	if v := getenv("HAIBAO_BODY_LIMIT"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			e.bad("HAIBAO_BODY_LIMIT", "a positive number of bytes", v)
		} else {
			c.Server.BodyLimit = n
		}
	}
	e.duration("HAIBAO_REQUEST_TIMEOUT", &c.Server.RequestTimeout)
	e.duration("HAIBAO_BODY_TIMEOUT", &c.HTTP.BodyTimeout)
	c.Server.BodyTimeout = c.HTTP.BodyTimeout // one deadline for a body, however it is watched
	e.list("HAIBAO_IMAGE_HOSTS", &c.Remote.AllowHosts)
	e.str("HAIBAO_JOBS_DIR", &c.Jobs.Dir)
	e.str("HAIBAO_PUBLIC_URL", &c.PublicURL)
	e.str("HAIBAO_WEBHOOK_SECRET", &c.Jobs.WebhookSecret)
	e.list("HAIBAO_WEBHOOK_HOSTS", &c.Jobs.WebhookHosts)
	var err error
	if c.Server.SigningKeys, err = signurl.ParseKeys(getenv("HAIBAO_SIGNING_KEYS")); err != nil && e.err == nil {
		// The keys themselves are never echoed.
		e.err = fmt.Errorf("HAIBAO_SIGNING_KEYS: %w", err)
	}
	if e.err != nil {
		return c, badUsage(e.err)
	}
	c.WeChat, err = readWechatConfig(getenv)
	return c, err
}

// Validate checks c and the configs it holds; it changes nothing.
func (c serveConfig) Validate() error {
	if c.Addr == "" {
		return errors.New("HAIBAO_ADDR (--addr) must not be empty")
	}
	if err := c.Remote.Validate(); err != nil {
		return fmt.Errorf("HAIBAO_IMAGE_HOSTS: %w", err)
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if err := c.Server.Validate(); err != nil {
		return err
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("HAIBAO_PUBLIC_URL must be an http(s) URL, got %q", c.PublicURL)
	}
	if c.Storage.URL != "" {
		if err := c.Storage.Validate(); err != nil {
			return err
		}
	}
	if err := c.Jobs.Validate(); err != nil {
		return err
	}
	return c.WeChat.Validate()
}

// signConfig is what `haibao sign` needs.
type signConfig struct {
	Keys      [][]byte // HAIBAO_SIGNING_KEYS; the first signs
	PublicURL string   // HAIBAO_PUBLIC_URL, --base
	Layouts   string   // HAIBAO_LAYOUTS, --layouts
}

// readSignConfig reads the signing settings; the caller applies flags and
// then Validate.
func readSignConfig(getenv func(string) string) (signConfig, error) {
	c := signConfig{PublicURL: "http://127.0.0.1:8080"}
	e := &env{getenv: getenv}
	e.str("HAIBAO_PUBLIC_URL", &c.PublicURL)
	e.str("HAIBAO_LAYOUTS", &c.Layouts)
	var err error
	if c.Keys, err = signurl.ParseKeys(getenv("HAIBAO_SIGNING_KEYS")); err != nil {
		return c, badUsage(fmt.Errorf("HAIBAO_SIGNING_KEYS: %w", err))
	}
	return c, nil
}

var errNoSigningKey = errors.New("no signing key: set HAIBAO_SIGNING_KEYS (comma-separated; the first one signs)")

// Validate checks c; it changes nothing.
func (c signConfig) Validate() error {
	if len(c.Keys) == 0 {
		return errNoSigningKey
	}
	if !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("HAIBAO_PUBLIC_URL (--base) must be an http(s) URL, got %q", c.PublicURL)
	}
	return nil
}

// readStorageConfig reads where posters are stored: HAIBAO_STORAGE_URL, the
// CDN base HAIBAO_STORAGE_PUBLIC_URL, and the standard AWS credential
// variables (which are not haibao's, but are read here all the same).
func readStorageConfig(getenv func(string) string) storage.Config {
	c := storage.Config{
		URL:          getenv("HAIBAO_STORAGE_URL"),
		PublicURL:    getenv("HAIBAO_STORAGE_PUBLIC_URL"),
		AccessKey:    getenv("AWS_ACCESS_KEY_ID"),
		SecretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: getenv("AWS_SESSION_TOKEN"),
	}
	if c.AccessKey == "" {
		c.AccessKey = getenv("AWS_ACCESS_KEY")
	}
	if c.SecretKey == "" {
		c.SecretKey = getenv("AWS_SECRET_KEY")
	}
	return c
}
