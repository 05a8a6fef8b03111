package bot

import "time"

// SetUsersClock makes b's user directory read the time from now.
func SetUsersClock(b *Bot, now func() time.Time) { b.users.now = now }

// OnUsersJoin makes b call f whenever a FindUser starts waiting for a
// users.list read that another FindUser began.
func OnUsersJoin(b *Bot, f func()) { b.users.joined = f }
