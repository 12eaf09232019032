// Package wxa is the client for WeChat's mini-program code APIs
// (wxacode.getUnlimited, wxacode.get, wxacode.createQRCode): it validates
// requests before they cost a call, keeps the access_token (pausing after
// a failed refresh, from about a second up to five minutes), retries what
// is worth retrying without ever charging the lifetime quota of get and
// createQRCode twice, limits the call rate and caches the codes it gets
// under keys that name the app and the host they came from.
//
// Callers asking for the same code share one call and each waits with its
// own context. Failures to reach WeChat match ErrUnavailable; a caller's
// own deadline running out is context.DeadlineExceeded.
//
// Token storage, the code cache and the rate limiter sit behind interfaces
// (TokenSource, Cache, Limiter) so shared implementations for many
// instances can be dropped in without touching callers.
package wxa
