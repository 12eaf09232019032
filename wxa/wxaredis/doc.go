// Package wxaredis lets many haibao instances share their WeChat state
// through Redis, so that towards WeChat they behave like one careful
// client. It owns the Redis-backed implementations of wxa's interfaces:
//
//   - Limiter: one getUnlimited budget for the whole cluster (GCRA in a Lua
//     script on Redis's clock), a bulk sub-budget, and a shared cooldown
//     after errcode 45009;
//   - Layers: the code cache (memory → disk → Redis → WeChat) with a
//     cluster-wide single flight per code under a short-lease lock;
//   - Tokens: an access_token shared in Redis (stable or legacy), with a
//     lock, a double-check and compare-and-delete of a refused token;
//   - Quota: a shared counter of the lifetime quota of get/createQRCode.
//
// All of one app's keys sit under the hash tag {wx:<appid>} so a Redis
// Cluster keeps them on one slot. When Redis cannot be reached the Store
// switches to local mode (see Mode): live calls use a local limiter at the
// budget divided by the number of instances, bulk work pauses, and cluster
// mode resumes by itself when Redis answers again.
package wxaredis
