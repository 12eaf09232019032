package wxaredis

import (
	"time"

	"github.com/haibao/haibao/wxa"
)

// Layer names where a code was found.
type Layer string

const (
	LayerMemory Layer = "memory"
	LayerDisk   Layer = "disk"
	LayerShared Layer = "shared"
	LayerMiss   Layer = "miss" // nowhere: WeChat is asked
)

// Observer is told what the cluster layer does, e.g. to export it as
// metrics. It never sees a token or a secret; appid is not secret.
type Observer interface {
	// LimiterWait reports a call that was let through after waiting d
	// (0 when it went at once).
	LimiterWait(appid string, class wxa.Class, d time.Duration)
	// LimiterDenied reports a call refused because the wait did not fit
	// its deadline; reason is "budget", "cooldown" or "paused".
	LimiterDenied(appid string, class wxa.Class, reason string)
	CacheLookup(appid string, layer Layer)
	// LockWait reports how long a caller waited for another instance
	// fetching the same code; got says whether the code came from it.
	LockWait(appid string, d time.Duration, got bool)
	// QuotaUsed reports the count of get + createQRCode calls so far.
	QuotaUsed(appid string, used, limit int64)
	ModeChanged(m Mode)
}

// NopObserver ignores everything.
type NopObserver struct{}

func (NopObserver) LimiterWait(string, wxa.Class, time.Duration) {}
func (NopObserver) LimiterDenied(string, wxa.Class, string)      {}
func (NopObserver) CacheLookup(string, Layer)                    {}
func (NopObserver) LockWait(string, time.Duration, bool)         {}
func (NopObserver) QuotaUsed(string, int64, int64)               {}
func (NopObserver) ModeChanged(Mode)                             {}
