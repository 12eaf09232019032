package main

import (
	"log/slog"

	"github.com/haibao/haibao/wxa"
)

// wechatClient builds the WeChat client from the environment; ok is false
// when no credentials are set. Half-set credentials are an error.
func wechatClient(sio stdio, logger *slog.Logger) (client *wxa.Client, ok bool, err error) {
	c, err := readWechatConfig(sio.getenv)
	if err != nil || !c.Configured() {
		return nil, false, err
	}
	client, err = c.newClient(logger, nil)
	return client, err == nil, err
}
