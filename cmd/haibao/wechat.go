package main

import (
	"log/slog"

	"github.com/haibao/haibao/wxa"
)

// wechatApps builds the WeChat clients, one per app, from the environment;
// ok is false when no credentials are set. Half-set credentials are an
// error.
func wechatApps(sio stdio, logger *slog.Logger) (apps *wxa.Apps, ok bool, err error) {
	c, err := readWechatConfig(sio.getenv)
	if err != nil || !c.Configured() {
		return nil, false, err
	}
	apps, err = c.newApps(logger, nil)
	return apps, err == nil, err
}
