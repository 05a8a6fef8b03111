package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"smarketing/commands/sides"
)

var _ sides.Fetcher = (*Bot)(nil)

// GroupMembers returns the user IDs in the user group groupID
// (usergroups.users.list, scope usergroups:read). It returns an error
// wrapping [sides.ErrGroupNotFound] if Slack has no such group.
func (b *Bot) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	users, err := b.api.GetUserGroupMembersContext(ctx, groupID)
	if err == nil {
		return users, nil
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "no_such_subteam":
			return nil, fmt.Errorf("usergroups.users.list: %w (%s)", sides.ErrGroupNotFound, se.Err)
		case "missing_scope":
			return nil, fmt.Errorf("usergroups.users.list: %w (add the usergroups:read scope: update the app from \"smarketing manifest\" and reinstall it)", err)
		}
	}
	return nil, fmt.Errorf("usergroups.users.list: %w", err)
}
