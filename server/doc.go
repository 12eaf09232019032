// Package server is the poster HTTP service: it renders posters for apps
// (POST with JSON, or signed GET URLs for <img> tags), serves codes and the
// layout list, and reports health and Prometheus metrics. It bounds every
// request (body size, render concurrency and queue, time) and answers every
// error as JSON with a stable code.
package server
