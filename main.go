// Command smarketing is a Slack bot that helps sales and marketing work as
// one team: a shared glossary and buyer personas, lead-quality feedback by
// emoji reaction, and scheduled recaps and meeting reminders.
//
// Usage: smarketing [run|shell|manifest|recap|export|import|backup|copy|version|help].
// See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"smarketing/bot"
	"smarketing/bot/probes"
	"smarketing/commands"
	"smarketing/commands/shell"
	"smarketing/commands/sides"
	"smarketing/commands/transfer"
	"smarketing/schedules"
	"smarketing/schedules/cronspec"
	"smarketing/store"
	_ "smarketing/store/postgres" // SMARKETING_DB=postgres://…, for several instances
	"smarketing/store/safefile"
	"smarketing/store/sqlite" // the embedded backend
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `smarketing — sales and marketing, one team, in Slack.

Usage:
  smarketing [run]             connect to Slack (Socket Mode) and serve until Ctrl-C
  smarketing shell             try the commands locally, no Slack needed
  smarketing manifest          print the Slack app manifest to create the app from
  smarketing recap [--post]    print this week's recap, or post it to the recap channel
  smarketing export [-o FILE [--force]]
                               write all data as JSON to stdout or to a new FILE
                               (--force replaces an existing one; never the database)
  smarketing import FILE [--overwrite]
                               load terms and personas from JSON or CSV (re-import updates;
                               newer work is kept unless --overwrite)
  smarketing backup FILE       write a SQLite copy of everything to a new FILE, safe while the bot runs
  smarketing copy DEST         copy everything into the empty database DEST (a SQLite file or
                               a postgres:// URL): the way to move between backends
  smarketing version           print the version

Configuration comes from the environment (and a .env file); see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "smarketing: %v\n\n%s", err, usage)
		os.Exit(2)
	default:
		// One clear line (or one per problem), never a stack trace.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(os.Stderr, "smarketing: %s\n", line)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	// Whatever goes wrong is shown without secrets: those configured
	// (known once the configuration is read), and anything that looks
	// like a token or a password.
	var known []string
	defer func() {
		if err != nil {
			err = &redactedError{err: err, known: known}
		}
	}()
	sub := "run"
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	var file string    // export, import, backup: the file to write or read
	var post bool      // recap --post
	var overwrite bool // import --overwrite
	var force bool     // export --force
	switch sub {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "--version":
		fmt.Fprintf(stdout, "smarketing %s\n", buildVersion())
		return nil
	case "manifest":
		m, err := bot.Manifest("smarketing", commands.Catalog())
		if err != nil {
			return err
		}
		_, err = stdout.Write(m)
		return err
	case "recap":
		flags := flag.NewFlagSet("recap", flag.ContinueOnError)
		flags.SetOutput(io.Discard)
		flags.BoolVar(&post, "post", false, "post to the recap channel")
		if err := flags.Parse(args); err != nil || flags.NArg() > 0 {
			return usageError{"recap takes only --post"}
		}
	case "run", "shell":
		if len(args) > 0 {
			return usageError{fmt.Sprintf("%s takes no arguments (got %q)", sub, strings.Join(args, " "))}
		}
	case "export":
		flags := flag.NewFlagSet("export", flag.ContinueOnError)
		flags.SetOutput(io.Discard)
		flags.StringVar(&file, "o", "", "output file")
		flags.BoolVar(&force, "force", false, "replace an existing output file")
		switch err := flags.Parse(args); {
		case errors.Is(err, flag.ErrHelp):
			fmt.Fprint(stdout, usage)
			return nil
		case err != nil:
			return usageError{"export: " + err.Error()}
		case flags.NArg() > 0:
			return usageError{fmt.Sprintf("export takes no arguments but -o FILE and --force (got %q)", strings.Join(flags.Args(), " "))}
		case force && (file == "" || file == "-"):
			return usageError{"export: --force replaces an existing -o FILE; give -o FILE with it"}
		}
	case "import":
		var files []string
		for _, a := range args {
			switch a {
			case "--overwrite", "-overwrite":
				overwrite = true
			default:
				if strings.HasPrefix(a, "-") && a != "-" {
					return usageError{fmt.Sprintf("import: unknown flag %s (import takes FILE and --overwrite)", a)}
				}
				files = append(files, a)
			}
		}
		if len(files) != 1 {
			return usageError{fmt.Sprintf("import takes exactly one FILE (got %d)", len(files))}
		}
		file = files[0]
	case "backup":
		if len(args) != 1 {
			return usageError{fmt.Sprintf("%s takes exactly one FILE (got %d arguments)", sub, len(args))}
		}
		file = args[0]
	case "copy":
		if len(args) != 1 {
			return usageError{fmt.Sprintf("copy takes exactly one DEST, a SQLite file or a postgres:// URL (got %d arguments)", len(args))}
		}
		file = args[0]
	default:
		return usageError{fmt.Sprintf("unknown command %q", sub)}
	}

	known = secrets(os.Getenv)
	getenv, err := loadDotEnv(".env", os.Getenv)
	if err != nil {
		return err
	}
	known = secrets(getenv)
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	if sub == "run" {
		if err := cfg.CheckSlack(); err != nil {
			return err
		}
	}
	log := newLogger(cfg, stderr, known)
	if (sub == "export" || sub == "backup" || sub == "copy") && !store.IsPostgres(cfg.DBPath) {
		// Open would create an empty database and copy that instead.
		if _, err := os.Stat(cfg.DBPath); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("SMARKETING_DB: %s does not exist; set SMARKETING_DB to the bot's database file", cfg.DBPath)
		}
	}
	if sub == "run" && !store.IsPostgres(cfg.DBPath) {
		unlock, err := sqlite.LockRun(cfg.DBPath, "pid "+strconv.Itoa(os.Getpid())+" on "+hostname())
		if err != nil {
			return fmt.Errorf("SMARKETING_DB: %w", err)
		}
		defer unlock()
	}
	storeOpts := store.Options{Log: log, ReviewEvery: cfg.ReviewEvery}
	var metrics *probes.Metrics // nil, a no-op, but for run
	if sub == "run" {
		metrics = probes.NewMetrics()
		storeOpts.Observer = metrics
	}
	db, err := store.Open(ctx, cfg.DBPath, storeOpts)
	if err != nil {
		return fmt.Errorf("SMARKETING_DB: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			log.Error("close database", "err", cerr)
			if err == nil {
				err = fmt.Errorf("close database: %w", cerr)
			}
		}
	}()

	switch sub {
	case "shell":
		user := shellUser(getenv)
		opts := handlerOptions(cfg)
		opts.Admins = append(opts.Admins, user.ID)
		return (&shell.Shell{
			Handler: commands.New(db, opts), In: stdin, Out: stdout, UserID: user.ID, UserName: user.Name, Prompt: isTerminal(stdin),
		}).Run(ctx)
	case "recap":
		return recap(ctx, cfg, db, log, post, stdout)
	case "export":
		return transfer.Export(ctx, db, file, stdout, transfer.ExportOptions{Force: force, Protect: dbFiles(cfg.DBPath)})
	case "import":
		_, err := transfer.Import(ctx, db, file, transfer.ImportOptions{
			By:  store.Actor{ID: "import", Name: "import"},
			Out: stdout, Progress: stderr, Terminal: transfer.IsTerminal(stderr), Overwrite: overwrite,
			Location: cfg.Location,
		})
		return err
	case "backup":
		return transfer.Backup(ctx, db, file, stdout, dbFiles(cfg.DBPath)...)
	case "copy":
		return copyTo(ctx, cfg, db, file, log, stdout)
	default:
		return serve(ctx, cfg, db, log, metrics)
	}
}

// copyTo copies everything in db into the empty database dest and says
// what it copied. A SQLite file it created is removed again if the copy
// fails.
func copyTo(ctx context.Context, cfg Config, db store.Store, dest string, log *slog.Logger, stdout io.Writer) error {
	if dest == cfg.DBPath {
		return errors.New("copy: DEST is SMARKETING_DB itself; name another database")
	}
	created := false
	if !store.IsPostgres(dest) {
		if _, same := safefile.Same(dest, dbFiles(cfg.DBPath)...); same {
			return fmt.Errorf("copy: %s is SMARKETING_DB itself (another name for the same file); name another database", dest)
		}
		exists, err := safefile.CheckTarget(strings.TrimPrefix(dest, "sqlite:"))
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		created = !exists
	}
	dst, err := store.Open(ctx, dest, store.Options{Log: log})
	if err != nil {
		return fmt.Errorf("copy: open %s: %w", store.Redact(dest), err)
	}
	rep, err := store.Copy(ctx, db, dst)
	err = errors.Join(err, dst.Close())
	if err != nil {
		if created {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(dest + suffix)
			}
		}
		if errors.Is(err, store.ErrNotEmpty) {
			return fmt.Errorf("copy: %s already holds data (%w); copy only into an empty database", store.Redact(dest), err)
		}
		return fmt.Errorf("copy to %s: %w", store.Redact(dest), err)
	}
	var parts []string
	for i, t := range rep.Tables {
		if rep.Rows[i] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, rep.Rows[i]))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing: the source is empty")
	}
	fmt.Fprintf(stdout, "copied %s to %s: %s (row counts verified)\n", store.Redact(cfg.DBPath), store.Redact(dest), strings.Join(parts, ", "))
	return nil
}

// dbFiles are the files of the SQLite database at dsn, which nothing
// the binary writes may replace; none for PostgreSQL.
func dbFiles(dsn string) []string {
	if store.IsPostgres(dsn) {
		return nil
	}
	return sqlite.Files(dsn)
}

// handlerOptions are the command handlers' settings from the configuration.
func handlerOptions(cfg Config) commands.Options {
	return commands.Options{
		Admins: cfg.Admins, Location: cfg.Location,
		LeadsChannels: cfg.LeadsChannels, Reactions: cfg.Reactions, SLA: cfg.SLA, SLAClock: cfg.slaClock(),
		Escalate:     cfg.Escalate,
		RecapChannel: cfg.RecapChannel, InsightsChannel: cfg.InsightsChannel, MeetingReminder: cfg.MeetingReminder, Holidays: cfg.Holidays,
		ReviewEvery: cfg.ReviewEvery,
		// Without Slack (shell, recap) only the users listed by ID count;
		// serve resolves the groups too.
		Sides: sides.NewRoster(cfg.Sales, cfg.Marketing, nil, sides.Options{}),
	}
}

// serve runs the bot and its schedules until ctx is done, counting in
// metrics.
func serve(ctx context.Context, cfg Config, db store.Store, log *slog.Logger, metrics *probes.Metrics) error {
	log.Info("starting", "version", buildVersion(), "db", db.Backend(), "instance", instance(), "api_url", cfg.APIURL,
		"timezone", cfg.Location.String(), "sla", cfg.SLA.String(), "business_hours", cfg.Hours.String(), "leads_channels", len(cfg.LeadsChannels), "admins", len(cfg.Admins),
		"sales_users", len(cfg.Sales.Users), "sales_groups", len(cfg.Sales.Groups),
		"marketing_users", len(cfg.Marketing.Users), "marketing_groups", len(cfg.Marketing.Groups))
	b := bot.New(bot.Options{BotToken: cfg.BotToken, AppToken: cfg.AppToken, APIURL: cfg.APIURL, Log: log, Metrics: metrics})
	if cfg.HTTPAddr != "" {
		// Probes and metrics (SPEC §12): up from before Slack is reached,
		// ready once it is connected, stopped (gracefully) when serve returns.
		srv, err := probes.Listen(cfg.HTTPAddr, metrics,
			probes.Check{Name: "slack", Check: func(context.Context) error {
				if !b.Connected() {
					return errors.New("not connected")
				}
				return nil
			}},
			probes.Check{Name: "database", Check: db.Ping})
		if err != nil {
			return fmt.Errorf("SMARKETING_HTTP_ADDR: %w", err)
		}
		probesCtx, stopProbes := context.WithCancel(context.WithoutCancel(ctx))
		probesDone := make(chan struct{})
		go func() {
			defer close(probesDone)
			if err := srv.Serve(probesCtx); err != nil {
				log.Error("probes", "err", err)
			}
		}()
		defer func() { stopProbes(); <-probesDone }()
		log.Info("serving probes and metrics", "addr", srv.Addr())
	}
	self, err := b.Identify(ctx)
	if err != nil {
		return err
	}
	opts := handlerOptions(cfg)
	opts.WorkspaceURL = self.URL
	// Who is on which side: the user groups are resolved from Slack in
	// the background (at once, then every 30 minutes), and stop with the
	// bot.
	roster := sides.NewRoster(cfg.Sales, cfg.Marketing, b, sides.Options{Log: log})
	opts.Sides = roster
	opts.Users = b   // "/term owner NAME @mo": the typed name, looked up with users.list
	opts.Members = b // "/meeting add": only a member of its channel, checked with conversations.members
	rosterCtx, stopRoster := context.WithCancel(ctx)
	rosterDone := make(chan struct{})
	go func() {
		defer close(rosterDone)
		_ = roster.Run(rosterCtx) // nil once stopped; each failed group is logged
	}()
	defer func() { stopRoster(); <-rosterDone }()
	// A change that may move a reminder's due time sets its timer again
	// (the wakes are set below, before anything is handled).
	var wakeSLA, wakeEscalations, wakeMeetings, wakeActions func()
	opts.Changed = func(c commands.Change) {
		switch c {
		case commands.LeadsChanged:
			wakeSLA()
			wakeEscalations()
		case commands.MeetingsChanged:
			wakeMeetings()
		case commands.ActionsChanged:
			wakeActions()
		}
	}
	h := commands.New(db, opts)

	once := schedules.Once{Store: db, Owner: instance(), Posts: metrics}
	sched := schedules.New(cfg.Location, log)
	// SLA and meeting reminders run on timers set to the next reminder due
	// (within a second of it), and every 10 s for what another instance
	// changed or a claim whose lease ran out (20 s: taken over within 30).
	slaClock := store.SLA{Within: cfg.SLA, Clock: cfg.slaClock()}
	sla := schedules.SLAReminders(schedules.Nudges{Store: db, Once: once, Poster: b, Message: h.SLAReminder(), Log: log}, slaClock)
	wakeSLA = sched.AddTimer("sla", 0, sla.Next, sla.Run)
	// At twice the SLA, one escalation (SPEC §9), on its own timer.
	esc := schedules.Escalations(schedules.Nudges{Store: db, Once: once, Poster: b, Message: h.Escalation(), Log: log}, slaClock)
	wakeEscalations = sched.AddTimer("escalations", 0, esc.Next, esc.Run)
	meetings := &schedules.MeetingReminders{Store: db, Once: once, Messages: h, Poster: b, Before: cfg.MeetingReminder, Log: log}
	wakeMeetings = sched.AddTimer("meeting-reminders", 0, meetings.Next, meetings.Run)
	// Action items: a DM to the owner at 09:00 on the due day and the day
	// after (SPEC §10), on a timer set to the next 09:00 with one due.
	actions := &schedules.ActionReminders{Store: db, Once: once, Messages: h, Poster: b, Location: cfg.Location, Log: log}
	wakeActions = sched.AddTimer("action-reminders", time.Minute, actions.Next, actions.Run)
	// The owner of a term or persona hears once when it falls due for
	// review: a timer set to the next one due, looked at every minute for
	// what another instance agreed meanwhile.
	reviews := &schedules.Reviews{Store: db, Once: once, Messages: h, Poster: b, Every: cfg.ReviewEvery, Log: log}
	sched.AddTimer("reviews", time.Minute, reviews.Next, reviews.Run)
	if cfg.RecapChannel != "" {
		recapJob := &schedules.Recap{Once: once, Build: h.Recap, Poster: b, Uploader: b, Channel: cfg.RecapChannel, Log: log}
		spec, err := cronspec.Parse(cfg.RecapSchedule)
		if err != nil {
			return fmt.Errorf("SMARKETING_RECAP_SCHEDULE: %w", err)
		}
		// Each run goes on while another instance holds its claim, so that
		// a recap an instance died posting is posted (or found in Slack)
		// by a live one once the lease runs out; at start, the last one is
		// caught up if it was missed.
		if err := sched.Add("recap", cfg.RecapSchedule, func(ctx context.Context, at time.Time) error {
			return recapJob.CatchUp(ctx, spec, at)
		}); err != nil {
			return fmt.Errorf("SMARKETING_RECAP_SCHEDULE: %w", err)
		}
		sched.Go("recap-catch-up", func(ctx context.Context) error { return recapJob.CatchUp(ctx, spec, time.Now()) })
	} else {
		log.Warn("no weekly recap: SMARKETING_RECAP_CHANNEL is not set")
	}
	// The schedules stop with the bot, whichever way it stops; a stop lets
	// a timed post in flight finish (schedules.StopGrace).
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan error, 1)
	go func() { schedDone <- sched.Run(schedCtx) }()
	err = b.Run(ctx, h)
	stopSched()
	if serr := <-schedDone; err == nil {
		err = serr
	}
	if err == nil {
		log.Info("stopped")
	}
	return err
}

// recap prints this week's recap, or with post sends it to the recap channel.
func recap(ctx context.Context, cfg Config, db store.Store, log *slog.Logger, post bool, stdout io.Writer) error {
	opts := handlerOptions(cfg)
	now := time.Now()
	if !post {
		r, err := commands.New(db, opts).Recap(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, shell.Render(r.Message))
		return nil
	}
	if cfg.RecapChannel == "" {
		return errors.New("SMARKETING_RECAP_CHANNEL is not set: set it to the channel ID the recap goes to")
	}
	if err := cfg.CheckSlack(); err != nil {
		return err
	}
	b := bot.New(bot.Options{BotToken: cfg.BotToken, AppToken: cfg.AppToken, APIURL: cfg.APIURL, Log: log})
	self, err := b.Identify(ctx)
	if err != nil {
		return err
	}
	opts.WorkspaceURL = self.URL
	r, err := commands.New(db, opts).Recap(ctx, now)
	if err != nil {
		return err
	}
	if _, err := b.Post(ctx, cfg.RecapChannel, "", r.Message); err != nil {
		return fmt.Errorf("post recap: %w", err)
	}
	if r.Chart != nil {
		if err := b.Upload(ctx, cfg.RecapChannel, "recap.png", "Leads posted and % good, last 8 weeks", "Leads posted and share of good ratings per week", r.Chart); err != nil {
			log.Error("upload recap chart", "err", err)
		}
	}
	fmt.Fprintf(stdout, "posted the recap to %s\n", cfg.RecapChannel)
	return nil
}

// newLogger logs to w at the configured level and format, with the
// secrets in known and anything like a token or a password hidden from
// every message and value (an error's text included).
func newLogger(cfg Config, w io.Writer, known []string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		switch a.Value.Kind() {
		case slog.KindString:
			a.Value = slog.StringValue(redact(a.Value.String(), known...))
		case slog.KindAny:
			if err, ok := a.Value.Any().(error); ok {
				a.Value = slog.StringValue(redact(err.Error(), known...))
			}
		}
		return a
	}}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// shellUser is who the shell acts as: the local account, an admin of its
// own database.
func shellUser(getenv func(string) string) store.Actor {
	name := getenv("USER")
	if name == "" {
		name = "you"
	}
	return store.Actor{ID: "USHELL", Name: name}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// instance names this process as the owner of the claims it takes.
func instance() string { return fmt.Sprintf("%s/%d", hostname(), os.Getpid()) }

func hostname() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "localhost"
	}
	return host
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
