package main

import (
	"errors"
	"log/slog"

	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/wxa"
)

var errNoCredentials = errors.New("no WeChat credentials: set HAIBAO_WECHAT_APPID and HAIBAO_WECHAT_SECRET " +
	"(to try it locally, run `haibao fake-wechat` and set HAIBAO_WECHAT_BASE_URL to the address it prints)")

// wechatClient builds the WeChat client from the environment; ok is false
// when no credentials are set.
func wechatClient(sio stdio, logger *slog.Logger) (client *wxa.Client, ok bool, err error) {
	s, err := wxcode.FromEnv(sio.getenv)
	if err != nil {
		return nil, false, err
	}
	if !s.Configured() {
		return nil, false, nil
	}
	c, err := s.Client(logger, nil)
	return c, err == nil, err
}
