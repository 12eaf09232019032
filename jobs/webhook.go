package jobs

import (
	"errors"
	"net/url"

	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/haibao/haibao/remote"
)

// Sign is the X-Haibao-Signature value of a webhook body, so receivers
// can check it came from this service.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// notify POSTs the job's final state to its webhook, retrying failures
// (network errors, 5xx, 429) with doubling delays.
func (m *Manager) notify(ctx context.Context, st State) error {
	body, err := json.Marshal(st.view())
	if err != nil {
		return err
	}
	delay := m.cfg.Backoff
	var last error
	for attempt := 1; attempt <= m.cfg.Retries; attempt++ {
		if attempt > 1 {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return ctx.Err()
			}
			delay *= 2
		}
		last = m.post(ctx, st, body)
		if last == nil {
			return nil
		}
		var pe *permanentError
		if errors.As(last, &pe) || errors.Is(last, remote.ErrAddressNotAllowed) || errors.Is(last, remote.ErrSchemeNotAllowed) || errors.Is(last, remote.ErrBadURL) {
			// Asking again cannot change the answer.
			return last
		}
		m.log.Warn("webhook failed; will retry", "job", st.ID, "attempt", attempt, "err", last)
	}
	return fmt.Errorf("webhook: gave up after %d attempts: %w", m.cfg.Retries, last)
}

// webhookTimeout bounds one delivery attempt.
const webhookTimeout = 10 * time.Second

type permanentError struct{ status int }

func (e *permanentError) Error() string {
	return fmt.Sprintf("webhook: receiver answered %d; not retried", e.status)
}

func (m *Manager) post(ctx context.Context, st State, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, st.Webhook, bytes.NewReader(body))
	if err != nil {
		return &permanentError{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Haibao-Job", st.ID)
	req.Header.Set("X-Haibao-Signature", Sign(m.cfg.WebhookSecret, body))
	resp, err := m.cfg.WebhookClient.Do(req)
	if err != nil {
		// Not the *url.Error: its text holds the URL, tokens in the query
		// included, and this error is logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
		return fmt.Errorf("webhook: receiver answered %d", resp.StatusCode)
	}
	return &permanentError{resp.StatusCode}
}
