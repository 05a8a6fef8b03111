package commands

import (
	"context"
	"fmt"
)

const modalMeetingAdd = "meeting_add"

// meetingStore is what /meeting needs from the database.
type meetingStore interface{}

func (h *Handler) meeting(ctx context.Context, req Request, shared bool) (Response, error) {
	return textResponse("`/meeting` is not available in this version of smarketing yet."), nil
}

func (h *Handler) submitMeeting(ctx context.Context, s Submission) (SubmitResult, error) {
	return SubmitResult{}, fmt.Errorf("unknown form %q", s.CallbackID)
}
