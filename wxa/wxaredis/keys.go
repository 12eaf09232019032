package wxaredis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// keys names one app's Redis keys. The hash tag {wx:<appid>} puts them on
// one Redis Cluster slot, which the multi-key scripts need.
type keys string

func keysFor(appid string) keys { return keys("haibao:{wx:" + appid + "}:") }

func (k keys) rate(api string) string     { return string(k) + "rate:" + api }
func (k keys) bulkRate(api string) string { return string(k) + "rate:" + api + ":bulk" }
func (k keys) cooldown() string           { return string(k) + "cooldown" }
func (k keys) code(key string) string     { return string(k) + "code:" + digest(key) }
func (k keys) lock(key string) string     { return string(k) + "lock:" + digest(key) }
func (k keys) token(mode string) string   { return string(k) + "token:" + mode }
func (k keys) tokenLock(mode string) string {
	return string(k) + "token:" + mode + ":lock"
}
func (k keys) quota() string { return string(k) + "quota" }

// digest keeps keys short and free of the request's bytes.
func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// validAppID refuses appids that would break the key layout; WeChat's are
// "wx" and 16 hex digits.
func validAppID(appid string) error {
	if appid == "" || len(appid) > 64 {
		return fmt.Errorf("wxaredis: appid must be 1 to 64 characters")
	}
	for _, r := range appid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("wxaredis: appid may hold only letters, digits, _ and -")
		}
	}
	return nil
}
