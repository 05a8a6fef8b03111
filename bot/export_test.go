package bot

import "time"

// SetUsersClock makes b's user directory read the time from now.
func SetUsersClock(b *Bot, now func() time.Time) { b.users.now = now }

// OnUsersJoin makes b call f whenever a FindUser starts waiting for a
// users.list read that another FindUser began.
func OnUsersJoin(b *Bot, f func()) { b.users.joined = f }

// SetMembersClock makes b's channel member cache read the time from now.
func SetMembersClock(b *Bot, now func() time.Time) { b.members.now = now }

// OnMembersJoin makes b call f whenever an IsMember starts waiting for a
// conversations.members read that another IsMember began.
func OnMembersJoin(b *Bot, f func()) { b.members.joined = f }
