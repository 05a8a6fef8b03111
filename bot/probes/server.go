package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// CheckTimeout bounds each readiness check: an orchestrator probing every
// few seconds wants a fast no rather than a hanging request.
const CheckTimeout = time.Second

// A Check is one condition of readiness. Its Name starts the reason
// /readyz gives when Check returns an error ("slack: not connected").
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// Server serves /healthz, /readyz and /metrics; see [Listen].
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Listen listens on addr (HOST:PORT; port 0 picks a free one) and returns
// a server for [Server.Serve]: /healthz, /readyz answering 200 only when
// every check passes, and /metrics from m. Listening before serving lets
// a taken port fail at start-up rather than in the background.
func Listen(addr string, m *Metrics, checks ...Check) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{ln: ln, srv: &http.Server{
		Handler:           NewHandler(m, checks...),
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}}, nil
}

// Addr returns the address the server listens on, with the port it got.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// shutdownGrace bounds how long Serve waits for requests in flight when
// ctx is done; a scrape or a probe takes milliseconds.
const shutdownGrace = 5 * time.Second

// Serve serves until ctx is done, then stops taking connections, lets the
// requests in flight finish (for up to 5 s) and returns nil; or it
// returns the error that stopped it serving.
func (s *Server) Serve(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(s.ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve probes: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := s.srv.Shutdown(shutCtx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("stop probes: %w", err)
	}
	return nil
}

// NewHandler returns the handler of the three endpoints, for [Listen] and
// for tests.
func NewHandler(m *Metrics, checks ...Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if reason := notReady(r.Context(), checks); reason != "" {
			plain(w, http.StatusServiceUnavailable, reason)
			return
		}
		plain(w, http.StatusOK, "ok")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// notReady runs the checks in order and returns the reason of the first
// that fails, on one line, or "" if all pass.
func notReady(ctx context.Context, checks []Check) string {
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, CheckTimeout)
		err := c.Check(cctx)
		cancel()
		if err != nil {
			msg := strings.Join(strings.Fields(err.Error()), " ")
			if len(msg) > 200 {
				msg = strings.ToValidUTF8(msg[:200], "") + "…"
			}
			return c.Name + ": " + msg
		}
	}
	return ""
}

func plain(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintln(w, body)
}
