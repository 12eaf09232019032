// Package wxa is the client for WeChat's mini-program code APIs
// (wxacode.getUnlimited, wxacode.get, wxacode.createQRCode): it validates
// requests before they cost a call, keeps the access_token, retries what is
// worth retrying, limits the call rate and caches the codes it gets.
//
// Token storage, the code cache and the rate limiter sit behind interfaces
// (TokenSource, Cache, Limiter) so shared implementations for many
// instances can be dropped in without touching callers.
package wxa
