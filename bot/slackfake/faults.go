package slackfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Unacked returns the ids of the envelopes sent so far that have not been acked,
// in the order they were first sent.
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, rec := range s.sock.order {
		if !rec.acked {
			out = append(out, rec.env.EnvelopeID)
		}
	}
	return out
}

// WaitInFlight waits until at least n envelopes are in the client's hands:
// written to a socket, not waiting to be written again, and not acked. It
// returns [ErrClosed] if the server is closed first, or ctx's error.
func (s *Server) WaitInFlight(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool {
		in := 0
		for _, rec := range s.sock.order {
			if !rec.acked && rec.queued == 0 && !rec.sentAt.IsZero() {
				in++
			}
		}
		return in >= n
	})
}

// WaitAcked waits until at least n distinct envelopes have been acked. It returns
// [ErrClosed] if the server is closed first, or ctx's error.
func (s *Server) WaitAcked(ctx context.Context, n int) error {
	err := s.wait(ctx, func() bool { return len(s.sock.firstAck) >= n })
	if err != nil {
		return fmt.Errorf("wait for %d acked envelopes: %w", n, err)
	}
	return nil
}

// WaitAllAcked waits until every envelope sent so far has been acked, counting
// envelopes sent while it waits. It returns [ErrClosed] if the server is closed
// first, or ctx's error naming how many are still unacked.
func (s *Server) WaitAllAcked(ctx context.Context) error {
	var left int
	err := s.wait(ctx, func() bool {
		left = 0
		for _, rec := range s.sock.order {
			if !rec.acked {
				left++
			}
		}
		return left == 0
	})
	if err != nil {
		return fmt.Errorf("wait for every envelope to be acked (%d not): %w", left, err)
	}
	return nil
}

// RetryAttempt returns the retry_attempt envelopeID was last sent (or queued) with,
// and false if it was never sent.
func (s *Server) RetryAttempt(envelopeID string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.sock.envs[envelopeID]
	if rec == nil {
		return 0, false
	}
	return rec.env.RetryAttempt, true
}

// RetryUnacked sends again, on the current socket or the next one, every envelope
// that was written but not acked and is not already waiting to be written, with
// retry_attempt incremented and retry_reason "timeout", as Slack does when an ack
// is late. It returns how many it resent.
func (s *Server) RetryUnacked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, rec := range s.sock.order {
		if rec.acked || rec.sentAt.IsZero() || rec.queued > 0 {
			continue
		}
		rec.env.RetryAttempt++
		rec.env.RetryReason = "timeout"
		s.enqueueLocked(frame{kind: frameEnvelope, envID: rec.env.EnvelopeID, data: MustJSON(rec.env)})
		n++
	}
	return n
}

// WaitAllAckedRetrying waits until every envelope sent so far has been acked,
// resending the unacked ones (see [Server.RetryUnacked]) each time retryAfter
// passes without that, as Slack retries an envelope not acked within 3 s. It
// returns how many envelopes it resent, and [ErrClosed] or ctx's error if not all
// were acked.
func (s *Server) WaitAllAckedRetrying(ctx context.Context, retryAfter time.Duration) (int, error) {
	resent := 0
	for {
		wctx, cancel := context.WithTimeout(ctx, retryAfter)
		err := s.WaitAllAcked(wctx)
		cancel()
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrClosed) {
			return resent, err
		}
		resent += s.RetryUnacked()
	}
}

// HoldPosts makes every chat.postMessage to channel wait, unanswered, until
// release is called or the request ends (the bot gave up, or was killed).
// With stored, the message is in the channel's history at once, as when
// Slack posted it but its answer never reached the bot; without, it is
// stored only on release, so a bot that gives up or dies first never posted
// it. Each held call is recorded when it arrives (see [Server.WaitCall]).
// release answers the held calls and ends the hold; it is idempotent.
func (s *Server) HoldPosts(channel string, stored bool) (release func()) {
	released := make(chan struct{})
	var once sync.Once
	s.Handle("chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil || parseParams(r, body)["channel"] != channel {
			s.ServeDefault(w, r)
			return
		}
		if !stored {
			select {
			case <-released:
				s.ServeDefault(w, r)
			case <-r.Context().Done():
				s.mu.Lock()
				s.abandoned++
				s.broadcastLocked()
				s.mu.Unlock()
			}
			return
		}
		answer := httptest.NewRecorder()
		s.ServeDefault(answer, r)
		select {
		case <-released:
			for k, v := range answer.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(answer.Code)
			_, _ = w.Write(answer.Body.Bytes())
		case <-r.Context().Done():
		}
	})
	return func() {
		once.Do(func() {
			close(released)
			s.Handle("chat.postMessage", nil)
		})
	}
}

// WaitAbandonedPosts waits until n posts held by [Server.HoldPosts] (not
// stored) have been given up by their client — the connection closed, say
// because the bot was killed — so that releasing the hold cannot store
// them. It returns [ErrClosed] if the server is closed first, or ctx's
// error.
func (s *Server) WaitAbandonedPosts(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return s.abandoned >= n })
}
