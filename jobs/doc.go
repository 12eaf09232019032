// Package jobs runs batch jobs for the HTTP service: POST /v1/jobs takes
// rows inline or as an uploaded CSV/XLSX and answers with a job id at
// once, GET /v1/jobs/{id} reports progress and results, DELETE cancels.
// Jobs live in a folder (input, state, manifest, errors), so a restarted
// service finds them and resumes the unfinished ones; the batch runner
// skips posters already stored. When a job ends, an optional webhook
// receives an HMAC-signed POST, retried with backoff.
package jobs
