package commands

import "context"

// metricsStore is what /metrics needs from the database.
type metricsStore interface{}

func (h *Handler) metrics(ctx context.Context, req Request, shared bool) (Response, error) {
	return textResponse("`/metrics` is not available in this version of smarketing yet."), nil
}
