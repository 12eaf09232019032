// Package jobs runs batch jobs for the HTTP service: POST /v1/jobs takes
// rows inline or as an uploaded CSV/XLSX and answers with a job id at
// once, GET /v1/jobs/{id} reports progress and results, DELETE cancels.
// Jobs are kept in a folder (one instance) or in Redis (many: any
// instance answers for any job, and a job whose instance died resumes on
// another once its lease runs out); either way a restarted service
// resumes the unfinished ones and the batch runner skips posters already
// stored. When a job ends its manifest and errors file are stored beside
// its posters, and an optional webhook receives an HMAC-signed POST,
// retried with backoff.
package jobs
