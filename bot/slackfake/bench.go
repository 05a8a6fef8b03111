package slackfake

import (
	"context"
	"fmt"
	"slices"
)

// Support for load tests and benchmarks, which send thousands of envelopes
// and should not wait on each ack one by one.

// AckedCount returns how many distinct envelope ids have been acked so far.
func (s *Server) AckedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sock.firstAck)
}

// WaitAckedCount waits until at least n distinct envelope ids have been
// acked, as counted by [Server.AckedCount]. It returns [ErrClosed] if the
// server is closed first, or ctx's error.
func (s *Server) WaitAckedCount(ctx context.Context, n int) error {
	err := s.wait(ctx, func() bool { return len(s.sock.firstAck) >= n })
	if err != nil {
		return fmt.Errorf("wait for %d acked envelopes: %w", n, err)
	}
	return nil
}

// AcksFrom returns the acks read so far from the i-th on (0-based, in the
// order of [Server.Acks]), without copying the earlier ones.
func (s *Server) AcksFrom(i int) []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.sock.acks) {
		return nil
	}
	return slices.Clone(s.sock.acks[i:])
}

// AckCount returns how many acks have been read so far (redeliveries acked
// again count again): the index the next ack will have in [Server.Acks].
func (s *Server) AckCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sock.acks)
}
