package wxaredis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/haibao/haibao/wxa/wxaredis"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  wxaredis.Config
		want string
	}{
		{wxaredis.Config{URL: "redis://127.0.0.1:6379/0"}, ""},
		{wxaredis.Config{URL: "rediss://user:pw@redis.internal:6380", Topology: wxaredis.TopologyCluster}, ""},
		{wxaredis.Config{URL: "http://127.0.0.1:6379"}, "wxaredis: the Redis URL must look like redis://host:6379/0 or rediss://…"},
		{wxaredis.Config{URL: "127.0.0.1:6379"}, "wxaredis: the Redis URL must look like redis://host:6379/0 or rediss://…"},
		{wxaredis.Config{URL: "redis://h:1", Topology: "ring"}, `wxaredis: topology must be single, sentinel or cluster, got "ring"`},
		{wxaredis.Config{URL: "redis://h:1", Instances: -1}, "wxaredis: the number of instances must not be negative"},
	} {
		err := tc.cfg.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cfg.Topology, got, tc.want)
		}
	}
}

// TestOpenKeepsPasswordOutOfErrors: a malformed URL's error must not quote
// the URL, which carries the password.
func TestOpenKeepsPasswordOutOfErrors(t *testing.T) {
	_, err := wxaredis.Open(context.Background(), wxaredis.Config{URL: "redis://u:s3cret-pw@127.0.0.1:1/0?bogus_option=1"})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("err = %v", err)
	}
}

// TestStartsLocalWithoutRedis: a Redis that is not there yet is not a
// start-up failure; the store begins in local mode.
func TestStartsLocalWithoutRedis(t *testing.T) {
	s, err := wxaredis.Open(context.Background(), wxaredis.Config{URL: "redis://127.0.0.1:1/0", Instances: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Mode() != wxaredis.ModeLocal || s.Instances() != 4 {
		t.Fatalf("mode %s with %d instances, want local with 4", s.Mode(), s.Instances())
	}
}
