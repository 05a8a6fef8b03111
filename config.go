package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"smarketing/commands"
	"smarketing/commands/sides"
	"smarketing/schedules/businesshours"
	"smarketing/schedules/cronspec"
	"smarketing/store"
)

// Config is everything smarketing reads from its environment (SPEC §3).
type Config struct {
	BotToken        string
	AppToken        string
	APIURL          string
	DBPath          string
	LeadsChannels   []string
	RecapChannel    string
	InsightsChannel string // SMARKETING_INSIGHTS_CHANNEL, else the recap channel
	RecapSchedule   string
	Location        *time.Location
	Admins          []string
	SLA             time.Duration
	MeetingReminder time.Duration
	Reactions       map[string]string // emoji name → good, poor or hot
	LogLevel        slog.Level
	LogJSON         bool
	HTTPAddr        string // HOST:PORT of /healthz, /readyz and /metrics; "" for none

	// Sales and Marketing are who is on each side (SPEC §8): users and
	// user groups, resolved by a sides.Roster.
	Sales, Marketing sides.List
	// ReviewEvery is how long an agreed term or persona stays verified
	// before it is due for review (SPEC §8). Read and checked now; the
	// agreed-definitions feature will use it.
	ReviewEvery time.Duration

	// Escalate is who a lead still unrated at twice the SLA mentions
	// (SMARKETING_SLA_ESCALATE): a user or user group ID, "" for nobody.
	Escalate string
	// Hours is the SLA clock (SMARKETING_BUSINESS_HOURS minus
	// SMARKETING_HOLIDAYS); nil runs it always.
	Hours *businesshours.Hours
	// Holidays are the days of SMARKETING_HOLIDAYS.
	Holidays businesshours.Holidays
}

// LoadConfig reads the configuration through getenv and checks every value
// it can without talking to Slack. Each error names the variable and says
// how to fix it.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		BotToken:        get("SLACK_BOT_TOKEN", ""),
		AppToken:        get("SLACK_APP_TOKEN", ""),
		APIURL:          get("SLACK_API_URL", "https://slack.com/api/"),
		DBPath:          get("SMARKETING_DB", "smarketing.db"),
		RecapChannel:    get("SMARKETING_RECAP_CHANNEL", ""),
		InsightsChannel: get("SMARKETING_INSIGHTS_CHANNEL", ""),
		RecapSchedule:   get("SMARKETING_RECAP_SCHEDULE", "0 9 * * MON"),
		HTTPAddr:        get("SMARKETING_HTTP_ADDR", ""),
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !strings.HasPrefix(c.APIURL, "http://") && !strings.HasPrefix(c.APIURL, "https://") {
		fail("SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ (got %q)", c.APIURL)
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	var err error
	if c.LeadsChannels, err = channelList(get("SMARKETING_LEADS_CHANNELS", "")); err != nil {
		fail("SMARKETING_LEADS_CHANNELS: %v", err)
	}
	if c.RecapChannel != "" && !channelID.MatchString(c.RecapChannel) {
		fail("SMARKETING_RECAP_CHANNEL must be a channel ID like C0123ABCD (got %q); find it under the channel name → About", c.RecapChannel)
	}
	if c.InsightsChannel == "" {
		c.InsightsChannel = c.RecapChannel
	} else if !channelID.MatchString(c.InsightsChannel) {
		fail("SMARKETING_INSIGHTS_CHANNEL must be a channel ID like C0123ABCD (got %q); find it under the channel name → About", c.InsightsChannel)
	}
	if _, err := cronspec.Parse(c.RecapSchedule); err != nil {
		fail("SMARKETING_RECAP_SCHEDULE: %v; use 5 cron fields like \"0 9 * * MON\" or a descriptor like @weekly", err)
	}
	tz := get("SMARKETING_TIMEZONE", "UTC")
	if c.Location, err = time.LoadLocation(tz); err != nil || tz == "Local" {
		fail("SMARKETING_TIMEZONE must be an IANA zone such as Europe/Berlin or America/New_York (got %q)", tz)
	}
	for _, id := range strings.Split(get("SMARKETING_ADMINS", ""), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !userID.MatchString(id) {
			fail("SMARKETING_ADMINS must list user IDs like U0123ABCD, separated by commas (got %q)", id)
			continue
		}
		c.Admins = append(c.Admins, id)
	}
	if c.SLA, err = time.ParseDuration(get("SMARKETING_SLA", "24h")); err != nil || c.SLA <= 0 {
		fail("SMARKETING_SLA must be a positive duration such as 24h or 90m (got %q)", get("SMARKETING_SLA", ""))
	}
	if c.MeetingReminder, err = time.ParseDuration(get("SMARKETING_MEETING_REMINDER", "15m")); err != nil || c.MeetingReminder < 0 {
		fail("SMARKETING_MEETING_REMINDER must be a duration such as 15m, or 0s for at the start (got %q)", get("SMARKETING_MEETING_REMINDER", ""))
	}
	if c.Reactions, err = commands.ParseReactions(get("SMARKETING_REACTIONS", commands.DefaultReactions)); err != nil {
		fail("SMARKETING_REACTIONS: %v; write it like +1=good,-1=poor,fire=hot", err)
	}
	if c.Sales, err = sides.ParseList(get("SMARKETING_SALES", "")); err != nil {
		fail("SMARKETING_SALES: %v", err)
	}
	if c.Marketing, err = sides.ParseList(get("SMARKETING_MARKETING", "")); err != nil {
		fail("SMARKETING_MARKETING: %v", err)
	}
	if c.ReviewEvery, err = parseLongDuration(get("SMARKETING_REVIEW_EVERY", "90d")); err != nil {
		fail("SMARKETING_REVIEW_EVERY must be a positive duration in days (90d), weeks (13w) or hours (2160h) (got %q: %v)", get("SMARKETING_REVIEW_EVERY", ""), err)
	}
	if c.Escalate, err = commands.ParseEscalate(get("SMARKETING_SLA_ESCALATE", "")); err != nil {
		fail("SMARKETING_SLA_ESCALATE must be one user ID (U0123ABCD) or user group ID (S0123ABCD) (%v)", err)
	}
	if c.Holidays, err = businesshours.ParseHolidays(get("SMARKETING_HOLIDAYS", "")); err != nil {
		fail("SMARKETING_HOLIDAYS: %v; list dates like 2026-12-25,2027-01-01 or name a file with one date per line", err)
	}
	if spec := get("SMARKETING_BUSINESS_HOURS", ""); spec != "" && c.Location != nil {
		if c.Hours, err = businesshours.Parse(spec, c.Location, c.Holidays); err != nil {
			fail("SMARKETING_BUSINESS_HOURS: %v", err)
		}
	} else if c.Location != nil {
		c.Hours = businesshours.Always(c.Location, c.Holidays)
	}
	if c.HTTPAddr != "" {
		if err := checkHostPort(c.HTTPAddr); err != nil {
			fail("SMARKETING_HTTP_ADDR must be HOST:PORT such as 127.0.0.1:9090 or :9090 (got %q: %v)", c.HTTPAddr, err)
		}
	}
	switch lvl := strings.ToLower(get("LOG_LEVEL", "info")); lvl {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		fail("LOG_LEVEL must be debug, info, warn or error (got %q)", lvl)
	}
	switch f := strings.ToLower(get("LOG_FORMAT", "text")); f {
	case "text":
	case "json":
		c.LogJSON = true
	default:
		fail("LOG_FORMAT must be text or json (got %q)", f)
	}
	return c, errors.Join(errs...)
}

// CheckSlack reports whether both tokens are present and of the right kind.
func (c Config) CheckSlack() error {
	var errs []error
	switch {
	case c.BotToken == "":
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is not set: install the app to your workspace and export its Bot User OAuth Token (xoxb-…)"))
	case !strings.HasPrefix(c.BotToken, "xoxb-"):
		errs = append(errs, fmt.Errorf("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (it starts with %q): use the Bot User OAuth Token from OAuth & Permissions", tokenKind(c.BotToken)))
	}
	switch {
	case c.AppToken == "":
		errs = append(errs, errors.New("SLACK_APP_TOKEN is not set: create an app-level token with the connections:write scope under Basic Information and export it (xapp-…)"))
	case !strings.HasPrefix(c.AppToken, "xapp-"):
		errs = append(errs, fmt.Errorf("SLACK_APP_TOKEN must be an app-level token starting with xapp- (it starts with %q): create one with connections:write under Basic Information", tokenKind(c.AppToken)))
	}
	return errors.Join(errs...)
}

// tokenKind shows only a token's prefix, never the secret part.
func tokenKind(tok string) string {
	if i := strings.Index(tok, "-"); i > 0 && i <= 5 {
		return tok[:i+1]
	}
	return "?"
}

var (
	// Slack IDs are upper-case letters and digits (C…, G…, U…, W…); the
	// check is loose on purpose and mainly catches "#sales" or "@ana".
	channelID = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
	userID    = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
)

// checkHostPort reports what is wrong with addr as a HOST:PORT to listen
// on: the host may be empty (every interface), the port is a number from
// 1 to 65535.
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("not HOST:PORT")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// parseLongDuration reads a positive duration: whole days ("90d") or
// weeks ("13w"), or anything time.ParseDuration takes ("2160h", "1h30m").
func parseLongDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	if unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]; unit != 0 {
		n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return 0, errors.New("write whole days or weeks, such as 90d or 13w")
		case err == nil && n <= 0:
			return 0, errors.New("must be more than zero")
		case err != nil || n > int64(math.MaxInt64/unit):
			return 0, errors.New("too long")
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, errors.New("not a duration")
	case d <= 0:
		return 0, errors.New("must be more than zero")
	}
	return d, nil
}

func channelList(s string) ([]string, error) {
	var out []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !channelID.MatchString(id) {
			return nil, fmt.Errorf("%q is not a channel ID; list IDs like C0123ABCD separated by commas", id)
		}
		out = append(out, id)
	}
	return out, nil
}

// loadDotEnv returns a getenv that falls back to the variables of the
// .env file at path (if it exists) for those the environment does not set.
// The file is read as github.com/joho/godotenv reads it, the way most
// dotenv tools do: KEY=value lines, blank lines and # comments (also after
// an unquoted value), an optional "export ", 'single' quotes taken
// literally, "double" quotes with \n and \" escapes, and $VAR or ${VAR}
// expanded outside single quotes.
func loadDotEnv(path string, getenv func(string) string) (func(string) string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return getenv, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	vals, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		// godotenv's message quotes the file from the bad line on, a token
		// perhaps: the error names the line instead.
		line, what := dotEnvProblem(data, err)
		return nil, fmt.Errorf("%s:%d: %s; write one KEY=value per line, quote values with spaces or #, and start comments with #", path, line, what)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// dotEnvProblem finds the line where the .env file data stops parsing
// (err is the parser's error for the whole file): the line after the
// longest run of whole lines that parses. It says what is wrong there
// without quoting the file.
func dotEnvProblem(data []byte, err error) (line int, what string) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	line = 1
	for n := len(lines) - 1; n > 0; n-- {
		if _, perr := godotenv.UnmarshalBytes(bytes.Join(lines[:n], nil)); perr == nil {
			line = n + 1
			break
		}
	}
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "unterminated quoted value"):
		return line, "a quoted value starts here and is never closed"
	case strings.Contains(msg, "in variable name"):
		return line, "not a KEY=value line (a name holds only letters, digits, _ and .)"
	}
	return line, "not a KEY=value line"
}

// redact hides the secrets in s, a message about to be shown or logged:
// Slack tokens (xoxb-, xoxp-, xapp-, xoxe.xoxp-…) and API tokens (smk_…)
// keep only their prefix, the password of a postgres:// URL and of a
// password= setting become xxxxx (as [store.Redact] writes it), and each
// of known (the configured secrets: tokens, the webhook secret) is
// replaced wherever it appears.
func redact(s string, known ...string) string {
	for _, k := range known {
		if len(k) >= 4 && strings.Contains(s, k) {
			prefix := tokenKind(k) // shown only for Slack's own kinds
			if !strings.HasPrefix(prefix, "xox") && prefix != "xapp-" {
				prefix = ""
			}
			s = strings.ReplaceAll(s, k, prefix+"…")
		}
	}
	if strings.Contains(s, "xox") || strings.Contains(s, "xapp-") {
		s = slackToken.ReplaceAllString(s, "$1…")
	}
	if strings.Contains(s, "smk_") {
		s = apiToken.ReplaceAllString(s, "smk_…")
	}
	if strings.Contains(s, "://") {
		s = urlPassword.ReplaceAllString(s, "${1}xxxxx@")
	}
	if strings.Contains(strings.ToLower(s), "password") {
		s = passwordSetting.ReplaceAllString(s, "${1}xxxxx")
	}
	return s
}

var (
	slackToken      = regexp.MustCompile(`\b((?:xox[a-z]\.)?(?:xox[a-z]|xapp)-)[A-Za-z0-9._-]+`)
	apiToken        = regexp.MustCompile(`\bsmk_[A-Za-z0-9_-]+`)
	urlPassword     = regexp.MustCompile(`(?i)\b((?:postgres|postgresql)://[^:/@\s]*:)[^@\s]+@`)
	passwordSetting = regexp.MustCompile(`(?i)\b(password\s*=\s*)(?:'[^']*'|"[^"]*"|[^\s&'"]+)`)
)

// redactedError is err as shown: its text with the secrets hidden.
type redactedError struct {
	err   error
	known []string
}

func (e *redactedError) Error() string { return redact(e.err.Error(), e.known...) }
func (e *redactedError) Unwrap() error { return e.err }

// secrets are the configured values that must never be shown.
func secrets(getenv func(string) string) []string {
	var out []string
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SMARKETING_WEBHOOK_SECRET"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// slaClock is the SLA clock as the store and the commands take it: nil
// (not a nil *Hours in an interface) when it always runs.
func (c Config) slaClock() store.SLAClock {
	if c.Hours == nil {
		return nil
	}
	return c.Hours
}
