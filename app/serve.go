package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"github.com/meshflow/meshflow/backend/api"
)

// ErrNotLoopback is returned when asked to listen where other machines can
// connect: without TLS, login links and session cookies would cross the
// network in the clear.
var ErrNotLoopback = errors.New("refusing to listen beyond loopback without TLS")

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 15 * time.Second

// Serve runs the UI on the configured address until ctx is cancelled, then
// lets in-flight requests finish. ready, if not nil, is called with the
// bound address once the listener accepts connections.
func (a *App) Serve(ctx context.Context, ready func(net.Addr)) error {
	return a.serve(ctx, ready, defaultTimeouts())
}

// timeouts bound how long a client may hold a connection doing nothing,
// and how many it may hold at once.
type timeouts struct {
	header time.Duration // to send the request line and headers
	body   time.Duration // to send the whole request, body included
	idle   time.Duration // between requests on a kept-alive connection
	// conns is how many connections are served at once; more wait to be
	// accepted. Without a bound, idle connections opened by the thousand
	// use up the file descriptors that tasks, logs and the database need.
	// A browser holds at most six per page, event streams included.
	conns int
}

func defaultTimeouts() timeouts {
	return timeouts{header: 10 * time.Second, body: time.Minute, idle: 2 * time.Minute, conns: 512}
}

func (a *App) serve(ctx context.Context, ready func(net.Addr), limits timeouts) error {
	if err := checkLoopback(a.Config.Addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("serve: %s is taken by another program (perhaps another meshflow with a different --data): "+
			"stop it, or choose another port with --addr 127.0.0.1:8081: %w", a.Config.Addr, err)
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Show the address actually bound, which differs from the configured
	// one when the port is 0.
	a.Config.Addr = ln.Addr().String()
	ln = netutil.LimitListener(ln, limits.conns)
	token := newToken()
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler(a.Workflows().Service, a.Store, token, a.Logger, a.Connections(), a.Inventory()))
	mux.Handle("POST "+api.LoginLinkPath, api.LoginLinks(a.LoginLink, token, a.Logger))
	mux.Handle("/", a.Handler(false))
	// ReadTimeout bounds the whole request, body included, so a slow
	// upload is cut off; it does not cut a long answer (event streams, the
	// API's wait for a run), because net/http lifts the read deadline once
	// the body has been read (TestLongAnswersOutliveTheTimeouts holds it
	// to that). There is no WriteTimeout: it would end every event stream.
	srv := &http.Server{
		Handler:           loopbackHostsOnly(mux),
		ReadHeaderTimeout: limits.header,
		ReadTimeout:       limits.body,
		IdleTimeout:       limits.idle,
	}
	// Shutdown waits for requests to finish but does not cancel them; live
	// pages hold event streams open until their context ends, so end them.
	base, endStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer endStreams()
	srv.BaseContext = func(net.Listener) context.Context { return base }
	srv.RegisterOnShutdown(endStreams)

	workflows, err := a.StartWorkflows(ctx)
	if err != nil {
		return errors.Join(fmt.Errorf("serve: %w", err), ln.Close())
	}
	unpublish, err := a.Dir.publishEndpoint(Endpoint{URL: "http://" + ln.Addr().String(), Token: token, PID: os.Getpid()})
	if err != nil {
		return errors.Join(err, ln.Close(), workflows.Stop())
	}
	defer unpublish()
	a.Logger.Info("serving", "url", "http://"+ln.Addr().String(), "data", string(a.Dir))
	if ready != nil {
		ready(ln.Addr())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.Join(fmt.Errorf("serve: %w", err), workflows.Stop())
	case <-workflows.Done():
		// Pages that cannot run anything are worse than no pages: stop
		// serving and say why, so that a supervisor restarts us.
		a.Logger.Error("workflow system stopped; shutting down")
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if err != nil {
		err = fmt.Errorf("serve: shutdown: %w", err)
	}
	return errors.Join(err, workflows.Stop())
}

// StartWorkflows loads the DAG folder and runs the workflow system in the
// background until it is stopped (or ctx ends).
func (a *App) StartWorkflows(ctx context.Context) (*Background, error) {
	return a.start(ctx, true)
}

// StartEngine runs the engine alone in the background; see RunEngine.
func (a *App) StartEngine(ctx context.Context) (*Background, error) {
	return a.start(ctx, false)
}

func (a *App) start(ctx context.Context, scheduled bool) (*Background, error) {
	w := a.Workflows()
	// Load now, so that the DAGs are known as soon as this returns.
	if err := w.Load(); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b := &Background{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		if scheduled {
			go a.keepLogs(wctx)
			go a.keepInventory(wctx)
		}
		b.err = w.run(wctx, scheduled)
	}()
	return b, nil
}

// Background is the workflow system running beside a UI or a command.
type Background struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

// Done is closed once the workflow system has stopped: after Stop, or on
// its own because it failed, when whatever serves it should stop too.
func (b *Background) Done() <-chan struct{} { return b.done }

// Stop ends the workflow system, waits for it, and says why it failed if
// it did.
func (b *Background) Stop() error {
	b.cancel()
	<-b.done
	return b.err
}

// checkLoopback refuses any address other machines could reach, and says
// what to do instead.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: listen address %q: %w (use HOST:PORT, e.g. 127.0.0.1:8080)", addr, err)
	}
	if isLoopbackHost(host) {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return fmt.Errorf(`%w: %s (%s) can be reached from other machines, and meshflow has no TLS yet: its login links and session cookies would cross the network in the clear.
  To use meshflow on this machine, listen on loopback: --addr 127.0.0.1:8080 (the default).
  To reach it from another machine, forward the port over SSH and browse http://127.0.0.1:8080 there:
      ssh -N -L 8080:127.0.0.1:8080 you@this-machine`, ErrNotLoopback, addr, shown)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackHostsOnly answers only requests addressed to a loopback name. A web
// page elsewhere can point its own domain at 127.0.0.1 (DNS rebinding) and
// would then be same-origin with us; its requests carry its Host, not ours.
func loopbackHostsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if !isLoopbackHost(strings.Trim(host, "[]")) {
			http.Error(w, "meshflow answers only on localhost addresses", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
