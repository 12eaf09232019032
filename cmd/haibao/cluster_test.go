package main

import (
	"testing"
	"time"
)

func TestClusterSettingsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    clusterConfig
		rate    int
		wantErr string
	}{
		{env: map[string]string{}, want: clusterConfig{}},
		{env: map[string]string{"HAIBAO_REDIS_URL": "redis://127.0.0.1:6379/0", "HAIBAO_INSTANCES": "3", "HAIBAO_WECHAT_RATE": "4000",
			"HAIBAO_WECHAT_BURST": "50", "HAIBAO_WECHAT_BULK_RATE": "1000", "HAIBAO_WECHAT_SHARED_TOKEN": "true",
			"HAIBAO_WECHAT_QUOTA_STOP": "99000", "HAIBAO_WECHAT_QUOTA_USED": "1200", "HAIBAO_CODE_LOCK_LEASE": "5s"},
			rate: 4000,
			want: clusterConfig{RedisURL: "redis://127.0.0.1:6379/0", Instances: 3, Burst: 50, BulkRate: 1000, SharedToken: true,
				QuotaStop: 99000, QuotaUsed: 1200, Lease: 5 * time.Second}},
		{env: map[string]string{"HAIBAO_INSTANCES": "0"}, wantErr: `HAIBAO_INSTANCES must be a positive whole number, got "0"`},
		{env: map[string]string{"HAIBAO_WECHAT_BURST": "lots"}, wantErr: `HAIBAO_WECHAT_BURST must be a positive whole number, got "lots"`},
		{env: map[string]string{"HAIBAO_WECHAT_QUOTA_STOP": "-1"}, wantErr: `HAIBAO_WECHAT_QUOTA_STOP must be a whole number of codes, got "-1"`},
		{env: map[string]string{"HAIBAO_CODE_LOCK_LEASE": "10ms"}, wantErr: `HAIBAO_CODE_LOCK_LEASE must be at least 300ms, got 10ms`},
		{env: map[string]string{"HAIBAO_REDIS_TOPOLOGY": "ring"}, wantErr: `HAIBAO_REDIS_TOPOLOGY must be single, sentinel or cluster, got "ring"`},
		{env: map[string]string{"HAIBAO_INSTANCES": "2", "HAIBAO_WECHAT_TOKEN_MODE": "legacy"}, wantErr: errLegacyWithoutRedis.Error()},
		{env: map[string]string{"HAIBAO_INSTANCES": "1", "HAIBAO_WECHAT_TOKEN_MODE": "legacy"}, want: clusterConfig{Instances: 1}},
		{env: map[string]string{"HAIBAO_INSTANCES": "2", "HAIBAO_REDIS_URL": "redis://r:6379", "HAIBAO_WECHAT_TOKEN_MODE": "legacy"},
			want: clusterConfig{Instances: 2, RedisURL: "redis://r:6379"}},
	} {
		got, err := readWechatConfig(func(k string) string { return tc.env[k] })
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%v: err = %v, want %q", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.Cluster != tc.want || (tc.rate != 0 && (!got.RateSet || got.Rate != tc.rate)) {
			t.Errorf("%v: got %+v, %v; want %+v", tc.env, got.Cluster, err, tc.want)
		}
	}
}
